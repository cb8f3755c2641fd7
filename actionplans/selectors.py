"""Reads that several views share: roll-ups computed in the database."""

import datetime
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import FloatField, Func, Q, QuerySet

from actionplans.models import CLOSED_STATUSES, Status, StatusChange
from tromsvekst.lib.dates import local_today
from tromsvekst.lib.names import name_from_columns
from tromsvekst.lib.queries import AmongIds, KeptSQL, Shape, rows_together

if TYPE_CHECKING:
    from actionplans.models import ActionPlan, Milestone, MilestoneDueDateChange, ProgressUpdate
    from agreements.models import AgendaItem, Agreement, FollowUpTask, Meeting


@dataclass
class Rollup:
    """Milestone figures for one node of the plan (the plan, a focus area, a sub-goal, an action)."""

    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    avg_percent: float | None = None
    last_update: datetime.datetime | None = None
    # How many of each status's milestones are overdue (only from plan_rollups).
    overdue_counts: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "Rollup":
        return cls(
            total=row["total"],
            counts={value: row[f"n_{value}"] for value in Status.values},
            overdue=row["overdue"],
            avg_percent=row["avg_percent"],
            last_update=row.get("last_update"),
        )

    @property
    def percent(self) -> int:
        return round(self.avg_percent or 0)

    @property
    def done(self) -> int:
        return self.counts.get(Status.DONE, 0)

    @property
    def open(self) -> int:
        return self.total - sum(self.counts.get(s, 0) for s in CLOSED_STATUSES)

    def status_rows(self) -> list[tuple[str, str, int]]:
        """(value, label, count) for every status, in the vocabulary's order."""
        return [(s.value, str(s.label), self.counts.get(s.value, 0)) for s in Status]


# The statuses' values, read once: ``Status.values`` builds its list anew on every access.
_STATUS_VALUES = tuple(Status.values)
_CLOSED = frozenset(CLOSED_STATUSES)
_CANCELLED = Status.CANCELLED.value


class _Tally:
    """Adds milestones up into a Rollup, as ``rollup_aggregates`` does in SQL."""

    __slots__ = (
        "total",
        "overdue",
        "counts",
        "overdue_counts",
        "percent_sum",
        "percent_n",
        "last_update",
    )

    def __init__(self) -> None:
        self.total = self.overdue = 0
        self.counts = dict.fromkeys(_STATUS_VALUES, 0)
        self.overdue_counts = dict.fromkeys(_STATUS_VALUES, 0)
        # The average percent of the milestones not cancelled, as a sum and a count.
        self.percent_sum = self.percent_n = 0
        self.last_update: datetime.datetime | None = None

    def add(
        self,
        status: str,
        percent: int,
        due_date: datetime.date | None,
        last_update: datetime.datetime | None,
        today: datetime.date,
    ) -> None:
        self.total += 1
        counts = self.counts
        counts[status] = counts.get(status, 0) + 1
        if due_date is not None and due_date < today and status not in _CLOSED:
            self.overdue += 1
            self.overdue_counts[status] = self.overdue_counts.get(status, 0) + 1
        if status != _CANCELLED:
            self.percent_sum += percent
            self.percent_n += 1
        if last_update is not None and (self.last_update is None or last_update > self.last_update):
            self.last_update = last_update

    def merge(self, other: "_Tally") -> None:
        """Add another tally's milestones (an action's into its sub-goal's, for instance)."""
        self.total += other.total
        self.overdue += other.overdue
        for mine, theirs in (
            (self.counts, other.counts),
            (self.overdue_counts, other.overdue_counts),
        ):
            for status, n in theirs.items():
                if n:
                    mine[status] = mine.get(status, 0) + n
        self.percent_sum += other.percent_sum
        self.percent_n += other.percent_n
        last = other.last_update
        if last is not None and (self.last_update is None or last > self.last_update):
            self.last_update = last

    def rollup(self) -> Rollup:
        average = self.percent_sum / self.percent_n if self.percent_n else None
        return Rollup(
            total=self.total,
            counts=self.counts,
            overdue=self.overdue,
            avg_percent=average,
            last_update=self.last_update,
            overdue_counts=self.overdue_counts,
        )


