"""Issue 11, findings 8 and 9 in a real browser: a coordinator finds an overdue milestone of their
own from the header ("Mine milepæler"), logs progress from there (JavaScript on) and comes back to
the list; then makes the next plan through its confirmation page. axe checks every page on the
way, and the pages fit a phone (375 px)."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from actionplans.models import ActionPlan, Milestone, ProgressUpdate, Status
from agreements.models import Coordinator
from tromsvekst.demo.plan import demo_plan_load
from tromsvekst.demo.users import DEMO_PASSWORD
from tromsvekst.lib.dates import local_today

PHONE = {"width": 375, "height": 812}


@pytest.fixture
def mine(demo_site):
    """The demo plan, with one open milestone of Tone's (koordinator.troms) made overdue."""
    plan = demo_plan_load().plan
    tone = Coordinator.objects.get(user__username="koordinator.troms", agreement=plan.agreement)
    milestone = (
        Milestone.objects.in_plan(plan)
        .exclude(status__in=[Status.DONE, Status.CANCELLED])
        .order_by("pk")
        .first()
    )
    yesterday = local_today() - datetime.timedelta(days=1)
    milestone.responsible = tone
    milestone.due_date = max(yesterday, plan.first_day)
    milestone.save(update_fields=["responsible", "due_date"])
    return plan, milestone


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_coordinator_finds_and_updates_an_overdue_milestone_of_their_own(
    page, mine, assert_no_axe_violations
):
    plan, milestone = mine
    page.set_viewport_size(PHONE)
    page.goto("/logg-inn/?next=/avtaler/")
    page.get_by_label("Brukernavn").fill("koordinator.troms")
    page.get_by_label("Passord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logg inn").click()

    page.get_by_role("navigation", name="Hovedmeny").get_by_role(
        "link", name="Mine milepæler"
    ).click()

    expect(page).to_have_url(re.compile(r"/mine-milepaeler/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mine milepæler")
    overdue = page.locator("section#forfalt")
    expect(overdue.get_by_role("link", name=milestone.title, exact=True)).to_be_visible()
    assert_no_axe_violations(page)
    _fits(page)

    row = overdue.locator(f"#milepael-{milestone.pk}")
    row.get_by_role("link", name="Logg fremdrift").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Logg fremdrift")
    form = page.locator("form.stack")
    form.get_by_label("Status").select_option(label="Fullført")
    form.get_by_label("Kommentar").fill("Levert til styringsgruppen.")
    page.get_by_role("button", name="Lagre status").click()

    # Back on the list, which no longer has it among the overdue ones.
    expect(page).to_have_url(re.compile(r"/mine-milepaeler/$"))
    expect(page.get_by_text(f"Status for «{milestone.title}» er lagret").first).to_be_visible()
    expect(
        page.locator("section#forfalt").get_by_role("link", name=milestone.title, exact=True)
    ).to_have_count(0)
    update = ProgressUpdate.objects.filter(milestone=milestone).order_by("-pk").first()
    assert (update.status, update.comment) == (Status.DONE, "Levert til styringsgruppen.")


def test_next_plan_is_made_after_confirmation(page, mine, assert_no_axe_violations):
    plan, _milestone = mine
    page.set_viewport_size(PHONE)
    page.goto(f"/logg-inn/?next={plan.get_absolute_url()}")
    page.get_by_label("Brukernavn").fill("koordinator.troms")
    page.get_by_label("Passord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logg inn").click()

    page.get_by_role("link", name="Lag neste handlingsplan").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"Lag handlingsplan \d{4}–\d{4}")
    )
    assert ActionPlan.objects.filter(agreement=plan.agreement).count() == 1  # nothing yet
    assert_no_axe_violations(page)
    _fits(page)

    page.get_by_role("button", name=re.compile(r"Ja, lag handlingsplan")).click()

    new_plan = ActionPlan.objects.get(previous=plan)
    expect(page).to_have_url(re.compile(rf"/handlingsplaner/{new_plan.pk}/$"))
    expect(page.get_by_text("Frist: Ny frist mangler").first).to_be_visible()
    assert not Milestone.objects.in_plan(new_plan).exclude(due_date=None).exists()
    assert not ProgressUpdate.objects.filter(milestone__action__plan=new_plan).exists()
