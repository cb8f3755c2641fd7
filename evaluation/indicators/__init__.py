"""Importing indicator values from a file: CSV, or JSON-stat 1 or 2 as SSB's PxWeb API returns it.

Two steps, so that nothing is saved unless the whole file is valid:

1. ``read_indicator_file`` checks the file (size, encoding, format, every row or cell) without
   writing, and raises ``IndicatorFileError`` with every problem found, in Norwegian, by row
   («Rad 4: …») for CSV and by dimension or cell («Verdien for 1806/2024 mangler») for JSON-stat.
   A JSON-stat file holding more than one series raises ``ChoiceNeeded`` instead (the file is
   fine, a choice is missing): it lists the dimensions to choose one category in, with their
   labels; the same call with ``choices`` ({dimension id: category code}) reads that series. The
   ``ParsedFile`` says how the file was read (``notes``, Norwegian sentences for the preview) and
   what was chosen (``chosen``, dimension id → category label).
2. ``indicator_values_import`` writes one value per year in one transaction; a year that already
   has a value gets the new one, and the summary says so.

Municipalities. When the indicator lists municipality numbers, the file must say which
municipality each number is for (the CSV column «kommune», or the JSON-stat region dimension);
the values of the listed municipalities are summed per year to the region, and every listed
municipality must have a value for every year in the file. Numbers for other municipalities are
left out (the summary names them). Old municipality numbers are counted as today's
(``municipalities.py``, from SSB's KLASS 131 changes in ``evaluation/data/kommuneendringer.json``):
1903 and 5402 as 5503 Harstad, 1805 + 1854 as 1806 Narvik, so that a region is summed the same way
across the 2020 and 2024 reforms; a note says which numbers were mapped. An indicator without
municipalities takes one series: a file with several regions asks which one (a national or a
county figure, ``ChoiceNeeded`` with a dimension of role "region").

The formats:

CSV
    A header row with «år» and «verdi», optionally «kommune» (municipality number, «1806»,
    «K-1806» or «1806 Narvik» as SSB's own CSV writes it) and «kilde» (a source note per row).
    Separated by semicolons (what Excel writes for Norwegian settings), tabs or commas. Numbers
    may use a decimal comma and spaces between thousands; with decimal commas, separate the
    columns with semicolons. UTF-8 with or without a BOM, or Windows-1252 (Excel's «CSV
    (semikolondelt)»), detected without asking.

JSON-stat 2
    ``{"version": "2.0", "class": "dataset", "id": [...], "size": [...], "dimension": {...},
    "value": [...]}`` (https://json-stat.org/format/). The time dimension is the one
    ``role.time`` names (SSB: «Tid»), the region dimension the one ``role.geo`` names (SSB:
    «Region»), or the dimensions with those ids. Every other dimension (``ContentsCode``, and
    «Kjonn», «Alder» if they were not eliminated) with more than one category is a choice
    (``choices.py``). ``value`` may be an array (with ``null`` for missing numbers) or a sparse
    object. Only yearly time codes («2024») are accepted.

JSON-stat 1
    A bundle ``{"<name>": {dataset}}`` whose datasets keep ``id``, ``size`` and ``role`` inside
    ``dimension`` (SSB's old API answered ``{"dataset": {…}}``); converted to JSON-stat 2 and read
    as that (``jsonstat1.py``). A bundle of several datasets is one more choice, ``dataset``.

Hostile files: at most ``settings.INDICATOR_IMPORT_MAX_BYTES`` (2 MB; the view refuses a larger
request body before it is parsed, see ``tromsvekst.lib.uploads``) and 10,000 rows; text must be
UTF-8 or Windows-1252 without NUL; a PDF or a workbook is named as such. JSON is nested at most
20 levels, and its text may hold no NUL or half a surrogate pair («\\ud800»), which a database
cannot store nor a page show. Numbers are read as ``Decimal`` (never floats, never NaN or
Infinity), and a JSON-stat value of 12 digits or more before the decimal point is refused before
anything is summed (1e999999999 would overflow the sum). Only the cells of the chosen series are
read, whatever ``size`` claims (at most 1,000,000 cells). Any failure to read becomes a
Norwegian message, never a server error.
"""

from __future__ import annotations

from .common import (
    CENT,
    CSV_COLUMN_NAMES,
    CSV_HEADERS,
    MAX_CELLS,
    MAX_JSON_DEPTH,
    MAX_JSON_ITEMS,
    MAX_ROWS,
    MISSING_SYMBOLS,
    MUNICIPALITY_RE,
    NUMBER_RE,
    SOURCE_NOTE_MAX,
    VALUE_LIMIT,
    YEAR_MAX,
    YEAR_MIN,
    YEAR_RE,
    Category,
    ChoiceNeeded,
    Dimension,
    ImportSummary,
    IndicatorFileError,
    Observation,
    ParsedFile,
    YearValue,
)
from .jsoncheck import UNSTORABLE_RE
from .jsonstat1 import BUNDLE_CHOICE
from .read import read_indicator_file
from .save import indicator_values_import
from .values import max_upload_bytes, normalise_municipality, parse_number

__all__ = [
    "MAX_ROWS",
    "MAX_JSON_DEPTH",
    "MAX_JSON_ITEMS",
    "MAX_CELLS",
    "YEAR_MIN",
    "YEAR_MAX",
    "CENT",
    "VALUE_LIMIT",
    "SOURCE_NOTE_MAX",
    "MISSING_SYMBOLS",
    "MUNICIPALITY_RE",
    "NUMBER_RE",
    "YEAR_RE",
    "CSV_HEADERS",
    "CSV_COLUMN_NAMES",
    "IndicatorFileError",
    "Category",
    "Dimension",
    "ChoiceNeeded",
    "BUNDLE_CHOICE",
    "Observation",
    "YearValue",
    "ParsedFile",
    "ImportSummary",
    "normalise_municipality",
    "parse_number",
    "max_upload_bytes",
    "read_indicator_file",
    "UNSTORABLE_RE",
    "indicator_values_import",
]
