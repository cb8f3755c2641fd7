"""Milestone roll-ups (``selectors.plan_rollups``, ``rollup_aggregates``, ``overdue()``): the
figures per plan, focus area, sub-goal and action against values worked out by hand, and
"Forfalt" read in Europe/Oslo."""

import datetime

import pytest
from django.utils import timezone

from actionplans.models import ActionPlan, Milestone, Status, rollup_aggregates
from actionplans.selectors import Rollup, plan_rollups
from agreements.models import FocusArea, SubGoal
from tromsvekst.lib.dates import local_today

NS, OT, AR, DL, DN, CA = (
    Status.NOT_STARTED,
    Status.ON_TRACK,
    Status.AT_RISK,
    Status.DELAYED,
    Status.DONE,
    Status.CANCELLED,
)

# (action, sub-goal, milestone, status, percent, due in days from today)
LAYOUT = [
    ("A1", "1.1", "m1", DN, 100, -200),  # done long ago: not overdue
    ("A1", "1.1", "m2", OT, 50, 60),
    ("A1", "1.1", "m3", AR, 20, -1),  # due yesterday: overdue
    ("A2", "1.1", "m4", CA, 10, -100),  # cancelled: neither overdue nor in the average
    ("A2", "1.1", "m5", NS, 0, 0),  # due today: not overdue
    ("A3", "1.2", "m6", DL, 30, -120),  # overdue
    ("A3", "1.2", "m7", DN, 100, -60),
    ("A4", "2.1", "m8", OT, 60, 170),
    ("A4", "2.1", "m9", CA, 0, -30),
    ("A4", "2.1", "m10", NS, 0, -15),  # overdue
]

# Worked out by hand from LAYOUT: total, counts per status, overdue, average percent of the
# milestones that are not cancelled.
PLAN = (10, {NS: 2, OT: 2, AR: 1, DL: 1, DN: 2, CA: 2}, 3, 360 / 8)  # 45.0
FOCUS_AREA_1 = (7, {NS: 1, OT: 1, AR: 1, DL: 1, DN: 2, CA: 1}, 2, 300 / 6)  # m1–m7: 50.0
FOCUS_AREA_2 = (3, {NS: 1, OT: 1, CA: 1}, 1, 60 / 2)  # m8–m10: 30.0
SUB_GOAL_1_1 = (5, {NS: 1, OT: 1, AR: 1, DN: 1, CA: 1}, 1, 170 / 4)  # m1–m5: 42.5
SUB_GOAL_1_2 = (2, {DL: 1, DN: 1}, 1, 130 / 2)  # m6, m7: 65.0
ACTION_1 = (3, {OT: 1, AR: 1, DN: 1}, 1, 170 / 3)  # 56.67
ACTION_2 = (2, {NS: 1, CA: 1}, 0, 0.0)
ACTION_3 = SUB_GOAL_1_2
ACTION_4 = FOCUS_AREA_2


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def built(plan, make_action, make_milestone, set_milestone_state, agreement):
    """The plan of LAYOUT, plus one milestone in another plan that must never be counted."""
    actions, milestones = {}, {}
    for action_key, sub_goal, key, status, percent, due in LAYOUT:
        if action_key not in actions:
            actions[action_key] = make_action(plan, action_key, sub_goal=sub_goal)
        milestone = make_milestone(actions[action_key], key, due=days(due))
        milestones[key] = set_milestone_state(milestone, status, percent)
    later = ActionPlan.objects.create(agreement=agreement, start_year=2027, end_year=2028)
    stray = make_milestone(make_action(later, "A1", sub_goal="1.1"), "stray", due=days(-400))
    set_milestone_state(stray, AR, 90)
    return actions, milestones


def assert_rollup(rollup: Rollup, expected: tuple) -> None:
    total, counts, overdue, avg = expected
    assert rollup.total == total
    assert rollup.counts == {status: counts.get(status, 0) for status in Status.values}
    assert rollup.overdue == overdue
    assert rollup.avg_percent == pytest.approx(avg)
    assert rollup.percent == round(avg)
    assert rollup.done == counts.get(DN, 0)
    assert rollup.open == total - counts.get(DN, 0) - counts.get(CA, 0)


def test_plan_figures(plan, built):
    rollups = plan_rollups(Milestone.objects.in_plan(plan))

    assert_rollup(rollups["plan"], PLAN)
    assert rollups["plan"].percent == 45
    assert rollups["plan"].status_rows() == [
        ("not_started", "Ikke startet", 2),
        ("on_track", "I rute", 2),
        ("at_risk", "Risiko", 1),
        ("delayed", "Forsinket", 1),
        ("done", "Fullført", 2),
        ("cancelled", "Avlyst", 2),
    ]


def test_focus_area_figures(plan, built, agreement):
    rollups = plan_rollups(Milestone.objects.in_plan(plan))

    area = {fa.number: fa.pk for fa in FocusArea.objects.filter(agreement=agreement)}
    assert set(rollups["focus_area"]) == {area[1], area[2]}
    assert_rollup(rollups["focus_area"][area[1]], FOCUS_AREA_1)
    assert_rollup(rollups["focus_area"][area[2]], FOCUS_AREA_2)


def test_sub_goal_figures(plan, built, agreement):
    rollups = plan_rollups(Milestone.objects.in_plan(plan))

    goal = {g.code: g.pk for g in SubGoal.objects.filter(agreement=agreement)}
    assert set(rollups["sub_goal"]) == {goal["1.1"], goal["1.2"], goal["2.1"]}
    assert_rollup(rollups["sub_goal"][goal["1.1"]], SUB_GOAL_1_1)
    assert_rollup(rollups["sub_goal"][goal["1.2"]], SUB_GOAL_1_2)
    assert_rollup(rollups["sub_goal"][goal["2.1"]], FOCUS_AREA_2)


