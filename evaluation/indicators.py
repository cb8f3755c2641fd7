"""Importing indicator values from a file: CSV, or JSON-stat 2 as SSB's PxWeb API returns it.

Two steps, so that nothing is saved unless the whole file is valid:

1. ``read_indicator_file`` checks the file (size, encoding, format, every row or cell) without
   writing, and raises ``IndicatorFileError`` with every problem found, in Norwegian, by row
   («Rad 4: …») for CSV and by dimension or cell («Verdien for 1806/2024 mangler») for JSON-stat.
2. ``indicator_values_import`` writes one value per year in one transaction; a year that already
   has a value gets the new one, and the summary says so.

Municipalities. When the indicator lists municipality numbers, the file must say which
municipality each number is for (the CSV column «kommune», or the JSON-stat region dimension);
the values of the listed municipalities are summed per year to the region, and every listed
municipality must have a value for every year in the file. Numbers for other municipalities are
left out (the summary names them). An indicator without municipalities takes one series only.

The formats:

CSV
    A header row with «år» and «verdi», optionally «kommune» (municipality number, «1806»,
    «K-1806» or «1806 Narvik» as SSB's own CSV writes it) and «kilde» (a source note per row).
    Separated by semicolons (what Excel writes for Norwegian settings), tabs or commas. Numbers
    may use a decimal comma and spaces between thousands; with decimal commas, separate the
    columns with semicolons.

JSON-stat 2
    ``{"version": "2.0", "class": "dataset", "id": [...], "size": [...], "dimension": {...},
    "value": [...]}`` (https://json-stat.org/format/). The time dimension is the one
    ``role.time`` names (SSB: «Tid»), the region dimension the one ``role.geo`` names (SSB:
    «Region»), or the dimensions with those ids. Every other dimension (``ContentsCode``, and
    «Kjonn», «Alder» if they were not eliminated) must hold one category only, so that the file
    is one series per region. ``value`` may be an array (with ``null`` for missing numbers) or a
    sparse object. Only yearly time codes («2024») are accepted.

Hostile files: at most ``settings.INDICATOR_IMPORT_MAX_BYTES`` (2 MB; the view refuses a larger
request body before it is parsed, see ``tromsvekst.lib.uploads``) and 10,000 rows; text must be
UTF-8 (a BOM is fine) without NUL; a PDF or a workbook is named as such. JSON is nested at most
20 levels, and its text may hold no NUL or half a surrogate pair («\\ud800»), which a database
cannot store nor a page show. Numbers are read as ``Decimal`` (never floats, never NaN or
Infinity), and a JSON-stat value of 12 digits or more before the decimal point is refused before
anything is summed (1e999999999 would overflow the sum). Any failure to read becomes a Norwegian
message, never a server error.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.formats import number_format
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from evaluation.models import Indicator, IndicatorValue
from tromsvekst.lib import uploads

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

    def __init__(self, errors, truncated: bool = False):
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


def _codes(codes) -> str:
    return ", ".join(codes)


# --------------------------------------------------------------------------------------------
# Reading


def normalise_municipality(text: str) -> str | None:
    """«1806», «K-1806» or «1806 Narvik» → «1806»; None if it is no municipality number."""
    match = MUNICIPALITY_RE.fullmatch(text.strip())
    return match.group(1) if match else None


def parse_number(text: str) -> Decimal:
    """A number as people write it: «1 234,5», «-3.25», «1234». Raises ValueError otherwise."""
    cleaned = text.strip().replace("\u2212", "-")
    for space in (" ", "\u00a0", "\u202f", "\u2009"):
        cleaned = cleaned.replace(space, "")
    if "," in cleaned:
        if "." in cleaned:
            raise ValueError(text)
        cleaned = cleaned.replace(",", ".")
    if not NUMBER_RE.fullmatch(cleaned):
        raise ValueError(text)
    return Decimal(cleaned)


def max_upload_bytes() -> int:
    return settings.INDICATOR_IMPORT_MAX_BYTES


def read_indicator_file(
    *, indicator: Indicator, upload: UploadedFile, source_note: str = ""
) -> ParsedFile:
    """Every value in the file, checked and summed per year. Writes nothing.

    ``source_note`` (typed on the import page) is stored with every value; without it, the rows'
    «kilde» (CSV) or the file's source and table number (JSON-stat) are.
    Raises IndicatorFileError with every problem found.
    """
    try:
        raw = uploads.read_limited(upload, max_upload_bytes())
    except uploads.FileTooLarge as exc:
        raise IndicatorFileError([exc.message]) from None
    if not raw.strip():
        raise IndicatorFileError([_("Filen er tom.")])
    if raw.startswith(b"%PDF"):
        raise IndicatorFileError([_("Filen er en PDF. Last opp en CSV- eller JSON-fil.")])
    # An .xlsx (a zip) or an old .xls (an OLE2 compound file).
    if raw.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise IndicatorFileError(
            [
                _(
                    "Filen ser ut til å være en Excel-arbeidsbok. Lagre den som «CSV UTF-8 "
                    "(kommadelt)» i Excel, eller hent tabellen som JSON-stat 2, og last opp "
                    "den filen."
                )
            ]
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise IndicatorFileError(
            [
                _(
                    "Filen er ikke lagret som UTF-8, så tegn som æ, ø og å kan ikke leses. "
                    "Lagre den som «CSV UTF-8» i Excel (eller velg tegnkoding UTF-8) og prøv "
                    "igjen."
                )
            ]
        ) from None
    if "\x00" in text:
        raise IndicatorFileError([_("Filen er ikke en tekstfil. Last opp en CSV- eller JSON-fil.")])
    other_regions: list[str] = []
    if text.lstrip().startswith(("{", "[")):
        observations, file_source, other_regions = _jsonstat_observations(
            text, listed=_listed(indicator)
        )
        file_format = "json-stat"
    else:
        observations = _csv_observations(text)
        file_source = _("Importert fra «%(name)s»") % {
            "name": uploads.excerpt(upload.name or "fil")
        }
        file_format = "csv"
    values, left_out = _per_year(
        observations,
        indicator=indicator,
        file_format=file_format,
        file_source=file_source,
        source_note=source_note.strip(),
        other_regions=other_regions,
    )
    return ParsedFile(format=file_format, values=values, municipalities_left_out=left_out)


def _listed(indicator: Indicator) -> list[str]:
    """The indicator's municipality numbers, normalised («K-1806» → «1806»), in order."""
    listed = []
    for code in indicator.municipality_codes:
        municipality = normalise_municipality(code) or code
        if municipality not in listed:
            listed.append(municipality)
    return listed


