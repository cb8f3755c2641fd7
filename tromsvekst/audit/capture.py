"""Recording every create, change and delete of the domain data (the models the domain apps
register, audit/registry.py) in the audit log.

Signals do the work: ``pre_save`` reads the row as it is in the database (one SELECT, and only
for an object that already has a primary key), ``post_save`` and ``post_delete`` write one
entry, and ``m2m_changed`` records the links a many-to-many field gains or loses. The few writes
that bypass signals (``bulk_create``, ``bulk_update``) call ``record_bulk_created`` and
``record_bulk_changed`` themselves.

Every entry is written in the same transaction as the change, so a change that is rolled back
leaves no entry, and an entry that cannot be written stops the change.
"""

import datetime
import decimal
import functools
import json
import uuid
from collections.abc import Iterable, Sequence
from typing import Any, cast

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from tromsvekst.audit import context, registry, revisions
from tromsvekst.audit.models import AuditEntry

HIDDEN = {"skjult": True}
BEFORE, AFTER = "før", "etter"
_UNKNOWN = object()  # a value the database computes (an F() expression): not recorded


def audited_models() -> list[type[models.Model]]:
    return [model for model in apps.get_models() if registry.is_audited(model)]


@functools.cache
def _is_audited(model: type[models.Model]) -> bool:
    return model in audited_models()


@functools.cache
def _fields(model: type[models.Model]) -> tuple[models.Field, ...]:
    skipped = registry.skipped_fields(model)
    return tuple(
        f for f in model._meta.concrete_fields if not f.primary_key and f.name not in skipped
    )


@functools.cache
def _agreement_chain(model: type[models.Model]) -> tuple[models.ForeignKey, ...] | None:
    """The foreign keys leading from ``model`` to its agreement: () for Agreement itself, None
    for what belongs to no agreement (a party). A direct key to the agreement wins; otherwise
    the first required key to a model that has a way there."""
    Agreement = registry.root().model
    if model is Agreement:
        return ()
    keys = [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.ForeignKey)
        and not f.null
        and registry.is_audited_app(cast(type[models.Model], f.related_model)._meta.app_label)
        and f.related_model is not model
    ]
    for f in keys:
        if f.related_model is Agreement:
            return (f,)
    for f in keys:
        rest = _agreement_chain(f.related_model)
        if rest:
            return (f, *rest)
    return None


def agreement_lookup(model: type[models.Model]) -> str | None:
    """The ORM path from ``model`` to its agreement ("action__plan__agreement"), "pk" for the
    agreement itself, None for what belongs to no agreement. The audit log groups entries by it,
    and ``agreements.access.get_for_user`` checks access by it: one map of who owns what."""
    chain = _agreement_chain(model)
    if chain is None:
        return None
    return "__".join(f.name for f in chain) if chain else "pk"


def agreement_pk_of(instance: models.Model, using: str | None = None) -> int | None:
    """The pk of the agreement ``instance`` belongs to, by the objects already loaded where
    possible, else with one query per parent (remembered for the rest of the request)."""
    chain = _agreement_chain(type(instance))
    if chain is None:
        return None
    if not chain:
        own_pk: int | None = instance.pk
        return own_pk
    memo = context.current().agreement_memo
    obj = instance
    for i, key in enumerate(chain):
        value: int | None = getattr(obj, key.attname)
        if value is None or i == len(chain) - 1:
            return value
        if key.is_cached(obj):
            obj = key.get_cached_value(obj)  # type: ignore[assignment]  # not None: the key's value is not None (returned above)
            continue
        parent = cast(type[models.Model], key.related_model)
        if (parent, value) not in memo:
            rest = "__".join(f.name for f in chain[i + 1 :])
            memo[(parent, value)] = (
                parent._base_manager.using(using or "default")
                .filter(pk=value)
                .values_list(rest, flat=True)
                .first()
            )
        agreement_pk: int | None = memo[(parent, value)]
        return agreement_pk
    return None


def _plain(field: models.Field, value: Any) -> Any:
    """A JSON-friendly form of a field's value, the same whether it came from the database or
    from an object in memory (dates as ISO text, times in UTC, decimals with their places)."""
    if value is None:
        return None
    if hasattr(value, "resolve_expression"):
        return _UNKNOWN
    if isinstance(field, models.FileField):
        return getattr(value, "name", value) or ""
    if isinstance(field, models.JSONField):
        # As the database gives it back: decimals and dates as text.
        return json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    try:
        value = field.to_python(value)
    except ValidationError:
        return str(value)
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC)
        return value.isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        places = getattr(field, "decimal_places", None)
        if places is not None:
            value = value.quantize(decimal.Decimal(1).scaleb(-places))
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _secret(model: type[models.Model], field: models.Field) -> bool:
    return field.name in registry.secret_fields(model)


