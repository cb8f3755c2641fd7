"""An administrator sets up a second agreement («Midt-Troms», example data) by pasting its text,
corrects one delmål in the preview, saves, appoints a coordinator through an invitation, and
that coordinator creates the agreement's first action plan; axe checks every page on the way."""

import re

from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from playwright.sync_api import expect

from actionplans.models import ActionPlan
from agreements.models import Agreement, Coordinator, SubGoal
from tests.helpers.agreement_setup import MIDT_TROMS_TEXT

CORRECTED = "Tilgang på kvalifisert arbeidskraft i hele Midt-Troms."
NEW_PASSWORD = "midnattssol-over-senja-2026"


def _log_in(page, username: str, password: str, next_url: str) -> None:
    page.goto(f"/logg-inn/?next={next_url}")
    page.get_by_label("Brukernavn").fill(username)
    page.get_by_label("Passord", exact=True).fill(password)
    page.get_by_role("button", name="Logg inn").click()


def _signed_in_as_administrator(page, server_url: str) -> None:
    """The administrator's session, made as Django's login makes it: an administrator signs in
    with a second factor (tests/security covers that), which is not what this journey is about."""
    client = Client()
    client.force_login(User.objects.get(username="admin"))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": server_url}]
    )


def _set_up(page, check) -> Agreement:
    """The administrator's part: the agreement, its second party and its pasted text."""
    page.goto("/avtaler/")
    page.get_by_role("link", name="Sett opp en ny avtale").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sett opp en ny avtale")
    check(page)
    page.get_by_label("Tittel", exact=True).fill("Tromsvekstavtalen for Midt-Troms (eksempel)")
    page.get_by_label("Kort tittel").fill("Midt-Troms (eksempel)")
    page.get_by_label("Kortnavn i adresser").fill("midt-troms")
    page.get_by_label("Første år").fill("2029")
    page.get_by_label("Siste år").fill("2026")
    page.get_by_label("Eksempeldata").check()
    page.get_by_role("button", name="Opprett avtalen").click()
    # A period backwards: refused in Norwegian, nothing made, nothing typed lost.
    expect(page.get_by_text("Siste år kan ikke være før første år.").first).to_be_visible()
    expect(page.get_by_label("Kortnavn i adresser")).to_have_value("midt-troms")
    check(page)
    page.get_by_label("Første år").fill("2026")
    page.get_by_label("Siste år").fill("2029")
    page.get_by_role("button", name="Opprett avtalen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sett opp avtalen")
    expect(page.get_by_text("Eksempeldata.").first).to_be_visible()
    check(page)

    page.get_by_role("link", name="Legg til part").click()
    check(page)
    page.get_by_label("Navn på ny part").fill("Midt-Troms regionråd (eksempel)")
    page.get_by_label("Vedtatt av").fill("Midt-Troms regionråd")
    page.get_by_label("Vedtatt dato").fill("2026-03-03")
    page.get_by_label("Saksnummer").fill("26/00042")
    page.get_by_role("button", name="Legg til parten").click()
    expect(
        page.get_by_text("Midt-Troms regionråd (eksempel) er lagt til som part.")
    ).to_be_visible()

    page.get_by_role("link", name="Lim inn avtaleteksten").click()
    check(page)
    page.get_by_label("Avtaleteksten").fill(MIDT_TROMS_TEXT)
    page.get_by_role("button", name="Les teksten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Se over teksten")
    expect(page.get_by_text(re.compile(r"lest til 27 tekster"))).to_be_visible()
    check(page)
    page.get_by_label("Delmål 1.2", exact=True).fill(CORRECTED)
    page.get_by_role("button", name="Lagre teksten i avtalen").click()
    expect(page.get_by_text("Avtaleteksten er lagret: 27 tekster i strukturen.")).to_be_visible()
    expect(page.get_by_text(CORRECTED)).to_be_visible()
    check(page)
    return Agreement.objects.get(slug="midt-troms")