# CSV ----------------------------------------------------------------------------------------


def _csv_observations(text: str) -> list[Observation]:
    lines = text.splitlines()
    header_line = next((line for line in lines if line.strip()), "")
    if ";" in header_line:
        delimiter = ";"
    elif "\t" in header_line:
        delimiter = "\t"
    else:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    errors = uploads.ImportErrors()
    columns: dict[str, int] | None = None
    width = 0
    observations: list[Observation] = []
    data_rows = 0
    budget = uploads.ParseBudget()
    try:
        for cells in reader:
            budget.check()
            if errors.full:
                errors.truncated = True
                break
            row = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if columns is None:
                columns = _csv_header(cells, row=row)
                width = len(cells)
                continue
            data_rows += 1
            if data_rows > MAX_ROWS:
                errors.add(
                    _("Filen har mer enn %(max)s rader. Del den opp, eller fjern tomme rader.")
                    % {"max": MAX_ROWS}
                )
                break
            observation = _csv_row(cells, row=row, columns=columns, width=width, errors=errors)
            if observation is not None:
                observations.append(observation)
    except csv.Error:
        errors.add(
            _("Rad %(row)s: raden kan ikke leses som CSV. Sjekk anførselstegnene i raden.")
            % {"row": reader.line_num}
        )
    except uploads.ParseTooSlow as exc:
        raise IndicatorFileError([exc.message]) from None
    if columns is None:
        raise IndicatorFileError([_("Filen er tom.")])
    if errors:
        raise IndicatorFileError(errors)
    if not observations:
        raise IndicatorFileError([_("Filen har ingen rader under kolonneoverskriftene.")])
    return observations


