"""Journeys through an action plan in a real browser: logging progress inline (htmx) and
without JavaScript, an edit conflict, the plan filters, what a reader sees, and the layout on
narrow screens. Every page a journey stops on is checked with axe-core."""

import re
from statistics import mean

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from actionplans.models import ActionPlan, Milestone, ProgressUpdate, Status
from actionplans.services import progress_log
from tromsvekst.demo.plan import demo_plan_load
from tromsvekst.demo.users import DEMO_PASSWORD
from tromsvekst.lib.dates import local_today

AGREEMENT_URL = "/avtaler/halogaland/"
PLAN_LINK = "Handlingsplan 2025–2026"
COMMENT_NEEDED = "Skriv en kommentar som forklarer hvorfor milepælen er «Risiko»."
NOT_SAVED = "Statusen ble ikke lagret. Rett feilene under og prøv igjen."
CONFLICT = "Noen andre har oppdatert milepælen mens du skrev"


@pytest.fixture
def plan_site(demo_site) -> ActionPlan:
    """What ``make run`` shows: the demo site and the example action plan 2025–2026, whose
    open milestones have due dates counted from today. The journeys pick their milestones
    from the database by status, so they do not depend on the demo's titles."""
    return demo_plan_load().plan


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


def _milestones(plan: ActionPlan):
    return Milestone.objects.in_plan(plan)


def _pick(plan: ActionPlan, status: str) -> Milestone:
    """The first milestone with ``status`` that is not overdue."""
    milestone = (
        _milestones(plan)
        .filter(status=status, due_date__gte=local_today())
        .order_by("due_date", "pk")
        .first()
    )
    assert milestone, f"the demo plan has no {status} milestone that is not overdue"
    return milestone


