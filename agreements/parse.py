"""Reading a pasted Tromsvekstavtale into the loader's dict (agreements/loader.py).

The agreements share one document structure (as in ``tromsvekstavtalen-halogaland.txt``, text
copied from the PDF): numbered chapters («1 Innledning», «2 Overordnet mål for avtalen», …),
«Innsatsområde N – tittel», «Delmål N.N: tekst», bulleted strategies under each delmål, the
central themes as bullets after the paragraph that ends in a colon in «Struktur for strategisk
samhandling», the long-term effects as bullets in «Langsiktige effekter», the place and the
signatories after the evaluation text, and «Forankring og prosess» with its steps as bullets.

Text from a PDF breaks lines anywhere: a line ending in a hyphen before a lower-case letter is a
word broken in two; a bullet without a full stop goes on after a page break; «1<tab>tekst» is a
footnote, and its mark («kommune.1») is taken out of the text. Whatever the parser cannot place
is returned in ``unplaced``, so that the person sees it and nothing pasted is silently lost.

Pure functions: no database, no Django.
"""

import datetime
import re
from dataclasses import dataclass, field

BULLET_RE = re.compile(r"^[•▪●◦\-–*]\s+(.*)$")
FOOTNOTE_RE = re.compile(r"^(\d{1,2})\t\s*(.+)$")
HEADING_RE = re.compile(r"^(\d{1,2}(?:\.\d{1,2})?)\.?\s+(?:–\s*)?(\S.*)$")
FOCUS_AREA_RE = re.compile(r"^Innsatsområde\s+(\d{1,2})\s*[–:-]\s*(.+)$", re.DOTALL)
SUB_GOAL_RE = re.compile(r"^Delmål\s+(\d{1,2}\.\d{1,2})\s*:?\s*(.+)$", re.DOTALL)
FOOTNOTE_MARK_RE = re.compile(r"(?<=[^\W\d_][.!?»])(\d{1,2})(?=\s|$)")
MONTHS = ["januar", "februar", "mars", "april", "mai", "juni", "juli", "august"]
MONTHS += ["september", "oktober", "november", "desember"]
SEASONS = ["våren", "sommeren", "høsten", "vinteren"]
EXACT_DATE_RE = re.compile(rf"(\d{{1,2}})\.\s?({'|'.join(MONTHS)})\s+(\d{{4}})")
WHEN_RE = re.compile(
    rf"(?:(?:{'|'.join(MONTHS + SEASONS)})\s+)?\d{{4}}(?:\s+og\s+(?:\d\.\s+kvartal\s+)?\d{{4}})?"
)

# The chapters whose paragraphs become one text of the agreement, by how their title begins.
SECTIONS = [
    ("innledning", "introduction"),
    ("overordnet mål", "overall_goal"),
    ("kunnskapsgrunnlag", "knowledge_basis"),
    ("innsatsområder", "focus_areas_intro"),
    ("avtalepartenes oppfølging", ""),
    ("struktur for strategisk samhandling", "collaboration_structure"),
    ("administrativ oppfølging", "administrative_follow_up"),
    ("langsiktige effekter", "long_term_effects_intro"),
    ("forankring og prosess", "process_intro"),
]
TEXT_FIELDS = [key for _, key in SECTIONS if key] + [
    "central_themes_intro",
    "evaluation_text",
    "place_signed",
]
# The label a few agreements put above their strategies; it carries no text of its own.
STRATEGY_LABELS = {"strategier:", "strategier"}
NOTE_TEMPLATE = "Fotnote {number} i avtaleteksten: «{text}»."


@dataclass
class Block:
    """A paragraph or a bullet of the pasted text, its lines joined."""

    kind: str  # "para" or "bullet"
    lines: list[str]

    @property
    def text(self) -> str:
        return join_lines(self.lines)


@dataclass
class ParseResult:
    """The texts in the loader's format (``data``) and what could not be placed."""

    data: dict = field(default_factory=dict)
    unplaced: list[str] = field(default_factory=list)


def join_lines(lines: list[str]) -> str:
    """Lines of one paragraph as one line: a word broken by a hyphen is whole again, and a
    hyphen before a digit or a capital («2025-2028», «Nord-Troms») stays, without a space."""
    out = ""
    for raw in lines:
        line = raw.strip()
        if not out:
            out = line
        elif out.endswith("-") and out[-2:-1].isalpha() and line[:1].islower():
            out = out[:-1] + line
        elif (
            out.endswith("-")
            and out[-2:-1].isalnum()
            and (line[:1].isdigit() or line[:1].isupper())
        ):
            out += line  # «2025-2028», «Nord-Troms»
        elif line:
            out += " " + line
    return out


def _ends_sentence(text: str) -> bool:
    return text.rstrip().endswith((".", "!", "?", ":", "»", ")"))