def _csv_header(cells: list[str], *, row: int) -> dict[str, int]:
    errors = uploads.ImportErrors()
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        name = cell.strip().strip('"').strip().lower()
        if not name:
            continue
        key = CSV_HEADERS.get(name)
        if key is None:
            errors.add(
                _(
                    "Rad %(row)s: kolonnen «%(name)s» er ukjent. Kolonnene kan hete «år», "
                    "«verdi», «kommune» og «kilde»."
                )
                % {"row": row, "name": uploads.excerpt(cell.strip())}
            )
        elif key in columns:
            errors.add(
                _("Rad %(row)s: kolonnen «%(name)s» står to ganger.")
                % {"row": row, "name": CSV_COLUMN_NAMES[key]}
            )
        else:
            columns[key] = index
    for key in ("year", "value"):
        if key not in columns:
            errors.add(
                _(
                    "Rad %(row)s: kolonnen «%(name)s» mangler. Første rad må være "
                    "kolonneoverskriftene, minst «år» og «verdi»."
                )
                % {"row": row, "name": CSV_COLUMN_NAMES[key]}
            )
    if errors:
        raise IndicatorFileError(errors)
    return columns


def _csv_row(
    cells: list[str], *, row: int, columns: dict[str, int], width: int, errors
) -> Observation | None:
    if len(cells) > width and any(cell.strip() for cell in cells[width:]):
        errors.add(
            _(
                "Rad %(row)s: raden har %(n)s felt, men overskriftsraden har %(width)s. Bruker "
                "du desimalkomma, må kolonnene skilles med semikolon."
            )
            % {"row": row, "n": len(cells), "width": width}
        )
        return None

    def cell(key: str) -> str:
        index = columns.get(key)
        if index is None or index >= len(cells):
            return ""
        return cells[index].strip()

    failed = False
    year_text = cell("year")
    year = None
    if not year_text:
        errors.add(_("Rad %(row)s: år mangler.") % {"row": row})
        failed = True
    elif not YEAR_RE.fullmatch(year_text) or not YEAR_MIN <= int(year_text) <= YEAR_MAX:
        errors.add(
            _("Rad %(row)s: «%(text)s» i kolonnen «år» er ikke et årstall (for eksempel 2025).")
            % {"row": row, "text": uploads.excerpt(year_text)}
        )
        failed = True
    else:
        year = int(year_text)

    value_text = cell("value")
    value = None
    if not value_text:
        errors.add(_("Rad %(row)s: verdi mangler.") % {"row": row})
        failed = True
    elif value_text in MISSING_SYMBOLS:
        errors.add(
            _(
                "Rad %(row)s: «%(text)s» betyr at tallet mangler hos kilden. Fjern raden, eller "
                "skriv inn et tall."
            )
            % {"row": row, "text": uploads.excerpt(value_text)}
        )
        failed = True
    else:
        try:
            value = parse_number(value_text)
        except (ValueError, InvalidOperation):
            errors.add(
                _("Rad %(row)s: «%(text)s» i kolonnen «verdi» er ikke et tall.")
                % {"row": row, "text": uploads.excerpt(value_text)}
            )
            failed = True

    municipality = None
    if "municipality" in columns:
        municipality_text = cell("municipality")
        if not municipality_text:
            errors.add(_("Rad %(row)s: kommunenummer mangler.") % {"row": row})
            failed = True
        else:
            municipality = normalise_municipality(municipality_text)
            if municipality is None:
                errors.add(
                    _(
                        "Rad %(row)s: «%(text)s» i kolonnen «kommune» er ikke et kommunenummer "
                        "(fire sifre, for eksempel 1806)."
                    )
                    % {"row": row, "text": uploads.excerpt(municipality_text)}
                )
                failed = True
    if failed:
        return None
    return Observation(
        where=_("Rad %(row)s") % {"row": row},
        region=municipality,
        year=year,
        value=value,
        source=cell("source"),
    )


# JSON-stat 2 --------------------------------------------------------------------------------


def _reject_constant(name: str):
    raise ValueError(name)


