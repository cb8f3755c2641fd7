"""Logging progress on a milestone (``actionplans:progress-log``): the form, saving with and
without JavaScript, the rules for status and percent, edit conflicts, ``?next=`` and who may
log progress at all."""

import html
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from actionplans.models import Milestone, ProgressUpdate, Status

HTMX = {"HX-Request": "true"}
COMMENT_NEEDED = "Skriv en kommentar som forklarer hvorfor milepælen er «Risiko»."
NOT_SAVED = "Statusen ble ikke lagret. Rett feilene under og prøv igjen."


def url_for(milestone: Milestone) -> str:
    return reverse("actionplans:progress-log", args=[milestone.pk])


def form_data(milestone: Milestone, **overrides) -> dict:
    data = {
        "status": Status.ON_TRACK,
        "percent": "40",
        "comment": "",
        "evidence_url": "",
        "version": str(milestone.version),
        "next": milestone.action.plan.get_absolute_url(),
    }
    return data | overrides


def hidden_version(content: str) -> int:
    """The milestone version the rendered form carries in its hidden field."""
    tag = re.search(r'<input[^>]*name="version"[^>]*>', content)
    assert tag, "the form has no hidden version field"
    return int(re.search(r'value="(\d+)"', tag.group()).group(1))


def textarea_text(content: str) -> str:
    match = re.search(r'<textarea[^>]*name="comment"[^>]*>(.*?)</textarea>', content, re.S)
    assert match, "the form has no comment field"
    # As a browser reads it: HTML drops the newline right after <textarea> (Django writes one).
    return html.unescape(match.group(1).removeprefix("\n"))


def text(response) -> str:
    return html.unescape(response.content.decode())


# --- The form ---------------------------------------------------------------------------------


def test_get_shows_the_form_as_a_page_with_the_current_state(
    client_for, coordinator, open_milestone
):
    response = client_for(coordinator).get(url_for(open_milestone))

    assert response.status_code == 200
    body = text(response)
    assert "<html" in body
    assert "<h1" in body and "Logg fremdrift" in body
    assert "Kartlegge boligbehovet i kommunene" in body
    assert "Lagre status" in body
    assert hidden_version(body) == 0
    plan_url = open_milestone.action.plan.get_absolute_url()
    assert f'name="next" value="{plan_url}"' in body


def test_get_with_htmx_gives_only_the_form_fragment(client_for, coordinator, open_milestone):
    response = client_for(coordinator).get(url_for(open_milestone), headers=HTMX)

    assert response.status_code == 200
    body = text(response)
    assert "<html" not in body
    assert "<h1" not in body
    assert f'id="progress-form-{open_milestone.pk}"' in body
    assert f'data-hx-target="#milepael-{open_milestone.pk}"' in body
    assert "Lagre status" in body
    assert hidden_version(body) == 0


# --- Saving -----------------------------------------------------------------------------------


def test_post_without_javascript_stores_the_update_and_redirects_to_next(
    client_for, coordinator, open_milestone
):
    plan_url = open_milestone.action.plan.get_absolute_url()
    next_url = f"{plan_url}?status=on_track"
    data = form_data(
        open_milestone,
        status=Status.AT_RISK,
        percent="35",
        comment="  Kommunene har ikke levert tall ennå.  ",
        evidence_url="https://www.tromsfylke.no/sak/123",
        next=next_url,
    )

    response = client_for(coordinator).post(url_for(open_milestone), data)

    assert response.status_code == 302
    assert response.url == next_url
    update = ProgressUpdate.objects.get()
    assert update.milestone == open_milestone
    assert update.author == coordinator
    assert update.status == Status.AT_RISK
    assert update.percent == 35
    assert update.comment == "Kommunene har ikke levert tall ennå."
    assert update.evidence_url == "https://www.tromsfylke.no/sak/123"
    assert update.previous_status == Status.NOT_STARTED
    assert update.previous_percent == 0
    assert update.is_correction is False
    open_milestone.refresh_from_db()
    assert open_milestone.status == Status.AT_RISK
    assert open_milestone.percent == 35
    assert open_milestone.version == 1
    assert open_milestone.last_update == update
    assert open_milestone.completed_on is None


