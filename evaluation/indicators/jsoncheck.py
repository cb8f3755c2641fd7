"""JSON-stat 2: the checks on a file's shape and the reading of its parts."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tromsvekst.lib import uploads

from .common import (
    MAX_JSON_DEPTH,
    MAX_JSON_ITEMS,
    VALUE_LIMIT,
    YEAR_MAX,
    YEAR_MIN,
    YEAR_RE,
    IndicatorFileError,
)

T = TypeVar("T")

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


def _shown(value: object) -> str:
    if value is None:
        return _("tomt")
    text = str(value)
    return f"«{text[:40]}»"


def _is_count(value: object) -> bool:
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
        for named_id in named:
            if named_id in ids:
                return str(named_id)
    for dim_id in ids:
        if dim_id.lower() == fallback.lower():
            return dim_id
    return None


def _jsonstat_values(value: object, *, total: int, wanted: list[int]) -> dict[int, Decimal]:
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


def _status_at(status: object, position: int) -> str:
    if isinstance(status, str):
        return status
    if isinstance(status, list) and position < len(status):
        return str(status[position] or "")
    if isinstance(status, dict):
        return str(status.get(str(position)) or "")
    return ""


def _jsonstat_source(data: dict) -> str:
    """«Statistisk sentralbyrå, tabell 07459 (oppdatert 20.02.2025)», from what the file says."""
    source = _field(data, "source", str, "")
    px = _field(_field(data, "extension", dict, {}), "px", dict, {})
    table = _field(px, "tableid", str, "")
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


def _field(data: dict, name: str, kind: type[T], default: T) -> T:
    """``data[name]`` if it is a ``kind``, else ``default``."""
    value = data.get(name)
    return value if isinstance(value, kind) else default