def _jsonstat_observations(
    text: str, *, listed: list[str]
) -> tuple[list[Observation], str, list[str]]:
    """The observations the indicator needs, the file's source, and the regions it leaves out.

    Only the cells the indicator uses are read: the listed municipalities (or the one series
    of an indicator without them) × the years, at most ``len(listed) × 201``, whatever
    ``size`` claims; the other regions are only named. So a small file claiming a large cube
    costs no more than its size."""
    try:
        data = json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise IndicatorFileError(
            [
                _("Filen er ikke gyldig JSON: feil på linje %(line)s, tegn %(column)s.")
                % {"line": exc.lineno, "column": exc.colno}
            ]
        ) from None
    except (ValueError, RecursionError):
        # NaN/Infinity, a number too long to read, or nesting too deep.
        raise IndicatorFileError(
            [_("Filen er ikke gyldig JSON: den har tall eller nøsting som ikke kan leses.")]
        ) from None
    if not isinstance(data, dict):
        raise IndicatorFileError(
            [_("Filen er ikke et JSON-stat-datasett: den må være et JSON-objekt ({ … }).")]
        )
    _check_json_shape(data)
    if "dataset" in data and "version" not in data:
        raise IndicatorFileError(
            [
                _(
                    "Filen er i det gamle formatet JSON-stat 1. Velg «JSON-stat 2» "
                    "(outputFormat=json-stat2) når du henter tabellen, og prøv igjen."
                )
            ]
        )

    errors = uploads.ImportErrors()
    version = data.get("version")
    if version != "2.0":
        errors.add(
            _("Feltet «version» må være «2.0» (JSON-stat 2), men er %(value)s.")
            % {"value": _shown(version)}
        )
    klass = data.get("class")
    if klass != "dataset":
        errors.add(
            _("Feltet «class» må være «dataset», men er %(value)s.") % {"value": _shown(klass)}
        )
    ids = data.get("id")
    sizes = data.get("size")
    dimensions = data.get("dimension")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        errors.add(_("Feltet «id» mangler eller er ikke en liste med dimensjonsnavn."))
        ids = None
    if not isinstance(sizes, list) or not all(_is_count(s) for s in sizes):
        errors.add(_("Feltet «size» mangler eller er ikke en liste med hele tall."))
        sizes = None
    if not isinstance(dimensions, dict):
        errors.add(_("Feltet «dimension» mangler eller er ikke et objekt."))
        dimensions = None
    if "value" not in data:
        errors.add(_("Feltet «value» mangler."))
    if ids is not None and sizes is not None and len(ids) != len(sizes):
        errors.add(
            _("«id» har %(ids)s dimensjoner, men «size» har %(sizes)s tall.")
            % {"ids": len(ids), "sizes": len(sizes)}
        )
    if errors or ids is None or sizes is None or dimensions is None:
        raise IndicatorFileError(errors)
    if len(set(ids)) != len(ids):
        raise IndicatorFileError([_("«id» nevner samme dimensjon flere ganger.")])

    # The categories of each dimension, in order.
    categories: dict[str, list[str]] = {}
    for dim_id, size in zip(ids, sizes, strict=True):
        dimension = dimensions.get(dim_id)
        if not isinstance(dimension, dict):
            errors.add(
                _("Dimensjonen «%(dim)s» mangler i «dimension».") % {"dim": uploads.excerpt(dim_id)}
            )
            continue
        codes = _category_codes(dimension)
        if codes is None:
            errors.add(
                _("Dimensjonen «%(dim)s» har ingen gyldig liste over kategorier («category»).")
                % {"dim": uploads.excerpt(dim_id)}
            )
            continue
        if len(codes) != size:
            errors.add(
                _("Dimensjonen «%(dim)s» har %(n)s kategorier, men «size» sier %(size)s.")
                % {"dim": uploads.excerpt(dim_id), "n": len(codes), "size": size}
            )
            continue
        categories[dim_id] = codes

    role = data.get("role") if isinstance(data.get("role"), dict) else {}
    time_dim = _role_dimension(role, "time", ids, fallback="Tid")
    geo_dim = _role_dimension(role, "geo", ids, fallback="Region")
    if time_dim is None:
        errors.add(_("Dimensjonen «Tid» mangler. Filen må ha en tidsdimensjon med årstall."))
    for dim_id in ids:
        if dim_id in (time_dim, geo_dim) or dim_id not in categories:
            continue
        if len(categories[dim_id]) != 1:
            errors.add(
                _(
                    "Dimensjonen «%(dim)s» har %(n)s kategorier (%(codes)s). Filen kan bare ha "
                    "én kategori i andre dimensjoner enn region og tid; velg bare én når du "
                    "henter tabellen."
                )
                % {
                    "dim": uploads.excerpt(dim_id),
                    "n": len(categories[dim_id]),
                    "codes": _codes(f"«{uploads.excerpt(c)}»" for c in categories[dim_id][:5])
                    + (" …" if len(categories[dim_id]) > 5 else ""),
                }
            )
    if time_dim in categories:
        not_years = [code for code in categories[time_dim] if not _is_year(code)]
        if not_years:
            errors.add(
                _(
                    "Dimensjonen «%(dim)s» har tider som ikke er årstall (%(codes)s). Bare "
                    "årlige tall kan importeres."
                )
                % {
                    "dim": uploads.excerpt(time_dim),
                    "codes": _codes(f"«{uploads.excerpt(c)}»" for c in not_years[:5]),
                }
            )
    if errors:
        raise IndicatorFileError(errors)

    total = math.prod(sizes)
    if total > MAX_CELLS:
        raise IndicatorFileError(
            [
                _("Tabellen har for mange celler (%(n)s). Hent bare det indikatoren trenger.")
                % {"n": number_format(total, force_grouping=True)}
            ]
        )
    status = data.get("status")
    strides = {}
    stride = 1
    for dim_id, size in reversed(list(zip(ids, sizes, strict=True))):
        strides[dim_id] = stride
        stride *= size
    # Which regions to read: the listed ones, or the single series of an indicator without a
    # list (several regions are refused before any value is read).
    other_regions: list[str] = []
    if geo_dim:
        regions = [normalise_municipality(code) or code for code in categories[geo_dim]]
        if listed:
            wanted = set(listed)
            positions = [i for i, region in enumerate(regions) if region in wanted]
            other_regions = sorted({region for region in regions if region not in wanted})
        else:
            distinct = sorted(set(regions))
            if len(distinct) > 1:
                raise IndicatorFileError(
                    [
                        _(
                            "Filen har tall for flere regioner eller kommuner (%(codes)s), men "
                            "indikatoren har ingen kommuneliste. Legg inn kommunene i "
                            "indikatoren, så summeres de per år, eller last opp én serie."
                        )
                        % {
                            "codes": _codes(uploads.excerpt(c) for c in distinct[:20])
                            + (" …" if len(distinct) > 20 else "")
                        }
                    ]
                )
            positions = list(range(len(regions)))
    else:
        positions = [None]
    cells = []
    for geo_position in positions:
        for time_position, time_code in enumerate(categories[time_dim]):
            flat = time_position * strides[time_dim]
            if geo_position is not None:
                flat += geo_position * strides[geo_dim]
            cells.append((geo_position, time_code, flat))
    values = _jsonstat_values(data.get("value"), total=total, wanted=[c[2] for c in cells])
    observations = []
    for geo_position, time_code, flat in cells:
        geo_code = None if geo_position is None else categories[geo_dim][geo_position]
        observations.append(
            Observation(
                where=f"{uploads.excerpt(geo_code)}/{time_code}"
                if geo_code is not None
                else str(time_code),
                region=None if geo_code is None else regions[geo_position],
                year=int(time_code),
                value=values.get(flat),
                status=_status_at(status, flat),
            )
        )
    return observations, _jsonstat_source(data), other_regions


