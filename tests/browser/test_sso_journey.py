"""Signing in with a work account and with password + code, in a real browser against a real
OpenID Connect provider (panva's oidc-provider on loopback, tests/helpers/oidc.py): issue #17.
axe-core checks every page of the portal on the way (the provider's own pages are not ours)."""

import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, make_user
from tests.helpers.oidc import Account, start_provider

LOOPBACK = re.compile(r"^https?://(127\.0\.0\.1|localhost)[:/]")


@pytest.fixture
def provider(settings, live_server):
    started = start_provider(
        "entra",
        "Entra ID (test)",
        [
            Account("tone", "tone.koordinator@test.invalid"),
            Account("ukjent", "ukjent@test.invalid"),
        ],
        site=live_server.url,
    )
    settings.SITE_URL = live_server.url
    settings.OIDC_PROVIDERS = {"entra": started.config()}
    settings.MFA_FOR_ADMINISTRATORS = True
    policy = settings.CONTENT_SECURITY_POLICY
    directives = policy["DIRECTIVES"] | {"form-action": ["'self'", started.config().origin]}
    settings.CONTENT_SECURITY_POLICY = policy | {"DIRECTIVES": directives}
    yield started
    started.stop()


@pytest.fixture
def sso_page(page):
    """The page, kept on loopback: the provider's development pages ask for a web font from
    the internet, which is refused here (and its failure expected in the console)."""
    page.route(
        re.compile(r"^https?://"),
        lambda route: route.continue_() if LOOPBACK.match(route.request.url) else route.abort(),
    )
    page.expected_errors.append("fonts.googleapis.com")
    page.expected_errors.append("net::ERR_FAILED")
    return page


def _provider_login(page, login: str) -> None:
    page.locator('input[name="login"]').fill(login)
    page.locator('input[name="password"]').fill("any password")
    page.get_by_role("button", name="Sign-in").click()


def test_a_coordinator_signs_in_with_the_work_account_and_out_again(
    sso_page, transactional_db, provider, assert_no_axe_violations, save_screenshot
):
    page = sso_page
    make_user("tone.koordinator", "Tone", "Koordinator")
    page.goto("/logg-inn/")
    assert_no_axe_violations(page)
    save_screenshot(page, "sso-login-1280")
    page.get_by_role("link", name="Logg inn med Entra ID (test)").click()
    _provider_login(page, "tone")
    expect(page.get_by_role("button", name="Logg ut")).to_be_visible()
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Logg ut").click()
    # The provider asks whether to end its session too, then sends the person back.
    page.get_by_role("button", name="Yes, sign me out").click()
    expect(page).to_have_url(re.compile(r"/logg-inn/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Logg inn")
    assert_no_axe_violations(page)


def test_an_unknown_person_is_told_to_ask_their_coordinator(
    sso_page, transactional_db, provider, assert_no_axe_violations
):
    page = sso_page
    page.expected_errors.append("status of 403")
    page.goto("/logg-inn/")
    page.get_by_role("link", name="Logg inn med Entra ID (test)").click()
    _provider_login(page, "ukjent")
    expect(page.get_by_role("heading", level=1)).to_have_text("Du har ikke tilgang ennå")
    expect(page.get_by_role("alert")).to_contain_text("Be koordinatoren din om å legge deg til")
    assert_no_axe_violations(page)


def test_an_administrator_signs_in_with_password_and_a_code(
    sso_page, transactional_db, provider, assert_no_axe_violations, save_screenshot
):
    page = sso_page
    page.expected_errors.append("status of 400")
    make_user("ada.admin", "Ada", "Admin", is_staff=True, is_superuser=True)
    page.goto("/logg-inn/")
    page.get_by_label("Brukernavn").fill("ada.admin")
    page.get_by_label("Passord", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Logg inn", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Sett opp totrinnsinnlogging")
    expect(page.get_by_role("img", name=re.compile("QR-kode"))).to_be_visible()
    assert_no_axe_violations(page)
    save_screenshot(page, "mfa-enrol-1280")
    secret = page.locator(".totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Kode fra appen").fill("000000")
    page.get_by_role("button", name="Bekreft og logg inn").click()
    expect(page.get_by_role("heading", name="Skjemaet er ikke lagret")).to_be_visible()
    assert_no_axe_violations(page)
    # django-otp holds a device back for a second after a wrong code.
    time.sleep(1.1)
    page.get_by_label("Kode fra appen").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Bekreft og logg inn").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Gjenopprettingskoder")
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    assert_no_axe_violations(page)
    page.get_by_role("link", name=re.compile("fortsett")).click()
    expect(page.get_by_role("button", name="Logg ut")).to_be_visible()
    page.get_by_role("button", name="Logg ut").click()

    page.goto("/logg-inn/")
    page.get_by_label("Brukernavn").fill("ada.admin")
    page.get_by_label("Passord", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Logg inn", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Engangskode")
    assert_no_axe_violations(page)
    save_screenshot(page, "mfa-verify-1280")
    page.get_by_role("textbox", name="Engangskode").fill(pyotp.TOTP(secret).at(time.time() + 30))
    page.get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("button", name="Logg ut")).to_be_visible()
    assert_no_axe_violations(page)


def test_without_local_passwords_only_the_work_account_and_the_break_glass_form_remain(
    sso_page, transactional_db, provider, settings, assert_no_axe_violations
):
    page = sso_page
    page.expected_errors.append("status of 404")
    settings.LOCAL_PASSWORDS = False
    settings.BREAK_GLASS_USERS = ["ada.admin"]
    make_user("ada.admin", "Ada", "Admin", is_staff=True, is_superuser=True)
    make_user("tone.koordinator", "Tone", "Koordinator")
    page.goto("/logg-inn/")
    expect(page.get_by_role("link", name="Logg inn med Entra ID (test)")).to_be_visible()
    expect(page.get_by_label("Brukernavn")).to_be_hidden()
    assert_no_axe_violations(page)
    page.get_by_text("Nødtilgang for administrator").click()
    page.get_by_label("Brukernavn").fill("tone.koordinator")
    page.get_by_label("Passord", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Logg inn", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Innlogging med passord er slått av")
    assert_no_axe_violations(page)
    page.get_by_label("Brukernavn").fill("ada.admin")
    page.get_by_label("Passord", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Logg inn", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sett opp totrinnsinnlogging")
    page.goto("/glemt-passord/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Passord er slått av")
    assert_no_axe_violations(page)
