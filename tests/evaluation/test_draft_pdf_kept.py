"""Issue 12, finding 9: the draft evaluation PDF takes seconds to make; it is kept until the
agreement's data changes (tromsvekst/lib/pagecache.keep_document), not made again for every reader.

These tests commit for real (``transaction=True``): the change counter moves after a commit."""

import pytest
from django.core.cache import caches
from django.urls import reverse

from tests.factories import log

from ._evaluation_helpers import build_history, new_evaluation

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def kept(settings):
    settings.PAGE_CACHE_SECONDS = 300
    caches["documents"].clear()
    yield
    caches["documents"].clear()


@pytest.fixture
def renders(monkeypatch):
    made = []

    def render(evaluation):
        made.append(evaluation.pk)
        return b"%PDF-1.7 draft " + str(len(made)).encode()

    monkeypatch.setattr("evaluation.report.render_report_pdf", render)
    return made


def test_readers_share_one_rendering_until_the_data_changes(
    client_for, coordinator, reader, admin_user, agreement, renders
):
    history = build_history(agreement)
    evaluation = new_evaluation(agreement, [history.plan])
    url = reverse("evaluation:evaluation-pdf", args=[evaluation.pk])

    first = client_for(reader).get(url)
    again = client_for(admin_user).get(url)
    assert first.status_code == again.status_code == 200
    assert first.content == again.content == b"%PDF-1.7 draft 1"
    assert renders == [evaluation.pk]

    log(history.ms["seminar"], coordinator, "done", 100, "Logget.")
    after = client_for(reader).get(url)

    assert after.content == b"%PDF-1.7 draft 2"
    assert renders == [evaluation.pk, evaluation.pk]


def test_with_the_cache_off_every_download_is_made_fresh(
    settings, client_for, reader, agreement, renders
):
    settings.PAGE_CACHE_SECONDS = 0
    evaluation = new_evaluation(agreement, [build_history(agreement).plan])
    url = reverse("evaluation:evaluation-pdf", args=[evaluation.pk])

    client_for(reader).get(url)
    client_for(reader).get(url)

    assert len(renders) == 2
