"""Writing: the second step of the package docstring, one value per year in one transaction."""

from __future__ import annotations

from django.db import transaction

from evaluation.models import Indicator, IndicatorValue
from tromsvekst.lib import uploads

from .common import ImportSummary, ParsedFile

# --------------------------------------------------------------------------------------------
# Writing


@transaction.atomic
def indicator_values_import(*, indicator: Indicator, parsed: ParsedFile) -> ImportSummary:
    """Store one value per year; a year that has a value already gets the new one."""
    # One import at a time per indicator (a row lock on PostgreSQL).
    uploads.lock_for_import(indicator)
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