# Text a database cannot hold, nor a page show: NUL, and half of a UTF-16 surrogate pair, which
# JSON can write as an escape («\\ud800») although it is no character.
UNSTORABLE_RE = re.compile("[\x00\ud800-\udfff]")


def _unstorable(text: str) -> bool:
    return UNSTORABLE_RE.search(text) is not None


def _check_json_shape(data: dict) -> None:
    """Bounded nesting and size, and only text that can be stored and shown, before any of it is
    read as JSON-stat. Walked without recursion, so the walk itself cannot run out of stack."""
    stack: list[tuple[object, int]] = [(data, 1)]
    items = 0
    budget = uploads.ParseBudget()
    while stack:
        value, depth = stack.pop()
        items += 1
        if items % 10_000 == 0:
            try:
                budget.check()
            except uploads.ParseTooSlow as exc:
                raise IndicatorFileError([exc.message]) from None
        if items > MAX_JSON_ITEMS:
            raise IndicatorFileError(
                [
                    _(
                        "Filen har for mange verdier til å være et JSON-stat-datasett for én "
                        "indikator."
                    )
                ]
            )
        if depth > MAX_JSON_DEPTH:
            raise IndicatorFileError(
                [
                    _(
                        "Filen er nøstet dypere enn %(max)s nivåer, og det har et "
                        "JSON-stat-datasett aldri."
                    )
                    % {"max": MAX_JSON_DEPTH}
                ]
            )
        if isinstance(value, dict):
            for key, item in value.items():
                if _unstorable(key):
                    raise IndicatorFileError([str(_UNSTORABLE_TEXT)])
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, str) and _unstorable(value):
            raise IndicatorFileError([str(_UNSTORABLE_TEXT)])


