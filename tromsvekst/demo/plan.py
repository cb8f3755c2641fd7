"""The example action plan 2025–2026 for `make run`, with a year of progress history.

The plan's content (its period, actions, milestones and the progress steps logged on each) is the
fixture ``fixtures/demo/plan-2025-2026.json``; a milestone's due date there is either a date
(``due``) or a number of days from today (``due_in_days``, negative: in the past). Everything in
it is invented example data: the plan is marked ``is_example`` (the plan page, the dashboard and
the milestone pages show an «Eksempeldata» banner) and every action description starts with
«Eksempel: ». The data is deterministic. The due dates of the milestones that are still open are
counted from ``today`` (and kept inside the plan period), so that whatever day the demo is loaded
there are milestones that are overdue and milestones due in the coming weeks.
"""

import datetime
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from actionplans.models import (
    CLOSED_STATUSES,
    Action,
    ActionPlan,
    Milestone,
    ProgressUpdate,
    Status,
)
from actionplans.services import progress_log
from agreements.models import Agreement, Coordinator, Party, Strategy, SubGoal

PLAN_FIXTURE = settings.FIXTURES_DIR / "demo" / "plan-2025-2026.json"
# The first progress updates come a week after the plan was adopted (the fixture's adopted_on).
HISTORY_START = datetime.date(2025, 9, 22)
# How long before its due date work on a milestone is logged, at most.
LEAD_DAYS = 240

COUNTY = "troms-fylkeskommune"
COUNCIL = "halogalandsradet"
# The demo coordinator of each party (users made by tromsvekst.demo.users.demo_users_load).
COORDINATOR_OF = {COUNTY: "koordinator.troms", COUNCIL: "koordinator.halogaland"}


@dataclass(frozen=True)
class DemoMilestone:
    title: str
    # A fixed date, or a number of days from today (negative: in the past).
    due: datetime.date | int
    # (status, percent, comment) in the order they are logged; the last one is the state today.
    steps: tuple[tuple[str, int, str], ...] = ()
    # Days after the due date the closing update (done or cancelled) is logged.
    closed_after_due: int = -2
    # The other party's coordinator is responsible for this milestone.
    other_party: bool = False

    @classmethod
    def from_json(cls, data: dict) -> "DemoMilestone":
        due = (
            data["due_in_days"]
            if "due_in_days" in data
            else datetime.date.fromisoformat(data["due"])
        )
        return cls(
            title=data["title"],
            due=due,
            steps=tuple(
                (Status(step["status"]), step["percent"], step["comment"]) for step in data["steps"]
            ),
            closed_after_due=data.get("closed_after_due", -2),
            other_party=data.get("other_party", False),
        )


@dataclass(frozen=True)
class DemoAction:
    number: str
    title: str
    description: str
    strategies: tuple[int, ...]  # the strategies' order within the action's delmål
    lead: str  # the lead party's slug
    partners: str
    milestones: tuple[DemoMilestone, ...]

    @property
    def sub_goal(self) -> str:
        return self.number.split("-")[0]

    @classmethod
    def from_json(cls, data: dict) -> "DemoAction":
        return cls(
            number=data["number"],
            title=data["title"],
            description=data["description"],
            strategies=tuple(data["strategies"]),
            lead=data["lead"],
            partners=data["partners"],
            milestones=tuple(DemoMilestone.from_json(item) for item in data["milestones"]),
        )


