"""The snapshot: creating an evaluation freezes each delmål's milestone figures over the covered
plans; logging progress afterwards does not move them; "hent tallene på nytt" (only while the
evaluation is a draft) takes them again. The figures are checked against values worked out by
hand in ``_evaluation_helpers.build_history``."""

import pytest
from django.urls import reverse

from evaluation.models import Evaluation, SubGoalAssessment
from tests.factories import log, oslo

from ._evaluation_helpers import assessment, build_history, frozen, new_evaluation, set_status

ZERO = {
    "not_started": 0,
    "on_track": 0,
    "at_risk": 0,
    "delayed": 0,
    "done": 0,
    "cancelled": 0,
}


@pytest.fixture
def history(agreement):
    return build_history(agreement)


@pytest.fixture
def evaluation(agreement, history):
    with frozen(oslo(2026, 3, 1, 12)):
        return new_evaluation(agreement, [history.plan])


def refresh_url(evaluation) -> str:
    return reverse("evaluation:evaluation-refresh", args=[evaluation.pk])


def test_creating_takes_one_assessment_per_sub_goal(agreement, evaluation):
    codes = sorted(
        SubGoalAssessment.objects.filter(evaluation=evaluation).values_list(
            "sub_goal__code", flat=True
        )
    )

    assert codes == ["1.1", "1.2", "1.3", "2.1", "3.1", "4.1"]
    assert evaluation.snapshot_taken_at == oslo(2026, 3, 1, 12)


def test_the_figures_are_the_ones_worked_out_by_hand(evaluation):
    assert assessment(evaluation, "1.1").snapshot == {
        "as_of": "2026-03-01",
        "plans": ["2025–2026"],
        "total": 4,
        "counts": ZERO | {"done": 1, "delayed": 1, "on_track": 1, "cancelled": 1},
        "overdue": 1,
        "avg_percent": 63.33,
    }
    assert assessment(evaluation, "1.2").snapshot == {
        "as_of": "2026-03-01",
        "plans": ["2025–2026"],
        "total": 2,
        "counts": ZERO | {"not_started": 1, "at_risk": 1},
        "overdue": 1,
        "avg_percent": 10.0,
    }
    assert assessment(evaluation, "2.1").snapshot == {
        "as_of": "2026-03-01",
        "plans": ["2025–2026"],
        "total": 0,
        "counts": ZERO,
        "overdue": 0,
        "avg_percent": None,
    }


def test_overdue_is_counted_as_of_the_snapshot_date(agreement, history):
    # On 1 January 2026 only «Nettverk for fagarbeidere» (due 30 September 2025) and «Boligstrategi
    # vedtatt» (31 December 2025) are overdue; by 1 August 2026 «Boligseminar» is too.
    with frozen(oslo(2026, 1, 1, 12)):
        early = new_evaluation(agreement, [history.plan], year=2026)
    with frozen(oslo(2026, 8, 1, 12)):
        late = new_evaluation(agreement, [history.plan], kind="final", year=2026)

    assert assessment(early, "1.1").snapshot["overdue"] == 1
    assert assessment(late, "1.1").snapshot["overdue"] == 2
    assert assessment(late, "1.1").snapshot["as_of"] == "2026-08-01"


def test_the_page_shows_the_figures_for_the_focus_area_and_the_whole_plan(
    client_for, coordinator, evaluation
):
    body = client_for(coordinator).get(evaluation.get_absolute_url()).content.decode()

    area = body[body.index('id="innsatsomrade-1"') : body.index('id="delmal-1-1"')]
    assert "<dt>Milepæler</dt><dd>6</dd>" in area
    assert "<dt>Forfalt</dt><dd>2</dd>" in area
    assert "<dt>Gjennomsnittlig fremdrift</dt><dd>42&nbsp;%</dd>" in area
    goal = body[body.index('id="delmal-1-1"') : body.index('id="delmal-1-2"')]
    assert "<dt>Milepæler</dt><dd>4</dd>" in goal
    assert "<dt>Gjennomsnittlig fremdrift</dt><dd>63&nbsp;%</dd>" in goal
    assert "1 Fullført, 1 I rute, 1 Forsinket, 1 Avlyst" in goal


def test_the_snapshot_stays_put_when_progress_is_logged_later(
    client_for, coordinator, evaluation, history
):
    before = assessment(evaluation, "1.1").snapshot

    log(history.ms["seminar"], coordinator, "done", 100, "Logget.")
    log(history.ms["strategy"], coordinator, "done", 100, "Logget.")

    assert assessment(evaluation, "1.1").snapshot == before
    body = client_for(coordinator).get(evaluation.get_absolute_url()).content.decode()
    goal = body[body.index('id="delmal-1-1"') : body.index('id="delmal-1-2"')]
    assert "<dt>Fullført</dt><dd>1</dd>" in goal
    assert "<dt>Gjennomsnittlig fremdrift</dt><dd>63&nbsp;%</dd>" in goal


def test_refresh_while_draft_takes_the_figures_again_and_keeps_the_texts(
    client_for, coordinator, evaluation, history
):
    first = assessment(evaluation, "1.1")
    first.rating = 2
    first.narrative = "Delvis."
    first.save()
    log(history.ms["seminar"], coordinator, "done", 100, "Logget.")

    with frozen(oslo(2026, 4, 2, 9)):
        response = client_for(coordinator).post(refresh_url(evaluation))

    assert response.status_code == 302
    again = assessment(evaluation, "1.1")
    assert again.snapshot["counts"]["done"] == 2
    assert again.snapshot["avg_percent"] == 80.0  # (100 + 40 + 100) / 3
    assert again.snapshot["as_of"] == "2026-04-02"
    assert (again.rating, again.narrative) == (2, "Delvis.")
    evaluation.refresh_from_db()
    assert evaluation.snapshot_taken_at == oslo(2026, 4, 2, 9)


@pytest.mark.parametrize("status", [Evaluation.Status.IN_REVIEW, Evaluation.Status.FINAL])
def test_refresh_is_refused_unless_draft(client_for, coordinator, evaluation, history, status):
    set_status(evaluation, status)
    before = assessment(evaluation, "1.1").snapshot
    log(history.ms["seminar"], coordinator, "done", 100, "Logget.")

    response = client_for(coordinator).post(refresh_url(evaluation), follow=True)

    assert assessment(evaluation, "1.1").snapshot == before
    expected = (
        "Tallene kan bare hentes på nytt mens evalueringen er et utkast."
        if status == Evaluation.Status.IN_REVIEW
        else "Evalueringen er endelig og kan ikke endres."
    )
    assert expected in response.content.decode()


def test_the_next_plan_and_other_agreements_are_not_counted(
    agreement, other_agreement, history, evaluation
):
    from tests.factories import make_action, make_milestone, make_plan

    elsewhere = make_action(make_plan(other_agreement), "1.1-1", "1.1")
    make_milestone(elsewhere, "Annen avtale", history.plan.first_day, "done", 100)

    with frozen(oslo(2026, 3, 1, 12)):
        final = new_evaluation(
            agreement, [history.plan, history.next_plan], kind="final", year=2028
        )

    assert assessment(evaluation, "1.1").snapshot["total"] == 4
    assert assessment(final, "1.1").snapshot["total"] == 5
    assert assessment(final, "1.1").snapshot["plans"] == ["2025–2026", "2027–2028"]
