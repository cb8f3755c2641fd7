"""Turning an entry's stored changes into rows a person can read: the field's name, and its
value before and after, in Norwegian (choices by their label, dates as dates, yes and no)."""

import datetime
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from tromsvekst.audit.capture import AFTER, BEFORE
from tromsvekst.audit.models import AuditEntry

NOT_APPLICABLE = "–"


@dataclass(frozen=True)
class Row:
    name: str
    label: str
    before: str
    after: str


# What a name in an entry's changes is: a field of the model, or the far side of a many-to-many
# field (the log records no other kind).
FieldOrRel = models.Field | models.ForeignObjectRel


def _field(model: type[models.Model] | None, name: str) -> FieldOrRel | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, FieldOrRel) else None


def _label(field: FieldOrRel | None, name: str) -> str:
    if field is None:
        return name
    if isinstance(field, models.ForeignObjectRel):  # the far side of a many-to-many field
        far_side = cast(type[models.Model], field.related_model)
        return str(capfirst(far_side._meta.verbose_name_plural))
    return str(capfirst(field.verbose_name))


def related_labels(entries: Iterable[AuditEntry]) -> dict:
    """The names of the records the entries' foreign keys point at, as they are now: one query
    per kind of record. {(model, pk): name}"""
    wanted: defaultdict[type[models.Model], set[int]] = defaultdict(set)
    for entry in entries:
        model = entry.content_type.model_class()
        for name, change in entry.changes.items():
            field = _field(model, name)
            if isinstance(field, models.ForeignKey):
                for side in (BEFORE, AFTER):
                    if isinstance(change.get(side), int):
                        wanted[cast(type[models.Model], field.related_model)].add(change[side])
    labels = {}
    for model, pks in wanted.items():
        for obj in model._base_manager.filter(pk__in=pks).select_related():
            name = obj.get_full_name() if hasattr(obj, "get_full_name") else ""
            labels[(model, obj.pk)] = name or str(obj)
    return labels


def value_text(field: FieldOrRel | None, value: Any, labels: dict | None = None) -> str:
    if value is None or value == "":
        return _("(tom)")
    if isinstance(value, bool):
        return _("Ja") if value else _("Nei")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) if value else _("(ingen)")
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    choices = getattr(field, "flatchoices", None)
    if field is not None and choices:
        for choice, label in choices:
            if str(choice) == str(value):
                return str(label)
    if isinstance(field, models.ForeignKey):
        label = (labels or {}).get((field.related_model, value))
        if label is None:
            return _("ID %(id)s (finnes ikke lenger)") % {"id": value}
        return _("%(name)s (ID %(id)s)") % {"name": label, "id": value}
    if isinstance(field, models.DateTimeField):
        moment = parse_datetime(str(value))
        if moment is not None:
            return formats.date_format(timezone.localtime(moment), "j. F Y H:i")
    elif isinstance(field, models.DateField):
        try:
            return formats.date_format(datetime.date.fromisoformat(str(value)), "j. F Y")
        except ValueError:
            pass
    return str(value)


def change_rows(entry: AuditEntry, labels: dict | None = None) -> list[Row]:
    """``labels`` from related_labels(); without them, foreign keys are looked up here."""
    if labels is None:
        labels = related_labels([entry])
    model = entry.content_type.model_class()
    rows = []
    for name, change in entry.changes.items():
        field = _field(model, name)
        if change.get("skjult"):
            hidden = _("(skjult)")
            before = NOT_APPLICABLE if entry.action == AuditEntry.Action.CREATED else hidden
            after = NOT_APPLICABLE if entry.action == AuditEntry.Action.DELETED else hidden
        else:
            before = (
                value_text(field, change[BEFORE], labels) if BEFORE in change else NOT_APPLICABLE
            )
            after = value_text(field, change[AFTER], labels) if AFTER in change else NOT_APPLICABLE
        rows.append(Row(name=name, label=_label(field, name), before=before, after=after))
    return rows
