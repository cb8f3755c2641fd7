"""The pages around accounts and administration in a real browser, each checked with axe-core:
a forgotten password set again by e-mail, the lockout after too many wrong passwords, the audit
log an administrator reads, and the page for an address that does not exist."""

import re

from django.conf import settings
from django.core import mail
from playwright.sync_api import expect

from tromsvekst.demo.users import DEMO_PASSWORD

NEW_PASSWORD = "nordlys-over-senja-2026"


def _log_in(page, username: str, password: str) -> None:
    page.get_by_label("Brukernavn").fill(username)
    page.get_by_label("Passord", exact=True).fill(password)
    page.get_by_role("button", name="Logg inn").click()


def test_a_politician_sets_a_new_password_by_e_mail(
    page, demo_site, assert_no_axe_violations, save_screenshot
):
    page.goto("/logg-inn/")
    page.get_by_role("link", name="Glemt passordet, eller ny bruker uten passord?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Glemt passordet?")
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Send lenke").click()
    expect(page.get_by_role("heading", name="Skjemaet er ikke lagret")).to_be_visible()
    expect(page.get_by_text("Skriv e-postadressen din.").first).to_be_visible()
    assert_no_axe_violations(page)

    page.get_by_label("E-postadresse").fill("politiker@eksempel.invalid")
    page.get_by_role("button", name="Send lenke").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sjekk e-posten din")
    assert_no_axe_violations(page)

    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+(/nytt-passord/\S+/)", mail.outbox[0].body).group(1)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Velg nytt passord")
    assert_no_axe_violations(page)
    save_screenshot(page, "set-password-1280")

    page.get_by_label("Nytt passord", exact=True).fill("kort")
    page.get_by_label("Gjenta det nye passordet").fill("kort")
    page.get_by_role("button", name="Lagre passordet").click()
    expect(
        page.get_by_text("Passordet er for kort. Det må ha minst 12 tegn.").first
    ).to_be_visible()
    assert_no_axe_violations(page)

    page.get_by_label("Nytt passord", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Gjenta det nye passordet").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Lagre passordet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Passordet er lagret")
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Logg inn").last.click()
    _log_in(page, "politiker", NEW_PASSWORD)
    expect(page.get_by_role("button", name="Logg ut")).to_be_visible()


def test_too_many_wrong_passwords_lock_the_login_for_a_while(
    page, demo_site, assert_no_axe_violations
):
    page.expected_errors.append("status of 429 (Too Many Requests) (http://localhost")
    page.goto("/logg-inn/")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _log_in(page, "politiker", "feil-passord")

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Innloggingen er midlertidig sperret")
    expect(alert).to_contain_text("15 minutter")
    assert_no_axe_violations(page)

    _log_in(page, "politiker", DEMO_PASSWORD)
    expect(page.get_by_role("alert")).to_contain_text("Innloggingen er midlertidig sperret")
    expect(page.get_by_role("button", name="Logg ut")).to_have_count(0)


def test_an_administrator_reads_and_filters_the_audit_log(
    page, demo_site, assert_no_axe_violations, save_screenshot
):
    page.goto("/logg-inn/")
    _log_in(page, "admin", DEMO_PASSWORD)
    page.get_by_role("navigation", name="Hovedmeny").get_by_role(
        "link", name="Revisjonslogg"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Revisjonslogg")
    assert_no_axe_violations(page)

    page.get_by_label("Handling").select_option(label="Opprettet")
    page.get_by_role("button", name="Vis").click()
    expect(page).to_have_url(re.compile(r"action=opprettet"))
    expect(page.get_by_role("heading", level=3).first).to_contain_text("Opprettet")
    assert_no_axe_violations(page)
    save_screenshot(page, "audit-log-1280")


def test_an_address_that_does_not_exist(page, demo_site, assert_no_axe_violations):
    page.expected_errors.append("status of 404 (Not Found) (http://localhost")
    response = page.goto("/finnes-ikke/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Fant ikke siden")
    assert_no_axe_violations(page)