def _snapshot(instance: models.Model, fields: Iterable[models.Field]) -> dict:
    return {f.name: _plain(f, getattr(instance, f.attname)) for f in fields}


def _one_side(model: type[models.Model], values: dict, side: str) -> dict:
    out = {}
    for f in _fields(model):
        if f.name not in values or values[f.name] is _UNKNOWN:
            continue
        out[f.name] = dict(HIDDEN) if _secret(model, f) else {side: values[f.name]}
    return out


def _diff(model: type[models.Model], before: dict, after: dict) -> dict:
    out = {}
    for f in _fields(model):
        if f.name not in before or f.name not in after:
            continue
        old, new = before[f.name], after[f.name]
        if new is _UNKNOWN or old == new:
            continue
        out[f.name] = dict(HIDDEN) if _secret(model, f) else {BEFORE: old, AFTER: new}
    return out


def _repr(instance: models.Model) -> str:
    try:
        text = str(instance)
    except ObjectDoesNotExist:
        text = f"{instance._meta.verbose_name} {instance.pk}"
    return text[:300]


def _entry(
    instance: models.Model,
    action: str,
    changes: dict,
    agreement_pk: int | None,
    using: str | None,
) -> AuditEntry:
    user_id, username = context.current().who()
    return AuditEntry(
        user_id=user_id,
        username=username,
        action=action,
        content_type=ContentType.objects.db_manager(using).get_for_model(type(instance)),
        object_id=instance.pk,
        object_repr=_repr(instance),
        agreement_pk=agreement_pk,
        changes=changes,
        source=context.current().source,
    )


def _write(entry: AuditEntry, using: str | None) -> None:
    entry.save(force_insert=True, using=using or "default")
    revisions.changed([entry.agreement_pk], using)


# Signal receivers -------------------------------------------------------------------------


def _pre_save(
    sender: type[models.Model],
    instance: models.Model,
    using: str | None = None,
    update_fields: Iterable[str] | None = None,
    **kwargs: Any,
) -> None:
    instance.__dict__.pop("_audit_before", None)
    if instance.pk is None:
        return  # certainly new: nothing to read
    fields: Sequence[models.Field] = _fields(sender)
    if update_fields is not None:
        fields = [f for f in fields if f.name in update_fields or f.attname in update_fields]
        if not fields:  # only fields the log leaves out: nothing to compare, no query
            instance.__dict__["_audit_before"] = ({}, None)
            return
    extra = {}
    lookup = agreement_lookup(sender)
    if lookup and lookup != "pk":
        extra["_audit_agreement"] = F(lookup)
    row = (
        sender._base_manager.using(using)
        .filter(pk=instance.pk)
        .values(*(f.attname for f in fields), **extra)
        .first()
    )
    if row is not None:
        before = {f.name: _plain(f, row[f.attname]) for f in fields}
        agreement = instance.pk if lookup == "pk" else row.get("_audit_agreement")
        instance.__dict__["_audit_before"] = (before, agreement)


def _post_save(
    sender: type[models.Model],
    instance: models.Model,
    created: bool,
    using: str | None = None,
    update_fields: Iterable[str] | None = None,
    **kwargs: Any,
) -> None:
    previous = instance.__dict__.pop("_audit_before", None)
    if created or previous is None:
        changes = _one_side(sender, _snapshot(instance, _fields(sender)), AFTER)
        entry = _entry(
            instance,
            AuditEntry.Action.CREATED,
            changes,
            agreement_pk_of(instance, using),
            using,
        )
    else:
        before, agreement = previous
        after = _snapshot(instance, [f for f in _fields(sender) if f.name in before])
        changes = _diff(sender, before, after)
        if not changes:
            return  # saved without a change: nothing to record
        entry = _entry(instance, AuditEntry.Action.CHANGED, changes, agreement, using)
    _write(entry, using)


def _post_delete(
    sender: type[models.Model], instance: models.Model, using: str | None = None, **kwargs: Any
) -> None:
    changes = _one_side(sender, _snapshot(instance, _fields(sender)), BEFORE)
    entry = _entry(
        instance, AuditEntry.Action.DELETED, changes, agreement_pk_of(instance, using), using
    )
    _write(entry, using)


@functools.cache
def _m2m_fields() -> dict:
    """through model -> the many-to-many field it belongs to, for every audited model."""
    out = {}
    for model in audited_models():
        for field in model._meta.many_to_many:
            out[field.remote_field.through] = field
    return out


def _labels(model: type[models.Model], using: str | None, **filters: Any) -> dict:
    # select_related() follows every required foreign key, so str() asks for nothing more.
    return {
        obj.pk: _repr(obj)
        for obj in model._base_manager.using(using).filter(**filters).select_related()
    }


