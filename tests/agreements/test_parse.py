"""agreements/parse.py: the pasted text of an agreement read into the loader's dict.

The real test is the Hålogaland agreement as copied from its PDF
(``data/tromsvekstavtalen-halogaland.txt``): it must give exactly the texts of the fixture
the portal loads (fixtures/tromsvekstavtalen-halogaland.json), text by text.
"""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agreements.parse import (
    count_texts,
    join_lines,
    parse_agreement_text,
    process_when,
    split_blocks,
    strip_footnote_marks,
    structure_problems,
)
from tests.factories import AGREEMENT_FILE

SOURCE = Path(__file__).parent / "data" / "tromsvekstavtalen-halogaland.txt"
CHAPTER_TEXTS = [
    "introduction",
    "overall_goal",
    "knowledge_basis",
    "focus_areas_intro",
    "collaboration_structure",
    "central_themes_intro",
    "administrative_follow_up",
    "long_term_effects_intro",
    "evaluation_text",
    "process_intro",
    "place_signed",
]


@pytest.fixture(scope="module")
def fixture() -> dict:
    return json.loads(AGREEMENT_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def parsed():
    return parse_agreement_text(SOURCE.read_text(encoding="utf-8"))


def _strategy(item) -> dict:
    return item if isinstance(item, dict) else {"text": item, "note": "", "note_url": ""}


def _structure_texts(data: dict) -> list[tuple[str, str]]:
    """Every text of the structure with where it is, in document order."""
    texts = []
    for area in data["focus_areas"]:
        texts.append((f"innsatsområde {area['number']}", area["title"]))
        for goal in area["sub_goals"]:
            texts.append((f"delmål {goal['code']}", goal["text"]))
            for n, item in enumerate(goal["strategies"], start=1):
                texts.append((f"strategi {goal['code']}.{n}", _strategy(item)["text"]))
    for key in ("central_themes", "long_term_effects"):
        texts += [(f"{key} {n}", text) for n, text in enumerate(data[key], start=1)]
    texts += [(f"process {n}", e["text"]) for n, e in enumerate(data["process_events"], start=1)]
    return texts


def test_halogaland_gives_the_59_texts_of_the_fixture(parsed, fixture):
    expected = _structure_texts(fixture)
    assert len(expected) == 59  # 4 + 6 + 20 strategies + 5 themes + 13 effects + 11 steps
    got = _structure_texts(parsed.data)
    assert [where for where, _ in got] == [where for where, _ in expected]
    for (where, text), (_, wanted) in zip(got, expected, strict=True):
        assert text == wanted, where
    assert count_texts(parsed.data) == count_texts(fixture) == 59
    assert parsed.unplaced == []


def test_halogaland_chapters_notes_dates_and_signatories(parsed, fixture):
    for key in CHAPTER_TEXTS:
        assert parsed.data[key] == fixture[key], key
    strategies = [
        _strategy(item)
        for area in parsed.data["focus_areas"]
        for goal in area["sub_goals"]
        for item in goal["strategies"]
    ]
    wanted = [
        _strategy(item)
        for area in fixture["focus_areas"]
        for goal in area["sub_goals"]
        for item in goal["strategies"]
    ]
    assert [s["note"] for s in strategies] == [s["note"] for s in wanted]
    assert parsed.data["process_events"] == fixture["process_events"]
    assert parsed.data["signatories"] == [
        {"name": s["name"], "title": s["title"]} for s in fixture["signatories"]
    ]
    assert [a["number"] for a in parsed.data["focus_areas"]] == [1, 2, 3, 4]


def test_windows_line_ends_and_no_break_spaces_read_the_same(parsed):
    text = SOURCE.read_text(encoding="utf-8").replace("\n", "\r\n")
    assert parse_agreement_text(text).data == parsed.data


def test_words_broken_over_lines_are_joined():
    assert join_lines(["Hålogalands-", "rådet er"]) == "Hålogalandsrådet er"
    assert join_lines(["Troms 2025-", "2028, og"]) == "Troms 2025-2028, og"
    assert join_lines(["bo- og ", "arbeid"]) == "bo- og arbeid"
    assert join_lines(["Midt-", "Troms og"]) == "Midt-Troms og"


def test_a_bullet_goes_on_after_a_page_break_only_when_unfinished():
    blocks, _ = split_blocks("• Første del av \n\nsetningen.\n\n• Ferdig.\n\nNytt avsnitt.")
    assert [(b.kind, b.text) for b in blocks] == [
        ("bullet", "Første del av setningen."),
        ("bullet", "Ferdig."),
        ("para", "Nytt avsnitt."),
    ]


def test_footnote_marks_are_taken_out_only_for_footnotes_that_exist():
    text, found = strip_footnote_marks("Se kapittel 5.1 og kommune.1 Mer.", {"1": "Kilde"})
    assert (text, found) == ("Se kapittel 5.1 og kommune. Mer.", ["1"])
    assert strip_footnote_marks("Lofoten.2", {"1": "x"}) == ("Lofoten.2", [])


@pytest.mark.parametrize(
    ("text", "when", "date"),
    [
        ("Verksted 17. januar 2024, i regi av fylket.", "17. januar 2024", "2024-01-17"),
        ("Arbeidsmøte 14.februar 2025 mellom partene.", "14. februar 2025", "2025-02-14"),
        ("Besøk i kommunene, våren 2024.", "våren 2024", None),
        ("Møter gjennom 2024 og 1. kvartal 2025.", "2024 og 1. kvartal 2025", None),
        ("Møte 31. februar 2025.", "31. februar 2025", None),
        ("Uten tid.", "", None),
    ],
)
def test_when_a_process_step_happened(text, when, date):
    assert process_when(text) == (when, date)


def test_text_outside_the_structure_is_returned_not_lost():
    result = parse_agreement_text(
        "Tittel på forsiden\n\n"
        "4 Innsatsområder og delmål\n\nInnledning.\n\n"
        "Innsatsområde 1 – Bolig\n\nDelmål 1.1: Flere boliger.\n\nStrategier:\n"
        "• Bygge mer.\n\nEt løst avsnitt midt i.\n\n"
        "6 Langsiktige effekter og evaluering\n\nIntro:\n• Effekt.\n\nEvaluering.\n"
    )
    assert result.unplaced == ["Tittel på forsiden", "Et løst avsnitt midt i."]
    area = result.data["focus_areas"][0]
    assert area["title"] == "Bolig"
    assert area["sub_goals"][0]["strategies"][0]["text"] == "Bygge mer."
    assert result.data["focus_areas_intro"] == "Innledning."
    assert result.data["long_term_effects"] == ["Effekt."]
    assert result.data["evaluation_text"] == "Evaluering."


@pytest.mark.parametrize("text", ["", "\x00\ufffd", "• \n\n1\t\n", "Delmål 1.1: uten område"])
def test_anything_else_parses_without_error(text):
    result = parse_agreement_text(text)
    assert count_texts(result.data) == 0


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=80),
            st.sampled_from(
                [
                    "1 Innledning",
                    "4 Innsatsområder og delmål",
                    "Innsatsområde 1 – Bolig",
                    "Delmål 1.1: Mål",
                    "•\t Punkt uten slutt",
                    "• Punkt.",
                    "2\t Fotnote",
                    "6 Langsiktige effekter og evaluering",
                    "Sted, ",
                    "Forankring og prosess",
                    "",
                    "Møte 31. februar 2025.",
                ]
            ),
        ),
        max_size=40,
    )
)
def test_any_text_parses_into_the_loaders_shape(lines):
    result = parse_agreement_text("\n".join(lines))
    data = result.data
    problems = structure_problems(data)
    for area in data["focus_areas"]:
        assert area["number"] >= 1 and area["title"]
        for goal in area["sub_goals"]:
            assert goal["text"] and all(s["text"] for s in goal["strategies"])
            if not problems:
                assert goal["code"].split(".")[0] == str(area["number"])
    assert all(isinstance(text, str) for text in data["central_themes"] + data["long_term_effects"])
    assert count_texts(data) >= 0


def test_numbering_that_breaks_the_models_rules_is_reported(parsed):
    assert structure_problems(parsed.data) == []
    result = parse_agreement_text(
        "4 Innsatsområder og delmål\n\nInnsatsområde 1 – A\n\nDelmål 2.1: Feil sted.\n\n"
        "Delmål 2.1: To ganger.\n\nInnsatsområde 1 – B\n"
    )
    zero = parse_agreement_text(
        "4 Innsatsområder og delmål\n\nInnsatsområde 0 – A\n\nDelmål 0.1: Null.\n\n"
        "Delmål 0.01: Null.\n"
    )
    assert structure_problems(zero.data) == [
        ("area-zero", {"number": 0}),
        ("goal-code", {"code": "0.1"}),
        ("goal-code", {"code": "0.01"}),
    ]
    assert structure_problems(result.data) == [
        ("area-twice", {"number": 1}),
        ("goal-elsewhere", {"code": "2.1", "number": 1}),
        ("goal-elsewhere", {"code": "2.1", "number": 1}),
        ("goal-twice", {"code": "2.1"}),
    ]
