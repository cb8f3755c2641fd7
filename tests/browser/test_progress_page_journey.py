"""The weekly path of every coordinator: the reminder e-mail's "Oppdater status" link opens the
milestone's status form as a page of its own (``/milepaeler/<id>/status/``).

Issue 11, finding 2: with JavaScript on, that page's form named the plan page's row as its htmx
target, so htmx sent nothing and said nothing. These journeys open the page as the e-mail link
does (log in, land on the form), save with JavaScript on and off, on a laptop and on a phone,
and find the update in the milestone's history. Finding 11: a save that gets a server error or
no answer says so in Norwegian and keeps what was typed, on this page and in the plan page's
row editor. Every page a journey stops on is checked with axe-core.
"""

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from playwright.sync_api import expect

from actionplans.models import ActionPlan, Milestone, ProgressUpdate, Status
from actionplans.services import progress_log
from tromsvekst.demo.plan import demo_plan_load
from tromsvekst.demo.users import DEMO_PASSWORD
from tromsvekst.lib.dates import local_today

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 800}
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}
CONFLICT = "Noen andre har oppdatert milepælen mens du skrev"
KEPT = "Det du skrev står fortsatt i skjemaet."
SERVER_ERROR = "Ikke lagret: det oppsto en feil på serveren."
NO_CONTACT = "Ikke lagret: fikk ikke kontakt med serveren."
TOO_SLOW = "Serveren svarte ikke i tide, så endringen er kanskje ikke lagret."


@pytest.fixture
def plan_site(demo_site) -> ActionPlan:
    return demo_plan_load().plan


def _target(plan: ActionPlan) -> Milestone:
    """A demo milestone that has not started and is not overdue."""
    milestone = (
        Milestone.objects.in_plan(plan)
        .filter(status=Status.NOT_STARTED, due_date__gte=local_today())
        .order_by("due_date", "pk")
        .first()
    )
    assert milestone, "the demo plan has no milestone that has not started and is not overdue"
    return milestone


def _status_url(milestone: Milestone) -> str:
    """The path the reminder e-mail links to (actionplans/reminders.py), without ?next=."""
    return f"/milepaeler/{milestone.pk}/status/"


def _open_from_email(page, milestone: Milestone, username: str = "koordinator.troms") -> None:
    """Follow the e-mail's link while logged out: the login page, then the form itself."""
    url = _status_url(milestone)
    page.goto(url)
    expect(page).to_have_url(re.compile(r"/logg-inn/\?next="))
    page.get_by_label("Brukernavn").fill(username)
    page.get_by_label("Passord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    expect(page).to_have_url(re.compile(re.escape(url) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Logg fremdrift")


def _fill(page, *, status: str, percent: str, comment: str) -> None:
    form = page.locator("form.stack")
    form.get_by_label("Status").select_option(label=status)
    form.get_by_label("Prosent fullført").fill(percent)
    form.get_by_label("Kommentar").fill(comment)


@pytest.fixture
def no_js_page(browser, live_server):
    """Like ``page``, but with JavaScript off (htmx never loads)."""
    context = browser.new_context(
        base_url=live_server.url, locale="nb-NO", viewport=DESKTOP, java_script_enabled=False
    )
    yield context.new_page()
    context.close()


@pytest.fixture
def axe_without_javascript(browser, assert_no_axe_violations):
    """axe-core needs JavaScript: check the HTML the no-JavaScript page has, served again at
    the same address to a page with JavaScript on (as tests/browser/test_plan_journey.py does)."""

    def check(page) -> None:
        __tracebackhide__ = True
        url, html = page.url, page.content()
        context = browser.new_context(locale="nb-NO", viewport=page.viewport_size)
        try:
            twin = context.new_page()
            twin.route(
                lambda address: address == url,
                lambda route: route.fulfill(body=html, content_type="text/html; charset=utf-8"),
            )
            twin.goto(url)
            assert_no_axe_violations(twin)
        finally:
            context.close()

    return check


