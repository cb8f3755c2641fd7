"""The demo data that `manage.py load_demo` adds: the example action plan 2025–2026 with its
actions, milestones and a year of progress history, all marked as example data."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Max, Min
from django.utils import timezone

from actionplans.models import Action, ActionPlan, Milestone, ProgressUpdate, Status
from agreements.models import Agreement, Coordinator, SubGoal
from tromsvekst.demo.plan import demo_plan_load
from tromsvekst.demo.users import demo_users_load

DEMO_COORDINATORS = {"koordinator.troms", "koordinator.halogaland"}


@pytest.fixture
def fast_hashing(settings):
    # The demo users' passwords do not matter here; hashing them properly costs ~2 s a test.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(db, fast_hashing) -> tuple[ActionPlan, str]:
    """The agreement and the demo data, loaded as `make run` does; returns (plan, output)."""
    call_command("load_agreement", stdout=StringIO())
    output = load_demo()
    return ActionPlan.objects.get(agreement__slug="halogaland", start_year=2025), output


def counts() -> dict[str, int]:
    return {
        "plans": ActionPlan.objects.count(),
        "actions": Action.objects.count(),
        "milestones": Milestone.objects.count(),
        "updates": ProgressUpdate.objects.count(),
        "coordinators": Coordinator.objects.count(),
    }


def assert_state_is_latest_update(plan: ActionPlan) -> None:
    for milestone in Milestone.objects.in_plan(plan):
        latest = milestone.updates.order_by("-created_at", "-pk").first()
        if latest is None:
            assert (milestone.status, milestone.percent) == (Status.NOT_STARTED, 0)
        else:
            assert (milestone.status, milestone.percent) == (latest.status, latest.percent)
            assert milestone.last_update_id == latest.pk
        if milestone.status == Status.DONE:
            assert milestone.percent == 100
            assert milestone.completed_on == timezone.localdate(latest.created_at)
        if milestone.status == Status.NOT_STARTED:
            assert milestone.percent == 0


def test_the_plan_is_an_adopted_example_plan_for_2025_2026(demo):
    plan, output = demo

    assert plan.is_example
    assert plan.status == ActionPlan.PlanStatus.ADOPTED
    assert plan.adopted_on == datetime.date(2025, 9, 15)
    summary = (
        f"Demo action plan 2025–2026 (example data): {plan.actions.count()} actions, "
        f"{Milestone.objects.in_plan(plan).count()} milestones, "
        f"{ProgressUpdate.objects.filter(milestone__action__plan=plan).count()} progress updates."
    )
    assert summary in output


def test_the_actions_cover_every_sub_goal_and_say_they_are_examples(demo):
    plan, _ = demo
    actions = list(
        plan.actions.select_related("sub_goal", "lead_party").prefetch_related(
            "strategies", "responsible__user"
        )
    )

    assert len(actions) >= 12
    codes = set(SubGoal.objects.filter(agreement=plan.agreement).values_list("code", flat=True))
    assert codes == {"1.1", "1.2", "1.3", "2.1", "3.1", "4.1"}
    assert {action.sub_goal.code for action in actions} == codes
    assert {action.lead_party.slug for action in actions} == {
        "troms-fylkeskommune",
        "halogalandsradet",
    }
    for action in actions:
        assert action.description.startswith("Eksempel: ")
        assert action.number.startswith(f"{action.sub_goal.code}-")
        strategies = list(action.strategies.all())
        assert 1 <= len(strategies) <= 2
        assert all(strategy.sub_goal_id == action.sub_goal_id for strategy in strategies)
        assert {c.user.username for c in action.responsible.all()} == DEMO_COORDINATORS


def test_the_milestones_lie_in_the_plan_period_with_a_responsible_coordinator(demo):
    plan, _ = demo
    milestones = Milestone.objects.in_plan(plan).select_related("responsible__user")

    assert milestones.count() >= 40
    for milestone in milestones:
        assert plan.first_day <= milestone.due_date <= plan.last_day
        assert milestone.responsible.user.username in DEMO_COORDINATORS


def test_every_status_is_present_and_some_milestones_are_overdue_or_due_soon(demo):
    plan, _ = demo
    today = timezone.localdate()
    milestones = Milestone.objects.in_plan(plan)

    assert set(milestones.values_list("status", flat=True)) == set(Status.values)
    assert milestones.overdue().count() >= 3
    if today < plan.last_day:
        due_soon = milestones.open().filter(
            due_date__gte=today, due_date__lte=today + datetime.timedelta(days=90)
        )
        assert due_soon.count() >= 3


def test_every_milestone_was_made_before_its_history(demo):
    # So that "no update for 60 days" (reminders, Mine milepæler) counts as the demo tells it.
    plan, _ = demo
    for milestone in Milestone.objects.in_plan(plan).annotate(first=Min("updates__created_at")):
        assert milestone.created_at is not None
        assert timezone.localdate(milestone.created_at) <= plan.first_day
        assert milestone.first is None or milestone.created_at <= milestone.first


def test_each_milestone_shows_its_latest_update(demo):
    plan, _ = demo

    assert_state_is_latest_update(plan)


def test_the_history_spans_a_year_and_is_logged_by_the_demo_coordinators(demo):
    plan, _ = demo
    updates = ProgressUpdate.objects.filter(milestone__action__plan=plan)
    span = updates.aggregate(first=Min("created_at"), last=Max("created_at"))

    assert updates.count() >= 100
    assert timezone.localdate(span["first"]) < datetime.date(2025, 10, 1)
    assert span["last"] < timezone.now()
    assert set(updates.values_list("author__username", flat=True)) == DEMO_COORDINATORS
    for update in updates.filter(status__in=[Status.AT_RISK, Status.DELAYED, Status.CANCELLED]):
        assert update.comment.strip()


def test_loading_the_demo_again_changes_nothing(demo):
    before = counts()

    output = load_demo()

    assert counts() == before
    assert "already loaded" in output


def test_a_real_plan_for_the_period_is_left_alone(db, fast_hashing):
    call_command("load_agreement", stdout=StringIO())
    demo_users_load()
    agreement_plan = ActionPlan.objects.create(
        agreement=Agreement.objects.get(slug="halogaland"), start_year=2025, end_year=2026
    )

    result = demo_plan_load()

    assert result.plan == agreement_plan
    assert not result.created
    assert not agreement_plan.actions.exists()
    assert "not example data" in load_demo()


@pytest.mark.parametrize(
    "today",
    [
        datetime.date(2025, 11, 3),
        datetime.date(2026, 3, 2),
        datetime.date(2026, 11, 28),
        datetime.date(2026, 12, 30),
    ],
    ids=str,
)
def test_whatever_the_day_there_are_overdue_and_upcoming_milestones_in_every_status(
    db, fast_hashing, today
):
    call_command("load_agreement", stdout=StringIO())
    demo_users_load()

    plan = demo_plan_load(today=today).plan

    milestones = Milestone.objects.in_plan(plan)
    assert set(milestones.values_list("status", flat=True)) == set(Status.values)
    assert milestones.overdue(today).exists()
    assert milestones.open().filter(due_date__gte=today).exists()
    assert not milestones.exclude(due_date__range=(plan.first_day, plan.last_day)).exists()
    last = ProgressUpdate.objects.aggregate(last=Max("created_at"))["last"]
    assert timezone.localdate(last) < today
    assert_state_is_latest_update(plan)