_UNSTORABLE_TEXT = gettext_lazy(
    "Filen har tekst med tegn som ikke kan lagres (tegnet NUL eller en ufullstendig "
    "\\u-kode). Hent tabellen på nytt og prøv igjen."
)


def _shown(value) -> str:
    if value is None:
        return _("tomt")
    text = str(value)
    return f"«{text[:40]}»"


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 100_000


def _is_year(code: str) -> bool:
    return bool(YEAR_RE.fullmatch(code)) and YEAR_MIN <= int(code) <= YEAR_MAX


def _category_codes(dimension: dict) -> list[str] | None:
    """The category codes of a dimension in their order, or None if they cannot be read."""
    category = dimension.get("category")
    if not isinstance(category, dict):
        return None
    index = category.get("index")
    if index is None:
        # JSON-stat allows leaving out «index» for a dimension with a single category.
        label = category.get("label")
        if isinstance(label, dict) and len(label) == 1:
            return [str(next(iter(label)))]
        return None
    if isinstance(index, list):
        codes = [str(code) for code in index]
        return codes if len(set(codes)) == len(codes) else None
    if isinstance(index, dict):
        positions = list(index.values())
        if sorted(p for p in positions if _is_count(p)) != list(range(len(index))):
            return None
        return [str(code) for code, _position in sorted(index.items(), key=lambda i: i[1])]
    return None


def _role_dimension(role: dict, name: str, ids: list[str], *, fallback: str) -> str | None:
    named = role.get(name)
    if isinstance(named, list):
        for dim_id in named:
            if dim_id in ids:
                return dim_id
    for dim_id in ids:
        if dim_id.lower() == fallback.lower():
            return dim_id
    return None


def _jsonstat_values(value, *, total: int, wanted: list[int]) -> dict[int, Decimal]:
    """The numbers at the ``wanted`` positions (a missing or null cell is left out)."""
    errors = uploads.ImportErrors()
    if isinstance(value, list):
        if len(value) != total:
            raise IndicatorFileError(
                [
                    _(
                        "Antall verdier (%(n)s) stemmer ikke med størrelsen på dimensjonene "
                        "(«size» gir %(total)s)."
                    )
                    % {"n": len(value), "total": total}
                ]
            )
        cells = [(position, value[position]) for position in wanted]
    elif isinstance(value, dict):
        for key in value:
            if not (isinstance(key, str) and key.isdigit() and len(key) < 20 and int(key) < total):
                errors.add(
                    _("«value» har nøkkelen «%(key)s», som ikke er en plass i tabellen.")
                    % {"key": uploads.excerpt(key, 20)}
                )
                if errors.full:
                    break
        cells = [(position, value.get(str(position))) for position in wanted]
    else:
        raise IndicatorFileError([_("Feltet «value» må være en liste eller et objekt.")])
    result: dict[int, Decimal] = {}
    for position, cell in cells:
        if errors.full:
            errors.truncated = True
            break
        if cell is None:
            continue
        if isinstance(cell, bool) or not isinstance(cell, int | Decimal):
            errors.add(
                _("Verdi nr. %(n)s (%(value)s) er ikke et tall.")
                % {"n": position + 1, "value": _shown(cell)}
            )
            continue
        try:
            number = Decimal(cell)
        except (ValueError, InvalidOperation):
            number = Decimal("Infinity")
        # A number such as 1e999999999 is read exactly, but summing it would overflow.
        if not number.is_finite() or number.copy_abs() >= VALUE_LIMIT:
            errors.add(
                _(
                    "Verdi nr. %(n)s (%(value)s) er for stor til å lagres (høyst 12 sifre før "
                    "komma)."
                )
                % {"n": position + 1, "value": _shown(cell)}
            )
            continue
        result[position] = number
    if errors:
        raise IndicatorFileError(errors)
    return result