def test_after_saving_without_javascript_the_plan_page_says_so(
    client_for, coordinator, open_milestone
):
    response = client_for(coordinator).post(
        url_for(open_milestone), form_data(open_milestone), follow=True
    )

    assert response.redirect_chain[-1][0] == open_milestone.action.plan.get_absolute_url()
    body = text(response)
    assert "Status for «Kartlegge boligbehovet i kommunene» er lagret: I rute, 40 %." in body
    assert "Sist oppdatert" in body and "Tone Koordinator" in body


def test_post_with_htmx_returns_the_new_row_summary_and_announcement(
    client_for, coordinator, open_milestone
):
    response = client_for(coordinator).post(
        url_for(open_milestone), form_data(open_milestone, percent="40"), headers=HTMX
    )

    assert response.status_code == 200
    body = text(response)
    assert "<html" not in body
    # The updated row, in place of the old one.
    row = re.search(rf'<li[^>]*id="milepael-{open_milestone.pk}"', body)
    assert row
    assert "I rute" in body
    assert "40\xa0%" in body
    assert "Tone Koordinator" in body
    # Out-of-band: the plan summary and the roll-ups of the row's surroundings.
    assert re.search(r'<section id="plan-summary"[^>]*data-hx-swap-oob="true"', body)
    action = open_milestone.action
    assert re.search(rf'id="rollup-action-{action.pk}" data-hx-swap-oob="true"', body)
    assert re.search(rf'id="rollup-sg-{action.sub_goal_id}" data-hx-swap-oob="true"', body)
    assert re.search(
        rf'id="rollup-fa-{action.sub_goal.focus_area_id}" data-hx-swap-oob="true"', body
    )
    # Screen-reader announcement into #live-status.
    assert re.search(
        r'<div data-hx-swap-oob="innerHTML:#live-status">'
        r"Status for «Kartlegge boligbehovet i kommunene» er lagret: I rute, 40 %.</div>",
        body,
    )
    trigger = json.loads(response.headers["HX-Trigger"])
    assert "progress-saved" in trigger
    assert trigger["progress-saved"] == {"milestone": open_milestone.pk}
    assert "HX-Retarget" not in response.headers
    # And it is stored.
    open_milestone.refresh_from_db()
    assert (open_milestone.status, open_milestone.percent) == (Status.ON_TRACK, 40)
    assert open_milestone.last_update.author == coordinator


def test_done_always_means_100_percent_and_sets_the_completion_date(
    client_for, coordinator, open_milestone
):
    response = client_for(coordinator).post(
        url_for(open_milestone), form_data(open_milestone, status=Status.DONE, percent="60")
    )

    assert response.status_code == 302
    update = ProgressUpdate.objects.get()
    assert update.percent == 100
    open_milestone.refresh_from_db()
    assert open_milestone.status == Status.DONE
    assert open_milestone.percent == 100
    assert open_milestone.completed_on == timezone.localdate()


def test_reopening_a_done_milestone_clears_the_completion_date(
    client_for, coordinator, open_milestone, log
):
    log(open_milestone, coordinator, Status.DONE, 100)
    open_milestone.refresh_from_db()

    client_for(coordinator).post(
        url_for(open_milestone),
        form_data(open_milestone, status=Status.DELAYED, percent="80", comment="Feil i rapporten."),
    )

    open_milestone.refresh_from_db()
    assert open_milestone.status == Status.DELAYED
    assert open_milestone.percent == 80
    assert open_milestone.completed_on is None


# --- Refused input ----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [Status.AT_RISK, Status.DELAYED])
def test_at_risk_or_delayed_without_comment_is_refused_without_javascript(
    client_for, coordinator, open_milestone, status
):
    data = form_data(open_milestone, status=status, percent="20", comment="   ")

    response = client_for(coordinator).post(url_for(open_milestone), data)

    assert response.status_code == 200
    body = text(response)
    assert "<html" in body
    assert NOT_SAVED in body
    label = Status(status).label
    assert f"Skriv en kommentar som forklarer hvorfor milepælen er «{label}»." in body
    assert re.search(
        rf'<textarea name="comment" rows="3"[^>]* aria-invalid="true"[^>]* id="comment-{open_milestone.pk}"',
        body,
    )
    # What the user chose is still selected.
    assert f'<option value="{status}" selected>' in body
    assert not ProgressUpdate.objects.exists()
    open_milestone.refresh_from_db()
    assert (open_milestone.status, open_milestone.version) == (Status.NOT_STARTED, 0)


