"""From observations to one value per year: the listed municipalities summed per year."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from evaluation.models import Indicator
from tromsvekst.lib import uploads

from .common import (
    CENT,
    SOURCE_NOTE_MAX,
    VALUE_LIMIT,
    IndicatorFileError,
    Observation,
    YearValue,
    _codes,
)
from .municipalities import Reforms, reforms
from .values import _listed

# Per year -----------------------------------------------------------------------------------


def _per_year(
    observations: list[Observation],
    *,
    indicator: Indicator,
    file_format: str,
    file_source: str,
    source_note: str,
    other_regions: Sequence[str] = (),
    notes: list[str] | None = None,
) -> tuple[list[YearValue], list[str]]:
    """Sum the observations to one value per year, by the indicator's municipalities.

    Old municipality numbers are counted as today's first (``_counted_as_today``); what was
    mapped is said in ``notes``. ``other_regions``: regions in the file that were not read
    (JSON-stat), for the summary."""
    table = reforms()
    listed = list(dict.fromkeys(table.current(code) for code in _listed(indicator)))
    observations, mapped = _counted_as_today(observations, table)
    if notes is not None:
        # What was mapped for the indicator's municipalities (all, when it lists none).
        notes.extend(note for current, note in mapped if not listed or current in listed)
    other_regions = list(other_regions)
    errors = uploads.ImportErrors()
    used, left_out = _check_regions(
        observations, listed=listed, file_format=file_format, other_regions=other_regions
    )
    by_year = _group_by_year(used, file_format=file_format, errors=errors)
    if listed:
        _check_every_municipality(by_year, listed=listed, errors=errors)
    result: list[YearValue] = []
    for year in sorted(by_year):
        value = _sum_year(
            year,
            by_year[year],
            listed=listed,
            given=source_note,
            file_source=file_source,
            errors=errors,
        )
        if value is not None:
            result.append(value)
    if errors:
        raise IndicatorFileError(errors)
    return result, left_out


def _check_regions(
    observations: list[Observation],
    *,
    listed: list[str],
    file_format: str,
    other_regions: list[str],
) -> tuple[list[Observation], list[str]]:
    """The observations to sum (of the listed municipalities, or the one series), and the
    regions in the file left out; IndicatorFileError if the file's regions do not fit."""
    in_file = sorted({o.region for o in observations if o.region is not None} | set(other_regions))
    if not listed:
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
        return observations, []
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
    return used, left_out


def _group_by_year(
    used: list[Observation], *, file_format: str, errors: uploads.ImportErrors
) -> dict[int, dict[str | None, Observation]]:
    """The observations by year and region; a second one for the same pair is an error."""
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
    return by_year


def _check_every_municipality(
    by_year: dict[int, dict[str | None, Observation]],
    *,
    listed: list[str],
    errors: uploads.ImportErrors,
) -> None:
    """Every listed municipality must have a value for every year in the file."""
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


def _sum_year(
    year: int,
    row: dict[str | None, Observation],
    *,
    listed: list[str],
    given: str,
    file_source: str,
    errors: uploads.ImportErrors,
) -> YearValue | None:
    """The year's value, summed over its municipalities; None (with an error if it is not
    reported already) if a value is missing or the sum too large to store."""
    empty = [o for o in row.values() if o.value is None]
    for observation in empty:
        message = _("Verdien for %(where)s mangler.") % {"where": observation.where}
        if observation.status:
            message += " " + _("Kilden markerer den med «%(symbol)s».") % {
                "symbol": uploads.excerpt(observation.status)
            }
        errors.add(message)
    if empty or (listed and len(row) != len(listed)):
        return None
    total = sum((o.value for o in row.values() if o.value is not None), Decimal(0))
    if abs(total) >= VALUE_LIMIT:
        errors.add(
            _("%(year)s: verdien er for stor til å lagres (høyst 12 sifre før komma).")
            % {"year": year}
        )
        return None
    return YearValue(
        year=year,
        value=total.quantize(CENT, rounding=ROUND_HALF_UP),
        source_note=_source_note(row.values(), listed=listed, given=given, file_source=file_source),
    )