def _status_at(status, position: int) -> str:
    if isinstance(status, str):
        return status
    if isinstance(status, list) and position < len(status):
        return str(status[position] or "")
    if isinstance(status, dict):
        return str(status.get(str(position)) or "")
    return ""


def _jsonstat_source(data: dict) -> str:
    """«Statistisk sentralbyrå, tabell 07459 (oppdatert 20.02.2025)», from what the file says."""
    source = data.get("source") if isinstance(data.get("source"), str) else ""
    extension = data.get("extension") if isinstance(data.get("extension"), dict) else {}
    px = extension.get("px") if isinstance(extension.get("px"), dict) else {}
    table = px.get("tableid") if isinstance(px.get("tableid"), str) else ""
    parts = [source.strip() or _("JSON-stat-fil")]
    if table:
        parts.append(_("tabell %(table)s") % {"table": table.strip()})
    text = ", ".join(parts)
    updated = data.get("updated")
    if isinstance(updated, str):
        try:
            day = datetime.date.fromisoformat(updated[:10])
        except ValueError:
            day = None
        if day:
            text += " " + _("(oppdatert %(date)s)") % {"date": day.strftime("%d.%m.%Y")}
    return text


# Per year -----------------------------------------------------------------------------------


def _per_year(
    observations: list[Observation],
    *,
    indicator: Indicator,
    file_format: str,
    file_source: str,
    source_note: str,
    other_regions: list[str] = (),
) -> tuple[list[YearValue], list[str]]:
    """Sum the observations to one value per year, by the indicator's municipalities.

    ``other_regions``: regions in the file that were not read (JSON-stat), for the summary."""
    listed = _listed(indicator)
    errors = uploads.ImportErrors()
    left_out: list[str] = []
    in_file = sorted({o.region for o in observations if o.region is not None} | set(other_regions))

    if listed:
        if any(o.region is None for o in observations):
            if file_format == "csv":
                message = _(
                    "Indikatoren gjelder kommunene %(codes)s. Filen må ha kolonnen «kommune» "
                    "med kommunenummeret på hver rad, så summeres kommunene per år."
                )
            else:
                message = _(
                    "Dimensjonen «Region» mangler. Indikatoren gjelder kommunene %(codes)s, "
                    "så filen må ha tall for hver av dem."
                )
            raise IndicatorFileError([message % {"codes": _codes(listed)}])
        left_out = [code for code in in_file if code not in listed]
        used = [o for o in observations if o.region in listed]
        if not used:
            raise IndicatorFileError(
                [
                    _(
                        "Filen har ingen tall for kommunene indikatoren gjelder (%(codes)s). "
                        "Kommunene i filen er %(found)s."
                    )
                    % {
                        "codes": _codes(listed),
                        "found": _codes(uploads.excerpt(c) for c in in_file[:20]),
                    }
                ]
            )
    else:
        if len(in_file) > 1:
            raise IndicatorFileError(
                [
                    _(
                        "Filen har tall for flere regioner eller kommuner (%(codes)s), men "
                        "indikatoren har ingen kommuneliste. Legg inn kommunene i indikatoren, "
                        "så summeres de per år, eller last opp én serie."
                    )
                    % {
                        "codes": _codes(uploads.excerpt(c) for c in in_file[:20])
                        + (" …" if len(in_file) > 20 else "")
                    }
                ]
            )
        used = observations

    by_year: dict[int, dict[str | None, Observation]] = defaultdict(dict)
    for observation in used:
        seen = by_year[observation.year].get(observation.region)
        if seen is not None:
            if observation.region is None:
                message = _("%(where)s: år %(year)s står også i %(other)s.")
            else:
                message = _("%(where)s: kommune %(code)s og år %(year)s står også i %(other)s.")
            errors.add(
                message
                % {
                    "where": observation.where,
                    "code": observation.region,
                    "year": observation.year,
                    "other": seen.where.lower() if file_format == "csv" else seen.where,
                }
            )
            continue
        by_year[observation.year][observation.region] = observation

    if listed:
        missing_everywhere = [
            code for code in listed if not any(code in row for row in by_year.values())
        ]
        for code in missing_everywhere:
            errors.add(
                _("Kommune %(code)s mangler i filen; indikatoren summerer %(codes)s.")
                % {"code": code, "codes": _codes(listed)}
            )
        for year in sorted(by_year):
            for code in listed:
                if code not in missing_everywhere and code not in by_year[year]:
                    errors.add(
                        _("Kommune %(code)s mangler for %(year)s.") % {"code": code, "year": year}
                    )

    result: list[YearValue] = []
    for year in sorted(by_year):
        row = by_year[year]
        empty = [o for o in row.values() if o.value is None]
        for observation in empty:
            message = _("Verdien for %(where)s mangler.") % {"where": observation.where}
            if observation.status:
                message += " " + _("Kilden markerer den med «%(symbol)s».") % {
                    "symbol": uploads.excerpt(observation.status)
                }
            errors.add(message)
        if empty or (listed and len(row) != len(listed)):
            continue
        total = sum((o.value for o in row.values()), Decimal(0))
        if abs(total) >= VALUE_LIMIT:
            errors.add(
                _("%(year)s: verdien er for stor til å lagres (høyst 12 sifre før komma).")
                % {"year": year}
            )
            continue
        result.append(
            YearValue(
                year=year,
                value=total.quantize(CENT, rounding=ROUND_HALF_UP),
                source_note=_source_note(
                    row.values(), listed=listed, given=source_note, file_source=file_source
                ),
            )
        )
    if errors:
        raise IndicatorFileError(errors)
    return result, left_out


