"""A meeting's agenda items and the actions and milestones each is about.

The meeting schedule (meetings, decisions, follow-up tasks) is ``agreements``'; an agenda item's
links to actions and milestones join it with plan progress, so its create and edit pages live
here. Their addresses stay under the meeting's (``/avtaler/moter/<pk>/saker/ny/``,
``/avtaler/saker/<pk>/endre/``). Access as in ``agreements.access``: changing needs the
coordinator role (or admin); outsiders get 404, readers 403.
"""

import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from actionplans import services
from actionplans.forms import AgendaItemForm
from agreements.access import get_for_user
from agreements.models import AgendaItem, Meeting
from tromsvekst.lib.forms import add_service_errors
from tromsvekst.lib.requests import form_data


def _item_anchor(item: AgendaItem) -> str:
    return item.meeting.get_absolute_url() + f"#sak-{item.pk}"


def _agenda_item_save(
    request: HttpRequest, form: AgendaItemForm, meeting: Meeting, item: AgendaItem | None = None
) -> AgendaItem | None:
    data = form.cleaned_data
    try:
        return services.agenda_item_save(
            meeting=meeting,
            agenda_item=item,
            number=data["number"],
            title=data["title"],
            description=data["description"],
            sub_goal=data["sub_goal"],
            central_theme=data["central_theme"],
            milestones=data["milestones"],
            actions=data["actions"],
        )
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None


@require_http_methods(["GET", "POST"])
def agenda_item_create(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_for_user(request, Meeting.objects.select_related("inviting_party"), pk, edit=True)
    form = AgendaItemForm(form_data(request), meeting=meeting)
    if request.method == "POST" and form.is_valid():
        item = _agenda_item_save(request, form, meeting)
        if item is not None:
            messages.success(request, _("Sak %(number)s er lagret.") % {"number": item.number})
            return redirect(_item_anchor(item))
    ctx = {
        "agreement": meeting.agreement,
        "meeting": meeting,
        "agenda_item": None,
        "form": form,
        "form_action": reverse("actionplans:agenda-item-create", args=[meeting.pk]),
        "cancel_url": meeting.get_absolute_url(),
    }
    return render(request, "actionplans/agenda_item_form.html", ctx)


@require_http_methods(["GET", "POST"])
def agenda_item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_for_user(
        request, AgendaItem.objects.select_related("meeting__inviting_party"), pk, edit=True
    )
    meeting = item.meeting
    form = AgendaItemForm(form_data(request), meeting=meeting, agenda_item=item)
    if request.method == "POST" and form.is_valid():
        saved = _agenda_item_save(request, form, meeting, copy.copy(item))
        if saved is not None:
            messages.success(request, _("Sak %(number)s er lagret.") % {"number": saved.number})
            return redirect(_item_anchor(saved))
    ctx = {
        "agreement": meeting.agreement,
        "meeting": meeting,
        "agenda_item": item,
        "form": form,
        "form_action": reverse("actionplans:agenda-item-edit", args=[item.pk]),
        "cancel_url": _item_anchor(item),
    }
    return render(request, "actionplans/agenda_item_form.html", ctx)
