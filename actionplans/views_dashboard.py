"""The dashboard politicians read before meetings, and the public progress page."""

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F, IntegerField, Q, Subquery, Value
from django.db.models.functions import Cast
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from actionplans.forms import DashboardFilterForm
from actionplans.models import CLOSED_STATUSES, ActionPlan, Milestone
from actionplans.selectors import (
    Headline,
    PlanSubGoal,
    RecentUpdate,
    changes_since,
    current_plan,
    filtered_plan_rollups,
    plan_headline,
    plan_rollups,
    since_last_meeting,
)
from agreements import rules
from agreements.access import get_for_user
from agreements.models import (
    Agreement,
    CentralTheme,
    FocusArea,
    FollowUpTask,
    LongTermEffect,
    Meeting,
    Party,
    SubGoal,
)
from tromsvekst.audit import revisions
from tromsvekst.lib.dates import local_today
from tromsvekst.lib.names import name_from_columns
from tromsvekst.lib.pagecache import render_kept
from tromsvekst.lib.queries import KeptSQL, as_objects, model_columns, rows_together

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


# The last meeting held before ``now`` and the next one not yet over: each a one-row subquery, in
# one query (a UNION of LIMITed queries is not portable).
_LAST_AND_NEXT = KeptSQL(
    lambda v: Meeting.objects.filter(
        Q(
            pk=Subquery(
                Meeting.objects.held()
                .filter(agreement=v.agreement, start__lte=v.now)
                .order_by("-start")
                .values("pk")[:1]
            )
        )
        | Q(
            pk=Subquery(
                Meeting.objects.upcoming(v.now).filter(agreement=v.agreement).values("pk")[:1]
            )
        )
    ).values_list("pk", "status", "title", "kind", "start", "end"),
    agreement=int,
    now=datetime.datetime,
)


def _meetings(
    agreement: Agreement, rows: list[tuple], since: datetime.date | None
) -> tuple[datetime.datetime, Meeting | None, Meeting | None]:
    """The start of «Siden forrige møte» (as selectors.since_last_meeting), the last meeting held
    and the next one, from the rows of _LAST_AND_NEXT."""
    last = next_meeting = None
    for pk, status, title, kind, start, end in rows:
        meeting = Meeting(
            pk=pk, agreement=agreement, status=status, title=title, kind=kind, start=start, end=end
        )
        if status == Meeting.Status.HELD:
            last = meeting
        else:
            next_meeting = meeting
    if since is not None:  # the reader's date, not the last meeting held
        return since_last_meeting(agreement, since=since)[0], None, next_meeting
    if last is not None:
        return last.start, last, next_meeting
    # None held yet: since the start of the agreement, as since_last_meeting says.
    return timezone.make_aware(datetime.datetime(agreement.start_year, 1, 1)), None, next_meeting


SubGoalRow = tuple[int, int, str, str, int]  # pk, focus area, code, text, order

# The columns that differ are annotations in every part, in the same order: a union's parts are
# read in the first part's order of fields, then annotations.
_TEXT_FIELDS = ("kind", "order", "pk", "text", "area", "goal_code")
# (A typed NULL: PostgreSQL makes two untyped ones text, which the sub-goals' ids are not.)
_NO_AREA = {"area": Cast(Value(None), IntegerField()), "goal_code": Value("")}
# The agreement's central themes (1), long-term effects (2) and sub-goals (3): one query (UNION
# ALL).
_AGREEMENT_TEXTS = KeptSQL(
    lambda v: (
        CentralTheme.objects.filter(agreement=v.agreement)
        .annotate(kind=Value(1), **_NO_AREA)
        .order_by()
        .values_list(*_TEXT_FIELDS)
        .union(
            LongTermEffect.objects.filter(agreement=v.agreement)
            .annotate(kind=Value(2), **_NO_AREA)
            .order_by()
            .values_list(*_TEXT_FIELDS),
            SubGoal.objects.filter(focus_area__agreement=v.agreement)
            .annotate(kind=Value(3), area=F("focus_area_id"), goal_code=F("code"))
            .order_by()
            .values_list(*_TEXT_FIELDS),
            all=True,
        )
    ),
    agreement=int,
)