def _source_note(observations, *, listed: list[str], given: str, file_source: str) -> str:
    """The note typed on the import page; else the rows' «kilde»; else what the file says."""
    sources = []
    for observation in observations:
        if observation.source and observation.source not in sources:
            sources.append(observation.source)
    note = given or "; ".join(sources) or file_source
    if len(listed) > 1:
        note += " " + _("(sum av %(codes)s)") % {"codes": _codes(listed)}
    if len(note) > SOURCE_NOTE_MAX:
        note = note[: SOURCE_NOTE_MAX - 1] + "…"
    return note


# --------------------------------------------------------------------------------------------
# Writing


@transaction.atomic
def indicator_values_import(*, indicator: Indicator, parsed: ParsedFile) -> ImportSummary:
    """Store one value per year; a year that has a value already gets the new one."""
    # One import at a time per indicator (a row lock on PostgreSQL).
    list(Indicator.objects.select_for_update().filter(pk=indicator.pk).values_list("pk"))
    existing = {value.year: value for value in IndicatorValue.objects.filter(indicator=indicator)}
    summary = ImportSummary(municipalities_left_out=list(parsed.municipalities_left_out))
    for year_value in parsed.values:
        stored = existing.get(year_value.year)
        if stored is None:
            IndicatorValue.objects.create(
                indicator=indicator,
                year=year_value.year,
                value=year_value.value,
                source_note=year_value.source_note,
            )
            summary.created.append(year_value.year)
        else:
            stored.value = year_value.value
            stored.source_note = year_value.source_note
            stored.save(update_fields=["value", "source_note"])
            summary.replaced.append(year_value.year)
    return summary