def _m2m_changed(
    sender: type[models.Model],
    instance: models.Model,
    action: str,
    reverse: bool,
    model: type[models.Model],
    pk_set: set[Any] | None,
    using: str | None = None,
    **kwargs: Any,
) -> None:
    """Record the links of a many-to-many field before and after an add, remove or clear, as
    lists of the linked objects' names, on the object whose links changed."""
    if not _is_audited(type(instance)):
        return  # e.g. user.meetings.add(): the user is not domain data
    field = _m2m_fields()[sender]
    if reverse:
        name = field.remote_field.get_accessor_name()
        own, other = field.m2m_reverse_field_name(), field.m2m_field_name()
    else:
        name = field.name
        own, other = field.m2m_field_name(), field.m2m_reverse_field_name()
    key = f"_audit_m2m_{name}"
    if action.startswith("pre_"):
        linked = sender._base_manager.using(using).filter(**{own: instance.pk}).values(other)
        instance.__dict__[key] = _labels(model, using, pk__in=linked)
        return
    before = instance.__dict__.pop(key, None)
    if before is None:
        return
    after = dict(before)
    if action == "post_add":
        new = set(pk_set or ()) - set(before)
        if new:
            after.update(_labels(model, using, pk__in=new))
    elif action == "post_remove":
        for pk in pk_set or ():
            after.pop(pk, None)
    elif action == "post_clear":
        after = {}
    if set(after) == set(before):
        return
    changes = {name: {BEFORE: sorted(before.values()), AFTER: sorted(after.values())}}
    entry = _entry(
        instance, AuditEntry.Action.CHANGED, changes, agreement_pk_of(instance, using), using
    )
    _write(entry, using)


def connect(candidates: Iterable[type[models.Model]]) -> None:
    """Connect the receivers for the audited ones of ``candidates`` (called by
    registry.register_app for the models of the app registering)."""
    for cached in (_is_audited, _fields, _agreement_chain, _m2m_fields):
        cached.cache_clear()
    for model in candidates:
        if not registry.is_audited(model):
            continue
        label = model._meta.label_lower
        pre_save.connect(_pre_save, sender=model, dispatch_uid=f"audit-pre-save-{label}")
        post_save.connect(_post_save, sender=model, dispatch_uid=f"audit-post-save-{label}")
        post_delete.connect(_post_delete, sender=model, dispatch_uid=f"audit-delete-{label}")
        for field in model._meta.many_to_many:
            through = cast(type[models.Model], field.remote_field.through)
            m2m_changed.connect(
                _m2m_changed, sender=through, dispatch_uid=f"audit-m2m-{through._meta.label_lower}"
            )


# For the writes that bypass signals -------------------------------------------------------


def record_bulk_created(objs: Iterable[models.Model], *, using: str | None = None) -> None:
    """Record objects made with ``bulk_create`` (which sends no signals), in one INSERT."""
    entries = []
    for obj in objs:
        model = type(obj)
        changes = _one_side(model, _snapshot(obj, _fields(model)), AFTER)
        entries.append(
            _entry(obj, AuditEntry.Action.CREATED, changes, agreement_pk_of(obj, using), using)
        )
    if entries:
        AuditEntry.objects.using(using or "default").bulk_create(entries)
        revisions.changed({entry.agreement_pk for entry in entries}, using)


def record_bulk_changed(
    changed: Iterable[tuple[models.Model, dict]], *, using: str | None = None
) -> None:
    """Record objects saved with ``bulk_update``: pairs of the object (holding its new values)
    and a dict of the changed fields' old values. Objects whose values did not change are left
    out. One INSERT for all."""
    entries = []
    for obj, old in changed:
        model = type(obj)
        fields = [cast(models.Field, model._meta.get_field(name)) for name in old]
        before = {f.name: _plain(f, old[f.name]) for f in fields}
        changes = _diff(model, before, _snapshot(obj, fields))
        if changes:
            entries.append(
                _entry(obj, AuditEntry.Action.CHANGED, changes, agreement_pk_of(obj, using), using)
            )
    if entries:
        AuditEntry.objects.using(using or "default").bulk_create(entries)
        revisions.changed({entry.agreement_pk for entry in entries}, using)


USER_FIELDS = ("username", "first_name", "last_name", "email", "is_active")


def record_user_created(user: models.Model, *, agreement_pk: int | None = None) -> None:
    """Record a user account made in the portal (by the coordinators page); the password and
    the permission flags are not recorded."""
    # (USER_FIELDS are concrete fields of the user model.)
    fields = [cast(models.Field, type(user)._meta.get_field(name)) for name in USER_FIELDS]
    changes = {f.name: {AFTER: _plain(f, getattr(user, f.attname))} for f in fields}
    _write(_entry(user, AuditEntry.Action.CREATED, changes, agreement_pk, None), None)
