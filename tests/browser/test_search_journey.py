"""The county coordinator finds a milestone by a word from its progress comment (issue #16), in a
real browser: the search field in the header, the results page with the word marked, and the
milestone's page. On PostgreSQL the word is an inflected form of the one in the comment
(«boliger» finds «boligene»); on SQLite, which searches words as written, the same form. A
politician of another agreement finds nothing of it. axe (WCAG 2.1 A/AA) on every page."""

import datetime

from django.db import connection
from playwright.sync_api import expect

from actionplans.models import Action, ActionPlan, Milestone
from actionplans.services import progress_log
from agreements.models import SubGoal
from tromsvekst.demo.users import DEMO_PASSWORD

COMMENT = "Kommunene har kartlagt boligene for tilflyttere i Harstad og Narvik."


def _log_in(page, username: str) -> None:
    page.goto("/logg-inn/")
    page.get_by_label("Brukernavn").fill(username)
    page.get_by_label("Passord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("button", name="Logg ut")).to_be_visible()


def test_a_milestone_found_by_a_word_from_its_comment(
    page, demo_site, assert_no_axe_violations, save_screenshot
):
    from django.contrib.auth.models import User

    plan = ActionPlan.objects.create(
        agreement=demo_site, start_year=2025, end_year=2026, status=ActionPlan.PlanStatus.ADOPTED
    )
    action = Action.objects.create(
        plan=plan,
        number="1.1-1",
        title="Boligsatsing",
        sub_goal=SubGoal.objects.get(agreement=demo_site, code="1.1"),
    )
    milestone = Milestone.objects.create(
        action=action, title="Kartlegge behovet", due_date=datetime.date(2026, 6, 30)
    )
    progress_log(
        milestone=milestone,
        user=User.objects.get(username="koordinator.halogaland"),
        status="on_track",
        percent=40,
        comment=COMMENT,
        seen_version=0,
    )
    word = "boliger" if connection.vendor == "postgresql" else "boligene"

    _log_in(page, "koordinator.troms")
    search = page.get_by_role("search", name="Søk i portalen")
    search.get_by_label("Søk i portalen").fill(word)
    search.get_by_label("Søk i portalen").press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Søk")
    hits = page.locator(".search-hit")
    hit = hits.filter(has_text="Statuskommentar")
    expect(hit).to_have_count(1)
    expect(hit.locator("mark")).to_have_text("boligene")
    expect(page.get_by_label("Søk etter")).to_have_value(word)
    assert_no_axe_violations(page)
    save_screenshot(page, "search-results")
    hit.get_by_role("link", name="Kartlegge behovet").click()
    expect(page).to_have_url(milestone.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Kartlegge behovet")
    page.get_by_role("button", name="Logg ut").click()

    # The example agreement's coordinator has no role in Hålogaland: no hit from its records.
    _log_in(page, "koordinator.nordtroms")
    page.goto(f"/sok/?q={word}")
    expect(page.locator(".search-hit").filter(has_text="Statuskommentar")).to_have_count(0)
    expect(page.get_by_text("Kartlegge behovet")).to_have_count(0)
    assert_no_axe_violations(page)