def demo_plan_read(path: Path = PLAN_FIXTURE) -> dict[str, Any]:
    """The fixture: the plan's agreement, period and adoption date, and its actions."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    data["adopted_on"] = datetime.date.fromisoformat(data["adopted_on"])
    data["actions"] = tuple(DemoAction.from_json(item) for item in data["actions"])
    return data


@dataclass
class DemoPlanResult:
    plan: ActionPlan
    created: bool
    actions: int = 0
    milestones: int = 0
    updates: int = 0


def demo_plan_counts(plan: ActionPlan, created: bool) -> DemoPlanResult:
    return DemoPlanResult(
        plan=plan,
        created=created,
        actions=Action.objects.filter(plan=plan).count(),
        milestones=Milestone.objects.in_plan(plan).count(),
        updates=ProgressUpdate.objects.filter(milestone__action__plan=plan).count(),
    )


def _due_date(due: datetime.date | int, today: datetime.date, plan: ActionPlan) -> datetime.date:
    if isinstance(due, int):
        due = today + datetime.timedelta(days=due)
    return min(max(due, plan.first_day), plan.last_day)


def _step_days(
    spec: DemoMilestone, due: datetime.date, today: datetime.date, index: int
) -> list[datetime.date]:
    """The days the milestone's updates are logged on: spread evenly, all before today."""
    count = len(spec.steps)
    history_start = min(HISTORY_START, today - datetime.timedelta(days=60))
    if spec.steps[-1][0] in CLOSED_STATUSES:
        end = due + datetime.timedelta(days=spec.closed_after_due)
    else:
        # Open milestones were last updated some days ago, not all on the same day.
        end = today - datetime.timedelta(days=1 + (index * 11) % 41)
    end = min(end, today - datetime.timedelta(days=1))
    # Work starts a while before the due date, and not on the same day for every milestone.
    lead = min(LEAD_DAYS, 60 * count)
    start = max(
        history_start + datetime.timedelta(days=(index * 3) % 21),
        due - datetime.timedelta(days=lead),
    )
    if (end - start).days < 3 * (count - 1):
        start = end - datetime.timedelta(days=7 * (count - 1))
    span = (end - start).days
    days = [start + datetime.timedelta(days=span * i // max(count - 1, 1)) for i in range(count)]
    days[-1] = end
    # Coordinators work on weekdays: move a Saturday or Sunday back to the Friday.
    return [day - datetime.timedelta(days=max(day.weekday() - 4, 0)) for day in days]


def _timestamp(day: datetime.date, index: int, step: int) -> datetime.datetime:
    minutes = 8 * 60 + 30 + (index * 131 + step * 47) % 450  # between 08:30 and 16:00
    moment = datetime.datetime.combine(day, datetime.time(minutes // 60, minutes % 60))
    return timezone.make_aware(moment, timezone.get_current_timezone())


@transaction.atomic
def demo_plan_load(today: datetime.date | None = None) -> DemoPlanResult:
    """Create the example action plan 2025–2026 with its actions, milestones and history.

    Idempotent: when the agreement already has a plan for 2025–2026 (the demo plan or a real
    one), nothing is changed. Needs the agreement (load_agreement) and the demo users.
    """
    today = today or timezone.localdate()
    content = demo_plan_read()
    agreement = Agreement.objects.get(slug=content["agreement"])
    existing = ActionPlan.objects.filter(
        agreement=agreement, start_year=content["start_year"], end_year=content["end_year"]
    ).first()
    if existing is not None:
        return demo_plan_counts(existing, created=False)

    plan = ActionPlan.objects.create(
        agreement=agreement,
        start_year=content["start_year"],
        end_year=content["end_year"],
        status=ActionPlan.PlanStatus.ADOPTED,
        adopted_on=content["adopted_on"],
        is_example=True,
    )
    parties = {party.slug: party for party in Party.objects.filter(slug__in=COORDINATOR_OF)}
    coordinators = {
        slug: Coordinator.objects.select_related("user").get(
            agreement=agreement, user__username=username
        )
        for slug, username in COORDINATOR_OF.items()
    }
    other_party = {COUNTY: COUNCIL, COUNCIL: COUNTY}
    sub_goals = {goal.code: goal for goal in SubGoal.objects.filter(agreement=agreement)}

    index = 0  # counts milestones across the plan, to vary times and authors
    for order, spec in enumerate(content["actions"], start=1):
        goal = sub_goals[spec.sub_goal]
        action = Action.objects.create(
            plan=plan,
            number=spec.number,
            title=spec.title,
            description=spec.description,
            sub_goal=goal,
            lead_party=parties[spec.lead],
            partners=spec.partners,
            order=order,
        )
        action.strategies.set(Strategy.objects.filter(sub_goal=goal, order__in=spec.strategies))
        action.responsible.set([coordinators[spec.lead], coordinators[other_party[spec.lead]]])
        made_at = timezone.make_aware(
            datetime.datetime.combine(min(plan.first_day, today), datetime.time(9))
        )
        for milestone_order, milestone_spec in enumerate(spec.milestones, start=1):
            party = other_party[spec.lead] if milestone_spec.other_party else spec.lead
            due = _due_date(milestone_spec.due, today, plan)
            milestone = Milestone.objects.create(
                action=action,
                title=milestone_spec.title,
                due_date=due,
                responsible=coordinators[party],
                order=milestone_order,
                # Made when the plan started, before the history logged on it below.
                created_at=made_at,
            )
            _log_history(
                milestone,
                milestone_spec,
                due=due,
                today=today,
                index=index,
                author=coordinators[party].user,
                colleague=coordinators[other_party[party]].user,
            )
            index += 1
    return demo_plan_counts(plan, created=True)


def _log_history(
    milestone: Milestone,
    spec: DemoMilestone,
    *,
    due: datetime.date,
    today: datetime.date,
    index: int,
    author: User,
    colleague: User,
) -> None:
    """Log the milestone's steps through progress_log, then date them back to when they happened."""
    if not spec.steps:
        return
    previous = None
    for step, ((status, percent, comment), day) in enumerate(
        zip(spec.steps, _step_days(spec, due, today, index), strict=True)
    ):
        # Now and then the other party's coordinator logs progress, e.g. after a joint meeting.
        user = colleague if (index + step) % 5 == 4 else author
        update = progress_log(
            milestone=milestone,
            user=user,
            status=status,
            percent=percent,
            comment=comment,
            seen_version=milestone.version,
        )
        moment = _timestamp(day, index, step)
        if previous is not None and moment <= previous:
            moment = previous + datetime.timedelta(hours=1)
        previous = moment
        # Demo seeding only: a queryset update passes by ProgressUpdate's append-only guard.
        ProgressUpdate.objects.filter(pk=update.pk).update(created_at=moment)
        if status == Status.DONE:
            Milestone.objects.filter(pk=milestone.pk).update(completed_on=day)