def _fits(page) -> None:
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("javascript", ["on", "off"])
def test_coordinator_saves_from_the_email_link_and_finds_it_in_the_history(
    request, page, plan_site, assert_no_axe_violations, axe_without_javascript, javascript, viewport
):
    if javascript == "off":
        page = request.getfixturevalue("no_js_page")
        check_axe = axe_without_javascript
    else:
        check_axe = assert_no_axe_violations
    page.set_viewport_size(VIEWPORTS[viewport])
    target = _target(plan_site)
    comment = f"Første møte med kommunene er holdt ({javascript}, {viewport})."

    _open_from_email(page, target)
    if javascript == "on":
        # htmx has loaded and the form it manages aims at an element on this very page.
        aim = page.locator("form.stack").get_attribute("data-hx-target")
        expect(page.locator(aim)).to_have_count(1)
    check_axe(page)
    _fits(page)

    _fill(page, status="I rute", percent="20", comment=comment)
    page.get_by_role("button", name="Lagre status").click()

    # Back on the plan page (the e-mail link names no other), which says what was saved.
    expect(page).to_have_url(re.compile(rf"/handlingsplaner/{plan_site.pk}/$"))
    expect(page.get_by_role("status").first).to_contain_text(
        f"Status for «{target.title}» er lagret: I rute, 20 %."
    )
    check_axe(page)
    _fits(page)
    update = ProgressUpdate.objects.get(milestone=target, comment=comment)
    assert (update.author.username, update.status, update.percent) == (
        "koordinator.troms",
        Status.ON_TRACK,
        20,
    )

    # The milestone's own page lists the update at the top of its history.
    page.locator(f"#milepael-{target.pk}").get_by_role(
        "link", name=target.title, exact=True
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(target.title)
    latest = page.locator(".history__item").first
    expect(latest).to_contain_text("Tone Koordinator (eksempel)")
    expect(latest).to_contain_text("I rute")
    expect(latest.locator(".history__comment")).to_have_text(comment)
    check_axe(page)
    _fits(page)


@pytest.mark.parametrize("javascript", ["on", "off"])
def test_from_the_milestone_page_saving_returns_there(
    request, page, plan_site, assert_no_axe_violations, javascript
):
    if javascript == "off":
        page = request.getfixturevalue("no_js_page")
    target = _target(plan_site)
    _open_from_email(page, target)
    page.goto(target.get_absolute_url())

    page.get_by_role("link", name="Logg fremdrift").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Logg fremdrift")
    _fill(page, status="Risiko", percent="10", comment="Venter på svar fra departementet.")
    page.get_by_role("button", name="Lagre status").click()

    expect(page).to_have_url(re.compile(re.escape(target.get_absolute_url()) + "$"))
    expect(page.get_by_role("status").first).to_contain_text("er lagret: Risiko, 10 %.")
    expect(page.locator(".history__item").first).to_contain_text(
        "Venter på svar fra departementet."
    )
    if javascript == "on":
        assert_no_axe_violations(page)


@pytest.mark.parametrize("javascript", ["on", "off"])
def test_a_conflict_on_the_page_keeps_what_was_typed(
    request, page, plan_site, assert_no_axe_violations, javascript
):
    if javascript == "off":
        page = request.getfixturevalue("no_js_page")
    target = _target(plan_site)
    mine = "Kommunene har levert sine innspill; arbeidet går etter planen."
    theirs = "Fylkeskommunen har bedt om en ny runde med kommunene."
    _open_from_email(page, target)
    _fill(page, status="I rute", percent="30", comment=mine)

    # Someone else saves first, while the form is open.
    target.refresh_from_db()
    progress_log(
        milestone=target,
        user=User.objects.get(username="koordinator.halogaland"),
        status=Status.AT_RISK,
        percent=15,
        comment=theirs,
        seen_version=target.version,
    )
    page.get_by_role("button", name="Lagre status").click()

    alert = page.locator(".conflict")
    expect(alert).to_contain_text(CONFLICT)
    expect(alert).to_contain_text(theirs)
    expect(page.get_by_label("Kommentar")).to_have_value(mine)
    expect(page.get_by_label("Prosent fullført")).to_have_value("30")
    expect(page.get_by_label("Status")).to_have_value(Status.ON_TRACK)
    if javascript == "on":
        expect(alert).to_be_focused()
        assert_no_axe_violations(page)
    assert ProgressUpdate.objects.filter(milestone=target).latest("pk").comment == theirs

    page.get_by_role("button", name="Lagre likevel").click()
    expect(page).to_have_url(re.compile(rf"/handlingsplaner/{plan_site.pk}/$"))
    expect(page.get_by_role("status").first).to_contain_text("er lagret: I rute, 30 %.")
    assert ProgressUpdate.objects.filter(milestone=target).latest("pk").comment == mine


# --- Finding 11: a save that fails says so and keeps what was typed ---------------------------


def _expect_htmx_errors(page, *texts: str) -> None:
    """htmx and Chromium log a failed request as console errors; these are expected here."""
    page.expected_errors.extend(texts)


FAILURES = {
    "500": (
        lambda route: route.fulfill(status=500, body="Server Error", content_type="text/html"),
        SERVER_ERROR,
        ["status of 500", "Response Status Error Code 500"],
    ),
    "no answer": (
        lambda route: route.abort("connectionfailed"),
        NO_CONTACT,
        ["ERR_CONNECTION_FAILED", "htmx:sendError"],
    ),
}


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("failure", FAILURES)
def test_a_failed_save_on_the_page_says_so_and_keeps_the_text(
    page, plan_site, assert_no_axe_violations, failure, viewport
):
    respond, message, logged = FAILURES[failure]
    _expect_htmx_errors(page, *logged, "htmx:afterRequest")
    page.set_viewport_size(VIEWPORTS[viewport])
    target = _target(plan_site)
    comment = "Tekst som ikke må gå tapt når serveren svikter."
    updates = ProgressUpdate.objects.filter(milestone=target)
    before = updates.count()
    _open_from_email(page, target)
    page.route(
        f"**{_status_url(target)}",
        lambda route: respond(route) if route.request.method == "POST" else route.continue_(),
    )
    _fill(page, status="Forsinket", percent="5", comment=comment)
    page.get_by_role("button", name="Lagre status").click()

    alert = page.locator("form.stack .htmx-error[role=alert]")
    expect(alert).to_contain_text(message)
    expect(alert).to_contain_text(KEPT)
    expect(page.get_by_label("Kommentar")).to_have_value(comment)
    expect(page.get_by_label("Status")).to_have_value(Status.DELAYED)
    expect(page.get_by_label("Prosent fullført")).to_have_value("5")
    expect(page).to_have_url(re.compile(re.escape(_status_url(target)) + "$"))
    assert updates.count() == before
    assert_no_axe_violations(page)
    _fits(page)

    # The server is back: the same form saves, and the message goes away.
    page.unroute(f"**{_status_url(target)}")
    page.get_by_role("button", name="Lagre status").click()
    expect(page).to_have_url(re.compile(rf"/handlingsplaner/{plan_site.pk}/$"))
    assert updates.count() == before + 1
    assert updates.latest("pk").comment == comment


def test_a_save_after_the_session_ran_out_says_to_log_in_and_keeps_the_text(page, plan_site):
    _expect_htmx_errors(
        page, "status of 401", "Response Status Error Code 401", "htmx:afterRequest"
    )
    target = _target(plan_site)
    updates = ProgressUpdate.objects.filter(milestone=target)
    before = updates.count()
    comment = "Skrevet over lunsj; økten gikk ut i mellomtiden."
    _open_from_email(page, target)
    _fill(page, status="I rute", percent="35", comment=comment)
    # The session runs out (the CSRF cookie, which lasts a year, stays).
    page.context.clear_cookies(name=settings.SESSION_COOKIE_NAME)
    page.get_by_role("button", name="Lagre status").click()

    alert = page.locator("form.stack .htmx-error[role=alert]")
    expect(alert).to_contain_text("Ikke lagret: du er ikke lenger logget inn.")
    expect(page.get_by_label("Kommentar")).to_have_value(comment)
    expect(page.get_by_role("heading", level=1)).to_have_text("Logg fremdrift")
    assert updates.count() == before


def test_a_save_without_an_answer_in_time_says_so(page, plan_site):
    _expect_htmx_errors(page, "htmx:timeout", "htmx:afterRequest")
    target = _target(plan_site)
    comment = "Skrevet mens nettet på hurtigruten falt ut."
    _open_from_email(page, target)
    # The portal waits 30 s (htmx-config in base.html); the test does not.
    assert page.evaluate("htmx.config.timeout") == 30000
    page.evaluate("htmx.config.timeout = 500")
    page.route(f"**{_status_url(target)}", lambda route: None)  # never answered
    _fill(page, status="I rute", percent="25", comment=comment)
    page.get_by_role("button", name="Lagre status").click()

    alert = page.locator("form.stack .htmx-error[role=alert]")
    expect(alert).to_contain_text(TOO_SLOW)
    expect(page.get_by_label("Kommentar")).to_have_value(comment)


@pytest.mark.parametrize("failure", FAILURES)
def test_a_failed_save_in_the_plan_row_editor_says_so_and_keeps_the_text(
    page, plan_site, assert_no_axe_violations, failure
):
    respond, message, logged = FAILURES[failure]
    _expect_htmx_errors(page, *logged, "htmx:afterRequest")
    target = _target(plan_site)
    comment = "Skrevet i raden på planen."
    updates = ProgressUpdate.objects.filter(milestone=target)
    before = updates.count()
    _open_from_email(page, target)
    page.goto(plan_site.get_absolute_url())
    row = page.locator(f"#milepael-{target.pk}")
    row.locator("a.milestone__log").click()
    editor = page.locator(f"#milepael-{target.pk}-skjema")
    expect(editor.get_by_label("Status")).to_be_focused()
    page.route(
        f"**{_status_url(target)}",
        lambda route: respond(route) if route.request.method == "POST" else route.continue_(),
    )
    editor.get_by_label("Kommentar").fill(comment)
    editor.get_by_label("Prosent fullført").fill("10")
    editor.get_by_role("button", name="Lagre status").click()

    expect(editor.locator(".htmx-error[role=alert]")).to_contain_text(message)
    expect(editor.get_by_label("Kommentar")).to_have_value(comment)
    expect(row.locator(".milestone__badges")).to_have_text("Ikke startet")
    assert_no_axe_violations(page)
    assert updates.count() == before


def test_a_form_whose_htmx_target_is_missing_is_posted_the_ordinary_way(page, plan_site):
    """The safety net under finding 2: should a page's htmx target ever go missing again, the
    form is sent as it would be without JavaScript, instead of nothing happening."""
    _expect_htmx_errors(page, "htmx:targetError")
    target = _target(plan_site)
    _open_from_email(page, target)
    page.locator("form.stack").evaluate("form => form.setAttribute('data-hx-target', '#borte')")
    _fill(page, status="I rute", percent="40", comment="Sendt uten htmx.")
    page.get_by_role("button", name="Lagre status").click()

    expect(page).to_have_url(re.compile(rf"/handlingsplaner/{plan_site.pk}/$"))
    expect(page.get_by_role("status").first).to_contain_text("er lagret: I rute, 40 %.")
    assert (
        ProgressUpdate.objects.filter(milestone=target).latest("pk").comment == "Sendt uten htmx."
    )


def test_opening_the_row_editor_without_an_answer_says_so(
    page, plan_site, assert_no_axe_violations
):
    _expect_htmx_errors(
        page, "status of 500", "Response Status Error Code 500", "htmx:afterRequest"
    )
    target = _target(plan_site)
    _open_from_email(page, target)
    page.goto(plan_site.get_absolute_url())
    page.route(
        re.compile(re.escape(_status_url(target)) + r"\?"),
        lambda route: route.fulfill(status=500, body="Server Error", content_type="text/html"),
    )
    row = page.locator(f"#milepael-{target.pk}")
    row.locator("a.milestone__log").click()

    expect(row.locator(".htmx-error[role=alert]")).to_have_text(
        "Noe gikk galt, og siden ble ikke oppdatert. Prøv igjen om litt."
    )
    expect(page.locator(f"#milepael-{target.pk}-skjema")).to_be_empty()
    assert_no_axe_violations(page)
