"""The politician's way to the dashboard before a meeting, in a real browser."""

import datetime
import re

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import expect

from actionplans.models import Action, ActionPlan, Milestone, ProgressUpdate
from actionplans.services import progress_log
from agreements.models import Meeting, Party, SubGoal
from tromsvekst.demo.users import DEMO_PASSWORD

DASHBOARD_URL = "/avtaler/halogaland/oversikt/"
AGREEMENT_TITLE = "Tromsvekstavtalen for Hålogalandsregionen"
PHONE = {"width": 375, "height": 812}

# (delmål, milestone, status, percent, due date); the plan's figures: 6 milestones, 2 done,
# 1 on track, 1 at risk, 1 delayed, 1 not started; (100 + 100 + 60 + 30 + 20 + 0) / 6 = 52 %.
MILESTONES = [
    ("1.1", "Boligbehovet i kommunene er kartlagt", "done", 100, datetime.date(2025, 10, 1)),
    ("1.1", "Felles boligstrategi vedtatt i alle kommunestyrer", "on_track", 60, None),
    ("1.2", "Fagbrevkampanje i videregående skoler", "at_risk", 30, datetime.date(2026, 6, 30)),
    ("2.1", "Arealplan for grønne industriområder", "delayed", 20, datetime.date(2026, 3, 31)),
    ("3.1", "Klimatilpasning i kommuneplanene", "done", 100, datetime.date(2026, 2, 1)),
    ("4.1", "Ringvirkningsanalyse for Forsvarets oppbygging", "not_started", 0, None),
]


@pytest.fixture
def example_plan(demo_site):
    """An example plan 2025–2026 for Hålogaland, logged by the Troms coordinator, a held
    meeting a month ago and a planned one in three weeks."""
    author = User.objects.get(username="koordinator.troms")
    plan = ActionPlan.objects.create(
        agreement=demo_site,
        start_year=2025,
        end_year=2026,
        status=ActionPlan.PlanStatus.ADOPTED,
        is_example=True,
    )
    today = timezone.localdate()
    soon = min(today + datetime.timedelta(days=20), datetime.date(2026, 12, 31))
    for n, (code, title, status, percent, due) in enumerate(MILESTONES, start=1):
        action = Action.objects.create(
            plan=plan,
            number=f"{code}-{n}",
            title=f"Tiltak {code}-{n}",
            sub_goal=SubGoal.objects.get(agreement=demo_site, code=code),
            lead_party=Party.objects.get(slug="halogalandsradet"),
        )
        milestone = Milestone.objects.create(action=action, title=title, due_date=due or soon)
        if status != "not_started":
            update = progress_log(
                milestone=milestone,
                user=author,
                status=status,
                percent=percent,
                comment="Eksempelkommentar." if status in ("at_risk", "delayed") else "",
                seen_version=0,
            )
            ProgressUpdate.objects.filter(pk=update.pk).update(
                created_at=timezone.now() - datetime.timedelta(days=n)
            )
    now = timezone.now()
    for title, status, start in [
        ("Høstmøtet (eksempel)", Meeting.Status.HELD, now - datetime.timedelta(days=30)),
        ("Vintermøtet (eksempel)", Meeting.Status.PLANNED, now + datetime.timedelta(days=21)),
    ]:
        Meeting.objects.create(
            agreement=demo_site,
            title=title,
            kind=Meeting.Kind.DIGITAL,
            status=status,
            start=start,
            end=start + datetime.timedelta(hours=2),
            inviting_party=Party.objects.get(slug="halogalandsradet"),
            is_example=True,
        )
    return plan


def _log_in(page, username: str, password: str) -> None:
    page.get_by_label("Brukernavn").fill(username)
    page.get_by_label("Passord").fill(password)
    page.get_by_role("button", name="Logg inn").click()


def test_politician_lands_on_the_dashboard_and_reads_it_on_laptop_phone_and_paper(
    page, example_plan, assert_no_axe_violations, save_screenshot
):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/logg-inn/\?next=/$"))

    _log_in(page, "politiker", DEMO_PASSWORD)

    # The politician has a role in exactly one agreement, so "/" leads straight to its dashboard.
    expect(page).to_have_url(re.compile(re.escape(DASHBOARD_URL) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(AGREEMENT_TITLE)
    expect(page.locator("#headline-percent")).to_have_text("52\u00a0%")
    expect(page.locator('[data-figure="total"]')).to_have_text("6")
    expect(page.locator('[data-figure="done"]')).to_have_text("2")
    expect(page.get_by_role("link", name=re.compile("Les møtebriefen"))).to_be_visible()
    # Two changes for the worse since the held meeting: to «Risiko» and to «Forsinket».
    expect(page.locator(".change--worse")).to_have_count(2)
    assert_no_axe_violations(page)

    details = page.locator("details.context-block")
    expect(details).to_have_count(2)
    for block in details.all():
        assert block.evaluate("el => el.open") is False
        expect(block.locator("summary")).to_be_visible()
        expect(block.locator("li").first).to_be_hidden()
    details.first.locator("summary").click()
    expect(details.first.locator("li").first).to_be_visible()
    details.first.locator("summary").click()
    save_screenshot(page, "dashboard-1280")

    page.set_viewport_size(PHONE)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # The wide progress table scrolls inside its own box; its row headers keep whole words
    # instead of being squeezed to a letter or two a line.
    row_header = page.locator(".dash-table tbody th").first
    assert row_header.bounding_box()["width"] >= 160
    expect(page.locator(".table-scroll")).to_have_attribute("tabindex", "0")
    assert_no_axe_violations(page)
    save_screenshot(page, "dashboard-375")

    filters = page.locator("form.dashboard-filters")
    expect(filters).to_be_visible()
    page.emulate_media(media="print")
    expect(filters).to_be_hidden()
    expect(page.locator("#headline-percent")).to_be_visible()


def test_every_headline_count_opens_its_milestones_and_the_terms_are_explained(
    page, example_plan, assert_no_axe_violations
):
    """Issue 11, finding 4: the six status counts add up to the total, "Forfalt" is its own
    column, a click on a count opens the plan page with exactly those milestones, and the terms
    unfold on the page."""
    page.goto("/")
    _log_in(page, "politiker", DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(re.escape(DASHBOARD_URL) + "$"))

    statuses = ["not_started", "on_track", "at_risk", "delayed", "done", "cancelled"]
    counts = {s: int(page.locator(f'[data-figure="{s}"]').inner_text()) for s in statuses}
    assert sum(counts.values()) == 6
    overdue = Milestone.objects.in_plan(example_plan).overdue()
    expect(page.locator('[data-figure="overdue"]')).to_have_text(str(overdue.count()))

    terms = page.locator("details.headline-terms")
    assert terms.evaluate("el => el.open") is False
    terms.locator("summary").click()
    expect(
        terms.get_by_text("Fristen har passert, og milepælen er verken fullført")
    ).to_be_visible()
    assert_no_axe_violations(page)
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.locator('a[data-figure="overdue"]').click()
    expect(page).to_have_url(re.compile(r"/handlingsplaner/\d+/\?overdue=on$"))
    shown = page.locator("li.milestone")
    expect(shown).to_have_count(overdue.count())
    for milestone in overdue:
        expect(page.locator(f"#milepael-{milestone.pk}")).to_be_visible()