def _agreement_texts(
    rows: list[tuple], areas: list[FocusArea]
) -> tuple[list[dict[str, str]], list[dict[str, str]], list[SubGoalRow]]:
    """The agreement's central themes and long-term effects, in their order ({"text": ...}
    each, as the template reads a model object's), and the sub-goals of ``areas`` in their
    order (SubGoalRow), from the rows of _AGREEMENT_TEXTS."""
    shown = {area.pk for area in areas}
    found: dict[int, list[dict[str, str]]] = {1: [], 2: []}
    sub_goals: list[SubGoalRow] = []
    for which, order, pk, text, area, code in rows:
        if which == 3:
            if area in shown:
                sub_goals.append((pk, area, code, text, order))
        else:
            found[which].append({"order": order, "pk": pk, "text": text})
    for texts in found.values():
        texts.sort(key=lambda row: (row["order"], row["pk"]))
    sub_goals.sort(key=lambda row: (row[4], row[2]))  # as SubGoal: by order, then code
    return (
        [{"text": row["text"]} for row in found[1]],
        [{"text": row["text"]} for row in found[2]],
        sub_goals,
    )


def _areas(
    areas: list[FocusArea], goal_rows: list[SubGoalRow], rollups: dict
) -> tuple[list[dict], dict[int, tuple[tuple[int, int], PlanSubGoal]]]:
    """The focus areas with their sub-goals and roll-ups; and every sub-goal shown, by id, with
    the key «Siden forrige møte» orders them by (the focus area's number, the sub-goal's
    order)."""
    goals: dict[int, list[dict]] = {area.pk: [] for area in areas}
    number = {area.pk: area.number for area in areas}
    sub_goals: dict[int, tuple[tuple[int, int], PlanSubGoal]] = {}
    for pk, area_id, code, text, order in goal_rows:
        goal = PlanSubGoal(pk, code, text, order)
        sub_goals[pk] = ((number[area_id], order), goal)
        goals[area_id].append({"sub_goal": goal, "rollup": rollups["sub_goal"].get(pk)})
    areas_shown = [
        {
            "focus_area": area,
            "rollup": rollups["focus_area"].get(area.pk),
            "sub_goals": goals[area.pk],
        }
        for area in areas
    ]
    return areas_shown, sub_goals


def _by_sub_goal(
    updates: list[RecentUpdate],
    rows: list[tuple],
    sub_goals: dict[int, tuple[tuple[int, int], PlanSubGoal]],
) -> list[dict]:
    """«Siden forrige møte»'s updates grouped by sub-goal, in the agreement's order (focus area,
    then sub-goal), newest first within each: [{"sub_goal": PlanSubGoal, "updates":
    [RecentUpdate]}]. ``rows`` are plan_rollups' rows (each milestone's sub-goal)."""
    goal_of = {row[0]: row[5] for row in rows}
    groups: dict[int, dict] = {}
    # A stable sort: newest first stays within each sub-goal.
    for update in sorted(updates, key=lambda u: sub_goals[goal_of[u.milestone_id]][0]):
        goal = goal_of[update.milestone_id]
        group = groups.get(goal)
        if group is None:
            group = groups[goal] = {"sub_goal": sub_goals[goal][1], "updates": []}
        group["updates"].append(update)
    return list(groups.values())


def _upcoming(
    rows: list[tuple],
    today: datetime.date,
    sub_goals: dict[int, tuple[tuple[int, int], PlanSubGoal]],
) -> list[dict]:
    """The open milestones due in the next UPCOMING_DAYS days, soonest first, from plan_rollups'
    rows (pk, status, percent, due date, focus area, sub-goal, action, last update, title): no
    query of their own."""
    last = today + datetime.timedelta(days=UPCOMING_DAYS)
    found = {
        row[0]: row
        for row in rows
        if row[3] is not None and today <= row[3] <= last and row[1] not in CLOSED_STATUSES
    }
    return [
        {
            "pk": pk,
            "title": row[8],
            "status": row[1],
            "due_date": row[3],
            "url": reverse("actionplans:milestone-detail", args=[pk]),
            "sub_goal": sub_goals[row[5]][1],
        }
        for pk, row in sorted(found.items(), key=lambda item: (item[1][3], item[0]))
    ]


# The open follow-up tasks as values: their title, responsible's name and due date.
_OPEN_TASKS = KeptSQL(
    lambda v: (
        FollowUpTask.objects.open()
        .filter(decision__agenda_item__meeting__agreement=v.agreement)
        .order_by("due_date", "pk")
        .values_list(
            "title",
            "responsible__first_name",
            "responsible__last_name",
            "responsible__username",
            "due_date",
        )
    ),
    agreement=int,
)


