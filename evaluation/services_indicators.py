"""Writing an indicator's values, with their history: an import confirmed from its preview (or a
direct import), and a single value added, corrected or deleted by hand.

Every write records ``IndicatorValueChange`` rows (who, when, why, old and new value) in the same
transaction as the change itself, under the indicator's import lock, so two writers never
interleave. A preview is confirmed only if the indicator's values are what the preview was made
from (``values_fingerprint``); otherwise nothing is written.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluation import indicators
from evaluation.models import (
    Indicator,
    IndicatorImportDraft,
    IndicatorValue,
    IndicatorValueChange,
)
from tromsvekst.lib import uploads

# How long a file waits between its upload and the confirmation of its preview.
DRAFT_LIFETIME = timedelta(hours=24)
Kind = IndicatorValueChange.Kind


class ValuesChanged(Exception):
    """The indicator's values changed since the preview was made: nothing was written."""


class ValueRefused(Exception):
    """A change by hand that cannot be made (the year has a value, or has none); ``message`` in
    Norwegian."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


# --------------------------------------------------------------------------------------------
# Drafts


def values_fingerprint(indicator: Indicator) -> str:
    """A checksum of the indicator's stored values (year, value, source note)."""
    digest = hashlib.sha256()
    rows = IndicatorValue.objects.filter(indicator=indicator).order_by("year")
    for year, value, note in rows.values_list("year", "value", "source_note"):
        digest.update(f"{year}\t{value}\t{note}\n".encode())
    return digest.hexdigest()


