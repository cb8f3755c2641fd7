"""A coordinator plans a year's meetings, adds an agenda item and records a decision with a
follow-up task, in a real browser; axe checks every page on the way."""

import re

from playwright.sync_api import expect

from agreements.models import FollowUpTask, Meeting
from tromsvekst.demo.users import DEMO_PASSWORD

SCHEDULE_2027 = "/avtaler/halogaland/moter/?year=2027"


def _log_in(page, username: str, next_url: str) -> None:
    page.goto(f"/logg-inn/?next={next_url}")
    page.get_by_label("Brukernavn").fill(username)
    page.get_by_label("Passord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logg inn").click()


def test_coordinator_plans_a_year_and_records_a_decision_with_a_task(
    page, demo_site, assert_no_axe_violations, save_screenshot
):
    _log_in(page, "koordinator.troms", SCHEDULE_2027)
    expect(page.get_by_role("heading", level=1)).to_have_text("Møter")
    warning = page.get_by_text(re.compile(r"2027 mangler et fysisk og et digitalt møte"))
    expect(warning.first).to_be_visible()
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Planlegg året 2027").first.click()

    expect(page.get_by_text(re.compile(r"Laget utkast for 2027"))).to_be_visible()
    # Drafts do not count as meetings (§5.1) until they are planned; nothing is left to plan.
    expect(page.get_by_text(re.compile(r"Et utkast teller ikke")).first).to_be_visible()
    expect(page.get_by_role("button", name="Planlegg året 2027")).to_have_count(0)
    drafts = Meeting.objects.filter(agreement__slug="halogaland", start__year=2027)
    assert sorted(drafts.values_list("kind", flat=True)) == ["digital", "physical"]
    assert set(drafts.values_list("status", flat=True)) == {"draft"}
    assert_no_axe_violations(page)
    save_screenshot(page, "schedule-1280")

    physical = drafts.get(kind="physical")
    page.goto(f"/avtaler/moter/{physical.pk}/endre/")
    assert_no_axe_violations(page)
    page.get_by_label("Sted").fill("Harstad, Rådhuset")
    page.get_by_label("Status").select_option("planned")
    page.get_by_role("button", name="Lagre endringene").click()

    expect(page).to_have_url(re.compile(rf"/avtaler/moter/{physical.pk}/$"))
    expect(page.get_by_text("Harstad, Rådhuset")).to_be_visible()
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Ny sak").click()
    assert_no_axe_violations(page)
    page.get_by_label("Tittel").fill("Boligsamarbeid i regionen")
    sub_goal_select = page.get_by_label("Delmål")
    option = sub_goal_select.locator("option", has_text=re.compile(r"^\s*1\.1")).first
    sub_goal_select.select_option(value=option.get_attribute("value"))
    page.get_by_role("button", name=re.compile("Lagre")).click()
    expect(
        page.get_by_role("heading", name=re.compile("Boligsamarbeid i regionen"))
    ).to_be_visible()

    # The meeting has not taken place yet, so no decision can be recorded in it.
    expect(page.get_by_text(re.compile(r"Møtet har ikke funnet sted ennå"))).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Nytt vedtak"))).to_have_count(0)
    page.goto(f"/avtaler/moter/{physical.pk}/endre/")
    page.get_by_label("Status").select_option("held")
    page.get_by_role("button", name="Lagre endringene").click()
    expect(page).to_have_url(re.compile(rf"/avtaler/moter/{physical.pk}/$"))

    page.get_by_role("link", name=re.compile("Nytt vedtak")).first.click()
    assert_no_axe_violations(page)
    page.get_by_label("Vedtak").fill("Koordinatorene lager en felles boligoversikt.")
    page.get_by_role("button", name=re.compile("Lagre")).click()
    expect(page.get_by_text("Koordinatorene lager en felles boligoversikt.")).to_be_visible()

    page.get_by_role("link", name=re.compile("Ny oppfølgingsoppgave")).first.click()
    assert_no_axe_violations(page)
    page.get_by_label("Oppgave").fill("Samle boligtall fra kommunene")
    page.get_by_label("Ansvarlig").select_option(index=1)
    page.get_by_label("Frist").fill("2027-06-01")
    page.get_by_role("button", name=re.compile("Lagre")).click()

    task_rows = page.locator("tr", has_text="Samle boligtall fra kommunene")
    expect(task_rows.first).to_be_visible()
    expect(task_rows.first).to_contain_text("Åpen")
    assert_no_axe_violations(page)
    save_screenshot(page, "meeting-1280")

    task = FollowUpTask.objects.get(title="Samle boligtall fra kommunene")
    assert task.decision.agenda_item.meeting == physical
    assert task.decision.agenda_item.sub_goal.code == "1.1"
    assert not task.done

    task_rows.first.get_by_role("button", name=re.compile("Merk som utført")).click()

    expect(page.locator("tr", has_text="Samle boligtall fra kommunene").first).to_contain_text(
        "Utført"
    )
    task.refresh_from_db()
    assert task.done and task.done_on is not None
    physical.refresh_from_db()
    assert (physical.status, physical.place) == ("held", "Harstad, Rådhuset")