class _Seconds(Func):
    """A moment as seconds since 1970, a float (PostgreSQL): psycopg reads a float in C, but a
    timestamp through Django's time-zone-aware loader in Python, about 5 µs each (1.3 ms for a
    plan's 240 last updates, of which the roll-ups keep one per node)."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)::double precision"
    output_field = FloatField()


def plan_rollups(
    milestones: "QuerySet[Milestone]", today: datetime.date | None = None, *, titles: bool = False
) -> dict[str, Any]:
    """Roll-ups of a milestone queryset for the plan, each focus area, sub-goal and action: one
    query of a few columns per milestone, added up here (a plan has a few hundred milestones;
    four GROUP BY queries with their COUNT(DISTINCT)s cost more to plan and run than that).

    Returns {"plan": Rollup, "focus_area": {id: Rollup}, "sub_goal": {id: Rollup},
    "action": {id: Rollup}, "ids": [milestone id]}. "Overdue" is as of ``today`` (default: today in Europe/Oslo).
    With ``titles``, also "rows": the rows read, each (pk, status, percent, due date, focus area,
    sub-goal, action, last update (as read: on PostgreSQL seconds since 1970), title), for a
    caller that lists some of the milestones.
    """
    seconds = connections[milestones.db].vendor == "postgresql"
    if seconds:
        milestones = milestones.annotate(last_update_seconds=_Seconds("last_update__created_at"))
    rows = list(milestones.order_by().values_list(*_rollup_columns(seconds, titles)))
    return _rollups_read(rows, today, seconds=seconds, titles=titles)


def _rollup_columns(seconds: bool, titles: bool) -> list[str]:
    """plan_rollups' columns: the last update as seconds since 1970 where ``seconds``."""
    last = "last_update_seconds" if seconds else "last_update__created_at"
    fields = [
        "pk",
        "status",
        "percent",
        "due_date",
        "action__sub_goal__focus_area_id",
        "action__sub_goal_id",
        "action_id",
        last,
    ]
    return [*fields, "title"] if titles else fields


def _rollups_read(
    rows: list[tuple[Any, ...]], today: datetime.date | None, *, seconds: bool, titles: bool
) -> dict[str, Any]:
    """plan_rollups' result from the rows it read."""
    out = _rollups(rows, today or local_today())
    if seconds:  # the newest of each node back to a moment
        for rollup in [out["plan"], *(r for k in _NODES for r in out[k].values())]:
            if rollup.last_update is not None:
                rollup.last_update = datetime.datetime.fromtimestamp(
                    cast(float, rollup.last_update), tz=datetime.UTC
                )
    if titles:
        out["rows"] = rows
    return out


def _plan_rows(v: Any) -> "QuerySet[Milestone]":
    from actionplans.models import Milestone

    milestones = Milestone.objects.filter(action__plan=v.plan)
    if v.party is not None:
        milestones = milestones.filter(action__lead_party=v.party)
    if v.focus_area is not None:
        milestones = milestones.filter(action__sub_goal__focus_area=v.focus_area)
    seconds = connections[milestones.db].vendor == "postgresql"
    if seconds:
        milestones = milestones.annotate(last_update_seconds=_Seconds("last_update__created_at"))
    return milestones.order_by().values_list(*_rollup_columns(seconds, titles=True))


_PLAN_ROWS = KeptSQL(_plan_rows, plan=int, party=int, focus_area=int)


def filtered_plan_rollups(
    plan: int, *, party: int | None, focus_area: int | None, today: datetime.date
) -> dict[str, Any]:
    """``plan_rollups(milestones, today, titles=True)`` of a plan's milestones, those of actions
    led by ``party`` and under ``focus_area`` when given (ids): the dashboard's, its SQL kept
    (tromsvekst.lib.queries.KeptSQL)."""
    rows = _PLAN_ROWS.rows(plan=plan, party=party, focus_area=focus_area)
    seconds = connections[DEFAULT_DB_ALIAS].vendor == "postgresql"
    return _rollups_read(rows, today, seconds=seconds, titles=True)


_NODES = ("focus_area", "sub_goal", "action")


RollupRow = tuple[int, str, int, datetime.date | None, int, int, int, datetime.datetime | None]


