"""Reads that several views share: roll-ups computed in the database."""

from dataclasses import dataclass, field

from actionplans.models import CLOSED_STATUSES, Status, rollup_aggregates


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


def plan_rollups(milestones) -> dict:
    """Roll-ups of a milestone queryset: 4 queries whatever the number of milestones.

    Returns {"plan": Rollup, "focus_area": {id: Rollup}, "sub_goal": {id: Rollup},
    "action": {id: Rollup}}.
    """
    milestones = milestones.order_by()
    out = {"plan": Rollup.from_row(milestones.aggregate(**rollup_aggregates()))}
    for key, path in (
        ("focus_area", "action__sub_goal__focus_area_id"),
        ("sub_goal", "action__sub_goal_id"),
        ("action", "action_id"),
    ):
        rows = milestones.values(path).annotate(**rollup_aggregates())
        out[key] = {row[path]: Rollup.from_row(row) for row in rows}
    return out


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


def recent_updates(milestones, start):
    """Progress updates on ``milestones`` since ``start``, newest first, grouped by delmål."""
    from actionplans.models import ProgressUpdate

    updates = (
        ProgressUpdate.objects.filter(milestone__in=milestones.order_by().values("pk"))
        .filter(created_at__gte=start)
        .select_related("author", "milestone__action__sub_goal")
        .order_by(
            "milestone__action__sub_goal__focus_area__number",
            "milestone__action__sub_goal__order",
            "-created_at",
        )
    )
    groups: dict = {}
    for update in updates:
        sub_goal = update.milestone.action.sub_goal
        groups.setdefault(sub_goal.pk, {"sub_goal": sub_goal, "updates": []})["updates"].append(
            update
        )
    return list(groups.values())
