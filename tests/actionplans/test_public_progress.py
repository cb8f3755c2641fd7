"""The public progress page (``actionplans:public-progress``) and the switch that turns it on
(``actionplans:public-progress-toggle``).

The page is there only when the agreement is public *and* its progress page is turned on. It
shows milestone titles, statuses and due dates, never comments, evidence links or names: the
fixture plants recognisable strings in all three and looks for them.
"""

import datetime
import re
import zoneinfo
from html import unescape

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from agreements.models import Agreement, Coordinator, Party

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
NOW = datetime.datetime(2026, 5, 15, 12, 0, tzinfo=OSLO)
SECRET_COMMENT = "HEMMELIG-KOMMENTAR-123"
SECRET_URL = "https://hemmelig.example/bevis"
SECRET_NAME = "Hemmelig Navnesen"
ON = "Den offentlige fremdriftssiden er slått på."
OFF = "Den offentlige fremdriftssiden er slått av."
NOT_YET = "Fremdriftssiden er slått på, men vises ikke før avtalen selv er offentlig."


def text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", "", html)).split())


def table_rows(html: str) -> list[list[str]]:
    """The cells of every table body row on the page."""
    return [
        [text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for body in re.findall(r"<tbody>(.*?)</tbody>", html, re.S)
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def public_url(agreement: Agreement) -> str:
    return reverse("actionplans:public-progress", args=[agreement.slug])


def toggle_url(agreement: Agreement) -> str:
    return reverse("actionplans:public-progress-toggle", args=[agreement.slug])


def dashboard_url(agreement: Agreement) -> str:
    return reverse("actionplans:dashboard", args=[agreement.slug])


@pytest.fixture
def secretive(agreement) -> User:
    """Hemmelig Navnesen, coordinator of ``agreement`` for Troms fylkeskommune."""
    user = User.objects.create_user(
        "h.navnesen", first_name="Hemmelig", last_name="Navnesen", email="h@test.invalid"
    )
    Coordinator.objects.create(
        agreement=agreement,
        user=user,
        party=Party.objects.get(slug="troms-fylkeskommune"),
        role=Coordinator.Role.COORDINATOR,
    )
    return user


@pytest.fixture
def progress(freeze_now, plan, make_action, make_milestone, log_at, secretive, coordinator):
    """Three milestones in plan 2025–2026, "now" 15 May 2026:

    - «Kartlegge boligbehovet» (1.1), I rute 40 %, due 30 June 2026, Hemmelig Navnesen is
      responsible and logged it with the secret comment and evidence link;
    - «Søknad sendt» (2.1), Fullført, due 31 March 2026;
    - «Forsvarsnæring kartlagt» (4.1), Forsinket 20 %, due 30 April 2026: overdue.
    """
    freeze_now(NOW)
    responsible = Coordinator.objects.get(user=secretive)
    survey = make_milestone(
        make_action(plan, "1.1-1", sub_goal="1.1"),
        "Kartlegge boligbehovet",
        due=datetime.date(2026, 6, 30),
        responsible=responsible,
    )
    log_at(
        survey,
        secretive,
        "on_track",
        40,
        datetime.datetime(2026, 5, 2, 9, tzinfo=OSLO),
        comment=SECRET_COMMENT,
        evidence_url=SECRET_URL,
    )
    applied = make_milestone(
        make_action(plan, "2.1-1", sub_goal="2.1"), "Søknad sendt", due=datetime.date(2026, 3, 31)
    )
    log_at(applied, coordinator, "done", 100, datetime.datetime(2026, 3, 20, 9, tzinfo=OSLO))
    defence = make_milestone(
        make_action(plan, "4.1-1", sub_goal="4.1"),
        "Forsvarsnæring kartlagt",
        due=datetime.date(2026, 4, 30),
    )
    log_at(
        defence,
        coordinator,
        "delayed",
        20,
        datetime.datetime(2026, 4, 2, 9, tzinfo=OSLO),
        comment=f"Venter på Forsvaret. {SECRET_COMMENT}",
    )
    return {"survey": survey, "applied": applied, "defence": defence}


def make_public(agreement: Agreement, *, public: bool = True, progress: bool = True) -> None:
    agreement.is_public = public
    agreement.progress_is_public = progress
    agreement.save(update_fields=["is_public", "progress_is_public"])


# --- The page ---


def test_anyone_reads_titles_statuses_and_due_dates(progress, agreement, client_for):
    make_public(agreement)

    response = client_for(None).get(public_url(agreement))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Handlingsplan 2025–2026" in text(html)
    assert "53 % gjennomsnittlig fremdrift" in text(html)  # (40 + 100 + 20) / 3
    assert table_rows(html) == [
        ["Kartlegge boligbehovet", "30. juni 2026", "I rute", "40 %"],
        ["Søknad sendt", "31. mars 2026", "Fullført", "100 %"],
        ["Forsvarsnæring kartlagt", "30. april 2026", "Forsinket Forfalt", "20 %"],
    ]


def test_no_comments_evidence_links_or_names_are_public(
    progress, agreement, client_for, coordinator
):
    make_public(agreement)

    html = client_for(None).get(public_url(agreement)).content.decode()

    for secret in (SECRET_COMMENT, SECRET_URL, "hemmelig.example", "Hemmelig", "Navnesen"):
        assert secret not in html
    assert "Venter på Forsvaret" not in html
    assert coordinator.get_full_name() not in html
    assert "h.navnesen" not in html


def test_the_same_details_are_there_inside_for_a_coordinator(
    progress, agreement, client_for, coordinator
):
    make_public(agreement)
    client = client_for(coordinator)

    milestone_page = client.get(progress["survey"].get_absolute_url()).content.decode()
    dashboard = client.get(dashboard_url(agreement)).content.decode()

    assert SECRET_COMMENT in milestone_page
    assert SECRET_URL in milestone_page
    assert SECRET_NAME in milestone_page
    assert SECRET_NAME in dashboard


@pytest.mark.parametrize(
    ("public", "progress_public"), [(True, False), (False, True), (False, False)]
)
def test_the_page_is_not_found_unless_both_switches_are_on(
    progress, agreement, client_for, coordinator, public, progress_public
):
    make_public(agreement, public=public, progress=progress_public)

    assert client_for(None).get(public_url(agreement)).status_code == 404
    # Not even for someone who may read the dashboard.
    assert client_for(coordinator).get(public_url(agreement)).status_code == 404


def test_a_plan_less_public_agreement_says_so(agreement, client_for):
    make_public(agreement)

    response = client_for(None).get(public_url(agreement))

    assert response.status_code == 200
    assert "Avtalen har ingen handlingsplan ennå." in response.content.decode()


def test_post_to_the_page_is_not_allowed(agreement, client_for):
    make_public(agreement)

    assert client_for(None).post(public_url(agreement)).status_code == 405


# --- The switch ---


def test_a_coordinator_turns_the_page_on_and_off(agreement, coordinator, client_for):
    assert agreement.is_public and not agreement.progress_is_public
    client = client_for(coordinator)

    response = client.post(toggle_url(agreement), {"public": "on"}, follow=True)

    assert response.redirect_chain == [(dashboard_url(agreement), 302)]
    assert ON in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.progress_is_public
    assert client_for(None).get(public_url(agreement)).status_code == 200

    response = client.post(toggle_url(agreement), {}, follow=True)

    assert OFF in response.content.decode()
    agreement.refresh_from_db()
    assert not agreement.progress_is_public
    assert client_for(None).get(public_url(agreement)).status_code == 404


def test_turning_it_on_for_a_non_public_agreement_warns(other_agreement, outsider, client_for):
    response = client_for(outsider).post(toggle_url(other_agreement), {"public": "on"}, follow=True)

    assert NOT_YET in response.content.decode()
    other_agreement.refresh_from_db()
    assert other_agreement.progress_is_public
    assert client_for(None).get(public_url(other_agreement)).status_code == 404


def test_an_admin_may_turn_it_on(agreement, admin_user, client_for):
    client_for(admin_user).post(toggle_url(agreement), {"public": "on"})

    agreement.refresh_from_db()
    assert agreement.progress_is_public


def test_only_coordinators_see_the_switch(agreement, coordinator, reader, client_for):
    action = f'action="{toggle_url(agreement)}"'
    assert action in client_for(coordinator).get(dashboard_url(agreement)).content.decode()
    assert action not in client_for(reader).get(dashboard_url(agreement)).content.decode()


@pytest.mark.parametrize(
    ("who", "status"), [("reader", 403), ("outsider", 404), ("anonymous", 302)]
)
def test_others_may_not_turn_it_on(agreement, client_for, request, who, status):
    user = None if who == "anonymous" else request.getfixturevalue(who)

    response = client_for(user).post(toggle_url(agreement), {"public": "on"})

    assert response.status_code == status
    if who == "anonymous":
        assert response.url.startswith(reverse("login"))
    agreement.refresh_from_db()
    assert not agreement.progress_is_public


def test_get_on_the_switch_is_not_allowed(agreement, coordinator, client_for):
    response = client_for(coordinator).get(toggle_url(agreement), {"public": "on"})

    assert response.status_code == 405
    agreement.refresh_from_db()
    assert not agreement.progress_is_public
