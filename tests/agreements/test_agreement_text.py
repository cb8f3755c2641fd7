"""The agreement in the database says, word for word, what the signed agreement says.

The source is the text extracted from the signed PDF, kept unchanged beside this file in
``data/tromsvekstavtalen-halogaland.txt`` (a copy of ``shared/agreement/`` in the design
notes). It is parsed here on its own, without the fixture JSON or the loader, so that a mistake
in either shows up as a difference from the agreement text.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from agreements.models import Agreement, Strategy

SOURCE = Path(__file__).parent / "data" / "tromsvekstavtalen-halogaland.txt"

BULLET = re.compile(r"^•\s+")
PAGE_FOOTNOTE = re.compile(r"^\d+\t")  # "1\t Hjem | Troms i tall (tromsfylke.no)"
FOOTNOTE_MARK = re.compile(r"(?<=[^\W\d_][.])\d+$")  # "Lofoten.2" -> "Lofoten."
SECTION_HEADING = re.compile(r"^\d+(\.\d+)?\s+(–\s+)?[A-ZÆØÅ]")  # "5.1 Struktur …", "5.2 – Adm…"
FOCUS_AREA = re.compile(r"^Innsatsområde (\d+) – (.+)$")
SUB_GOAL = re.compile(r"^Delmål (\d+\.\d+): (.+)$")
SENTENCE_END = (".", ":", "!", "?")


# --- Reading the extracted PDF text ----------------------------------------------------------


def join_lines(before: str, after: str) -> str:
    """Join two lines of running text, undoing the line-end hyphenation of the PDF.

    "driv-" + "krefter" -> "drivkrefter"; "2025-" + "2028" -> "2025-2028"; anything else is
    joined with a space ("samfunns- og" stays as it is, its hyphen is not at a line end).
    """
    if not before:
        return after
    if len(before) > 1 and before.endswith("-"):
        left, right = before[-2], after[:1]
        if left.isalpha() and right.islower():
            return before[:-1] + after
        if left.isdigit() and right.isdigit():
            return before + after
    return before + " " + after


def clean_line(line: str) -> str:
    return FOOTNOTE_MARK.sub("", line.strip())


def is_heading(line: str) -> bool:
    return bool(SECTION_HEADING.match(line)) or line.startswith(
        ("Innsatsområde ", "Delmål ", "Strategier:", "Forankring og prosess")
    )


@dataclass
class Block:
    """A paragraph or a bullet, with its text joined and its original lines."""

    kind: str  # "para" or "bullet"
    lines: list[str] = field(default_factory=list)
    text: str = ""

    def add(self, line: str) -> None:
        self.lines.append(line)
        self.text = join_lines(self.text, line)


def blocks(raw: str) -> list[Block]:
    """Split the text into paragraphs and bullets.

    A bullet runs on over the following lines, and over blank lines too when it stops mid-sentence
    and no heading follows ("Forsva-" / "" / "rets aktivitet…", "leveranser til" / "" /
    "Forsvaret.").
    """
    out: list[Block] = []
    current: Block | None = None
    blank_since_current = False
    for raw_line in raw.splitlines():
        if PAGE_FOOTNOTE.match(raw_line):
            continue
        line = clean_line(raw_line)
        if not line:
            blank_since_current = True
            continue
        if BULLET.match(line):
            current = Block("bullet")
            current.add(BULLET.sub("", line))
            out.append(current)
        elif current is not None and (
            not blank_since_current
            or (
                current.kind == "bullet"
                and not current.text.endswith(SENTENCE_END)
                and not is_heading(line)
            )
        ):
            current.add(line)
        else:
            current = Block("para")
            current.add(line)
            out.append(current)
        blank_since_current = False
    return out


@dataclass
class AgreementText:
    overall_goal: str = ""
    focus_areas: list[tuple[int, str]] = field(default_factory=list)
    # code -> (focus-area number, text, [strategies])
    sub_goals: dict[str, tuple[int, str, list[str]]] = field(default_factory=dict)
    central_themes: list[str] = field(default_factory=list)
    long_term_effects: list[str] = field(default_factory=list)
    process_steps: list[str] = field(default_factory=list)
    signatories: list[tuple[str, str]] = field(default_factory=list)

    @property
    def strategies(self) -> list[str]:
        return [s for _, _, strategies in self.sub_goals.values() for s in strategies]


def parse(raw: str) -> AgreementText:
    """Walk the blocks: each heading says where the bullets that follow belong."""
    text = AgreementText()
    bullets_go_to: list[str] | None = None
    section = ""
    area_number = 0
    stray: list[str] = []
    for block in blocks(raw):
        if block.kind == "bullet":
            if bullets_go_to is None:
                stray.append(block.text)
            else:
                bullets_go_to.append(block.text)
            continue
        para = block.text
        bullets_go_to = None
        if para == "Strategier:":  # a label before the bullets, not a bullet itself
            bullets_go_to = text.sub_goals[next(reversed(text.sub_goals))][2]
        elif SECTION_HEADING.match(para) or para == "Forankring og prosess":
            section = para
        elif match := FOCUS_AREA.match(para):
            area_number = int(match[1])
            text.focus_areas.append((area_number, match[2]))
        elif match := SUB_GOAL.match(para):
            text.sub_goals[match[1]] = (area_number, match[2], [])
            bullets_go_to = text.sub_goals[match[1]][2]
        elif section.startswith("2 Overordnet mål"):
            text.overall_goal = join_lines(text.overall_goal, para)
        elif section == "Forankring og prosess":  # vedlegg 1: its intro, then the steps
            bullets_go_to = text.process_steps
        elif para == "Videre vil sentrale tema være:":
            bullets_go_to = text.central_themes
        elif para == "Langsiktige resultater:":
            bullets_go_to = text.long_term_effects
        elif section.startswith("6 ") and len(block.lines) == 2 and "." not in para:
            name, title = block.lines  # after "Tromsø/Narvik,": name, then title, per party
            text.signatories.append((name, title))
    assert not stray, f"bullets outside any list: {stray}"
    return text


@pytest.fixture(scope="module")
def source() -> AgreementText:
    return parse(SOURCE.read_text(encoding="utf-8"))


# --- The reader itself -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "joined"),
    [
        ("fungerer som driv-", "krefter for hele", "fungerer som drivkrefter for hele"),
        ("for Troms 2025-", "2028, Regional", "for Troms 2025-2028, Regional"),
        ("Styrket samfunns- og arealplanarbeid,", "inkludert", None),
        ("en attraktiv bo -og", "arbeidsmarkedsregion", None),
        ("Hå-", "logalandsrådet", "Hålogalandsrådet"),
    ],
)
def test_line_end_hyphenation_is_joined_but_real_hyphens_stay(before, after, joined):
    assert join_lines(before, after) == (joined or f"{before} {after}")


def test_footnote_marks_are_stripped_but_numbers_in_the_text_stay():
    assert clean_line("Vesterålen og Lofoten.2") == "Vesterålen og Lofoten."
    assert clean_line("til Troms fylkeskommune.1 ") == "til Troms fylkeskommune."
    assert clean_line("jamfør kapittel 5.1.") == "jamfør kapittel 5.1."
    assert clean_line("Administrative arbeidsmøter gjennom 2024") == (
        "Administrative arbeidsmøter gjennom 2024"
    )


def test_a_bullet_runs_on_across_blank_lines_but_a_label_is_not_a_bullet():
    raw = (
        "Strategier:\n•\t Legge til rette, Forsva-\n\nrets aktivitet\n\n"
        "•\t Bidra til noe.\n•\t Styrke leveranser til \n\nForsvaret.\n\n"
        "5 Avtalepartenes oppfølging av avtalen\n"
    )
    found = blocks(raw)
    assert [(b.kind, b.text) for b in found] == [
        ("para", "Strategier:"),
        ("bullet", "Legge til rette, Forsvarets aktivitet"),
        ("bullet", "Bidra til noe."),
        ("bullet", "Styrke leveranser til Forsvaret."),
        ("para", "5 Avtalepartenes oppfølging av avtalen"),
    ]


# --- What the agreement text says ------------------------------------------------------------


def test_the_text_has_the_agreement_s_structure(source):
    assert len(source.focus_areas) == 4
    assert [number for number, _ in source.focus_areas] == [1, 2, 3, 4]
    assert list(source.sub_goals) == ["1.1", "1.2", "1.3", "2.1", "3.1", "4.1"]
    counts = {code: len(strategies) for code, (_, _, strategies) in source.sub_goals.items()}
    assert counts == {"1.1": 2, "1.2": 4, "1.3": 4, "2.1": 3, "3.1": 4, "4.1": 3}
    assert len(source.strategies) == 20
    assert len(source.central_themes) == 5
    assert len(source.long_term_effects) == 13
    assert len(source.process_steps) == 11
    assert len(source.signatories) == 2


def test_the_reader_undoes_the_pdf_layout(source):
    """Spot checks on the hard places of the PDF text."""
    assert source.focus_areas[1] == (
        2,
        "Styrket samfunns- og arealplanarbeid, inkludert tilrettelegging for grønne "
        "industriområder",
    )
    assert source.sub_goals["4.1"][2][0].startswith(
        "Legge til rette for en helhetlig samfunnsutvikling i Hålogalandsregionen som følge av "
        "Forsvarets aktivitet"
    )
    assert source.sub_goals["4.1"][2][0].endswith("familieliv og fast bosetting")
    assert source.sub_goals["3.1"][2][3].endswith("Vesterålen og Lofoten.")
    assert "som grenseregion, blant annet" in source.sub_goals["2.1"][2][2]
    assert source.process_steps[4].endswith("våren 2024.")
    everything = [
        source.overall_goal,
        *(title for _, title in source.focus_areas),
        *(text for _, text, _ in source.sub_goals.values()),
        *source.strategies,
        *source.central_themes,
        *source.long_term_effects,
        *source.process_steps,
    ]
    for text in everything:
        assert not re.search(r"\s\s|•|\t", text), text
        assert not re.search(r"[^\W\d]- (?!og\b)", text), f"hyphenation left in {text!r}"
        assert not re.search(r"[^\W\d][.]\d", text), f"footnote mark left in {text!r}"
    assert source.overall_goal == (
        "Skape samhandling for Hålogalandsregionen som en attraktiv bo -og "
        "arbeidsmarkedsregion, der folk ønsker å bo og arbeide."
    )
    assert source.signatories == [
        ("Kristina Torbergsen", "Fylkesordfører i Troms"),
        ("Rune Edvardsen", "Leder Hålogalandsrådet"),
    ]


# --- The database says the same --------------------------------------------------------------


def differences(source: AgreementText, agreement: Agreement) -> list[str]:
    """Every place where the stored agreement differs from the agreement text."""
    found: list[str] = []

    def compare(where: str, expected, stored) -> None:
        if expected != stored:
            found.append(f"{where}: text says {expected!r}, database has {stored!r}")

    agreement.refresh_from_db()
    compare("overall goal", source.overall_goal, agreement.overall_goal)
    compare(
        "focus areas",
        source.focus_areas,
        list(agreement.focus_areas.order_by("number").values_list("number", "title")),
    )
    stored_goals = {
        goal.code: goal for goal in agreement.sub_goals.select_related("focus_area").all()
    }
    compare("sub-goal codes", list(source.sub_goals), sorted(stored_goals))
    for code, (area_number, text, strategies) in source.sub_goals.items():
        goal = stored_goals.get(code)
        if goal is None:
            continue
        compare(f"delmål {code} focus area", area_number, goal.focus_area.number)
        compare(f"delmål {code}", text, goal.text)
        compare(
            f"strategies under delmål {code}",
            strategies,
            list(goal.strategies.order_by("order").values_list("text", flat=True)),
        )
    compare(
        "central themes",
        source.central_themes,
        list(agreement.central_themes.order_by("order").values_list("text", flat=True)),
    )
    compare(
        "long-term effects",
        source.long_term_effects,
        list(agreement.long_term_effects.order_by("order").values_list("text", flat=True)),
    )
    compare(
        "process steps",
        source.process_steps,
        list(agreement.process_events.order_by("order").values_list("text", flat=True)),
    )
    compare(
        "signatories",
        source.signatories,
        list(agreement.signatories.order_by("order").values_list("name", "title")),
    )
    return found


def test_the_loaded_agreement_says_exactly_what_the_text_says(source, agreement):
    assert differences(source, agreement) == []
    assert Strategy.objects.filter(sub_goal__agreement=agreement).count() == 20


def test_an_edited_strategy_is_noticed(source, agreement):
    strategy = Strategy.objects.get(sub_goal__agreement=agreement, sub_goal__code="1.3", order=2)
    strategy.text = strategy.text.replace("internasjonal", "nasjonal")
    strategy.save()

    found = differences(source, agreement)
    assert len(found) == 1
    assert found[0].startswith("strategies under delmål 1.3: ")
    assert "med regional og nasjonal profil." in found[0]


def test_a_strategy_under_the_wrong_sub_goal_is_noticed(source, agreement):
    strategy = Strategy.objects.get(sub_goal__agreement=agreement, sub_goal__code="4.1", order=3)
    strategy.sub_goal = agreement.sub_goals.get(code="3.1")
    strategy.order = 5
    strategy.save()

    found = differences(source, agreement)
    assert [line.split(":")[0] for line in found] == [
        "strategies under delmål 3.1",
        "strategies under delmål 4.1",
    ]


def test_swapped_strategies_are_noticed(source, agreement):
    first, second = Strategy.objects.filter(
        sub_goal__agreement=agreement, sub_goal__code="1.2"
    ).order_by("order")[:2]
    first.text, second.text = second.text, first.text
    first.save()
    second.save()

    assert len(differences(source, agreement)) == 1


SHARED = Path(__file__).resolve().parents[3] / "shared" / "agreement" / SOURCE.name


@pytest.mark.skipif(not SHARED.exists(), reason=f"{SHARED} is not on this machine")
def test_the_copy_beside_the_tests_is_the_shared_agreement_text():
    assert SOURCE.read_bytes() == SHARED.read_bytes()