def _rollups(rows: Iterable[tuple[Any, ...]], today: datetime.date) -> dict[str, Any]:
    """Add up (pk, status, percent, due date, focus area, sub-goal, action, last update) rows
    (RollupRow; further columns are ignored): each milestone into its action's tally, then the
    actions' tallies into their sub-goals', focus areas' and the plan's (a few dozen additions
    instead of one per milestone and level)."""
    actions: dict[int, _Tally] = {}
    parents: dict[int, tuple[int, int]] = {}  # action: (focus area, sub-goal)
    seen: set[int] = set()
    for row in rows:
        pk = row[0]
        if pk in seen:  # a filter across a many-to-many relation can repeat a milestone
            continue
        seen.add(pk)
        action = row[6]
        tally = actions.get(action)
        if tally is None:
            tally = actions[action] = _Tally()
            parents[action] = (row[4], row[5])
        tally.add(row[1], row[2], row[3], row[7], today)
    plan = _Tally()
    areas: dict[int, _Tally] = {}
    goals: dict[int, _Tally] = {}
    for action, tally in actions.items():
        area, goal = parents[action]
        plan.merge(tally)
        for groups, node in ((areas, area), (goals, goal)):
            group = groups.get(node)
            if group is None:
                group = groups[node] = _Tally()
            group.merge(tally)
    # The milestones' ids: a later query filters on them as a list, which PostgreSQL plans far
    # better than the queryset's joins again as a subquery.
    return {
        "plan": plan.rollup(),
        "ids": sorted(seen),
        "focus_area": {node: tally.rollup() for node, tally in areas.items()},
        "sub_goal": {node: tally.rollup() for node, tally in goals.items()},
        "action": {node: tally.rollup() for node, tally in actions.items()},
    }


def row_rollups(milestones: "QuerySet[Milestone]", milestone: "Milestone") -> dict[str, Rollup]:
    """The roll-ups around one milestone: its plan, focus area, sub-goal and action.

    Returns {"plan": Rollup, "focus_area": Rollup, "sub_goal": Rollup, "action": Rollup}.
    """
    rollups = plan_rollups(milestones)
    action = milestone.action
    return {
        "plan": rollups["plan"],
        "focus_area": rollups["focus_area"].get(action.sub_goal.focus_area_id, Rollup()),
        "sub_goal": rollups["sub_goal"].get(action.sub_goal_id, Rollup()),
        "action": rollups["action"].get(action.pk, Rollup()),
    }


# --- The action plan page -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlanMilestone:
    """What a milestone's row on the plan page shows (plan_tags.milestone_row)."""

    pk: int
    title: str
    status: str
    percent: int
    due_date: datetime.date | None
    responsible: str | None  # the responsible coordinator's name
    last_update_at: datetime.datetime | None
    last_update_by: str  # its author's name

    @classmethod
    def from_milestone(cls, milestone: "Milestone") -> "PlanMilestone":
        """The row of one milestone (a saved row, an inline form cancelled)."""
        from tromsvekst.lib.names import display_name

        responsible, last = milestone.responsible, milestone.last_update
        return cls(
            pk=milestone.pk,
            title=milestone.title,
            status=milestone.status,
            percent=milestone.percent,
            due_date=milestone.due_date,
            responsible=display_name(responsible.user) if responsible is not None else None,
            last_update_at=last.created_at if last is not None else None,
            last_update_by=display_name(last.author) if last is not None else "",
        )


@dataclass(frozen=True, slots=True)
class PlanFocusArea:
    pk: int
    number: int
    title: str


@dataclass(frozen=True, slots=True)
class PlanSubGoal:
    pk: int
    code: str
    text: str
    order: int


@dataclass(frozen=True, slots=True)
class PlanAction:
    pk: int
    number: str
    title: str
    order: int
    lead_party: str | None  # the lead party's name
    edit_url: str
    new_milestone_url: str


def _url_format(name: str) -> str:
    """The address of view ``name`` with ``{}`` for its one id: reversed once per page, not once
    per action."""
    from django.urls import reverse

    marker = 999999999
    return reverse(name, args=[marker]).replace(str(marker), "{}")


# The plan page's columns: the milestone, its action, sub-goal, focus area, lead party, last
# update and responsible coordinator, in one query (the page's model objects would cost more to
# build than the page takes to render).
_TREE_COLUMNS = (
    "pk",
    "title",
    "status",
    "percent",
    "due_date",
    "last_update__created_at",
    "last_update__author__first_name",
    "last_update__author__last_name",
    "last_update__author__username",
    "responsible_id",
    "responsible__user__first_name",
    "responsible__user__last_name",
    "responsible__user__username",
    "action_id",
    "action__number",
    "action__title",
    "action__order",
    "action__lead_party__name",
    "action__sub_goal_id",
    "action__sub_goal__code",
    "action__sub_goal__text",
    "action__sub_goal__order",
    "action__sub_goal__focus_area_id",
    "action__sub_goal__focus_area__number",
    "action__sub_goal__focus_area__title",
)