def _looks_like_start(line: str) -> bool:
    return (
        bool(HEADING_RE.match(line) or FOCUS_AREA_RE.match(line) or SUB_GOAL_RE.match(line))
        and not line[:1].islower()
    )


def _goes_on(block: Block, line: str) -> bool:
    """Does ``line``, after a blank line (a page break), go on with ``block``? Only a bullet
    whose sentence has not ended, and only with a line that begins nothing new."""
    return block.kind == "bullet" and not _ends_sentence(block.text) and not _looks_like_start(line)


def split_blocks(text: str) -> tuple[list[Block], dict[str, str]]:
    """The paragraphs and bullets of ``text``, and its footnotes by number."""
    blocks: list[Block] = []
    footnotes: dict[str, str] = {}
    current: Block | None = None
    after_blank = False
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").split("\n"):
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped:
            after_blank = True
            continue
        bullet = BULLET_RE.match(stripped)
        footnote = FOOTNOTE_RE.match(line)
        if footnote:
            footnotes[footnote[1]] = footnote[2].strip()
            current = None
        elif bullet:
            current = Block("bullet", [bullet[1]])
            blocks.append(current)
        elif current is not None and (not after_blank or _goes_on(current, stripped)):
            current.lines.append(stripped)
        else:
            current = Block("para", [stripped])
            blocks.append(current)
        after_blank = False
    return blocks, footnotes


def strip_footnote_marks(text: str, footnotes: dict[str, str]) -> tuple[str, list[str]]:
    """``text`` without its footnote marks, and the numbers of the footnotes it pointed to."""
    found: list[str] = []

    def replace(match: re.Match[str]) -> str:
        if match[1] in footnotes:
            found.append(match[1])
            return ""
        return match[0]

    return FOOTNOTE_MARK_RE.sub(replace, text), found


def section_key(block: Block) -> str | None:
    """The loader key of the chapter ``block`` heads ("" for a chapter without text), or None
    when the block is no chapter heading."""
    if block.kind != "para" or len(block.lines) != 1:
        return None
    match = HEADING_RE.match(block.lines[0])
    title = (match[2] if match else block.lines[0]).strip().lower()
    for start, key in SECTIONS:
        if title.startswith(start) and (match or title == start):
            return key
    return None


def process_when(text: str) -> tuple[str, str | None]:
    """When a step of «Forankring og prosess» happened, as the text says it, and its exact date
    (ISO) where the text has one."""
    exact = EXACT_DATE_RE.search(text)
    if exact:
        day, month, year = int(exact[1]), MONTHS.index(exact[2]) + 1, int(exact[3])
        try:
            date = datetime.date(year, month, day).isoformat()
        except ValueError:
            date = None
        return f"{day}. {exact[2]} {year}", date
    loose = WHEN_RE.search(text)
    return (loose[0] if loose else ""), None


