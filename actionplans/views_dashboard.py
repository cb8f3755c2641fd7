"""The dashboard politicians read before meetings, and the public progress page."""

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from actionplans.forms import DashboardFilterForm
from actionplans.models import ActionPlan, Milestone, MilestoneQuerySet
from actionplans.selectors import (
    Headline,
    change_summary,
    current_plan,
    plan_headline,
    plan_rollups,
    recent_updates,
    since_last_meeting,
)
from agreements import rules
from agreements.access import get_for_user
from agreements.models import Agreement, FocusArea, FollowUpTask, Meeting, Party, SubGoal
from tromsvekst.audit import revisions
from tromsvekst.lib.dates import local_today
from tromsvekst.lib.pagecache import render_kept

UPCOMING_DAYS = 90
# "Siden forrige møte" lists at most this many updates, the newest: a plan with hundreds of
# milestones logs hundreds of updates between two meetings.
CHANGES_SHOWN = 50


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """A user with one agreement lands on its dashboard; others pick from the list."""
    agreements = rules.visible_agreements(request.user)
    mine = [a for a in agreements if rules.can_view_internal(request.user, a)]
    if len(mine) == 1:
        return redirect("actionplans:dashboard", slug=mine[0].slug)
    return redirect("agreements:agreement-list")


def headline_links(
    headline: Headline,
    *,
    party: Party | None = None,
    focus_area: FocusArea | None = None,
    overdue_url: str | None = None,
) -> dict:
    """Where each headline figure leads: the plan page, filtered by status (and "Bare
    forfalte") and by the same lead party and focus area as the figures, so that every count
    opens the list of exactly the milestones behind it. ``overdue_url`` replaces the overdue
    links (the brief's own list, whose "overdue" is as of the meeting's date)."""
    base = reverse("actionplans:plan-detail", args=[headline.plan.pk])
    scope = {}
    if party is not None:
        scope["party"] = party.pk
    if focus_area is not None:
        scope["focus_area"] = focus_area.pk

    def url(**params: str) -> str:
        query = urlencode(scope | params)
        return f"{base}?{query}" if query else base

    rows = [
        {
            "row": row,
            "url": url(status=row.value),
            "overdue_url": overdue_url or url(status=row.value, overdue="on"),
        }
        for row in headline.rows
    ]
    return {"total": url(), "overdue": overdue_url or url(overdue="on"), "rows": rows}


def _filtered(
    milestones: MilestoneQuerySet, party: Party | None, focus_area: FocusArea | None
) -> MilestoneQuerySet:
    if party is not None:
        milestones = milestones.filter(action__lead_party=party)
    if focus_area is not None:
        milestones = milestones.filter(action__sub_goal__focus_area=focus_area)
    return milestones