def _average(milestones) -> int:
    """Average progress as the portal shows it: cancelled milestones left out, rounded."""
    percents = [m.percent for m in milestones if m.status != Status.CANCELLED]
    return round(mean(percents)) if percents else 0


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
    """From the agreement page to the list of its action plans."""
    page.get_by_role("link", name="Handlingsplaner og milepæler").click()
    expect(page).to_have_url(re.compile(r"/avtaler/halogaland/handlingsplaner/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Handlingsplaner")
    expect(page.get_by_role("link", name=PLAN_LINK)).to_be_visible()


def _expected_counts(plan: ActionPlan) -> dict[str, int]:
    """The plan summary's counts as the database has them, by the label the page shows."""
    milestones = list(_milestones(plan))
    counts = {status.label: 0 for status in Status}
    for milestone in milestones:
        counts[Status(milestone.status).label] += 1
    counts["Forfalt"] = sum(milestone.overdue for milestone in milestones)
    return counts


def test_coordinator_logs_progress_inline_and_sees_the_plan_update(
    page, plan_site, assert_no_axe_violations
):
    target = _pick(plan_site, Status.NOT_STARTED)
    total = _milestones(plan_site).count()
    _log_in(page, "koordinator.troms")

    _open_plan(page)
    assert_no_axe_violations(page)
    page.get_by_role("link", name=PLAN_LINK).click()

    expect(page).to_have_url(re.compile(rf"/handlingsplaner/{plan_site.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(PLAN_LINK)
    expect(page.locator("li.milestone")).to_have_count(total)
    assert_no_axe_violations(page)
    before = _status_counts(page)
    assert before == _expected_counts(plan_site)

    row = _row(page, target)
    editor = page.locator(f"#milepael-{target.pk}-skjema")
    row.locator("a.milestone__log").click()

    status = editor.get_by_label("Status")
    expect(status).to_be_visible()
    expect(status).to_be_focused()
    expect(status).to_have_value(Status.NOT_STARTED)

    # «Risiko» without a comment: the error comes back into the row's editor, nothing is saved.
    status.select_option(label="Risiko")
    editor.get_by_role("button", name="Lagre status").click()

    expect(editor.get_by_role("alert")).to_contain_text(NOT_SAVED)
    expect(editor.locator(f"#comment-{target.pk}_error")).to_have_text(COMMENT_NEEDED)
    expect(editor.get_by_label("Kommentar")).to_have_attribute("aria-invalid", "true")
    expect(editor.get_by_label("Status")).to_have_value(Status.AT_RISK)
    expect(row.locator(".milestone__badges")).to_have_text("Ikke startet")
    assert _status_counts(page) == before
    version = target.version
    target.refresh_from_db()
    assert (target.status, target.version) == (Status.NOT_STARTED, version)
    assert ProgressUpdate.objects.filter(milestone=target).count() == version

    comment = "Kommunene har ikke satt av midler ennå."
    editor.get_by_label("Kommentar").fill(comment)
    editor.get_by_label("Prosent fullført").fill("15")
    editor.get_by_role("button", name="Lagre status").click()

    expect(row.locator(".milestone__badges")).to_have_text("Risiko")
    expect(row.locator(".percent-bar__text")).to_contain_text("15 %")
    expect(row.locator(".milestone__last")).to_contain_text("Tone Koordinator (eksempel)")
    expect(editor).to_be_empty()
    expect(page.locator("#live-status")).to_have_text(
        f"Status for «{target.title}» er lagret: Risiko, 15 %."
    )
    expect(row.locator("a.milestone__log")).to_be_focused()
    after = _status_counts(page)
    assert after == before | {
        "Ikke startet": before["Ikke startet"] - 1,
        "Risiko": before["Risiko"] + 1,
    }
    # The averages above the row follow: the plan's and the action's.
    expect(page.locator("#plan-summary .plan-summary__big")).to_have_text(
        f"{_average(_milestones(plan_site))} %"
    )
    expect(page.locator(f"#rollup-action-{target.action_id} .percent-bar__text")).to_have_text(
        f"Gjennomsnittlig fremdrift: {_average(target.action.milestones.all())} %"
    )
    target.refresh_from_db()
    assert (target.status, target.percent, target.version) == (Status.AT_RISK, 15, version + 1)
    update = target.updates.first()
    assert (update.author.username, update.comment) == ("koordinator.troms", comment)
    assert_no_axe_violations(page)


def test_without_javascript_the_form_is_its_own_page_and_saving_goes_back_to_the_plan(
    no_js_page, plan_site, assert_no_axe_violations_without_javascript
):
    page = no_js_page
    target = _pick(plan_site, Status.ON_TRACK)
    version, percent = target.version, target.percent + 10
    _log_in(page, "koordinator.troms")
    _open_plan(page)
    page.get_by_role("link", name=PLAN_LINK).click()
    plan_url = re.compile(rf"/handlingsplaner/{plan_site.pk}/$")
    expect(page).to_have_url(plan_url)

    _row(page, target).get_by_role("link", name="Logg fremdrift").click()

    expect(page).to_have_url(re.compile(rf"/milepaeler/{target.pk}/status/\?next="))
    expect(page.get_by_role("heading", level=1)).to_have_text("Logg fremdrift")
    expect(page.get_by_label("Status")).to_have_value(Status.ON_TRACK)
    expect(page.get_by_label("Prosent fullført")).to_have_value(str(target.percent))
    assert_no_axe_violations_without_javascript(page)

    page.get_by_label("Prosent fullført").fill(str(percent))
    page.get_by_label("Kommentar").fill("Svar fra ni av tolv kommuner.")
    page.get_by_role("button", name="Lagre status").click()

    expect(page).to_have_url(plan_url)
    expect(page.locator(".messages")).to_contain_text(
        f"Status for «{target.title}» er lagret: I rute, {percent} %."
    )
    expect(_row(page, target).locator(".percent-bar__text")).to_contain_text(f"{percent} %")
    target.refresh_from_db()
    assert (target.status, target.percent, target.version) == (
        Status.ON_TRACK,
        percent,
        version + 1,
    )
    assert_no_axe_violations_without_javascript(page)


def _show_milestones(page, action):
    """An action's «Vis milepælene (n)» link on a plan that shows its rows on demand."""
    return page.locator(f"#tiltak-{action.pk}").get_by_role("link", name=re.compile("^Vis milepæl"))


def test_a_large_plan_brings_an_actions_rows_on_demand_and_they_are_logged_as_usual(
    page, plan_site, settings, assert_no_axe_violations
):
    """Beyond PLAN_PAGE_INLINE_MILESTONES the page shows each action's roll-up and «Vis
    milepælene»; htmx puts that action's rows in its place, with the focus on them, and a row
    is logged inline as on a small plan, the whole plan's figures following."""
    settings.PLAN_PAGE_INLINE_MILESTONES = 10  # the demo plan has more
    target = _pick(plan_site, Status.NOT_STARTED)
    action = target.action
    count = action.milestones.count()
    _log_in(page, "koordinator.troms", plan_site.get_absolute_url())

    expect(page.locator("li.milestone")).to_have_count(0)
    link = _show_milestones(page, action)
    expect(link).to_have_text(f"Vis milepælene ({count}) for tiltak {action.number}")
    assert_no_axe_violations(page)
    link.focus()
    page.keyboard.press("Enter")

    rows = page.locator(f"#tiltak-{action.pk} li.milestone")
    expect(rows).to_have_count(count)
    expect(page.locator(f"#tiltak-{action.pk} ul.milestones")).to_be_focused()
    expect(page.locator("li.milestone")).to_have_count(count)  # the other actions wait
    expect(page).to_have_url(re.compile(rf"/handlingsplaner/{plan_site.pk}/$"))
    assert_no_axe_violations(page)

    row = _row(page, target)
    row.locator("a.milestone__log").click()
    editor = page.locator(f"#milepael-{target.pk}-skjema")
    expect(editor.get_by_label("Status")).to_be_focused()
    editor.get_by_label("Status").select_option(label="I rute")
    editor.get_by_label("Prosent fullført").fill("20")
    editor.get_by_role("button", name="Lagre status").click()

    expect(row.locator(".milestone__badges")).to_have_text("I rute")
    expect(row.locator("a.milestone__log")).to_be_focused()
    # The plan's figures are the whole plan's, as before the rows were brought.
    expect(page.locator("#plan-summary .plan-summary__big")).to_have_text(
        f"{_average(_milestones(plan_site))} %"
    )
    expect(page.locator("#plan-summary h2")).not_to_contain_text("med valgte filtre")
    assert _status_counts(page) == _expected_counts(plan_site)
    target.refresh_from_db()
    assert (target.status, target.percent) == (Status.ON_TRACK, 20)

    page.set_viewport_size({"width": 375, "height": 812})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert_no_axe_violations(page)


def test_without_javascript_show_milestones_is_the_page_filtered_to_the_action(
    no_js_page, plan_site, settings, assert_no_axe_violations_without_javascript
):
    settings.PLAN_PAGE_INLINE_MILESTONES = 10
    page = no_js_page
    target = _pick(plan_site, Status.ON_TRACK)
    action = target.action
    _log_in(page, "koordinator.troms", plan_site.get_absolute_url())

    _show_milestones(page, action).click()

    filtered = rf"/handlingsplaner/{plan_site.pk}/\?action={action.pk}"
    expect(page).to_have_url(re.compile(filtered + f"#tiltak-{action.pk}$"))
    expect(page.locator("li.milestone")).to_have_count(action.milestones.count())
    assert_no_axe_violations_without_javascript(page)

    _row(page, target).get_by_role("link", name="Logg fremdrift").click()
    page.get_by_label("Prosent fullført").fill(str(target.percent + 5))
    page.get_by_label("Kommentar").fill("Nesten halvveis.")
    page.get_by_role("button", name="Lagre status").click()

    expect(page).to_have_url(re.compile(filtered + "$"))
    expect(_row(page, target).locator(".percent-bar__text")).to_contain_text(
        f"{target.percent + 5} %"
    )
    page.get_by_role("link", name="Fjern filtre").click()
    expect(page.locator("li.milestone")).to_have_count(0)
    expect(_show_milestones(page, action)).to_be_visible()


def test_conflict_shows_the_other_update_and_keeps_what_was_typed(
    page, plan_site, assert_no_axe_violations
):
    target = _pick(plan_site, Status.ON_TRACK)
    version = target.version
    _log_in(page, "koordinator.troms", plan_site.get_absolute_url())
    row = _row(page, target)
    editor = page.locator(f"#milepael-{target.pk}-skjema")
    row.locator("a.milestone__log").click()
    expect(editor.get_by_label("Status")).to_be_focused()

    # Meanwhile the Hålogalandsrådet coordinator logs an update on the same milestone.
    other_comment = "Fristen for svar fra kommunene er forlenget til januar."
    _log(target, "koordinator.halogaland", Status.AT_RISK, 45, other_comment)

    typed = "Svar fra alle kommunene er kommet inn."
    editor.get_by_label("Prosent fullført").fill("90")
    editor.get_by_label("Kommentar").fill(typed)
    editor.get_by_role("button", name="Lagre status").click()

    conflict = editor.locator(".conflict")
    expect(conflict).to_contain_text(CONFLICT)
    expect(conflict).to_contain_text(other_comment)
    expect(conflict).to_contain_text("Håkon Koordinator (eksempel)")
    expect(conflict).to_be_focused()
    expect(editor.get_by_label("Kommentar")).to_have_value(typed)
    expect(editor.get_by_label("Prosent fullført")).to_have_value("90")
    expect(editor.get_by_label("Status")).to_have_value(Status.ON_TRACK)
    target.refresh_from_db()
    assert (target.status, target.percent, target.version) == (Status.AT_RISK, 45, version + 1)
    assert_no_axe_violations(page)

    editor.get_by_role("button", name="Lagre likevel").click()

    expect(row.locator(".milestone__badges")).to_have_text("I rute")
    expect(row.locator(".percent-bar__text")).to_contain_text("90 %")
    expect(page.locator("#live-status")).to_contain_text(f"Status for «{target.title}» er lagret")
    expect(row.locator("a.milestone__log")).to_be_focused()
    target.refresh_from_db()
    assert (target.status, target.percent, target.version) == (Status.ON_TRACK, 90, version + 2)
    newest = target.updates.first()
    assert (newest.author.username, newest.comment) == ("koordinator.troms", typed)
    assert newest.previous_status == Status.AT_RISK


def test_status_filter_is_kept_in_the_url_and_can_be_removed(
    page, plan_site, assert_no_axe_violations
):
    total = _milestones(plan_site).count()
    at_risk = list(_milestones(plan_site).filter(status=Status.AT_RISK))
    assert 0 < len(at_risk) < total
    _log_in(page, "koordinator.troms", plan_site.get_absolute_url())
    milestones = page.locator("li.milestone")
    expect(milestones).to_have_count(total)
    expect(page.get_by_role("link", name="Fjern filtre")).to_have_count(0)
    filters = page.locator("form.plan-filters")

    filters.get_by_label("Status").select_option(label="Risiko")
    filters.get_by_role("button", name="Vis").click()

    expect(page).to_have_url(re.compile(r"\?status=at_risk(&|$)"))
    expect(milestones).to_have_count(len(at_risk))
    assert sorted(milestones.locator(".milestone__title").all_text_contents()) == sorted(
        m.title for m in at_risk
    )
    # Each row shows «Risiko», and no other status (a «Forfalt» badge may come beside it).
    expect(milestones.locator(".status-badge--at_risk")).to_have_count(len(at_risk))
    expect(
        milestones.locator(".status-badge:not(.status-badge--at_risk, .status-badge--overdue)")
    ).to_have_count(0)
    expect(filters.get_by_label("Status")).to_have_value(Status.AT_RISK)
    expect(filters).to_contain_text(f"Viser {len(at_risk)} av {total} milepæler.")
    expect(page.locator("#plan-summary")).to_contain_text("med valgte filtre")
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Fjern filtre").click()

    expect(page).to_have_url(re.compile(rf"/handlingsplaner/{plan_site.pk}/$"))
    expect(milestones).to_have_count(total)
    expect(filters.get_by_label("Status")).to_have_value("")
    expect(filters).to_contain_text(f"Viser {total} av {total} milepæler.")
    expect(page.get_by_role("link", name="Fjern filtre")).to_have_count(0)


def test_reader_sees_the_plan_and_the_history_but_cannot_log_progress(
    page, plan_site, assert_no_axe_violations
):
    target = _milestones(plan_site).filter(status=Status.DELAYED).order_by("due_date").first()
    updates = list(target.updates.select_related("author"))
    assert any(update.got_worse for update in updates)
    _log_in(page, "politiker", plan_site.get_absolute_url())

    expect(page.get_by_role("heading", level=1)).to_contain_text(PLAN_LINK)
    expect(page.locator("li.milestone")).to_have_count(_milestones(plan_site).count())
    expect(page.locator("a.milestone__log")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("Logg fremdrift"))).to_have_count(0)
    expect(page.get_by_role("link", name="Nytt tiltak")).to_have_count(0)
    assert_no_axe_violations(page)

    _row(page, target).get_by_role("link", name=target.title, exact=True).click()

    expect(page).to_have_url(re.compile(rf"/milepaeler/{target.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(target.title)
    history = page.locator("ol.history__list > li")
    expect(history).to_have_count(len(updates))
    newest = updates[0]
    expect(history.first).to_contain_text(newest.author.get_full_name())
    expect(history.first).to_contain_text(newest.comment)
    expect(page.locator(".history__flag")).to_have_count(
        sum(update.got_worse for update in updates)
    )
    expect(page.get_by_role("link", name="Logg fremdrift")).to_have_count(0)
    expect(page.get_by_role("link", name="Endre milepæl")).to_have_count(0)
    assert_no_axe_violations(page)


def test_plan_page_on_a_laptop_and_a_phone(
    page, plan_site, assert_no_axe_violations, save_screenshot
):
    _log_in(page, "koordinator.troms", plan_site.get_absolute_url())
    expect(page.locator("li.milestone")).to_have_count(_milestones(plan_site).count())
    save_screenshot(page, "plan-1280")

    page.set_viewport_size({"width": 375, "height": 812})
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert_no_axe_violations(page)
    save_screenshot(page, "plan-375")

    target = _pick(plan_site, Status.ON_TRACK)
    _row(page, target).locator("a.milestone__log").click()
    expect(page.locator(f"#milepael-{target.pk}-skjema").get_by_label("Status")).to_be_focused()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    save_screenshot(page, "plan-375-form")


@pytest.mark.parametrize("username", ["koordinator.troms", "politiker"])
def test_plan_page_fits_a_320_px_screen_without_sideways_scrolling(page, plan_site, username):
    """WCAG 1.4.10 (reflow), which axe does not check: nothing is wider than the screen."""
    _log_in(page, username, plan_site.get_absolute_url())
    page.set_viewport_size({"width": 320, "height": 640})

    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
