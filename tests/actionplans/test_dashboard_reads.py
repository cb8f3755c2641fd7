"""The dashboard's own reads (issue #14, the dashboard made fresh): the milestone-id filter
(``tromsvekst.lib.queries.AmongIds``), the newest updates of «Siden forrige møte»
(``changes_since``), the moment of each node's last update in the roll-ups (read as seconds on
PostgreSQL), the status-change counts of ``change_summary`` given the milestones' ids, and its
moved deadlines read as values (no query each when the page shows them)."""

import datetime
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actionplans.models import Milestone, ProgressUpdate
from actionplans.selectors import (
    change_summary,
    changes_since,
    filtered_plan_rollups,
    plan_rollups,
)
from actionplans.services import milestone_due_date_change
from tests.factories import at
from tromsvekst.lib.queries import AmongIds


def _milestones(plan, make_action, make_milestone) -> tuple[Milestone, Milestone, Milestone]:
    first = make_action(plan, "1.1-1", sub_goal="1.1")
    second = make_action(plan, "1.2-1", sub_goal="1.2")
    return (
        make_milestone(first, "Boligstrategi"),
        make_milestone(first, "Rekruttering"),
        make_milestone(second, "Næringsarena"),
    )


def test_among_ids_keeps_the_rows_of_the_ids_given_and_none_for_no_ids(
    plan, make_action, make_milestone
):
    a, b, c = _milestones(plan, make_action, make_milestone)

    chosen = Milestone.objects.filter(AmongIds("pk", [a.pk, c.pk])).order_by("pk")
    nothing = Milestone.objects.filter(AmongIds("pk", []))

    assert list(chosen) == [a, c]
    assert list(nothing) == []


def test_the_changes_are_the_newest_updates_of_the_milestones_given_since_the_start(
    plan, make_action, make_milestone, coordinator, log_at
):
    a, b, c = _milestones(plan, make_action, make_milestone)
    log_at(a, coordinator, "on_track", 10, at(2026, 3, 1))  # before the start: not shown
    older = log_at(a, coordinator, "on_track", 20, at(2026, 4, 2))
    same_time_first = log_at(b, coordinator, "at_risk", 30, at(2026, 4, 3), comment="Sent.")
    same_time_second = log_at(a, coordinator, "delayed", 40, at(2026, 4, 3), comment="Sent.")
    log_at(c, coordinator, "done", 100, at(2026, 4, 4))  # not among the milestones given
    start = at(2026, 4, 1)

    titles = {a.pk: a.title, b.pk: b.title}
    updates, more, _ = changes_since(titles, start, limit=50)
    newest_two, more_than_two, _ = changes_since(titles, start, limit=2)
    all_three, more_than_three, _ = changes_since(titles, start, limit=3)

    # Newest first; of two at the same moment, the later saved first.
    assert [u.pk for u in updates] == [same_time_second.pk, same_time_first.pk, older.pk]
    assert more is False
    assert [u.pk for u in newest_two] == [same_time_second.pk, same_time_first.pk]
    assert more_than_two is True
    assert len(all_three) == 3 and more_than_three is False
    first = updates[0]
    assert (first.milestone_id, first.milestone_title) == (a.pk, "Boligstrategi")
    assert (first.status, first.previous_status, first.percent) == ("delayed", "on_track", 40)
    assert first.author == "Tone Koordinator"
    assert changes_since({}, start, limit=2)[:2] == ([], False)


def test_the_roll_ups_last_update_is_the_moment_of_the_newest_update_to_the_microsecond(
    plan, make_action, make_milestone, coordinator, log_at
):
    a, b, c = _milestones(plan, make_action, make_milestone)
    newest_in_1_1 = at(2026, 4, 3, 12, 30) + datetime.timedelta(seconds=59, microseconds=999_999)
    log_at(a, coordinator, "on_track", 20, at(2026, 4, 2))
    log_at(b, coordinator, "on_track", 20, newest_in_1_1)
    newest = log_at(c, coordinator, "done", 100, at(2026, 5, 1, 8, 15))
    ProgressUpdate.objects.filter(pk=newest.pk).update(
        created_at=newest.created_at + datetime.timedelta(microseconds=1)
    )

    rollups = plan_rollups(Milestone.objects.in_plan(plan))

    goals = {goal.code: goal.pk for goal in (a.action.sub_goal, c.action.sub_goal)}
    assert rollups["sub_goal"][goals["1.1"]].last_update == newest_in_1_1
    assert rollups["sub_goal"][goals["1.2"]].last_update == at(2026, 5, 1, 8, 15) + (
        datetime.timedelta(microseconds=1)
    )
    assert rollups["plan"].last_update == at(2026, 5, 1, 8, 15) + datetime.timedelta(microseconds=1)
    assert rollups["action"][a.action_id].last_update == newest_in_1_1
    assert isinstance(rollups["plan"].last_update, datetime.datetime)


def test_change_summary_counts_the_same_for_the_ids_as_for_the_queryset(
    plan, make_action, make_milestone, coordinator, log_at
):
    a, b, c = _milestones(plan, make_action, make_milestone)
    log_at(a, coordinator, "on_track", 20, at(2026, 4, 2))
    log_at(a, coordinator, "delayed", 20, at(2026, 4, 3), comment="Sent.")  # worse
    log_at(b, coordinator, "done", 100, at(2026, 4, 4))  # done
    log_at(c, coordinator, "at_risk", 10, at(2026, 4, 5), comment="Sent.")  # not asked for
    since = at(2026, 4, 1)

    by_ids = change_summary(milestones=[a.pk, b.pk], since=since)
    by_queryset = change_summary(milestones=Milestone.objects.exclude(pk=c.pk), since=since)

    for summary in (by_ids, by_queryset):
        assert (summary.updates, summary.status_changes, summary.done, summary.worse) == (
            3,
            3,
            1,
            1,
        )


