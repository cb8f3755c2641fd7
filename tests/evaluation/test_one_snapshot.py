"""Issue 11, finding 7: a final report cannot contradict itself. The figures per delmål and the
appendix come from one snapshot; finalising refuses a snapshot the plans have moved away from,
unless asked to take the figures again first, in the same transaction."""

import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from actionplans.models import Milestone
from evaluation import selectors, services
from evaluation.models import Evaluation
from tests.factories import log, make_milestone

from ._evaluation_helpers import build_history, new_evaluation, rate_all


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def history(agreement):
    return build_history(agreement)


@pytest.fixture
def evaluation(agreement, history):
    evaluation = new_evaluation(agreement, [history.plan])
    rate_all(evaluation)
    return evaluation


def finalise(client, evaluation, **data):
    url = reverse("evaluation:evaluation-finalise", args=[evaluation.pk])
    return client.post(url, {"confirm": "1", **data}, follow=True)


def figures_total(evaluation) -> int:
    return sum(a.snapshot["total"] for a in evaluation.assessments.all())


def test_the_snapshot_keeps_every_covered_milestone_with_the_figures(evaluation, history):
    rows = evaluation.milestone_snapshot

    assert len(rows) == Milestone.objects.filter(action__plan=history.plan).count() == 6
    assert figures_total(evaluation) == len(rows)
    seminar = next(row for row in rows if row["title"] == "Boligseminar")
    assert (seminar["status"], seminar["percent"], seminar["due_date"]) == (
        "on_track",
        50,
        "2026-06-30",
    )
    assert selectors.snapshot_changes(evaluation) == []


def test_changes_since_the_snapshot_are_named(evaluation, history, coordinator):
    log(history.ms["seminar"], coordinator, "done", 100, "Logget.")
    make_milestone(history.ms["seminar"].action, "Ny milepæl etter uttaket", history.plan.last_day)

    changes = selectors.snapshot_changes(evaluation)

    assert changes == [
        "6 milepæler ved uttaket, 7 nå",
        "1 milepæl har fått ny status, prosent, frist eller tittel",
    ]


def test_finalising_an_out_of_date_snapshot_is_refused_and_changes_nothing(
    client_for, coordinator, evaluation, history
):
    make_milestone(history.ms["seminar"].action, "Ny milepæl etter uttaket", history.plan.last_day)
    client = client_for(coordinator)

    page = client.get(evaluation.get_absolute_url()).content.decode()
    assert "Tallene i rapporten er ikke lenger de samme som i handlingsplanen" in page
    assert 'name="refresh_snapshot"' in page
    response = finalise(client, evaluation)

    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.DRAFT
    assert not evaluation.final_pdf
    assert len(evaluation.milestone_snapshot) == 6
    assert "6 milepæler ved uttaket, 7 nå" in response.content.decode()


def test_finalising_with_a_refresh_freezes_one_consistent_report(
    client_for, coordinator, evaluation, history
):
    make_milestone(history.ms["seminar"].action, "Ny milepæl etter uttaket", history.plan.last_day)
    log(history.ms["seminar"], coordinator, "done", 100, "Logget.")

    finalise(client_for(coordinator), evaluation, refresh_snapshot="1")

    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.FINAL
    assert len(evaluation.milestone_snapshot) == 7 == figures_total(evaluation)
    # The frozen PDF: the appendix lists the same 7 milestones the figures count.
    with evaluation.final_pdf.open("rb") as stored:
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(stored.read())).pages)
    assert "Ny milepæl etter uttaket" in text
    assert "slik de sto ved uttaket" in re.sub(r"\s+", " ", text)


def test_an_up_to_date_snapshot_finalises_without_asking(client_for, coordinator, evaluation):
    page = client_for(coordinator).get(evaluation.get_absolute_url()).content.decode()
    assert 'name="refresh_snapshot"' not in page

    finalise(client_for(coordinator), evaluation)

    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.FINAL


def test_a_snapshot_without_milestone_rows_must_be_taken_again(
    coordinator, evaluation, monkeypatch
):
    Evaluation.objects.filter(pk=evaluation.pk).update(milestone_snapshot=None)
    evaluation.refresh_from_db()
    monkeypatch.setattr("evaluation.report.render_report_pdf", lambda e: b"%PDF-1.7 stand-in")

    with pytest.raises(services.SnapshotOutOfDate):
        services.evaluation_finalise(evaluation=evaluation, user=coordinator)
    services.evaluation_finalise(evaluation=evaluation, user=coordinator, refresh_snapshot=True)

    evaluation.refresh_from_db()
    assert evaluation.is_final
    assert len(evaluation.milestone_snapshot) == 6