def test_action_figures(plan, built):
    actions, _ = built

    rollups = plan_rollups(Milestone.objects.in_plan(plan))

    assert set(rollups["action"]) == {a.pk for a in actions.values()}
    assert_rollup(rollups["action"][actions["A1"].pk], ACTION_1)
    assert rollups["action"][actions["A1"].pk].percent == 57
    assert_rollup(rollups["action"][actions["A2"].pk], ACTION_2)
    assert_rollup(rollups["action"][actions["A3"].pk], ACTION_3)
    assert_rollup(rollups["action"][actions["A4"].pk], ACTION_4)


def test_roll_ups_of_a_filtered_list_count_only_what_is_shown(plan, built):
    in_area_1 = Milestone.objects.in_plan(plan).filter(action__sub_goal__focus_area__number=1)

    rollups = plan_rollups(in_area_1)

    assert_rollup(rollups["plan"], FOCUS_AREA_1)
    assert len(rollups["focus_area"]) == 1


def test_plan_list_annotation_agrees_with_the_roll_up(plan, built):
    annotated = ActionPlan.objects.with_progress().get(pk=plan.pk)

    assert annotated.total == 10
    assert annotated.overdue == 3
    assert annotated.n_done == 2
    assert annotated.n_cancelled == 2
    assert annotated.avg_percent == pytest.approx(45.0)


def test_roll_ups_take_one_query_whatever_the_size(plan, built, django_assert_num_queries):
    with django_assert_num_queries(1):
        plan_rollups(Milestone.objects.in_plan(plan))


def test_an_empty_plan_gives_zeros(plan):
    rollups = plan_rollups(Milestone.objects.in_plan(plan))

    empty = rollups["plan"]
    assert empty.total == 0
    assert empty.counts == dict.fromkeys(Status.values, 0)
    assert empty.overdue == 0
    assert empty.avg_percent is None
    assert empty.percent == 0
    assert (empty.done, empty.open) == (0, 0)
    assert rollups["focus_area"] == rollups["sub_goal"] == rollups["action"] == {}
    annotated = ActionPlan.objects.with_progress().get(pk=plan.pk)
    assert (annotated.total, annotated.overdue, annotated.avg_percent) == (0, 0, None)


def test_a_plan_of_only_cancelled_milestones_has_no_average(plan, built):
    actions, _ = built
    only_cancelled = Milestone.objects.filter(action=actions["A4"], status=CA)

    rollup = plan_rollups(only_cancelled)["plan"]

    assert (rollup.total, rollup.avg_percent, rollup.percent) == (1, None, 0)


# --- Overdue, relative to a given day --------------------------------------------------------


def overdue_titles(today=None) -> set[str]:
    return set(Milestone.objects.overdue(today=today).values_list("title", flat=True))


def overdue_count(plan, today=None) -> int:
    return (
        Milestone.objects.in_plan(plan)
        .order_by()
        .aggregate(**rollup_aggregates(today=today))["overdue"]
    )


def test_overdue_relative_to_a_given_day(plan, built):
    today = timezone.localdate()

    assert overdue_titles(today) - {"stray"} == {"m3", "m6", "m10"}
    # A day earlier, m3 (due yesterday) was still within its deadline.
    assert overdue_titles(today - datetime.timedelta(days=1)) - {"stray"} == {"m6", "m10"}
    # In 61 days, m2 (due in 60) and m5 (due today) will have passed too; m8 not yet.
    later = today + datetime.timedelta(days=61)
    assert overdue_titles(later) - {"stray"} == {"m2", "m3", "m5", "m6", "m10"}
    assert overdue_count(plan, today) == 3
    assert overdue_count(plan, later) == 5
    # Done and cancelled milestones never become overdue.
    assert not {"m1", "m4", "m7", "m9"} & overdue_titles(datetime.date(2099, 1, 1))


def test_due_today_is_not_overdue_but_due_yesterday_is(plan, make_action, make_milestone):
    action = make_action(plan, "T-1")
    today = timezone.localdate()
    due_today = make_milestone(action, "i dag", due=today)
    due_yesterday = make_milestone(action, "i går", due=today - datetime.timedelta(days=1))

    # No day given: the roll-up, the queryset and the milestone all read today in Europe/Oslo.
    assert overdue_titles() == {"i går"}
    assert overdue_count(plan) == 1
    assert plan_rollups(Milestone.objects.in_plan(plan))["plan"].overdue == 1
    assert not due_today.is_overdue() and not due_today.overdue
    assert due_yesterday.is_overdue() and due_yesterday.overdue


def test_overdue_is_read_in_oslo_not_utc(monkeypatch, plan, make_action, make_milestone):
    # 23:30 UTC on 1 March is already 00:30 on 2 March in Oslo.
    instant = datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: instant)
    action = make_action(plan, "T-1")
    first = make_milestone(action, "1. mars", due=datetime.date(2026, 3, 1))
    second = make_milestone(action, "2. mars", due=datetime.date(2026, 3, 2))

    assert local_today() == datetime.date(2026, 3, 2)
    assert overdue_titles() == {"1. mars"}
    assert overdue_count(plan) == 1
    assert first.is_overdue() and not second.is_overdue()