def test_at_risk_without_comment_is_refused_in_the_row_editor_with_htmx(
    client_for, coordinator, open_milestone
):
    data = form_data(open_milestone, status=Status.AT_RISK, percent="20")

    response = client_for(coordinator).post(url_for(open_milestone), data, headers=HTMX)

    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == f"#milepael-{open_milestone.pk}-skjema"
    assert response.headers["HX-Reswap"] == "innerHTML"
    assert "HX-Trigger" not in response.headers
    body = text(response)
    assert "<html" not in body
    assert COMMENT_NEEDED in body
    assert NOT_SAVED in body
    assert not ProgressUpdate.objects.exists()


@pytest.mark.parametrize(
    ("percent", "message"),
    [
        ("101", "Verdien må være mindre enn eller lik 100."),
        ("-1", "Verdien må være større enn eller lik 0."),
        ("abc", "Skriv et helt tall fra 0 til 100."),
        ("", "Feltet er påkrevet."),
    ],
)
def test_percent_outside_0_to_100_or_not_a_number_is_refused(
    client_for, coordinator, open_milestone, percent, message
):
    response = client_for(coordinator).post(
        url_for(open_milestone), form_data(open_milestone, percent=percent)
    )

    assert response.status_code == 200
    body = text(response)
    assert NOT_SAVED in body
    assert message in body
    assert f'id="percent-{open_milestone.pk}_error"' in body
    # The typed value is shown again so it can be corrected.
    field = re.search(
        rf'<input type="number" name="percent"[^>]* id="percent-{open_milestone.pk}">', body
    )
    assert field
    assert (f'value="{percent}"' in field[0]) if percent else ("value=" not in field[0])
    assert not ProgressUpdate.objects.exists()


def test_unknown_status_is_refused(client_for, coordinator, open_milestone):
    response = client_for(coordinator).post(
        url_for(open_milestone), form_data(open_milestone, status="finished")
    )

    assert response.status_code == 200
    assert NOT_SAVED in text(response)
    assert not ProgressUpdate.objects.exists()


def test_evidence_that_is_not_a_link_is_refused(client_for, coordinator, open_milestone):
    response = client_for(coordinator).post(
        url_for(open_milestone), form_data(open_milestone, evidence_url="ikke en lenke")
    )

    assert response.status_code == 200
    assert f'id="evidence_url-{open_milestone.pk}_error"' in text(response)
    assert not ProgressUpdate.objects.exists()


# --- Someone else saved first -----------------------------------------------------------------

MY_COMMENT = "Møtet med kommunene er holdt, arbeidet går etter planen."
THEIR_COMMENT = "Kommunene har bedt om utsettelse til høsten."


@pytest.fixture
def conflict(client_for, coordinator, admin_user, open_milestone, log):
    """The coordinator opens the form; Ada Admin logs progress; the coordinator then saves."""
    client = client_for(coordinator)
    opened = hidden_version(text(client.get(url_for(open_milestone))))
    log(open_milestone, admin_user, Status.DELAYED, 25, THEIR_COMMENT)
    data = form_data(open_milestone, status=Status.ON_TRACK, percent="50", comment=MY_COMMENT) | {
        "version": str(opened)
    }
    return client, data


def test_saving_over_someone_elses_update_is_refused_and_shows_it(
    conflict, open_milestone, admin_user
):
    client, data = conflict

    response = client.post(url_for(open_milestone), data)

    assert response.status_code == 200
    body = text(response)
    assert "Noen andre har oppdatert milepælen mens du skrev" in body
    assert "Ada Admin" in body
    assert THEIR_COMMENT in body
    # Nothing of the second save is stored; the first one stands.
    assert ProgressUpdate.objects.count() == 1
    assert ProgressUpdate.objects.get().author == admin_user
    open_milestone.refresh_from_db()
    assert (open_milestone.status, open_milestone.percent) == (Status.DELAYED, 25)
    # What the user typed is still there, and the form now knows the newer version.
    assert textarea_text(body) == MY_COMMENT
    assert f'<option value="{Status.ON_TRACK}" selected>' in body
    assert hidden_version(body) == open_milestone.version == 1
    assert "Lagre likevel" in body


