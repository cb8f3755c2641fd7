"""What the indicator import reads and returns: its limits, its errors, a file's observations."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from evaluation.models import IndicatorValue

MAX_ROWS = 10_000
# JSON-stat nests five levels deep (dimension → Region → category → index → code) and its
# «extension» a few more; a 2 MB file holds at most about a million values.
MAX_JSON_DEPTH = 20
MAX_JSON_ITEMS = 2_000_000
# A 2 MB file cannot hold more numbers than this; a larger «size» is a sparse-cube trick.
MAX_CELLS = 1_000_000
YEAR_MIN = 1900
YEAR_MAX = 2100
# IndicatorValue.value is DecimalField(max_digits=14, decimal_places=2).
CENT = Decimal("0.01")
VALUE_LIMIT = Decimal(10) ** 12
SOURCE_NOTE_MAX = IndicatorValue._meta.get_field("source_note").max_length
# SSB's symbols for a number that is not there (PxWeb's «status», and cells of its CSV files).
MISSING_SYMBOLS = {".", "..", "...", ":", "-"}

MUNICIPALITY_RE = re.compile(r"(?:K-)?(\d{4})(?:\s.*)?", re.IGNORECASE)
NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
YEAR_RE = re.compile(r"\d{4}")

# CSV headers (lower case) and the column each means.
CSV_HEADERS = {
    "år": "year",
    "aar": "year",
    "verdi": "value",
    "kommune": "municipality",
    "kommunenummer": "municipality",
    "kommunenr": "municipality",
    "kilde": "source",
}
CSV_COLUMN_NAMES = {"year": "år", "value": "verdi", "municipality": "kommune", "source": "kilde"}


class IndicatorFileError(Exception):
    """The file cannot be imported. ``errors`` holds every problem, in Norwegian."""

    def __init__(self, errors: Iterable[str], truncated: bool = False):
        self.errors = list(errors)
        self.truncated = truncated or bool(getattr(errors, "truncated", False))
        super().__init__("; ".join(self.errors))


@dataclass(frozen=True)
class Observation:
    """One number in the file: for a municipality (or the whole series) and a year."""

    where: str  # how messages point at it: «Rad 4» or «1806/2024»
    # The municipality number («1806»), another region's code («0», «F-55»), or None when the
    # file has no region at all.
    region: str | None
    year: int
    value: Decimal | None  # None: the cell is empty in a JSON-stat file
    source: str = ""
    status: str = ""  # the JSON-stat status symbol of an empty cell, if any


@dataclass(frozen=True)
class YearValue:
    year: int
    value: Decimal
    source_note: str


@dataclass
class ParsedFile:
    format: str  # "csv" or "json-stat"
    values: list[YearValue]
    municipalities_left_out: list[str] = field(default_factory=list)
    # Norwegian sentences for the preview: how the file was read («Filen er JSON-stat 1.»,
    # «Lest som Windows-1252.»), which old municipality numbers were counted as today's.
    notes: list[str] = field(default_factory=list)
    # Dimension id → the label of the category used, for every dimension a choice was made in
    # (``choices``), the region dimension included when a region was chosen.
    chosen: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Category:
    code: str
    label: str


@dataclass(frozen=True)
class Dimension:
    """A dimension of a JSON-stat file the person must choose one category of."""

    id: str
    label: str
    categories: tuple[Category, ...]
    # "other": a dimension besides region and time (ContentsCode, Kjonn, Alder …);
    # "region": the region dimension, offered when the indicator has no municipality list.
    role: str


class ChoiceNeeded(Exception):
    """The file is fine, but it holds more than one series: a category must be chosen in each
    of ``dimensions`` (every dimension that needs a choice, also those ``choices`` already
    fixed, so that a form can show them all). Not an IndicatorFileError."""

    def __init__(self, dimensions: list[Dimension], file_format: str):
        self.dimensions = list(dimensions)
        self.file_format = file_format  # "json-stat"
        super().__init__(", ".join(dimension.id for dimension in self.dimensions))


@dataclass
class ImportSummary:
    created: list[int] = field(default_factory=list)
    replaced: list[int] = field(default_factory=list)
    municipalities_left_out: list[str] = field(default_factory=list)

    @property
    def years(self) -> list[int]:
        return sorted(self.created + self.replaced)

    def message(self) -> str:
        years = self.years
        text = ngettext(
            "Importen er fullført: %(n)s verdi er lagret (%(years)s).",
            "Importen er fullført: %(n)s verdier er lagret (%(years)s).",
            len(years),
        ) % {"n": len(years), "years": _year_list(years)}
        if self.replaced:
            text += " " + ngettext(
                "Verdien for %(years)s fantes fra før og er erstattet.",
                "Verdiene for %(years)s fantes fra før og er erstattet.",
                len(self.replaced),
            ) % {"years": _year_list(sorted(self.replaced))}
        left_out = self.municipalities_left_out
        if left_out:
            codes = ", ".join(left_out[:10])
            if len(left_out) > 10:
                codes += " " + _("og %(n)s til") % {"n": len(left_out) - 10}
            text += " " + _(
                "Tall for regioner som ikke er med i indikatoren, er ikke tatt med: %(codes)s."
            ) % {"codes": codes}
        return text


def _year_list(years: list[int]) -> str:
    return str(get_text_list([str(year) for year in years], _("og")))


def _codes(codes: Iterable[str]) -> str:
    return ", ".join(codes)