def draft_create(
    *,
    indicator: Indicator,
    user: User | None,
    data: bytes,
    file_name: str,
    source_note: str,
    origin: str,
) -> IndicatorImportDraft:
    """Keep ``data`` for the choice and preview steps. Expired drafts (of any indicator) and this
    person's earlier drafts for this indicator are removed, so drafts do not pile up."""
    now = timezone.now()
    IndicatorImportDraft.objects.filter(expires_at__lt=now).delete()
    if user is not None:
        IndicatorImportDraft.objects.filter(indicator=indicator, created_by=user).delete()
    return IndicatorImportDraft.objects.create(
        indicator=indicator,
        created_by=user,
        created_at=now,
        expires_at=now + DRAFT_LIFETIME,
        origin=origin,
        # A name is shown on the page and stored: no NUL or other control characters.
        file_name=uploads.excerpt("".join(c for c in file_name if c.isprintable()), 200),
        source_note=source_note[: indicators.SOURCE_NOTE_MAX],
        data=bytes(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def draft_read(
    draft: IndicatorImportDraft, choices: dict[str, str] | None = None
) -> indicators.ParsedFile:
    """Read the draft's file as an upload of it would be read (ChoiceNeeded, IndicatorFileError)."""
    return bytes_read(
        draft.indicator,
        bytes(draft.data),
        file_name=draft.file_name,
        source_note=draft.source_note,
        choices=choices,
    )


def import_reason(file_name: str, origin: str, table: str = "") -> str:
    """What the history says about an import: the file, or the SSB table fetched."""
    if origin == IndicatorImportDraft.Origin.SSB and table:
        return _("Hentet fra SSB, tabell %(table)s") % {"table": table}
    name = "".join(c for c in file_name if c.isprintable()) or _("fil")
    return _("Importert fra filen «%(name)s»") % {"name": uploads.excerpt(name)}


def bytes_read(
    indicator: Indicator,
    data: bytes,
    *,
    file_name: str,
    source_note: str,
    choices: dict[str, str] | None = None,
) -> indicators.ParsedFile:
    upload = SimpleUploadedFile(file_name or "fil", data, content_type="application/octet-stream")
    return indicators.read_indicator_file(
        indicator=indicator, upload=upload, source_note=source_note, choices=choices or None
    )


# --------------------------------------------------------------------------------------------
# Imports


@transaction.atomic
def import_confirm(
    *,
    indicator: Indicator,
    parsed: indicators.ParsedFile,
    user: User | None,
    fingerprint: str | None = None,
    reason: str = "",
) -> indicators.ImportSummary:
    """Store the file's values with their history (``reason``: where they came from). With
    ``fingerprint`` (a preview's), refuse with ValuesChanged if the stored values are no longer
    those the preview showed."""
    uploads.lock_for_import(indicator)
    if fingerprint is not None and fingerprint != values_fingerprint(indicator):
        raise ValuesChanged
    before = dict(IndicatorValue.objects.filter(indicator=indicator).values_list("year", "value"))
    summary = indicators.indicator_values_import(indicator=indicator, parsed=parsed)
    now = timezone.now()
    for year_value in parsed.values:
        old = before.get(year_value.year)
        if old is not None and old == year_value.value:
            continue  # the same number again: no change to record
        _record(
            indicator,
            year_value.year,
            Kind.IMPORT,
            old=old,
            new=year_value.value,
            note=year_value.source_note,
            user=user,
            reason=reason,
            when=now,
        )
    return summary


@dataclass
class Preview:
    """One year of a preview: what would be stored and what is stored now."""

    year: int
    value: Decimal
    source_note: str
    stored: Decimal | None

    @property
    def is_new(self) -> bool:
        return self.stored is None

    @property
    def is_same(self) -> bool:
        return self.stored is not None and self.stored == self.value


def preview_rows(indicator: Indicator, parsed: indicators.ParsedFile) -> list[Preview]:
    stored = dict(IndicatorValue.objects.filter(indicator=indicator).values_list("year", "value"))
    return [
        Preview(value.year, value.value, value.source_note, stored.get(value.year))
        for value in sorted(parsed.values, key=lambda value: value.year)
    ]


# --------------------------------------------------------------------------------------------
# By hand


@transaction.atomic
def value_add(
    *,
    indicator: Indicator,
    year: int,
    value: Decimal,
    source_note: str,
    reason: str,
    user: User | None,
) -> IndicatorValue:
    uploads.lock_for_import(indicator)
    if IndicatorValue.objects.filter(indicator=indicator, year=year).exists():
        raise ValueRefused(
            _("%(year)s har en verdi fra før. Rett den verdien i stedet.") % {"year": year}
        )
    stored = IndicatorValue.objects.create(
        indicator=indicator, year=year, value=value, source_note=source_note
    )
    _record(
        indicator, year, Kind.ADD, old=None, new=value, note=source_note, user=user, reason=reason
    )
    return stored


@transaction.atomic
def value_change(
    *,
    indicator: Indicator,
    year: int,
    value: Decimal,
    source_note: str,
    reason: str,
    user: User | None,
) -> IndicatorValue:
    uploads.lock_for_import(indicator)
    stored = _stored(indicator, year)
    old = stored.value
    stored.value = value
    stored.source_note = source_note
    stored.save(update_fields=["value", "source_note"])
    _record(
        indicator, year, Kind.CHANGE, old=old, new=value, note=source_note, user=user, reason=reason
    )
    return stored


@transaction.atomic
def value_delete(*, indicator: Indicator, year: int, reason: str, user: User | None) -> None:
    uploads.lock_for_import(indicator)
    stored = _stored(indicator, year)
    _record(
        indicator,
        year,
        Kind.DELETE,
        old=stored.value,
        new=None,
        note=stored.source_note,
        user=user,
        reason=reason,
    )
    stored.delete()


def _stored(indicator: Indicator, year: int) -> IndicatorValue:
    stored = IndicatorValue.objects.filter(indicator=indicator, year=year).first()
    if stored is None:
        raise ValueRefused(
            _("%(year)s har ingen verdi lenger. Den kan ha blitt slettet av noen andre.")
            % {"year": year}
        )
    return stored


def _record(
    indicator: Indicator,
    year: int,
    kind: str,
    *,
    old: Decimal | None,
    new: Decimal | None,
    note: str,
    user: User | None,
    reason: str = "",
    when: datetime | None = None,
) -> None:
    IndicatorValueChange.objects.create(
        indicator=indicator,
        year=year,
        kind=kind,
        old_value=old,
        new_value=new,
        source_note=note,
        reason=reason,
        changed_by=user,
        changed_at=when or timezone.now(),
    )