@dataclass
class PlanTree:
    """The plan page's tree and its roll-ups (``plan_tree``)."""

    # [{"focus_area", "rollup", "sub_goals": [{"sub_goal", "rollup", "actions": [{"action",
    # "rollup", "milestones": [PlanMilestone]}]}]}], in the agreement's and the plan's order.
    areas: list[dict[str, Any]]
    rollups: dict[str, Any]  # as plan_rollups
    shown: int  # how many milestones


def plan_tree(milestones: "QuerySet[Milestone]", today: datetime.date | None = None) -> PlanTree:
    """innsatsområde → delmål → tiltak → milepæler for the plan page, with the roll-ups of every
    node, from one query. ``milestones`` (a plan's, perhaps filtered) keep their order within
    each action: by due date (none last), order and id."""
    from django.db.models import F

    today = today or local_today()
    edit_url = _url_format("actionplans:action-edit")
    new_milestone_url = _url_format("actionplans:milestone-create")
    rows = milestones.order_by(
        "action__order",
        "action__number",
        F("due_date").asc(nulls_last=True),  # waiting for a new deadline: last
        "order",
        "pk",
    ).values_list(*_TREE_COLUMNS)
    areas: dict[int, dict[str, Any]] = {}
    figures: list[RollupRow] = []
    for (
        pk,
        title,
        status,
        percent,
        due_date,
        last_at,
        last_first,
        last_last,
        last_username,
        responsible_id,
        responsible_first,
        responsible_last,
        responsible_username,
        action_id,
        action_number,
        action_title,
        action_order,
        lead_party,
        goal_id,
        goal_code,
        goal_text,
        goal_order,
        area_id,
        area_number,
        area_title,
    ) in rows:
        figures.append((pk, status, percent, due_date, area_id, goal_id, action_id, last_at))
        area = areas.get(area_id)
        if area is None:
            area = areas[area_id] = {
                "focus_area": PlanFocusArea(area_id, area_number, area_title),
                "sub_goals": {},
            }
        goal = area["sub_goals"].get(goal_id)
        if goal is None:
            goal = area["sub_goals"][goal_id] = {
                "sub_goal": PlanSubGoal(goal_id, goal_code, goal_text, goal_order),
                "actions": {},
            }
        entry = goal["actions"].get(action_id)
        if entry is None:
            action = PlanAction(
                action_id,
                action_number,
                action_title,
                action_order,
                lead_party,
                edit_url.format(action_id),
                new_milestone_url.format(action_id),
            )
            entry = goal["actions"][action_id] = {"action": action, "milestones": []}
        entry["milestones"].append(
            PlanMilestone(
                pk=pk,
                title=title,
                status=status,
                percent=percent,
                due_date=due_date,
                responsible=(
                    name_from_columns(responsible_first, responsible_last, responsible_username)
                    if responsible_id is not None
                    else None
                ),
                last_update_at=last_at,
                last_update_by=(
                    name_from_columns(last_first, last_last, last_username)
                    if last_at is not None
                    else ""
                ),
            )
        )
    rollups = _rollups(figures, today)
    tree = []
    for area in sorted(areas.values(), key=lambda a: a["focus_area"].number):
        goals = sorted(
            area["sub_goals"].values(), key=lambda g: (g["sub_goal"].order, g["sub_goal"].code)
        )
        for goal in goals:
            goal["rollup"] = rollups["sub_goal"][goal["sub_goal"].pk]
            goal["actions"] = sorted(
                goal["actions"].values(), key=lambda a: (a["action"].order, a["action"].number)
            )
            for entry in goal["actions"]:
                entry["rollup"] = rollups["action"][entry["action"].pk]
        tree.append(
            {
                "focus_area": area["focus_area"],
                "sub_goals": goals,
                "rollup": rollups["focus_area"][area["focus_area"].pk],
            }
        )
    return PlanTree(areas=tree, rollups=rollups, shown=len(figures))


@dataclass
class MeetingBrief:
    """What the politicians read before a meeting."""

    meeting: "Meeting"
    previous: "Meeting | None"
    next: "Meeting | None"
    since: datetime.datetime  # the moment "since the previous meeting" starts (aware datetime)
    reference_date: datetime.date  # the meeting's date in Europe/Oslo
    horizon: datetime.date  # "due before the next meeting" ends on this date
    updates: "list[ProgressUpdate]"
    status_changes: "list[ProgressUpdate]"
    overdue: "list[Milestone]"
    due_soon: "list[Milestone]"
    open_tasks: "list[FollowUpTask]"
    agenda: "list[AgendaItem]"
    # The opening summary: the plan in force on the meeting's date, as of that date (the same
    # figures the dashboard opens with), and what changed since the previous meeting.
    headline: "Headline | None" = None  # None when the agreement has no plan
    changes: "ChangeSummary | None" = None
    # Overdue milestones of other (earlier) plans that were not carried into a later plan.
    overdue_elsewhere: "list[Milestone]" = field(default_factory=list)


