"""Finalising an evaluation (``evaluation:evaluation-finalise``): only county coordinators and
administrators; the report is rendered to PDF once, stored under MEDIA_ROOT with its SHA-256,
and every later download serves exactly those bytes, whatever happens to the data afterwards."""

import hashlib
import io

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from pypdf import PdfReader

from evaluation.models import Evaluation
from tests.factories import council_coordinator, log

from ._evaluation_helpers import (
    HAS_PDFTOTEXT,
    assessment,
    build_history,
    new_evaluation,
    pdftotext,
    rate_all,
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def history(agreement):
    return build_history(agreement)


@pytest.fixture
def evaluation(agreement, history):
    evaluation = new_evaluation(agreement, [history.plan])
    rate_all(evaluation)
    return evaluation


@pytest.fixture
def fast_pdf(monkeypatch):
    """For tests about storing and serving, not about the PDF itself: a stand-in renderer."""

    def render(evaluation):
        return b"%PDF-1.7\n% stand-in for " + str(evaluation).encode() + b"\n%%EOF\n"

    monkeypatch.setattr("evaluation.report.render_report_pdf", render)


def finalise_url(evaluation) -> str:
    return reverse("evaluation:evaluation-finalise", args=[evaluation.pk])


def pdf_url(evaluation) -> str:
    return reverse("evaluation:evaluation-pdf", args=[evaluation.pk])


def finalise(client, evaluation, **extra):
    return client.post(finalise_url(evaluation), {"confirm": "1"}, **extra)


# --- Who may finalise ---------------------------------------------------------------------


@pytest.mark.parametrize(("user", "status"), [("reader", 403), ("outsider", 404)])
def test_readers_and_outsiders_may_not_finalise(request, client_for, evaluation, user, status):
    person = request.getfixturevalue(user)

    response = finalise(client_for(person), evaluation)

    assert response.status_code == status
    evaluation.refresh_from_db()
    assert evaluation.status == "draft"
    assert not evaluation.final_pdf


def test_a_halogalandsradet_coordinator_may_edit_but_not_finalise(
    client_for, agreement, evaluation
):
    council = client_for(council_coordinator(agreement))

    assert council.get(evaluation.get_absolute_url()).status_code == 200
    assert "Ferdigstill" not in council.get(evaluation.get_absolute_url()).content.decode()
    response = finalise(council, evaluation)

    assert response.status_code == 403
    evaluation.refresh_from_db()
    assert evaluation.status == "draft"


def test_anonymous_users_are_sent_to_login(client_for, evaluation):
    response = finalise(client_for(None), evaluation)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_get_is_not_allowed(client_for, coordinator, evaluation):
    assert client_for(coordinator).get(finalise_url(evaluation)).status_code == 405


def test_it_must_be_confirmed(client_for, coordinator, evaluation):
    response = client_for(coordinator).post(finalise_url(evaluation), {}, follow=True)

    evaluation.refresh_from_db()
    assert evaluation.status == "draft"
    assert "Kryss av for at rapporten er klar" in response.content.decode()


def test_every_sub_goal_must_be_rated_first(client_for, coordinator, evaluation):
    unrated = assessment(evaluation, "2.1")
    unrated.rating = None
    unrated.save()

    response = finalise(client_for(coordinator), evaluation, follow=True)

    evaluation.refresh_from_db()
    assert evaluation.status == "draft"
    assert not evaluation.final_pdf
    assert "Mangler: 2.1." in response.content.decode()


# --- The stored PDF -----------------------------------------------------------------------


@pytest.mark.parametrize("user", ["coordinator", "admin_user"])
def test_finalising_stores_the_pdf_once_with_its_checksum(
    request, client_for, evaluation, media, user
):
    if user == "admin_user":  # the renderer is the same for both; render for real once
        request.getfixturevalue("fast_pdf")
    person = request.getfixturevalue(user)

    response = finalise(client_for(person), evaluation)

    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.FINAL
    assert evaluation.finalised_by == person
    assert evaluation.finalised_at is not None
    stored = (media / evaluation.final_pdf.name).read_bytes()
    assert stored.startswith(b"%PDF-")
    assert hashlib.sha256(stored).hexdigest() == evaluation.final_pdf_sha256
    assert evaluation.final_pdf.name.startswith("evaluations/")


def test_downloads_serve_exactly_the_stored_file_even_after_progress_is_logged(
    client_for, coordinator, reader, evaluation, history
):
    finalise(client_for(coordinator), evaluation)
    evaluation.refresh_from_db()
    client = client_for(reader)

    first = client.get(pdf_url(evaluation))
    log(history.ms["seminar"], coordinator, "done", 100, "Ferdig etter evalueringen.")
    log(history.ms["strategy"], coordinator, "done", 100, "Også ferdig.")
    second = client.get(pdf_url(evaluation))

    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    digest = hashlib.sha256(first.content).hexdigest()
    assert digest == evaluation.final_pdf_sha256
    assert first["ETag"] == f'"{digest}"'
    assert first["Repr-Digest"].startswith("sha-256=:")
    assert "midtveisevaluering-2026-halogaland.pdf" in first["Content-Disposition"]
    with default_storage.open(evaluation.final_pdf.name) as stored:
        assert stored.read() == first.content


def test_a_matching_etag_gets_304(fast_pdf, client_for, coordinator, evaluation):
    finalise(client_for(coordinator), evaluation)
    evaluation.refresh_from_db()

    response = client_for(coordinator).get(
        pdf_url(evaluation), HTTP_IF_NONE_MATCH=f'"{evaluation.final_pdf_sha256}"'
    )

    assert response.status_code == 304


def test_a_changed_file_is_not_served(fast_pdf, client_for, coordinator, evaluation, media):
    finalise(client_for(coordinator), evaluation)
    evaluation.refresh_from_db()
    (media / evaluation.final_pdf.name).write_bytes(b"%PDF-1.7 changed")

    response = client_for(coordinator).get(pdf_url(evaluation))

    assert response.status_code == 503
    assert "stemmer ikke med kontrollsummen" in response.content.decode()


def test_a_missing_file_is_not_served_and_does_not_crash(
    fast_pdf, client_for, coordinator, evaluation, media
):
    finalise(client_for(coordinator), evaluation)
    evaluation.refresh_from_db()
    (media / evaluation.final_pdf.name).unlink()

    response = client_for(coordinator).get(pdf_url(evaluation))

    assert response.status_code == 503
    assert "stemmer ikke med kontrollsummen" in response.content.decode()


def test_finalising_again_is_refused_and_keeps_the_file(
    fast_pdf, client_for, admin_user, evaluation
):
    client = client_for(admin_user)
    finalise(client, evaluation)
    evaluation.refresh_from_db()
    name, digest = evaluation.final_pdf.name, evaluation.final_pdf_sha256

    response = finalise(client, evaluation, follow=True)

    evaluation.refresh_from_db()
    assert (evaluation.final_pdf.name, evaluation.final_pdf_sha256) == (name, digest)
    assert "Evalueringen er endelig og kan ikke endres." in response.content.decode()


def test_with_htmx_the_page_is_reloaded(fast_pdf, client_for, coordinator, evaluation):
    response = finalise(client_for(coordinator), evaluation, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert response["HX-Redirect"] == evaluation.get_absolute_url()


def test_the_final_pdf_is_pdf_a_and_says_final_not_utkast(client_for, coordinator, evaluation):
    finalise(client_for(coordinator), evaluation)
    evaluation.refresh_from_db()

    pdf = client_for(coordinator).get(pdf_url(evaluation)).content

    reader = PdfReader(io.BytesIO(pdf))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    if HAS_PDFTOTEXT:
        text = pdftotext(pdf)
        assert "UTKAST" not in text
        assert "Status Endelig" in text
        assert "Ferdigstilt" in text
