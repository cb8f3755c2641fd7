"""Journeys through the agreement pages in a real browser, each page checked with axe-core."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from agreements.loader import read_agreement_file
from tromsvekst.demo.users import DEMO_PASSWORD

AGREEMENT_URL = "/avtaler/halogaland/"
AGREEMENT_TITLE = "Tromsvekstavtalen for Hålogalandsregionen"
LOGIN_ERROR = "Brukernavnet eller passordet er feil."


def _strategy_texts() -> list[str]:
    """Every strategy of the agreement file, in the order the agreement gives them."""
    data = read_agreement_file(settings.FIXTURES_DIR / "tromsvekstavtalen-halogaland.json")
    return [
        strategy if isinstance(strategy, str) else strategy["text"]
        for area in data["focus_areas"]
        for goal in area["sub_goals"]
        for strategy in goal["strategies"]
    ]


def _log_in(page, username: str, password: str) -> None:
    page.get_by_label("Brukernavn").fill(username)
    page.get_by_label("Passord").fill(password)
    page.get_by_role("button", name="Logg inn").click()


def test_anonymous_visitor_reads_the_public_agreement(page, demo_site, assert_no_axe_violations):
    page.goto(AGREEMENT_URL)

    expect(page.get_by_role("heading", level=1)).to_have_text(AGREEMENT_TITLE)
    strategies = page.locator("ul.strategies > li")
    expected = _strategy_texts()
    assert len(expected) == 20
    expect(strategies).to_have_count(20)
    expect(strategies).to_contain_text(expected)
    expect(page.get_by_role("link", name="Logg inn")).to_be_visible()
    assert_no_axe_violations(page)


def test_politician_logs_in_reads_the_agreement_and_logs_out(
    page, demo_site, assert_no_axe_violations, save_screenshot
):
    page.goto("/")

    expect(page).to_have_url(re.compile(r"/logg-inn/\?next=/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Logg inn")
    expect(page.get_by_text("Du må logge inn for å se denne siden.")).to_be_visible()
    assert_no_axe_violations(page)
    save_screenshot(page, "login-1280")

    _log_in(page, "politiker", DEMO_PASSWORD)

    # A politician appointed to one agreement lands on its dashboard, the front page after login.
    expect(page).to_have_url(re.compile(r"/avtaler/halogaland/oversikt/$"))
    expect(page.get_by_role("banner")).to_contain_text("Per Politiker (eksempel)")
    page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Avtaler").click()
    expect(page).to_have_url(re.compile(r"/avtaler/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tromsvekstavtaler")
    # The politician reads only the agreement they are appointed to, not the Nord-Troms example.
    expect(page.locator(".agreement-card")).to_have_count(1)
    assert_no_axe_violations(page)

    page.get_by_role("link", name=AGREEMENT_TITLE).click()

    expect(page).to_have_url(re.compile(re.escape(AGREEMENT_URL) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(AGREEMENT_TITLE)
    expect(page.get_by_role("navigation", name="Du er her")).to_be_visible()
    expect(page.locator("ul.strategies > li")).to_have_count(20)
    assert_no_axe_violations(page)
    save_screenshot(page, "agreement-1280")

    page.set_viewport_size({"width": 375, "height": 812})
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_no_axe_violations(page)
    save_screenshot(page, "agreement-375")

    page.get_by_role("button", name="Logg ut").click()

    expect(page).to_have_url(re.compile(r"/logg-inn/"))
    expect(page.get_by_role("button", name="Logg ut")).to_have_count(0)
    page.goto("/avtaler/")
    expect(page).to_have_url(re.compile(r"/logg-inn/\?next=/avtaler/$"))


def test_wrong_password_shows_the_error_in_norwegian(
    page, demo_site, assert_no_axe_violations, save_screenshot
):
    page.goto("/logg-inn/")

    _log_in(page, "politiker", "feil-passord-123")

    expect(page.get_by_role("alert")).to_contain_text(LOGIN_ERROR)
    expect(page.get_by_label("Passord")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Brukernavn")).to_have_value("politiker")
    expect(page.get_by_role("button", name="Logg ut")).to_have_count(0)
    assert_no_axe_violations(page)
    save_screenshot(page, "login-error-1280")


def test_first_tab_reaches_the_skip_link_and_enter_moves_to_the_main_content(page, demo_site):
    page.goto(AGREEMENT_URL)

    page.keyboard.press("Tab")

    skip_link = page.get_by_role("link", name="Hopp til hovedinnholdet")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_visible()

    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"#hovedinnhold$"))
    expect(page.locator("main#hovedinnhold")).to_be_focused()
    # The next Tab continues inside the main content, not back in the header.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_accessibility_statement_has_no_axe_violations(
    page, demo_site, assert_no_axe_violations, save_screenshot
):
    page.goto("/tilgjengelighetserklaering/")

    expect(page.get_by_role("heading", level=1)).to_contain_text("Tilgjengelighetserklæring")
    assert_no_axe_violations(page)
    save_screenshot(page, "accessibility-1280")


@pytest.mark.parametrize(
    "url",
    [
        "/logg-inn/",
        "/tilgjengelighetserklaering/",
        AGREEMENT_URL,
    ],
)
def test_page_fits_a_320_px_screen_without_sideways_scrolling(page, demo_site, url):
    """WCAG 1.4.10 (reflow), which axe does not check: nothing is wider than the screen."""
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(url)

    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


def test_printed_agreement_has_no_navigation_or_footer(
    page, demo_site, assert_no_axe_violations, save_screenshot
):
    page.goto(f"/logg-inn/?next={AGREEMENT_URL}")
    _log_in(page, "politiker", DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(re.escape(AGREEMENT_URL) + "$"))
    screen_only = [
        page.get_by_role("navigation", name="Hovedmeny"),
        page.get_by_role("navigation", name="Du er her"),
        page.get_by_role("navigation", name="Innhold"),
        page.get_by_role("button", name="Logg ut"),
        page.get_by_role("contentinfo"),
    ]
    for locator in screen_only:
        expect(locator).to_be_visible()

    page.emulate_media(media="print")

    for locator in screen_only:
        expect(locator).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_have_text(AGREEMENT_TITLE)
    expect(page.locator("ul.strategies > li")).to_have_count(20)
    expect(page.locator("ul.strategies > li").last).to_be_visible()
    # The print stylesheet recolours text; what is left must still be readable on paper.
    assert_no_axe_violations(page)
    save_screenshot(page, "agreement-print")