@require_GET
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    agreement = get_for_user(request, Agreement, slug, field="slug", edit=False)

    def context() -> dict:
        today = local_today()
        plans = ActionPlan.objects.filter(agreement=agreement).order_by("start_year")
        plan_list = list(plans)
        filters = DashboardFilterForm(request.GET or None, agreement=agreement, plans=plans)
        plan = filters.value("plan") or current_plan(plan_list, today)
        party, focus_area = filters.value("party"), filters.value("focus_area")

        milestones = Milestone.objects.none()
        if plan is not None:
            milestones = _filtered(Milestone.objects.in_plan(plan), party, focus_area)
        rollups = plan_rollups(milestones)

        areas = FocusArea.objects.filter(agreement=agreement).prefetch_related(
            Prefetch("sub_goals", queryset=SubGoal.objects.order_by("order", "code"))
        )
        if focus_area is not None:
            areas = areas.filter(pk=focus_area.pk)
        since_start, last_meeting = since_last_meeting(agreement, since=filters.value("since"))
        changes, more_changes = recent_updates(milestones, since_start, limit=CHANGES_SHOWN)
        headline = summary = links = None
        if plan is not None:
            headline = plan_headline(plan, today=today, rollup=rollups["plan"])
            links = headline_links(headline, party=party, focus_area=focus_area)
            summary = change_summary(milestones=milestones, since=since_start)
        next_meeting = Meeting.objects.upcoming().filter(agreement=agreement).first()
        upcoming = (
            milestones.open()
            .filter(
                due_date__gte=today, due_date__lte=today + datetime.timedelta(days=UPCOMING_DAYS)
            )
            .select_related("action__sub_goal", "responsible__user")
            .order_by("due_date", "pk")
        )
        open_tasks = (
            FollowUpTask.objects.open()
            .filter(decision__agenda_item__meeting__agreement=agreement)
            .select_related("responsible", "decision__agenda_item__meeting")
            .order_by("due_date", "pk")
        )
        ctx = {
            "agreement": agreement,
            "plan": plan,
            "plans": plan_list,
            "filters": filters,
            "rollups": rollups,
            "headline": headline,
            "headline_links": links,
            "summary": summary,
            "areas": [
                {
                    "focus_area": area,
                    "rollup": rollups["focus_area"].get(area.pk),
                    "sub_goals": [
                        {"sub_goal": goal, "rollup": rollups["sub_goal"].get(goal.pk)}
                        for goal in area.sub_goals.all()
                    ],
                }
                for area in areas
            ],
            "since_start": since_start,
            "last_meeting": last_meeting,
            "changes": changes,
            "more_changes": more_changes,
            "changes_shown": CHANGES_SHOWN,
            "next_meeting": next_meeting,
            "upcoming": list(upcoming),
            "upcoming_days": UPCOMING_DAYS,
            "open_tasks": list(open_tasks),
            "central_themes": agreement.central_themes.all(),
            "long_term_effects": agreement.long_term_effects.all(),
            "today": today,
            "can_edit": rules.can_edit_agreement(request.user, agreement),
            "share_query": request.GET.urlencode(),
        }
        return ctx

    return render_kept(
        request,
        "actionplans/dashboard.html",
        name="dashboard",
        revision=lambda: revisions.current(agreement.pk),
        context=context,
    )


@require_GET
def public_progress(request: HttpRequest, slug: str) -> HttpResponse:
    """Progress without login for a public agreement that has turned it on: figures, statuses
    and due dates only, never comments, evidence links or names."""
    agreement = get_object_or_404(Agreement, slug=slug)
    if not (agreement.is_public and agreement.progress_is_public):
        raise Http404
    today = local_today()
    plans = list(ActionPlan.objects.filter(agreement=agreement).order_by("start_year"))
    plan = current_plan(plans, today)
    milestones = (
        Milestone.objects.in_plan(plan).select_related("action__sub_goal__focus_area")
        if plan
        else Milestone.objects.none()
    )
    rollups = plan_rollups(milestones)
    goals: dict = {}
    for milestone in milestones.order_by(
        "action__sub_goal__focus_area__number", "action__sub_goal__order", "due_date", "pk"
    ):
        goal = milestone.action.sub_goal
        goals.setdefault(
            goal.pk,
            {"sub_goal": goal, "rollup": rollups["sub_goal"].get(goal.pk), "milestones": []},
        )["milestones"].append(milestone)
    ctx = {
        "agreement": agreement,
        "plan": plan,
        "rollups": rollups,
        "goals": list(goals.values()),
        "today": today,
    }
    return render(request, "actionplans/public_progress.html", ctx)


@require_POST
def public_progress_toggle(request: HttpRequest, slug: str) -> HttpResponse:
    agreement = get_for_user(request, Agreement, slug, field="slug", edit=True)
    agreement.progress_is_public = request.POST.get("public") == "on"
    agreement.save(update_fields=["progress_is_public"])
    if agreement.progress_is_public and not agreement.is_public:
        messages.warning(
            request,
            _("Fremdriftssiden er slått på, men vises ikke før avtalen selv er offentlig."),
        )
    elif agreement.progress_is_public:
        messages.success(request, _("Den offentlige fremdriftssiden er slått på."))
    else:
        messages.success(request, _("Den offentlige fremdriftssiden er slått av."))
    return redirect("actionplans:dashboard", slug=agreement.slug)