def meeting_brief(meeting: "Meeting") -> MeetingBrief:
    """Gather a meeting's brief in a fixed number of queries."""
    from django.db.models import Exists, OuterRef, Prefetch
    from django.utils import timezone

    from actionplans.models import ActionPlan, Milestone, ProgressUpdate
    from agreements.models import AgendaItem, Decision, FollowUpTask, Meeting

    agreement = meeting.agreement
    others = Meeting.objects.filter(agreement=agreement).exclude(pk=meeting.pk)
    others = others.exclude(status__in=[Meeting.Status.CANCELLED, Meeting.Status.DRAFT])
    previous = others.filter(start__lt=meeting.start).order_by("-start").first()
    following = others.filter(start__gt=meeting.start).order_by("start").first()
    reference_date = timezone.localdate(meeting.start)
    if previous is not None:
        since = previous.start
    else:
        since = timezone.make_aware(datetime.datetime(agreement.start_year, 1, 1))
    horizon = (
        timezone.localdate(following.start)
        if following is not None
        else reference_date + datetime.timedelta(days=183)
    )
    in_agreement = Milestone.objects.filter(action__plan__agreement=agreement).select_related(
        "action__sub_goal", "action__plan", "responsible__user"
    )
    updates = list(
        ProgressUpdate.objects.filter(
            milestone__action__plan__agreement=agreement,
            created_at__gte=since,
            created_at__lt=meeting.start,
        )
        .select_related("author", "milestone__action__sub_goal")
        .order_by("milestone__action__sub_goal__code", "-created_at")
    )
    agenda = list(
        AgendaItem.objects.filter(meeting=meeting)
        .select_related("sub_goal", "central_theme")
        .prefetch_related(
            "milestones",
            "actions",
            Prefetch("decisions", queryset=Decision.objects.prefetch_related("tasks__responsible")),
        )
    )
    open_tasks = list(
        FollowUpTask.objects.open()
        .filter(
            decision__agenda_item__meeting__agreement=agreement,
            decision__agenda_item__meeting__start__lt=meeting.start,
        )
        .select_related("responsible", "decision__agenda_item__meeting")
        .order_by("due_date", "pk")
    )
    plan = current_plan(
        list(ActionPlan.objects.filter(agreement=agreement).order_by("start_year")),
        reference_date,
    )
    # One query for both lists: the plan's overdue milestones (the headline's "hvorav forfalt")
    # and other plans' that were not carried into a later plan (those are followed up there).
    overdue: list[Milestone] = []
    overdue_elsewhere: list[Milestone] = []
    for milestone in (
        in_agreement.overdue(today=reference_date)
        .annotate(carried=Exists(Milestone.objects.filter(carried_from=OuterRef("pk"))))
        .order_by("due_date", "pk")
    ):
        if plan is None or milestone.action.plan_id == plan.pk:
            overdue.append(milestone)
        elif not milestone.carried:  # type: ignore[attr-defined]  # the Exists annotation above; django-stubs does not follow annotate() after a custom QuerySet method
            overdue_elsewhere.append(milestone)
    return MeetingBrief(
        meeting=meeting,
        previous=previous,
        next=following,
        since=since,
        reference_date=reference_date,
        horizon=horizon,
        updates=updates,
        status_changes=[u for u in updates if u.status_changed],
        overdue=overdue,
        overdue_elsewhere=overdue_elsewhere,
        headline=plan_headline(plan, today=reference_date) if plan is not None else None,
        changes=change_summary(
            milestones=Milestone.objects.filter(action__plan__agreement=agreement),
            since=since,
            until=meeting.start,
            updates=updates,
        ),
        due_soon=list(
            in_agreement.open()
            .filter(due_date__gte=reference_date, due_date__lte=horizon)
            .order_by("due_date")
        ),
        open_tasks=open_tasks,
        agenda=agenda,
    )


def current_plan(plans: "list[ActionPlan]", today: datetime.date) -> "ActionPlan | None":
    """The plan whose period holds today's year, else the latest one that has started, else the
    first."""
    for plan in plans:
        if plan.start_year <= today.year <= plan.end_year:
            return plan
    started = [p for p in plans if p.start_year <= today.year]
    return started[-1] if started else (plans[0] if plans else None)