def _agreements_own(model: type[ActionPlan] | type[FocusArea], order: str) -> KeptSQL:
    """An agreement's plans or focus areas, in ``order``, as ``as_objects`` takes them."""
    return KeptSQL(
        lambda v: (
            model.objects.filter(agreement=v.agreement)
            .order_by(order)
            .values_list(*model_columns(model))
        ),
        agreement=int,
    )


# The agreement's plans, parties and focus areas, as model objects (the filter form's choices).
_PLANS = _agreements_own(ActionPlan, "start_year")
_PARTIES = KeptSQL(
    lambda v: Party.objects.filter(agreements=v.agreement).values_list(*model_columns(Party)),
    agreement=int,
)
_FOCUS_AREAS = _agreements_own(FocusArea, "number")


@require_GET
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    agreement = get_for_user(request, Agreement, slug, field="slug", edit=False)

    def context() -> dict:
        today = local_today()
        # What depends on the agreement alone: six queries answered in one round trip.
        plan_rows, party_rows, area_rows, meeting_rows, text_rows, task_rows = rows_together(
            _PLANS.call(agreement=agreement.pk),
            _PARTIES.call(agreement=agreement.pk),
            _FOCUS_AREAS.call(agreement=agreement.pk),
            _LAST_AND_NEXT.call(agreement=agreement.pk, now=timezone.now()),
            _AGREEMENT_TEXTS.call(agreement=agreement.pk),
            _OPEN_TASKS.call(agreement=agreement.pk),
        )
        plan_list = as_objects(ActionPlan, plan_rows)
        all_areas = as_objects(FocusArea, area_rows)
        filters = DashboardFilterForm(
            request.GET or None,
            plans=plan_list,
            parties=as_objects(Party, party_rows),
            focus_areas=all_areas,
        )
        plan = filters.value("plan") or current_plan(plan_list, today)
        party, focus_area = filters.value("party"), filters.value("focus_area")

        # The roll-ups' query also gives each milestone's sub-goal, title, status and due date,
        # from which «Siden forrige møte» is grouped and «Kommende» listed.
        rollups = (
            filtered_plan_rollups(
                plan.pk,
                party=party.pk if party is not None else None,
                focus_area=focus_area.pk if focus_area is not None else None,
                today=today,
            )
            if plan is not None
            else plan_rollups(Milestone.objects.none(), today, titles=True)
        )
        focus_areas = [a for a in all_areas if focus_area is None or a.pk == focus_area.pk]
        themes, effects, goal_rows = _agreement_texts(text_rows, focus_areas)
        areas, sub_goals = _areas(focus_areas, goal_rows, rollups)

        since_start, last_meeting, next_meeting = _meetings(
            agreement, meeting_rows, filters.value("since")
        )
        headline = summary = links = None
        updates: list[RecentUpdate] = []
        more_changes = False
        if plan is not None:
            headline = plan_headline(plan, today=today, rollup=rollups["plan"])
            links = headline_links(headline, party=party, focus_area=focus_area)
            # The updates and the summary of the milestones found, by id (the queries filter
            # on the list rather than on the plan's joins again): one round trip.
            titles = {row[0]: row[8] for row in rollups["rows"]}
            updates, more_changes, summary = changes_since(titles, since_start, limit=CHANGES_SHOWN)
        open_tasks = [
            {
                "title": title,
                "responsible": name_from_columns(first, last, username),
                "due_date": due,
            }
            for title, first, last, username, due in task_rows
        ]
        ctx = {
            "agreement": agreement,
            "plan": plan,
            "plan_url": plan.get_absolute_url() if plan is not None else "",
            "plans": plan_list,
            "filters": filters,
            "rollups": rollups,
            "headline": headline,
            "headline_links": links,
            "summary": summary,
            "areas": areas,
            "since_start": since_start,
            "last_meeting": last_meeting,
            "changes": _by_sub_goal(updates, rollups["rows"], sub_goals),
            "more_changes": more_changes,
            "changes_shown": CHANGES_SHOWN,
            "next_meeting": next_meeting,
            "upcoming": _upcoming(rollups["rows"], today, sub_goals),
            "upcoming_days": UPCOMING_DAYS,
            "open_tasks": open_tasks,
            "central_themes": themes,
            "long_term_effects": effects,
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
        # The dashboard reads nothing of the user but their standing (what they may do) and
        # base.html's name: one kept page for every user of the same standing.
        audience=lambda: (
            *rules.standing(request.user, agreement),
            rules.can_view_internal(request.user, agreement),
            rules.can_edit_agreement(request.user, agreement),
        ),
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