class _Reader:
    """Walks the blocks once, filling ``result.data`` section by section."""

    def __init__(self, footnotes: dict[str, str]) -> None:
        self.footnotes = footnotes
        self.result = ParseResult(data=_empty_data())
        self.section: str | None = None
        self.paragraphs: dict[str, list[str]] = {key: [] for key in TEXT_FIELDS}
        self.seen_bullets = False
        self.signing = False

    def clean(self, block: Block) -> tuple[str, list[str]]:
        return strip_footnote_marks(block.text, self.footnotes)

    def read(self, block: Block) -> None:
        key = section_key(block)
        if key is not None:
            self.section, self.seen_bullets, self.signing = key, False, False
            return
        if self.section == "focus_areas_intro":
            self.read_focus_areas(block)
        elif self.section == "collaboration_structure":
            self.read_listed(block, "central_themes", "central_themes_intro", before=True)
        elif self.section == "long_term_effects_intro":
            self.read_effects(block)
        elif self.section == "process_intro":
            self.read_listed(block, "process_events", "process_intro", before=False)
        elif self.section and block.kind == "para":
            self.paragraphs[self.section].append(self.clean(block)[0])
        else:
            self.result.unplaced.append(block.text)

    def read_listed(self, block: Block, items: str, intro: str, *, before: bool) -> None:
        """Paragraphs then bullets; with ``before``, only the paragraph that ends in a colon
        and introduces the bullets is their intro, the others belong to the chapter."""
        text = self.clean(block)[0]
        data = self.result.data
        if block.kind == "bullet":
            self.seen_bullets = True
            if items == "process_events":
                when, date = process_when(text)
                data[items].append({"text": text, "when": when, "date": date})
            else:
                data[items].append(text)
        elif self.seen_bullets:
            self.result.unplaced.append(text)
        elif before and not text.endswith(":"):
            self.paragraphs[self.section or ""].append(text)
        else:
            self.paragraphs[intro].append(text)

    def read_effects(self, block: Block) -> None:
        """Intro paragraphs, the effects, the evaluation text, the place and the signatories."""
        text = self.clean(block)[0]
        if block.kind == "bullet":
            self.seen_bullets = True
            self.result.data["long_term_effects"].append(text)
        elif not self.seen_bullets:
            self.paragraphs["long_term_effects_intro"].append(text)
        elif not self.signing and len(block.lines) == 1 and text.endswith(","):
            self.signing = True
            self.paragraphs["place_signed"].append(text.rstrip(",").strip())
        elif self.signing and len(block.lines) == 2:
            name, title = (line.strip() for line in block.lines)
            self.result.data["signatories"].append({"name": name, "title": title})
        elif self.signing:
            self.result.unplaced.append(text)
        else:
            self.paragraphs["evaluation_text"].append(text)

    def read_focus_areas(self, block: Block) -> None:
        """The chapter's intro, then innsatsområder, their delmål and the delmål's strategies."""
        areas = self.result.data["focus_areas"]
        text, marks = self.clean(block)
        area = FOCUS_AREA_RE.match(text) if block.kind == "para" else None
        goal = SUB_GOAL_RE.match(text) if block.kind == "para" else None
        if area:
            areas.append({"number": int(area[1]), "title": area[2].strip(), "sub_goals": []})
        elif goal and areas:
            areas[-1]["sub_goals"].append({"code": goal[1], "text": goal[2], "strategies": []})
        elif block.kind == "bullet" and areas and areas[-1]["sub_goals"]:
            strategy: dict = {"text": text, "note": "", "note_url": ""}
            if marks:
                notes = [NOTE_TEMPLATE.format(number=n, text=self.footnotes[n]) for n in marks]
                strategy["note"] = " ".join(notes)
            areas[-1]["sub_goals"][-1]["strategies"].append(strategy)
        elif areas and text.strip().lower() in STRATEGY_LABELS:
            return
        elif not areas and block.kind == "para":
            self.paragraphs["focus_areas_intro"].append(text)
        else:
            self.result.unplaced.append(text)

    def finish(self) -> ParseResult:
        data = self.result.data
        for key in TEXT_FIELDS:
            data[key] = "\n\n".join(self.paragraphs[key])
        return self.result


def _empty_data() -> dict:
    return {
        "focus_areas": [],
        "central_themes": [],
        "long_term_effects": [],
        "process_events": [],
        "signatories": [],
    }


def parse_agreement_text(text: str) -> ParseResult:
    """The texts of a pasted agreement in the loader's format (agreements/loader.py): the
    chapters' texts, ``focus_areas`` (with delmål and strategies), ``central_themes``,
    ``long_term_effects``, ``process_events``, ``place_signed`` and ``signatories`` (name and
    title; which party each signs for is not in the text)."""
    blocks, footnotes = split_blocks(text)
    reader = _Reader(footnotes)
    for block in blocks:
        reader.read(block)
    return reader.finish()


def count_texts(data: dict) -> int:
    """How many separate texts the structure has: innsatsområder, delmål, strategies, central
    themes, long-term effects and the steps of «Forankring og prosess»."""
    areas = data.get("focus_areas", [])
    goals = [goal for area in areas for goal in area["sub_goals"]]
    strategies = [item for goal in goals for item in goal["strategies"]]
    others = sum(len(data.get(key, [])) for key in LIST_KEYS)
    return len(areas) + len(goals) + len(strategies) + others


LIST_KEYS = ["central_themes", "long_term_effects", "process_events"]


def structure_problems(data: dict) -> list[tuple[str, dict]]:
    """What breaks the agreement's numbering rules (as agreements.models checks them): each
    innsatsområde's number once, each delmål's code once and beginning with its innsatsområde's
    number. Returns (message key, values) pairs for the caller to put into words."""
    problems: list[tuple[str, dict]] = []
    numbers = [area["number"] for area in data.get("focus_areas", [])]
    for number in sorted({n for n in numbers if numbers.count(n) > 1}):
        problems.append(("area-twice", {"number": number}))
    codes = []
    for area in data.get("focus_areas", []):
        if area["number"] < 1:
            problems.append(("area-zero", {"number": area["number"]}))
        for goal in area["sub_goals"]:
            codes.append(goal["code"])
            if not re.fullmatch(r"[1-9][0-9]*\.[1-9][0-9]*", goal["code"]):
                problems.append(("goal-code", {"code": goal["code"]}))
            elif goal["code"].split(".")[0] != str(area["number"]):
                problems.append(
                    ("goal-elsewhere", {"code": goal["code"], "number": area["number"]})
                )
    for code in sorted({c for c in codes if codes.count(c) > 1}):
        problems.append(("goal-twice", {"code": code}))
    return problems