def _edit_in_place(page, check) -> None:
    """Move a central theme down and look at a removal's confirmation without removing."""
    page.get_by_role("button", name=re.compile(r"^Flytt ned\s*: Finnsnes som regionsenter")).click()
    expect(page.get_by_text("Rekkefølgen er endret.")).to_be_visible()
    page.get_by_role("link", name=re.compile(r"^Fjern\s*: Helsetilbudet i regionen")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fjern sentralt tema")
    check(page)
    page.get_by_role("link", name="Avbryt").click()
    page.get_by_role("link", name=re.compile(r"^Endre\s*: Delmål 1\.2$")).click()
    expect(page.get_by_label("Delmål")).to_have_value(CORRECTED)
    check(page)
    page.get_by_role("link", name="Avbryt").click()


def _invite(page, check) -> str:
    page.get_by_role("link", name="Koordinatorer og lesere").first.click()
    page.get_by_role("link", name="Legg til person").click()
    check(page)
    page.get_by_label("Navn").fill("Marit Midt")
    page.get_by_label("E-postadresse").fill("marit.midt@eksempel.invalid")
    page.get_by_label("Avtalepart").select_option(label="Midt-Troms regionråd (eksempel)")
    page.get_by_role("radio", name="Koordinator").check()
    page.get_by_role("button", name="Send invitasjon").click()
    expect(page.get_by_text(re.compile(r"Marit Midt er invitert som koordinator"))).to_be_visible()
    assert len(mail.outbox) == 1
    return re.search(r"https?://\S+(/avtaler/invitasjon/\S+/)", mail.outbox[0].body).group(1)


def test_an_administrator_sets_up_an_agreement_and_its_coordinator_makes_a_plan(
    page, browser, live_server, demo_site, assert_no_axe_violations, save_screenshot
):
    _signed_in_as_administrator(page, live_server.url)
    agreement = _set_up(page, assert_no_axe_violations)
    save_screenshot(page, "agreement-setup-1280")
    assert agreement.is_example and agreement.status == Agreement.Status.DRAFT
    assert SubGoal.objects.get(agreement=agreement, code="1.2").text == CORRECTED
    assert agreement.focus_areas.count() == 3
    membership = agreement.memberships.get(order=2)
    assert (membership.adopted_by, membership.case_number) == ("Midt-Troms regionråd", "26/00042")
    _edit_in_place(page, assert_no_axe_violations)
    assert list(agreement.central_themes.values_list("text", flat=True)) == [
        "Forsvarets nærvær på Bardufoss.",
        "Finnsnes som regionsenter.",
        "Helsetilbudet i regionen.",
    ]
    link = _invite(page, assert_no_axe_violations)

    # Marit, in a browser of her own: accepts, chooses a password, logs in and makes a plan.
    context = browser.new_context(base_url=live_server.url, locale="nb-NO")
    marit = context.new_page()
    marit.goto(link)
    assert_no_axe_violations(marit)
    marit.get_by_role("button", name="Godta").click()
    expect(marit.get_by_role("heading", level=1)).to_have_text("Velg nytt passord")
    marit.get_by_label("Nytt passord", exact=True).fill(NEW_PASSWORD)
    marit.get_by_label("Gjenta det nye passordet").fill(NEW_PASSWORD)
    marit.get_by_role("button", name="Lagre passordet").click()
    appointment = Coordinator.objects.get(
        agreement=agreement, user__email__iexact="marit.midt@eksempel.invalid"
    )
    assert appointment.role == Coordinator.Role.COORDINATOR
    assert appointment.party.name == "Midt-Troms regionråd (eksempel)"
    _log_in(marit, appointment.user.username, NEW_PASSWORD, "/avtaler/midt-troms/handlingsplaner/")
    expect(marit.get_by_role("heading", level=1)).to_have_text("Handlingsplaner")
    marit.get_by_role("link", name="Ny handlingsplan").click()
    assert_no_axe_violations(marit)
    marit.get_by_role("button", name="Lag handlingsplanen").click()
    expect(
        marit.get_by_text(re.compile(r"Handlingsplan 2026–2027 er laget som utkast"))
    ).to_be_visible()
    assert_no_axe_violations(marit)
    plan = ActionPlan.objects.get(agreement=agreement)
    assert (plan.start_year, plan.end_year, plan.is_example) == (2026, 2027, True)
    context.close()