def test_moved_deadlines_cost_the_dashboard_no_query_each(
    plan, make_action, make_milestone, coordinator, reader, client_for, agreement
):
    a, b, c = _milestones(plan, make_action, make_milestone)
    client = client_for(reader)
    url = reverse("actionplans:dashboard", args=[agreement.slug])
    client.get(url)  # warm the process-wide caches
    with CaptureQueriesContext(connection) as none_moved:
        client.get(url)
    for milestone, day in ((a, 10), (b, 11), (c, 12)):
        milestone_due_date_change(
            milestone=milestone,
            user=coordinator,
            new_due_date=datetime.date(2026, 8, day),
            reason=f"Ny frist for {milestone.title}.",
        )

    with CaptureQueriesContext(connection) as three_moved:
        html = client.get(url).content.decode()

    assert len(three_moved) == len(none_moved)
    moved = html.split('id="frist-flyttet-h"')[1].split("</ul>")[0]
    assert f'href="{c.get_absolute_url()}">Næringsarena</a>' in moved
    words = " ".join(re.sub(r"<[^>]+>", " ", moved).split())
    assert "Næringsarena (delmål 1.2) : frist 30. juni 2025 → 12. august 2026" in words
    assert "Begrunnelse: Ny frist for Næringsarena." in words
    assert "– Tone Koordinator," in words


def test_changes_since_reads_the_updates_and_what_change_summary_reads_in_one_go(
    plan, make_action, make_milestone, coordinator, log_at
):
    a, b, c = _milestones(plan, make_action, make_milestone)
    log_at(a, coordinator, "on_track", 20, at(2026, 4, 2))
    log_at(a, coordinator, "delayed", 20, at(2026, 4, 3), comment="Sent.")
    log_at(b, coordinator, "done", 100, at(2026, 4, 4))
    log_at(c, coordinator, "at_risk", 10, at(2026, 4, 5), comment="Sent.")  # not asked for
    milestone_due_date_change(
        milestone=b, user=coordinator, new_due_date=datetime.date(2026, 9, 1), reason="Flyttet."
    )
    since = at(2026, 4, 1)
    titles = {a.pk: a.title, b.pk: b.title}

    with CaptureQueriesContext(connection) as queries:
        updates, more, summary = changes_since(titles, since, limit=2)

    assert len(queries) == 3
    # The two newest of the three updates of a and b (c's is not asked for), and there are more.
    assert [(u.milestone_id, u.status) for u in updates] == [(b.pk, "done"), (a.pk, "delayed")]
    assert more is True
    alone = change_summary(milestones=list(titles), since=since)
    assert (
        (summary.updates, summary.status_changes, summary.done, summary.worse)
        == (
            alone.updates,
            alone.status_changes,
            alone.done,
            alone.worse,
        )
        == (3, 3, 1, 1)
    )
    assert [m.pk for m in summary.due_date_changes] == [m.pk for m in alone.due_date_changes]
    assert len(summary.due_date_changes) == 1
    # No milestones: no updates to read, the summary's two queries still answer (with nothing).
    nothing, no_more, empty = changes_since({}, since, limit=2)
    assert (nothing, no_more, empty.updates, empty.due_date_changes) == ([], False, 0, [])


def test_filtered_plan_rollups_are_plan_rollups_of_the_filtered_milestones(
    plan, make_action, make_milestone, coordinator, log_at
):
    county = make_action(plan, "1.1-9", sub_goal="1.1", lead_party="troms-fylkeskommune")
    council = make_action(plan, "2.1-9", sub_goal="2.1", lead_party="halogalandsradet")
    first = make_milestone(county, "Fylkets", due=datetime.date(2026, 1, 10))
    second = make_milestone(council, "Rådets", due=datetime.date(2027, 1, 10))
    log_at(second, coordinator, "on_track", 10, at(2026, 4, 1))
    log_at(first, coordinator, "delayed", 30, at(2026, 4, 2), comment="Sent.")
    today = datetime.date(2026, 6, 1)
    party = county.lead_party
    area = council.sub_goal.focus_area
    in_plan = Milestone.objects.in_plan(plan)

    for kept, orm in (
        (
            filtered_plan_rollups(plan.pk, party=None, focus_area=None, today=today),
            plan_rollups(in_plan, today, titles=True),
        ),
        (
            filtered_plan_rollups(plan.pk, party=party.pk, focus_area=None, today=today),
            plan_rollups(in_plan.filter(action__lead_party=party), today, titles=True),
        ),
        (
            filtered_plan_rollups(plan.pk, party=None, focus_area=area.pk, today=today),
            plan_rollups(in_plan.filter(action__sub_goal__focus_area=area), today, titles=True),
        ),
        (
            filtered_plan_rollups(plan.pk, party=party.pk, focus_area=area.pk, today=today),
            plan_rollups(Milestone.objects.none(), today, titles=True),
        ),
    ):
        assert kept == orm
    only_county = filtered_plan_rollups(plan.pk, party=party.pk, focus_area=None, today=today)
    assert [row[8] for row in only_county["rows"]] == ["Fylkets"]
    assert only_county["plan"].overdue == 1
    assert only_county["plan"].last_update == at(2026, 4, 2)
