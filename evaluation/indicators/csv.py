"""Indicator values from CSV (see the package docstring for the format)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from tromsvekst.lib import uploads

from .common import (
    CSV_COLUMN_NAMES,
    CSV_HEADERS,
    MAX_ROWS,
    MISSING_SYMBOLS,
    YEAR_MAX,
    YEAR_MIN,
    YEAR_RE,
    IndicatorFileError,
    Observation,
)
from .values import normalise_municipality, parse_number

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


class _CellError(Exception):
    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def _csv_row(
    cells: list[str],
    *,
    row: int,
    columns: dict[str, int],
    width: int,
    errors: uploads.ImportErrors,
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

    parsers = [("year", _csv_year), ("value", _csv_value)]
    if "municipality" in columns:
        parsers.append(("municipality", _csv_municipality))
    parsed: dict = {}
    failed = False
    for key, parse in parsers:
        try:
            parsed[key] = parse(cell(key), row)
        except _CellError as exc:
            errors.add(exc.message)
            failed = True
    if failed:
        return None
    return Observation(
        where=_("Rad %(row)s") % {"row": row},
        region=parsed.get("municipality"),
        year=parsed["year"],
        value=parsed["value"],
        source=cell("source"),
    )


def _csv_year(text: str, row: int) -> int:
    if not text:
        raise _CellError(_("Rad %(row)s: år mangler.") % {"row": row})
    if not YEAR_RE.fullmatch(text) or not YEAR_MIN <= int(text) <= YEAR_MAX:
        raise _CellError(
            _("Rad %(row)s: «%(text)s» i kolonnen «år» er ikke et årstall (for eksempel 2025).")
            % {"row": row, "text": uploads.excerpt(text)}
        )
    return int(text)


def _csv_value(text: str, row: int) -> Decimal:
    if not text:
        raise _CellError(_("Rad %(row)s: verdi mangler.") % {"row": row})
    if text in MISSING_SYMBOLS:
        raise _CellError(
            _(
                "Rad %(row)s: «%(text)s» betyr at tallet mangler hos kilden. Fjern raden, eller "
                "skriv inn et tall."
            )
            % {"row": row, "text": uploads.excerpt(text)}
        )
    try:
        return parse_number(text)
    except (ValueError, InvalidOperation):
        raise _CellError(
            _("Rad %(row)s: «%(text)s» i kolonnen «verdi» er ikke et tall.")
            % {"row": row, "text": uploads.excerpt(text)}
        ) from None


def _csv_municipality(text: str, row: int) -> str:
    if not text:
        raise _CellError(_("Rad %(row)s: kommunenummer mangler.") % {"row": row})
    municipality = normalise_municipality(text)
    if municipality is None:
        raise _CellError(
            _(
                "Rad %(row)s: «%(text)s» i kolonnen «kommune» er ikke et kommunenummer "
                "(fire sifre, for eksempel 1806)."
            )
            % {"row": row, "text": uploads.excerpt(text)}
        )
    return municipality
