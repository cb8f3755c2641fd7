"""Reads that several views share: roll-ups computed in the database."""

from dataclasses import dataclass, field

from actionplans.models import CLOSED_STATUSES, Status, local_today


@dataclass
class Rollup:
    """Milestone figures for one node of the plan (the plan, a focus area, a sub-goal, an action)."""

    total: int = 0
    counts: dict = field(default_factory=dict)
    overdue: int = 0
    avg_percent: float | None = None
    last_update: object = None

    @classmethod
    def from_row(cls, row: dict) -> "Rollup":
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
        return [(s.value, s.label, self.counts.get(s.value, 0)) for s in Status]


class _Tally:
    """Adds milestones up into a Rollup, as ``rollup_aggregates`` does in SQL."""

    def __init__(self):
        self.total = self.overdue = 0
        self.counts = dict.fromkeys(Status.values, 0)
        self.percents: list[int] = []
        self.last_update = None

    def add(self, status: str, percent: int, due_date, last_update, today) -> None:
        self.total += 1
        self.counts[status] = self.counts.get(status, 0) + 1
        if due_date < today and status not in CLOSED_STATUSES:
            self.overdue += 1
        if status != Status.CANCELLED:
            self.percents.append(percent)
        if last_update is not None and (self.last_update is None or last_update > self.last_update):
            self.last_update = last_update

    def rollup(self) -> Rollup:
        average = sum(self.percents) / len(self.percents) if self.percents else None
        return Rollup(
            total=self.total,
            counts=self.counts,
            overdue=self.overdue,
            avg_percent=average,
            last_update=self.last_update,
        )


def plan_rollups(milestones) -> dict:
    """Roll-ups of a milestone queryset for the plan, each focus area, sub-goal and action: one
    query of a few columns per milestone, added up here (a plan has a few hundred milestones;
    four GROUP BY queries with their COUNT(DISTINCT)s cost more to plan and run than that).

    Returns {"plan": Rollup, "focus_area": {id: Rollup}, "sub_goal": {id: Rollup},
    "action": {id: Rollup}}.
    """
    today = local_today()
    rows = milestones.order_by().values_list(
        "pk",
        "status",
        "percent",
        "due_date",
        "action__sub_goal__focus_area_id",
        "action__sub_goal_id",
        "action_id",
        "last_update__created_at",
    )
    plan = _Tally()
    groups = {"focus_area": {}, "sub_goal": {}, "action": {}}
    seen = set()
    for pk, status, percent, due_date, area, goal, action, last_update in rows:
        if pk in seen:  # a filter across a many-to-many relation can repeat a milestone
            continue
        seen.add(pk)
        figures = (status, percent, due_date, last_update, today)
        plan.add(*figures)
        for key, node in (("focus_area", area), ("sub_goal", goal), ("action", action)):
            tally = groups[key].get(node)
            if tally is None:
                tally = groups[key][node] = _Tally()
            tally.add(*figures)
    out = {"plan": plan.rollup()}
    for key, tallies in groups.items():
        out[key] = {node: tally.rollup() for node, tally in tallies.items()}
    return out


def row_rollups(milestones, milestone) -> dict:
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


@dataclass
class MeetingBrief:
    """What the politicians read before a meeting."""

    meeting: object
    previous: object | None
    next: object | None
    since: object  # the moment "since the previous meeting" starts (aware datetime)
    reference_date: object  # the meeting's date in Europe/Oslo
    horizon: object  # "due before the next meeting" ends on this date
    updates: list
    status_changes: list
    overdue: list
    due_soon: list
    open_tasks: list
    agenda: list


def meeting_brief(meeting) -> MeetingBrief:
    """Gather a meeting's brief in a fixed number of queries."""
    import datetime

    from django.db.models import Prefetch
    from django.utils import timezone

    from actionplans.models import Milestone, ProgressUpdate
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
    return MeetingBrief(
        meeting=meeting,
        previous=previous,
        next=following,
        since=since,
        reference_date=reference_date,
        horizon=horizon,
        updates=updates,
        status_changes=[u for u in updates if u.status_changed],
        overdue=list(in_agreement.overdue(today=reference_date).order_by("due_date")),
        due_soon=list(
            in_agreement.open()
            .filter(due_date__gte=reference_date, due_date__lte=horizon)
            .order_by("due_date")
        ),
        open_tasks=open_tasks,
        agenda=agenda,
    )


def current_plan(plans: list, today):
    """The plan whose period holds today's year, else the latest one that has started, else the
    first."""
    for plan in plans:
        if plan.start_year <= today.year <= plan.end_year:
            return plan
    started = [p for p in plans if p.start_year <= today.year]
    return started[-1] if started else (plans[0] if plans else None)


def since_last_meeting(agreement, *, since=None, now=None):
    """The window start for "Siden forrige møte": a date the reader picked, else the start of the
    last meeting held, else the start of the agreement. Returns (start datetime, meeting or None).
    """
    import datetime

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


def recent_updates(milestones, start, *, limit: int | None = None) -> tuple[list, bool]:
    """Progress updates on ``milestones`` since ``start``, grouped by delmål in the agreement's
    order, newest first within each group.

    With ``limit``, only the newest ``limit`` updates are taken (a busy plan logs hundreds between
    two meetings); the second value says whether there were more.
    """
    from actionplans.models import ProgressUpdate

    updates = (
        ProgressUpdate.objects.filter(milestone__in=milestones.order_by().values("pk"))
        .filter(created_at__gte=start)
        .select_related("author", "milestone__action__sub_goal__focus_area")
        .order_by("-created_at", "-pk")
    )
    updates = list(updates if limit is None else updates[: limit + 1])
    more = limit is not None and len(updates) > limit
    if more:
        updates = updates[:limit]
    # A stable sort: newest first stays within each delmål.
    updates.sort(
        key=lambda u: (
            u.milestone.action.sub_goal.focus_area.number,
            u.milestone.action.sub_goal.order,
        )
    )
    groups: dict = {}
    for update in updates:
        sub_goal = update.milestone.action.sub_goal
        groups.setdefault(sub_goal.pk, {"sub_goal": sub_goal, "updates": []})["updates"].append(
            update
        )
    return list(groups.values()), more
