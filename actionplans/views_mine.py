"""«Mine milepæler»: the signed-in person's own milestones, what needs doing first on top."""

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from actionplans.models import CLOSED_STATUSES, ActionPlan, Milestone
from actionplans.reminders import STALE_AFTER, milestone_is_stale
from agreements import rules
from tromsvekst.lib.dates import local_today
from tromsvekst.lib.requests import signed_in_user

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# "Frist snart": due within this many days from today.
DUE_SOON_DAYS = 30


@dataclass
class Group:
    key: str
    title: "StrOrPromise"
    explanation: "StrOrPromise"
    milestones: list[Milestone] = field(default_factory=list)


def _groups() -> list[Group]:
    return [
        Group(
            "forfalt",
            _("Forfalt"),
            _("Fristen er passert, og milepælen er verken fullført eller avlyst."),
        ),
        Group(
            "snart",
            _("Frist snart"),
            _("Fristen er i dag eller innen %(days)s dager.") % {"days": DUE_SOON_DAYS},
        ),
        Group(
            "ny-frist",
            _("Ny frist mangler"),
            _("Milepælen er videreført fra forrige handlingsplan og trenger en ny frist."),
        ),
        Group(
            "uten-oppdatering",
            _("Ingen statusoppdatering på %(days)s dager") % {"days": STALE_AFTER.days},
            _("Ingen har logget fremdrift på %(days)s dager, eller aldri.")
            % {"days": STALE_AFTER.days},
        ),
        Group("ovrige", _("Øvrige"), _("Åpne milepæler med frist senere.")),
    ]


def my_milestones(user: User, today: datetime.date) -> tuple[list[Group], int]:
    """The open milestones ``user`` is responsible for (``Milestone.responsible`` is one of
    their appointments), in groups: overdue, due within 30 days, waiting for a new deadline,
    no update for 60 days, the rest; each milestone in the first group it fits. Milestones of
    closed plans and those carried over to a later plan (the copy there is listed instead) are
    left out. Also returns how many of their milestones are done or cancelled. One query.
    """
    rows = list(
        Milestone.objects.filter(responsible__user=user)
        .exclude(action__plan__status=ActionPlan.PlanStatus.CLOSED)
        .filter(carried_to__isnull=True)
        .select_related("action__plan__agreement", "last_update")
        .order_by(F("due_date").asc(nulls_last=True), "action__plan__agreement__title", "pk")
    )
    groups = _groups()
    by_key = {group.key: group for group in groups}
    soon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    closed = 0
    for milestone in rows:
        if milestone.status in CLOSED_STATUSES:
            closed += 1
            continue
        if milestone.is_overdue(today):
            key = "forfalt"
        elif milestone.due_date is not None and milestone.due_date <= soon:
            key = "snart"
        elif milestone.due_date is None:
            key = "ny-frist"
        elif milestone_is_stale(milestone, today):
            key = "uten-oppdatering"
        else:
            key = "ovrige"
        by_key[key].milestones.append(milestone)
    return groups, closed


@require_GET
@login_required
def my_milestones_page(request: HttpRequest) -> HttpResponse:
    today = local_today()
    groups, closed = my_milestones(signed_in_user(request), today)
    for group in groups:
        for milestone in group.milestones:
            milestone.can_edit = rules.can_edit_agreement(  # type: ignore[attr-defined]  # for the template, not a model field
                request.user, milestone.action.plan.agreement
            )
    ctx = {
        "groups": groups,
        "total": sum(len(group.milestones) for group in groups),
        "closed": closed,
        "today": today,
        "here": reverse("actionplans:my-milestones"),
    }
    return render(request, "actionplans/my_milestones.html", ctx)
