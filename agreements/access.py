"""The one access check for every page that shows or changes something of an agreement.

``get_for_user(request, Model or queryset, value, edit=...)`` returns the object or raises:
anonymous users are sent to login, a logged-in user without a role in the agreement gets 404 (so
that other agreements' plans, meetings and evaluations cannot even be discovered), and a reader
who tries to change something gets 403. The way from an object to its agreement is the one the
audit log already uses (``tromsvekst.audit.capture.agreement_lookup``, built from each model's
required foreign keys), so there is one map of who owns what; a model that belongs to no
agreement is refused outright rather than let through.

``public=True`` is for the pages a public agreement shows to everyone (the agreement text):
readable without login when the agreement is public, otherwise the same rule.
"""

from collections.abc import Sequence
from typing import TypeVar, cast

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from agreements import rules
from agreements.models import Agreement
from tromsvekst.audit.capture import agreement_lookup
from tromsvekst.lib.access import LoginNeeded
from tromsvekst.lib.queries import KeptCall, KeptSQL, as_objects, model_columns, rows_together

M = TypeVar("M", bound=models.Model)


def check_agreement_access(request: HttpRequest, agreement: Agreement, *, edit: bool) -> None:
    if not request.user.is_authenticated:
        raise LoginNeeded
    if not rules.can_view_internal(request.user, agreement):
        raise Http404
    if edit and not rules.can_edit_agreement(request.user, agreement):
        raise PermissionDenied


def _check_public_access(request: HttpRequest, agreement: Agreement) -> None:
    if not rules.can_view_agreement(request.user, agreement):
        if not request.user.is_authenticated:
            raise LoginNeeded
        raise Http404


def agreement_of(obj: models.Model) -> Agreement:
    """The agreement ``obj`` belongs to, along the path ``get_for_user`` loaded."""
    path = _path(type(obj))
    owner: object = obj
    if path != "pk":
        for name in path.split("__"):
            owner = getattr(owner, name)
    assert isinstance(owner, Agreement)
    return owner


def _path(model: type[models.Model]) -> str:
    path = agreement_lookup(model)
    if path is None:
        raise ImproperlyConfigured(f"{model._meta.label} belongs to no agreement")
    return path


# The agreement by its slug, as model columns: read with the user's appointments in one round trip.
_AGREEMENT_BY_SLUG = KeptSQL(
    lambda v: (
        Agreement.objects.filter(slug=v.slug).order_by().values_list(*model_columns(Agreement))
    ),
    slug=str,
)


def agreement_for_user(
    request: HttpRequest,
    slug: str,
    *,
    edit: bool = False,
    public: bool = False,
    together: Sequence[KeptCall] = (),
) -> tuple[Agreement, list[list[tuple]]]:
    """``get_for_user(request, Agreement, slug, field="slug", edit=..., public=...)``, and the
    rows of ``together`` (queries that need nothing but the slug). The agreement, the user's
    appointments (what ``rules`` decides by) and ``together`` are answered in one round trip
    after the session and user; the rows of ``together`` are returned only when the user may
    read (or, with ``edit``, change) the agreement, after the same refusals, in the same order,
    as ``get_for_user``'s."""
    user = request.user
    mine = rules.appointments_call(user)  # (reads the session and the user first)
    found, *rows = rows_together(
        _AGREEMENT_BY_SLUG.call(slug=slug), *([mine] if mine else []), *together
    )
    if mine is not None:
        rules.remember_appointments(user, rows.pop(0))
    if not found:
        raise Http404
    (agreement,) = as_objects(Agreement, found)
    _check(request, agreement, edit=edit, public=public)
    return agreement, rows


def _check(request: HttpRequest, agreement: Agreement, *, edit: bool, public: bool) -> None:
    if public and not edit:
        _check_public_access(request, agreement)
    else:
        check_agreement_access(request, agreement, edit=edit)


def get_for_user(
    request: HttpRequest,
    source: type[M] | models.QuerySet[M],
    value: object,
    *,
    edit: bool = False,
    field: str = "pk",
    public: bool = False,
) -> M:
    """The object of ``source`` whose ``field`` is ``value``, if this user may read it (or, with
    ``edit``, change it). ``source`` may be a queryset with the select_related a page needs;
    the way to the agreement is added to it."""
    if source is Agreement and field == "slug" and isinstance(value, str):
        agreement, _ = agreement_for_user(request, value, edit=edit, public=public)
        return cast(M, agreement)
    queryset = (
        source.all() if isinstance(source, models.QuerySet) else source._default_manager.all()
    )
    path = _path(queryset.model)
    if path != "pk":
        queryset = queryset.select_related(path)
    obj = get_object_or_404(queryset, **{field: value})
    _check(request, agreement_of(obj), edit=edit, public=public)
    return obj
