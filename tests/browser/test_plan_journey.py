"""Journeys through an action plan in a real browser: logging progress inline (htmx) and
without JavaScript, an edit conflict, the plan filters, what a reader sees, and the layout on
narrow screens. Every page a journey stops on is checked with axe-core."""

import datetime
import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from actionplans.models import Action, ActionPlan, Milestone, ProgressUpdate, Status
from actionplans.services import progress_log
from agreements.demo import DEMO_PASSWORD
from agreements.models import Coordinator, Party, Strategy, SubGoal

AGREEMENT_URL = "/avtaler/halogaland/"
PLAN_LINK = "Handlingsplan 2025–2026"
COMMENT_NEEDED = "Skriv en kommentar som forklarer hvorfor milepælen er «Risiko»."
NOT_SAVED = "Statusen ble ikke lagret. Rett feilene under og prøv igjen."
CONFLICT = "Noen andre har oppdatert milepælen mens du skrev"

# The plan the journeys walk through (see ``plan_site``): milestone title → (status, percent).
SURVEY = "Kartlegge boligbehovet i kommunene"
STRATEGY = "Vedta felles boligstrategi"
APPLICATION = "Søknad om midler til næringsarenaen sendt"
GATHERING = "Første samling i næringsarenaen holdt"


def _log_in(page, username: str, next_url: str = AGREEMENT_URL) -> None:
    page.goto(f"/logg-inn/?next={next_url}")
    page.get_by_label("Brukernavn").fill(username)
    page.get_by_label("Passord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    expect(page).to_have_url(re.compile(re.escape(next_url) + "$"))


def _log(milestone: Milestone, username: str, status: str, percent: int, comment: str = ""):
    """Log progress from the test, as ``username`` would through the portal."""
    milestone.refresh_from_db()
    return progress_log(
        milestone=milestone,
        user=User.objects.get(username=username),
        status=status,
        percent=percent,
        comment=comment,
        seen_version=milestone.version,
    )


@pytest.fixture
def plan_site(demo_site) -> ActionPlan:
    """The demo site with an example plan 2025–2026 on the Hålogaland agreement (today is
    read in Europe/Oslo; the due dates are fixed, so «Forfalt» depends on the clock only for
    the milestones that are still open):

    - Tiltak 1.1-1 «Felles boligstrategi» (delmål 1.1, Troms fylkeskommune):
      ``SURVEY`` I rute 40 %, ``STRATEGY`` Ikke startet 0 % (no updates).
    - Tiltak 2.1-1 «Regional næringsarena» (delmål 2.1, Hålogalandsrådet):
      ``APPLICATION`` Fullført 100 %, ``GATHERING`` Forsinket 20 %.
    """
    plan = ActionPlan.objects.create(
        agreement=demo_site,
        start_year=2025,
        end_year=2026,
        status=ActionPlan.PlanStatus.ADOPTED,
        adopted_on=datetime.date(2025, 3, 1),
        is_example=True,
    )
    housing = _action(plan, "1.1-1", "1.1", "Felles boligstrategi", "troms-fylkeskommune")
    arena = _action(plan, "2.1-1", "2.1", "Regional næringsarena", "halogalandsradet")
    troms = Coordinator.objects.get(agreement=demo_site, user__username="koordinator.troms")
    survey = Milestone.objects.create(
        action=housing, title=SURVEY, due_date=datetime.date(2026, 12, 15), responsible=troms
    )
    Milestone.objects.create(action=housing, title=STRATEGY, due_date=datetime.date(2026, 12, 31))
    application = Milestone.objects.create(
        action=arena, title=APPLICATION, due_date=datetime.date(2025, 10, 1)
    )
    gathering = Milestone.objects.create(
        action=arena, title=GATHERING, due_date=datetime.date(2026, 12, 20)
    )
    _log(survey, "koordinator.troms", Status.ON_TRACK, 40, "Spørreskjema sendt til kommunene.")
    _log(application, "koordinator.halogaland", Status.DONE, 100, "Søknaden er sendt.")
    _log(gathering, "koordinator.halogaland", Status.DELAYED, 20, "Venter på tilsagn.")
    return plan


def _action(plan: ActionPlan, number: str, sub_goal: str, title: str, party: str) -> Action:
    goal = SubGoal.objects.get(agreement=plan.agreement, code=sub_goal)
    action = Action.objects.create(
        plan=plan,
        number=number,
        title=title,
        sub_goal=goal,
        lead_party=Party.objects.get(slug=party),
    )
    action.strategies.set(Strategy.objects.filter(sub_goal=goal).order_by("order")[:1])
    return action


@pytest.fixture
def no_js_page(browser, live_server):
    """Like ``page``, but in a context with JavaScript turned off (htmx never loads)."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="nb-NO",
        viewport={"width": 1280, "height": 800},
        java_script_enabled=False,
    )
    yield context.new_page()
    context.close()


@pytest.fixture
def assert_no_axe_violations_without_javascript(browser, assert_no_axe_violations):
    """``assert_no_axe_violations_without_javascript(page)`` for a page with JavaScript off.

    axe-core waits on timers, and timers never fire where JavaScript is off, so axe would wait
    forever. The page's HTML, as that browser has it, is served again at the same address to a
    page with JavaScript on (stylesheets and all come from the live server) and checked there.
    """

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


def _row(page, milestone: Milestone):
    return page.locator(f"#milepael-{milestone.pk}")


def _status_counts(page) -> dict[str, int]:
    """The plan summary's counts, by the status label beside each (Forfalt included)."""
    return page.locator("#plan-summary dl.status-counts > div").evaluate_all(
        """divs => Object.fromEntries(divs.map(div => [
            div.querySelector('dt').textContent.trim(),
            Number(div.querySelector('dd').textContent.trim()),
        ]))"""
    )


def _open_plan(page) -> None:
    """From the agreement page: the plan list, then the plan."""
    page.get_by_role("link", name="Handlingsplaner og milepæler").click()
    expect(page).to_have_url(re.compile(r"/avtaler/halogaland/handlingsplaner/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Handlingsplaner")
    expect(page.get_by_role("link", name=PLAN_LINK)).to_be_visible()


def test_coordinator_logs_progress_inline_and_sees_the_plan_update(
    page, plan_site, assert_no_axe_violations
):
    survey = Milestone.objects.get(title=SURVEY)
    strategy = Milestone.objects.get(title=STRATEGY)
    _log_in(page, "koordinator.troms")

    _open_plan(page)
    assert_no_axe_violations(page)
    page.get_by_role("link", name=PLAN_LINK).click()

    expect(page).to_have_url(re.compile(rf"/handlingsplaner/{plan_site.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(PLAN_LINK)
    expect(page.locator("li.milestone")).to_have_count(4)
    assert_no_axe_violations(page)
    before = _status_counts(page)
    assert before["Ikke startet"] == 1
    assert before["Risiko"] == 0

    row = _row(page, strategy)
    editor = page.locator(f"#milepael-{strategy.pk}-skjema")
    row.locator("a.milestone__log").click()

    status = editor.get_by_label("Status")
    expect(status).to_be_visible()
    expect(status).to_be_focused()
    expect(status).to_have_value(Status.NOT_STARTED)

    # «Risiko» without a comment: the error comes back into the row's editor.
    status.select_option(label="Risiko")
    editor.get_by_role("button", name="Lagre status").click()

    expect(editor.get_by_role("alert")).to_contain_text(NOT_SAVED)
    expect(editor.locator(f"#comment-error-{strategy.pk}")).to_have_text(COMMENT_NEEDED)
    expect(editor.get_by_label("Kommentar")).to_have_attribute("aria-invalid", "true")
    expect(editor.get_by_label("Status")).to_have_value(Status.AT_RISK)
    expect(row.locator(".milestone__badges")).to_have_text("Ikke startet")
    assert _status_counts(page) == before
    strategy.refresh_from_db()
    assert (strategy.status, strategy.version) == (Status.NOT_STARTED, 0)
    assert not ProgressUpdate.objects.filter(milestone=strategy).exists()

    editor.get_by_label("Kommentar").fill("Kommunene har ikke satt av midler ennå.")
    editor.get_by_label("Prosent fullført").fill("15")
    editor.get_by_role("button", name="Lagre status").click()

    expect(row.locator(".milestone__badges")).to_have_text("Risiko")
    expect(row.locator(".percent-bar__text")).to_contain_text("15 %")
    expect(row.locator(".milestone__last")).to_contain_text("Tone Koordinator (eksempel)")
    expect(editor).to_be_empty()
    expect(page.locator("#live-status")).to_have_text(
        f"Status for «{STRATEGY}» er lagret: Risiko, 15 %."
    )
    expect(row.locator("a.milestone__log")).to_be_focused()
    after = _status_counts(page)
    assert after == before | {"Ikke startet": 0, "Risiko": 1}
    # The other rows and the roll-up of their action are left as they were.
    expect(_row(page, survey).locator(".milestone__badges")).to_have_text("I rute")
    expect(page.locator(f"#rollup-action-{strategy.action_id}")).to_contain_text(
        "0 av 2 milepæler fullført"
    )
    strategy.refresh_from_db()
    assert (strategy.status, strategy.percent, strategy.version) == (Status.AT_RISK, 15, 1)
    update = strategy.updates.get()
    assert update.author.username == "koordinator.troms"
    assert update.comment == "Kommunene har ikke satt av midler ennå."
    assert_no_axe_violations(page)


def test_without_javascript_the_form_is_its_own_page_and_saving_goes_back_to_the_plan(
    no_js_page, plan_site, assert_no_axe_violations_without_javascript
):
    page = no_js_page
    survey = Milestone.objects.get(title=SURVEY)
    _log_in(page, "koordinator.troms")
    _open_plan(page)
    page.get_by_role("link", name=PLAN_LINK).click()
    plan_url = re.compile(rf"/handlingsplaner/{plan_site.pk}/$")
    expect(page).to_have_url(plan_url)

    _row(page, survey).get_by_role("link", name="Logg fremdrift").click()

    expect(page).to_have_url(re.compile(rf"/milepaeler/{survey.pk}/status/\?next="))
    expect(page.get_by_role("heading", level=1)).to_have_text("Logg fremdrift")
    expect(page.get_by_label("Status")).to_have_value(Status.ON_TRACK)
    expect(page.get_by_label("Prosent fullført")).to_have_value("40")
    assert_no_axe_violations_without_javascript(page)

    page.get_by_label("Prosent fullført").fill("60")
    page.get_by_label("Kommentar").fill("Svar fra ni av tolv kommuner.")
    page.get_by_role("button", name="Lagre status").click()

    expect(page).to_have_url(plan_url)
    expect(page.locator(".messages")).to_contain_text(
        f"Status for «{SURVEY}» er lagret: I rute, 60 %."
    )
    expect(_row(page, survey).locator(".percent-bar__text")).to_contain_text("60 %")
    survey.refresh_from_db()
    assert (survey.status, survey.percent, survey.version) == (Status.ON_TRACK, 60, 2)
    assert_no_axe_violations_without_javascript(page)


def test_conflict_shows_the_other_update_and_keeps_what_was_typed(
    page, plan_site, assert_no_axe_violations
):
    survey = Milestone.objects.get(title=SURVEY)
    _log_in(page, "koordinator.troms", plan_site.get_absolute_url())
    row = _row(page, survey)
    editor = page.locator(f"#milepael-{survey.pk}-skjema")
    row.locator("a.milestone__log").click()
    expect(editor.get_by_label("Status")).to_be_focused()

    # Meanwhile the Hålogalandsrådet coordinator logs an update on the same milestone.
    other_comment = "Fristen for svar fra kommunene er forlenget til januar."
    _log(survey, "koordinator.halogaland", Status.AT_RISK, 45, other_comment)

    typed = "Svar fra alle kommunene er kommet inn."
    editor.get_by_label("Prosent fullført").fill("70")
    editor.get_by_label("Kommentar").fill(typed)
    editor.get_by_role("button", name="Lagre status").click()

    conflict = editor.locator(".conflict")
    expect(conflict).to_contain_text(CONFLICT)
    expect(conflict).to_contain_text(other_comment)
    expect(conflict).to_contain_text("Håkon Koordinator (eksempel)")
    expect(conflict).to_be_focused()
    expect(editor.get_by_label("Kommentar")).to_have_value(typed)
    expect(editor.get_by_label("Prosent fullført")).to_have_value("70")
    survey.refresh_from_db()
    assert (survey.status, survey.percent, survey.version) == (Status.AT_RISK, 45, 2)
    assert_no_axe_violations(page)

    editor.get_by_role("button", name="Lagre likevel").click()

    expect(row.locator(".milestone__badges")).to_have_text("I rute")
    expect(row.locator(".percent-bar__text")).to_contain_text("70 %")
    expect(page.locator("#live-status")).to_contain_text(f"Status for «{SURVEY}» er lagret")
    expect(row.locator("a.milestone__log")).to_be_focused()
    survey.refresh_from_db()
    assert (survey.status, survey.percent, survey.version) == (Status.ON_TRACK, 70, 3)
    newest = survey.updates.first()
    assert (newest.author.username, newest.comment) == ("koordinator.troms", typed)
    assert newest.previous_status == Status.AT_RISK


def test_status_filter_is_kept_in_the_url_and_can_be_removed(
    page, plan_site, assert_no_axe_violations
):
    _log_in(page, "koordinator.troms", plan_site.get_absolute_url())
    milestones = page.locator("li.milestone")
    expect(milestones).to_have_count(4)
    expect(page.get_by_role("link", name="Fjern filtre")).to_have_count(0)
    filters = page.locator("form.plan-filters")

    filters.get_by_label("Status").select_option(label="I rute")
    filters.get_by_role("button", name="Vis").click()

    expect(page).to_have_url(re.compile(r"\?status=on_track(&|$)"))
    expect(milestones).to_have_count(1)
    expect(milestones.locator(".milestone__title")).to_have_text(SURVEY)
    expect(milestones.locator(".milestone__badges")).to_have_text("I rute")
    expect(filters.get_by_label("Status")).to_have_value(Status.ON_TRACK)
    expect(filters).to_contain_text("Viser 1 av 4 milepæler.")
    expect(page.locator("#plan-summary")).to_contain_text("med valgte filtre")
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Fjern filtre").click()

    expect(page).to_have_url(re.compile(rf"/handlingsplaner/{plan_site.pk}/$"))
    expect(milestones).to_have_count(4)
    expect(filters.get_by_label("Status")).to_have_value("")
    expect(filters).to_contain_text("Viser 4 av 4 milepæler.")
    expect(page.get_by_role("link", name="Fjern filtre")).to_have_count(0)


def test_reader_sees_the_plan_and_the_history_but_cannot_log_progress(
    page, plan_site, assert_no_axe_violations
):
    _log_in(page, "politiker", plan_site.get_absolute_url())

    expect(page.get_by_role("heading", level=1)).to_contain_text(PLAN_LINK)
    expect(page.locator("li.milestone")).to_have_count(4)
    expect(page.locator("a.milestone__log")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("Logg fremdrift"))).to_have_count(0)
    expect(page.get_by_role("link", name="Nytt tiltak")).to_have_count(0)
    assert_no_axe_violations(page)

    page.get_by_role("link", name=GATHERING).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(GATHERING)
    history = page.locator("ol.history__list > li")
    expect(history).to_have_count(1)
    expect(history.first).to_contain_text("Håkon Koordinator (eksempel)")
    expect(history.first).to_contain_text("Venter på tilsagn.")
    expect(history.first).to_contain_text("(forverring)")
    expect(page.get_by_role("link", name="Logg fremdrift")).to_have_count(0)
    expect(page.get_by_role("link", name="Endre milepæl")).to_have_count(0)
    assert_no_axe_violations(page)


def test_plan_page_on_a_laptop_and_a_phone(
    page, plan_site, assert_no_axe_violations, save_screenshot
):
    _log_in(page, "koordinator.troms", plan_site.get_absolute_url())
    expect(page.locator("li.milestone")).to_have_count(4)
    save_screenshot(page, "plan-1280")

    page.set_viewport_size({"width": 375, "height": 812})
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert_no_axe_violations(page)
    save_screenshot(page, "plan-375")

    survey = Milestone.objects.get(title=SURVEY)
    _row(page, survey).locator("a.milestone__log").click()
    expect(page.locator(f"#milepael-{survey.pk}-skjema").get_by_label("Status")).to_be_focused()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    save_screenshot(page, "plan-375-form")


@pytest.mark.parametrize("username", ["koordinator.troms", "politiker"])
def test_plan_page_fits_a_320_px_screen_without_sideways_scrolling(page, plan_site, username):
    """WCAG 1.4.10 (reflow), which axe does not check: nothing is wider than the screen."""
    _log_in(page, username, plan_site.get_absolute_url())
    page.set_viewport_size({"width": 320, "height": 640})

    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
