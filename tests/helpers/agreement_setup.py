"""Shared by the set-up tests (tests/agreements/test_setup.py) and the browser journey: the
pasted texts, and an agreement's structure as a list of texts to compare."""

from pathlib import Path

from agreements.models import Agreement

DATA = Path(__file__).parent.parent / "agreements" / "data"
HALOGALAND_TEXT = (DATA / "tromsvekstavtalen-halogaland.txt").read_text(encoding="utf-8")
MIDT_TROMS_TEXT = (DATA / "midt-troms-eksempel.txt").read_text(encoding="utf-8")


def structure_texts(source: Agreement | dict) -> list[tuple[str, str]]:
    """(where, text) of every innsatsområde, delmål, strategy, central theme, long-term effect
    and process step, from an agreement in the database or from the loader's dict."""
    if isinstance(source, dict):
        return _from_dict(source)
    texts = []
    for area in source.focus_areas.order_by("number"):
        texts.append((f"innsatsområde {area.number}", area.title))
        for goal in area.sub_goals.order_by("order"):
            texts.append((f"delmål {goal.code}", goal.text))
            texts += [(f"strategi {s.label}", s.text) for s in goal.strategies.order_by("order")]
    for key, queryset in (
        ("central_themes", source.central_themes),
        ("long_term_effects", source.long_term_effects),
        ("process_events", source.process_events),
    ):
        texts += [(f"{key} {item.order}", item.text) for item in queryset.order_by("order")]
    return texts


def _from_dict(data: dict) -> list[tuple[str, str]]:
    texts = []
    for area in data["focus_areas"]:
        texts.append((f"innsatsområde {area['number']}", area["title"]))
        for goal in area["sub_goals"]:
            texts.append((f"delmål {goal['code']}", goal["text"]))
            for n, item in enumerate(goal["strategies"], start=1):
                text = item["text"] if isinstance(item, dict) else item
                texts.append((f"strategi {goal['code']}.{n}", text))
    for key in ("central_themes", "long_term_effects", "process_events"):
        for n, item in enumerate(data[key], start=1):
            texts.append((f"{key} {n}", item["text"] if isinstance(item, dict) else item))
    return texts
