"""The milestone page (``actionplans:milestone-detail``): its history of progress updates,
newest first, with what changed; and who may see it."""

import html
import re

import pytest
from django.urls import reverse

from actionplans.models import Status
from actionplans.services import progress_log


def history(response) -> list[str]:
    """The history items as the user reads them: text only, whitespace collapsed."""
    body = response.content.decode()
    items = re.findall(r'<li class="history__item[^"]*">(.*?)</li>', body, re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", item)).split()) for item in items]


@pytest.fixture
def logged(open_milestone, log, coordinator, admin_user):
    """Four updates: started, progressed, got worse, done."""
    log(open_milestone, coordinator, Status.ON_TRACK, 20, "Oppstartsmøte holdt.")
    log(open_milestone, coordinator, Status.ON_TRACK, 45, "Halvveis i kartleggingen.")
    log(open_milestone, admin_user, Status.AT_RISK, 45, "Mangler tall fra to kommuner.")
    log(open_milestone, coordinator, Status.DONE, 100, "Rapporten er levert.")
    open_milestone.refresh_from_db()
    return open_milestone


def test_history_is_newest_first_and_says_what_changed(client_for, coordinator, logged):
    response = client_for(coordinator).get(logged.get_absolute_url())

    assert response.status_code == 200
    done, worse, progressed, started = history(response)
    assert done.startswith("Tone Koordinator")
    assert "Status endret fra Risiko til Fullført" in done
    assert "fremdrift 45 % → 100 %" in done
    assert "Rapporten er levert." in done
    assert worse.startswith("Ada Admin")
    assert "Status endret fra I rute til Risiko" in worse
    assert "fremdrift 45 %" in worse and "→" not in worse
    assert "Mangler tall fra to kommuner." in worse
    assert "Status endret" not in progressed
    assert "Status I rute" in progressed
    assert "fremdrift 20 % → 45 %" in progressed
    assert "Status endret fra Ikke startet til I rute" in started
    assert "fremdrift 0 % → 20 %" in started
    assert "Oppstartsmøte holdt." in started


def test_only_a_change_for_the_worse_is_flagged(client_for, coordinator, logged):
    items = history(client_for(coordinator).get(logged.get_absolute_url()))

    flagged = [item for item in items if "(forverring)" in item]
    assert len(flagged) == 1
    assert "fra I rute til Risiko (forverring)" in flagged[0]


@pytest.mark.parametrize(
    ("before", "after", "worse"),
    [
        (Status.ON_TRACK, Status.DELAYED, True),
        (Status.AT_RISK, Status.DELAYED, True),
        (Status.ON_TRACK, Status.CANCELLED, True),
        (Status.DELAYED, Status.AT_RISK, False),
        (Status.AT_RISK, Status.ON_TRACK, False),
        (Status.DELAYED, Status.DONE, False),
    ],
)
def test_what_counts_as_for_the_worse(
    client_for, coordinator, open_milestone, log, before, after, worse
):
    log(open_milestone, coordinator, before, 30, "Før.")
    log(open_milestone, coordinator, after, 30, "Etter.")

    newest = history(client_for(coordinator).get(open_milestone.get_absolute_url()))[0]

    assert ("(forverring)" in newest) is worse


def test_the_page_shows_the_current_state_and_completion(client_for, coordinator, logged):
    body = html.unescape(client_for(coordinator).get(logged.get_absolute_url()).content.decode())

    assert "<h1" in body and "Kartlegge boligbehovet i kommunene" in body
    assert "Fullført" in body
    assert "100\xa0%" in body
    assert "Tiltak 1.1-1" in body


def test_a_correction_is_marked(client_for, coordinator, open_milestone, admin_user):
    progress_log(
        milestone=open_milestone,
        user=admin_user,
        status=Status.ON_TRACK,
        percent=10,
        comment="Rettet prosent.",
        seen_version=0,
        is_correction=True,
    )

    (item,) = history(client_for(coordinator).get(open_milestone.get_absolute_url()))

    assert "Ada Admin" in item and "Rettelse" in item


def test_a_milestone_without_updates_says_so(client_for, coordinator, open_milestone):
    body = client_for(coordinator).get(open_milestone.get_absolute_url()).content.decode()

    assert "Ingen statusoppdateringer ennå." in body


def test_reader_sees_the_history_but_no_log_button(client_for, reader, logged):
    response = client_for(reader).get(logged.get_absolute_url())

    assert response.status_code == 200
    assert len(history(response)) == 4
    body = response.content.decode()
    assert "Logg fremdrift" not in body
    assert reverse("actionplans:progress-log", args=[logged.pk]) not in body


def test_coordinator_gets_a_log_button_back_to_this_page(client_for, coordinator, logged):
    body = client_for(coordinator).get(logged.get_absolute_url()).content.decode()

    log_url = reverse("actionplans:progress-log", args=[logged.pk])
    assert f"{log_url}?next={logged.get_absolute_url()}" in body
    assert "Logg fremdrift" in body


def test_outsider_gets_404(client_for, outsider, logged):
    response = client_for(outsider).get(logged.get_absolute_url())

    assert response.status_code == 404


def test_anonymous_is_sent_to_login(client_for, logged):
    response = client_for(None).get(logged.get_absolute_url())

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_htmx_gets_the_plan_row_back(client_for, coordinator, logged):
    """Cancelling the inline form asks for the row again."""
    response = client_for(coordinator).get(
        logged.get_absolute_url(), headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    assert f'id="milepael-{logged.pk}"' in body
    assert "Fullført" in body
