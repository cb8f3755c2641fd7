"""From observations to one value per year: the listed municipalities summed per year."""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

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
from .values import _listed

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
    total = sum((o.value for o in row.values()), Decimal(0))
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