def _source_note(
    observations: Iterable[Observation], *, listed: list[str], given: str, file_source: str
) -> str:
    """The note typed on the import page; else the rows' «kilde»; else what the file says."""
    sources = []
    for observation in observations:
        if observation.source and observation.source not in sources:
            sources.append(observation.source)
    note = given or "; ".join(sources) or file_source
    if len(listed) > 1:
        note += " " + _("(sum av %(codes)s)") % {"codes": _codes(listed)}
    if SOURCE_NOTE_MAX is not None and len(note) > SOURCE_NOTE_MAX:
        note = note[: SOURCE_NOTE_MAX - 1] + "…"
    return note


# Municipality reforms -----------------------------------------------------------------------


def _counted_as_today(
    observations: list[Observation], table: Reforms
) -> tuple[list[Observation], list[tuple[str, str]]]:
    """The observations with old municipality numbers counted as today's, and a note per
    municipality of today whose old numbers were used, (today's number, note).

    Per year and municipality of today: its own number's value if the file has one; else the
    sum of the old numbers valid that year (1805 + 1854 for 1806 Narvik in 2019). Old numbers
    not valid that year (SSB's empty «..» cells for 1903 in 2021) are left out."""
    groups: dict[tuple[int, str], list[Observation]] = defaultdict(list)
    result: list[Observation] = []
    for observation in observations:
        region = observation.region
        if region is None or table.current(region) == region:
            result.append(observation)
        else:
            groups[(observation.year, table.current(region))].append(observation)
    used: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    own = {(o.year, o.region) for o in result if o.region is not None and o.value is not None}
    summed: dict[tuple[int, str], Observation] = {}
    for (year, current), old in sorted(groups.items()):
        valid = [o for o in old if table.valid_in(o.region or "", year)]
        if (year, current) in own or not valid:
            continue
        summed[(year, current)] = _summed(valid, current)
        for observation in valid:
            used[current][observation.region or ""].append(year)
    result = [o for o in result if (o.year, o.region) not in summed] + list(summed.values())
    notes = [(current, _mapped_note(current, by_code, table)) for current, by_code in used.items()]
    return result, notes


def _summed(valid: list[Observation], current: str) -> Observation:
    """One observation for today's municipality from the old numbers valid that year."""
    empty = next((o for o in valid if o.value is None), None)
    if empty is not None:
        return replace(empty, region=current)
    total = sum((o.value for o in valid if o.value is not None), Decimal(0))
    sources = list(dict.fromkeys(o.source for o in valid if o.source))
    return replace(
        valid[0],
        where=", ".join(o.where for o in valid),
        region=current,
        value=total,
        source="; ".join(sources),
    )


def _mapped_note(current: str, by_code: dict[str, list[int]], table: Reforms) -> str:
    """«1903 Harstad (2019) og 5402 Harstad (2020–2023) er regnet som 5503 Harstad.»"""
    parts = [
        f"{code} {table.name(code)} ({_years(years)})".replace(" ()", "")
        for code, years in sorted(by_code.items(), key=lambda item: min(item[1]))
    ]
    note = _("%(old)s er regnet som %(current)s.") % {
        "old": get_text_list(parts, _("og")),
        "current": f"{current} {table.name(current)}".strip(),
    }
    for split in table.split_into(current):
        note += " " + _(
            "%(code)s %(name)s ble delt; den delen som nå hører til %(current)s, er ikke med "
            "i tallene for årene før delingen."
        ) % {"code": split, "name": table.name(split), "current": current}
    return note


def _years(years: Iterable[int]) -> str:
    ordered = sorted(set(years))
    if not ordered:
        return ""
    if len(ordered) == 1:
        return str(ordered[0])
    return f"{ordered[0]}–{ordered[-1]}"
