"""The audit log for administrators: who changed what, when, filtered through the URL."""

import datetime

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import capfirst
from django.views.decorators.http import require_GET

from tromsvekst.audit import registry
from tromsvekst.audit.display import change_rows, related_labels
from tromsvekst.audit.forms import AuditFilterForm
from tromsvekst.audit.models import AuditEntry
from tromsvekst.lib.access import LoginNeeded

PER_PAGE = 50


def _start_of(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of ``day`` in Europe/Oslo."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _filtered(entries: QuerySet[AuditEntry], data: dict) -> QuerySet[AuditEntry]:
    if data.get("agreement"):
        entries = entries.filter(agreement_pk=data["agreement"])
    if data.get("user"):
        entries = entries.filter(username=data["user"])
    if data.get("object_type"):
        app_label, _dot, model = data["object_type"].partition(".")
        entries = entries.filter(content_type__app_label=app_label, content_type__model=model)
    if data.get("action"):
        entries = entries.filter(action=data["action"])
    if data.get("date_from"):
        entries = entries.filter(when__gte=_start_of(data["date_from"]))
    if data.get("date_to"):
        entries = entries.filter(when__lt=_start_of(data["date_to"] + datetime.timedelta(days=1)))
    return entries


def _type_label(entry: AuditEntry) -> str:
    model = entry.content_type.model_class()
    return str(capfirst(model._meta.verbose_name)) if model else entry.content_type.model


@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        raise LoginNeeded
    root = registry.root()
    if not root.may_read_log(request.user):
        raise PermissionDenied
    agreement_choices = root.choices()
    usernames = list(
        AuditEntry.objects.order_by("username").values_list("username", flat=True).distinct()
    )
    form = AuditFilterForm(
        request.GET or None, agreement_choices=agreement_choices, usernames=usernames
    )
    data = {}
    if form.is_bound:
        # An invalid filter is shown with its error and left out; the valid ones still apply.
        form.is_valid()
        data = form.cleaned_data
    entries = _filtered(AuditEntry.objects.select_related("content_type"), data)
    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("side"))
    titles: dict[int | None, str] = dict(agreement_choices)
    labels = related_labels(page)
    ctx = {
        "form": form,
        "filtered": bool(data) and any(data.values()),
        "page": page,
        "rows": [
            {
                "entry": entry,
                "changes": change_rows(entry, labels),
                "type_label": _type_label(entry),
                "agreement_title": titles.get(entry.agreement_pk),
            }
            for entry in page
        ],
    }
    return render(request, "audit/log.html", ctx)