def since_last_meeting(
    agreement: "Agreement",
    *,
    since: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> "tuple[datetime.datetime, Meeting | None]":
    """The window start for "Siden forrige møte": a date the reader picked, else the start of the
    last meeting held, else the start of the agreement. Returns (start datetime, meeting or None).
    """
    from django.utils import timezone

    from agreements.models import Meeting

    if since is not None:
        return timezone.make_aware(datetime.datetime.combine(since, datetime.time.min)), None
    last = (
        Meeting.objects.held()
        .filter(agreement=agreement, start__lte=now or timezone.now())
        .order_by("-start")
        .first()
    )
    if last is not None:
        return last.start, last
    return timezone.make_aware(datetime.datetime(agreement.start_year, 1, 1)), None


@dataclass(frozen=True, slots=True)
class RecentUpdate(StatusChange):
    """A progress update in the dashboard's «Siden forrige møte» (plan_tags.change_items)."""

    pk: int
    milestone_id: int
    milestone_title: str
    status: str
    previous_status: str
    percent: int
    created_at: datetime.datetime
    author: str  # the author's name


_RECENT_COLUMNS = (
    "pk",
    "milestone_id",
    "status",
    "previous_status",
    "percent",
    "created_at",
    "author__first_name",
    "author__last_name",
    "author__username",
)


def _recent_rows(v: Any) -> "QuerySet[ProgressUpdate]":
    """The newest ``limit`` + 1 updates of the milestones since ``start``: the ids first, then
    their rows. On PostgreSQL the ids come from the index on (created_at, id) with the milestone
    beside them (migration 0007), without reading the table for every update of other plans
    passed on the way."""
    from actionplans.models import ProgressUpdate

    newest = (
        ProgressUpdate.objects.filter(AmongIds("milestone_id", v.milestones))
        .filter(created_at__gte=v.start)
        .order_by("-created_at", "-pk")
        .values("pk")[: v.limit + 1]
    )
    return (
        ProgressUpdate.objects.filter(pk__in=newest)
        .order_by("-created_at", "-pk")
        .values_list(*_RECENT_COLUMNS)
    )


_RECENT = KeptSQL(_recent_rows, milestones=list, start=datetime.datetime, limit=Shape)


def _recent_read(
    rows: list[tuple[Any, ...]], milestones: Mapping[int, str], limit: int
) -> tuple[list[RecentUpdate], bool]:
    """The updates read (at most ``limit`` + 1 rows) as RecentUpdates, the newest ``limit``, and
    whether there were more."""
    more = len(rows) > limit
    if more:
        rows = rows[:limit]
    updates = [
        RecentUpdate(
            pk=pk,
            milestone_id=milestone_id,
            milestone_title=milestones[milestone_id],
            status=status,
            previous_status=previous,
            percent=percent,
            created_at=created_at,
            author=name_from_columns(first_name, last_name, username),
        )
        for (
            pk,
            milestone_id,
            status,
            previous,
            percent,
            created_at,
            first_name,
            last_name,
            username,
        ) in rows
    ]
    return updates, more


def changes_since(
    milestones: Mapping[int, str], since: datetime.datetime, *, limit: int
) -> tuple[list[RecentUpdate], bool, "ChangeSummary"]:
    """What changed on ``milestones`` (their titles by id, which the dashboard has read with the
    roll-ups) since ``since``: the newest ``limit`` progress updates, newest first (a busy plan
    logs hundreds between two meetings), whether there were more, and ``change_summary`` of the
    same milestones. Three queries sent together, answered in one round trip on PostgreSQL
    (tromsvekst.lib.queries.rows_together); the updates are read as values with their author's
    name."""
    ids = list(milestones)
    window: dict[str, Any] = {"milestones": ids, "since": since, "until": None}
    calls = [_PAIRS.call(**window), _MOVED.call(**window)]
    if milestones:
        calls.append(_RECENT.call(milestones=ids, start=since, limit=limit))
    pairs, moved_rows, *recent = rows_together(*calls)
    updates, more = _recent_read(recent[0], milestones, limit) if recent else ([], False)
    return updates, more, _summary_read(pairs, moved_rows, since, None)


@dataclass
class HeadlineRow:
    """One status in the headline: how many milestones have it, and how many of those are
    overdue (always 0 for Fullført and Avlyst)."""

    value: str
    label: str
    count: int
    overdue: int

    @property
    def closed(self) -> bool:
        return self.value in CLOSED_STATUSES


@dataclass
class Headline:
    """The figures the dashboard and the meeting brief open with, for one plan.

    Every milestone is counted once, under its status as last logged by its coordinator, so the
    rows add up to ``total``. "Forfalt" is not a status but a second dimension: the open
    milestones (not Fullført or Avlyst) whose due date lies before ``reference_date``; they are
    counted under their status too, and ``rows[i].overdue`` says how many of each. A milestone
    logged "I rute" whose deadline has passed therefore stays "I rute" and is also counted (and
    flagged) as overdue.
    """

    plan: "ActionPlan"
    reference_date: datetime.date
    total: int
    rows: list[HeadlineRow]
    overdue: int
    percent: int

    @property
    def counted(self) -> int:
        """The sum of the status rows (always ``total``)."""
        return sum(row.count for row in self.rows)

    @property
    def overdue_rows(self) -> list[HeadlineRow]:
        """The statuses that overdue milestones have, for "hvorav 3 I rute, 2 Forsinket"."""
        return [row for row in self.rows if row.overdue]


def plan_headline(
    plan: "ActionPlan",
    *,
    milestones: "QuerySet[Milestone] | None" = None,
    today: datetime.date | None = None,
    rollup: Rollup | None = None,
) -> Headline:
    """The headline of ``plan`` (or of ``milestones``, a filtered part of it) as of ``today``
    (default: today in Europe/Oslo): one query, or none when ``rollup`` (the "plan" roll-up of
    plan_rollups over the same milestones and day) is already at hand. Used by both the
    dashboard and the meeting brief, so that they always show the same figures.
    """
    from actionplans.models import Milestone

    today = today or local_today()
    if rollup is None:
        if milestones is None:
            milestones = Milestone.objects.in_plan(plan)
        rollup = plan_rollups(milestones, today=today)["plan"]
    rows = [
        HeadlineRow(
            value=status.value,
            label=str(status.label),
            count=rollup.counts.get(status.value, 0),
            overdue=rollup.overdue_counts.get(status.value, 0),
        )
        for status in Status
    ]
    return Headline(
        plan=plan,
        reference_date=today,
        total=rollup.total,
        rows=rows,
        overdue=rollup.overdue,
        percent=rollup.percent,
    )


@dataclass(frozen=True, slots=True)
class _StatusPair(StatusChange):
    """A change from one status to another, read as a progress update reads it (a model object
    for each of a few dozen pairs cost more than the counting)."""

    status: str
    previous_status: str


@dataclass
class ChangeSummary:
    """What changed in a window (since the previous meeting): counts of progress updates and
    of status changes, and every due-date change (newest first)."""

    since: datetime.datetime
    until: datetime.datetime | None
    updates: int = 0
    status_changes: int = 0
    done: int = 0
    worse: int = 0
    due_date_changes: "list[MilestoneDueDateChange]" = field(default_factory=list)

    @property
    def anything(self) -> bool:
        return bool(self.updates or self.due_date_changes)


def _window(since: datetime.datetime, until: datetime.datetime | None) -> dict[str, Any]:
    window = {"created_at__gte": since}
    if until is not None:
        window["created_at__lt"] = until
    return window


def _status_pairs(among: "Q | AmongIds", window: dict[str, Any]) -> "QuerySet[Any]":
    """How many updates went from each status to each: a few dozen pairs at most, however many
    updates the window holds."""
    from django.db.models import Count

    from actionplans.models import ProgressUpdate

    return (
        ProgressUpdate.objects.filter(among, **window)
        .order_by()
        .values_list("status", "previous_status")
        .annotate(n=Count("pk"))
    )


def _moved(among: "Q | AmongIds", window: dict[str, Any]) -> "QuerySet[Any]":
    from actionplans.models import MilestoneDueDateChange

    return (
        MilestoneDueDateChange.objects.filter(among, **window)
        .order_by("-created_at", "-pk")
        .values_list(*MOVED_COLUMNS)
    )


# The dashboard's two (the plan's milestones by id): built once (tromsvekst.lib.queries.KeptSQL).
_WINDOW = {"milestones": list, "since": datetime.datetime, "until": datetime.datetime}
_PAIRS = KeptSQL(
    lambda v: _status_pairs(AmongIds("milestone_id", v.milestones), _window(v.since, v.until)),
    **_WINDOW,
)
_MOVED = KeptSQL(
    lambda v: _moved(AmongIds("milestone_id", v.milestones), _window(v.since, v.until)), **_WINDOW
)


def change_summary(
    *,
    milestones: "QuerySet[Milestone] | Sequence[int]",
    since: datetime.datetime,
    until: datetime.datetime | None = None,
    updates: "list[ProgressUpdate] | None" = None,
) -> ChangeSummary:
    """The changes to ``milestones`` (a queryset, or their ids) from ``since`` up to (not
    including) ``until`` (default: no end). ``updates``, when the caller has read the window's
    progress updates already, are counted instead of being read again. Two queries at most.
    """
    count_pairs: Callable[[], list[tuple[str, str, int]]]
    if isinstance(milestones, QuerySet):
        among = Q(milestone__in=milestones.order_by().values("pk"))
        window = _window(since, until)
        count_pairs = lambda: list(_status_pairs(among, window))  # noqa: E731
        moved_rows = list(_moved(among, window))
    else:
        values: dict[str, Any] = {"milestones": list(milestones), "since": since, "until": until}
        count_pairs = lambda: _PAIRS.rows(**values)  # noqa: E731
        moved_rows = _MOVED.rows(**values)
    if updates is None:
        pairs = count_pairs()
    else:
        pairs = [(u.status, u.previous_status, 1) for u in updates]
    return _summary_read(pairs, moved_rows, since, until)


def _summary_read(
    pairs: Iterable[tuple[str, str, int]],
    moved_rows: Iterable[tuple[Any, ...]],
    since: datetime.datetime,
    until: datetime.datetime | None,
) -> ChangeSummary:
    """change_summary's result from the status pairs counted and the moved deadlines read."""
    pairs = list(pairs)
    changed = [
        (_StatusPair(status=status, previous_status=previous), n)
        for status, previous, n in pairs
        if previous and previous != status
    ]
    return ChangeSummary(
        since=since,
        until=until,
        updates=sum(n for _, _, n in pairs),
        status_changes=sum(n for _, n in changed),
        done=sum(n for u, n in changed if u.status == Status.DONE),
        worse=sum(n for u, n in changed if u.got_worse),
        due_date_changes=[_moved_deadline(*row) for row in moved_rows],
    )


# What «Frist flyttet» (actionplans/_moved_deadlines.html) reads of a moved deadline, its
# author, its milestone and the milestone's sub-goal, as _moved_deadline takes it.
MOVED_COLUMNS = (
    "pk",
    "created_at",
    "old_due_date",
    "new_due_date",
    "was_overdue",
    "source",
    "reason",
    "author_id",
    "author__first_name",
    "author__last_name",
    "author__username",
    "milestone_id",
    "milestone__title",
    "milestone__action_id",
    "milestone__action__sub_goal_id",
    "milestone__action__sub_goal__code",
)


def _moved_deadline(
    pk: int,
    created_at: datetime.datetime,
    old_due_date: datetime.date | None,
    new_due_date: datetime.date,
    was_overdue: bool,
    source: str,
    reason: str,
    author_id: int,
    first_name: str,
    last_name: str,
    username: str,
    milestone_id: int,
    title: str,
    action_id: int,
    sub_goal_id: int,
    code: str,
) -> "MilestoneDueDateChange":
    """A moved deadline built from one row of MOVED_COLUMNS, with its author, milestone, action
    and sub-goal attached as the template reads them (no query): the values cost a fraction of
    the five model objects a select_related query builds (and of building that query)."""
    from django.contrib.auth import get_user_model

    from actionplans.models import Action, Milestone, MilestoneDueDateChange
    from agreements.models import SubGoal

    action = Action(pk=action_id, sub_goal=SubGoal(pk=sub_goal_id, code=code))
    return MilestoneDueDateChange(
        pk=pk,
        created_at=created_at,
        old_due_date=old_due_date,
        new_due_date=new_due_date,
        was_overdue=was_overdue,
        source=source,
        reason=reason,
        author=get_user_model()(
            pk=author_id, first_name=first_name, last_name=last_name, username=username
        ),
        milestone=Milestone(pk=milestone_id, title=title, action=action),
    )


@dataclass
class HistoryEntry:
    """One line of a milestone's history: a progress update or a due-date change."""

    kind: str  # "update" or "due_date"
    when: datetime.datetime
    item: "ProgressUpdate | MilestoneDueDateChange"


def milestone_history(milestone: "Milestone") -> list[HistoryEntry]:
    """Everything that happened to a milestone that readers see, newest first: its progress
    updates and the moves of its due date (two queries)."""
    entries = [
        HistoryEntry("update", u.created_at, u) for u in milestone.updates.select_related("author")
    ]
    entries += [
        HistoryEntry("due_date", c.created_at, c)
        for c in milestone.due_date_changes.select_related("author")
    ]
    entries.sort(key=lambda e: (e.when, e.item.pk), reverse=True)
    return entries