def test_after_a_conflict_a_deliberate_second_save_succeeds(conflict, open_milestone, coordinator):
    client, data = conflict
    refused = client.post(url_for(open_milestone), data)

    again = data | {"version": str(hidden_version(text(refused)))}
    response = client.post(url_for(open_milestone), again)

    assert response.status_code == 302
    assert ProgressUpdate.objects.count() == 2
    open_milestone.refresh_from_db()
    assert open_milestone.last_update.author == coordinator
    assert open_milestone.last_update.comment == MY_COMMENT
    assert open_milestone.last_update.previous_status == Status.DELAYED
    assert (open_milestone.status, open_milestone.percent, open_milestone.version) == (
        Status.ON_TRACK,
        50,
        2,
    )


def test_a_conflict_with_htmx_goes_into_the_row_editor(conflict, open_milestone):
    client, data = conflict

    response = client.post(url_for(open_milestone), data, headers=HTMX)

    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == f"#milepael-{open_milestone.pk}-skjema"
    assert response.headers["HX-Reswap"] == "innerHTML"
    assert "HX-Trigger" not in response.headers
    body = text(response)
    assert "Noen andre har oppdatert milepælen mens du skrev" in body
    assert "Ada Admin" in body and THEIR_COMMENT in body
    assert textarea_text(body) == MY_COMMENT
    assert hidden_version(body) == 1
    assert ProgressUpdate.objects.count() == 1


# --- Where to go afterwards -------------------------------------------------------------------


@pytest.mark.parametrize(
    "next_url",
    [
        "//evil.example/",
        "https://evil.example/",
        "http://evil.example",
        "/\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "evil.example",
        "",
    ],
)
def test_next_outside_the_site_falls_back_to_the_plan(
    client_for, coordinator, open_milestone, next_url
):
    plan_url = open_milestone.action.plan.get_absolute_url()
    client = client_for(coordinator)

    form = text(client.get(url_for(open_milestone), {"next": next_url}))
    response = client.post(url_for(open_milestone), form_data(open_milestone, next=next_url))

    assert f'name="next" value="{plan_url}"' in form
    assert "evil.example" not in form
    assert response.status_code == 302
    assert response.url == plan_url


def test_next_on_the_site_is_kept(client_for, coordinator, open_milestone):
    milestone_url = open_milestone.get_absolute_url()

    response = client_for(coordinator).post(
        url_for(open_milestone), form_data(open_milestone, next=milestone_url)
    )

    assert response.status_code == 302
    assert response.url == milestone_url


# --- Who may log progress ---------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_is_sent_to_login(client_for, open_milestone, method):
    url = url_for(open_milestone)

    response = getattr(client_for(None), method)(url, form_data(open_milestone))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login") + "?next=")
    assert not ProgressUpdate.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_coordinator_of_another_agreement_gets_404(client_for, outsider, open_milestone, method):
    response = getattr(client_for(outsider), method)(
        url_for(open_milestone), form_data(open_milestone)
    )

    assert response.status_code == 404
    assert not ProgressUpdate.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_reader_gets_403(client_for, reader, open_milestone, method):
    response = getattr(client_for(reader), method)(
        url_for(open_milestone), form_data(open_milestone)
    )

    assert response.status_code == 403
    assert not ProgressUpdate.objects.exists()
    open_milestone.refresh_from_db()
    assert open_milestone.version == 0


def test_admin_may_log_progress(client_for, admin_user, open_milestone):
    response = client_for(admin_user).post(url_for(open_milestone), form_data(open_milestone))

    assert response.status_code == 302
    update = ProgressUpdate.objects.get()
    assert update.author == admin_user
    assert update.is_correction is False


def test_unknown_milestone_gives_404(client_for, coordinator, open_milestone):
    response = client_for(coordinator).get(reverse("actionplans:progress-log", args=[999999]))

    assert response.status_code == 404


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_other_methods_are_not_allowed(client_for, coordinator, open_milestone, method):
    response = getattr(client_for(coordinator), method)(url_for(open_milestone))

    assert response.status_code == 405
    assert not ProgressUpdate.objects.exists()
