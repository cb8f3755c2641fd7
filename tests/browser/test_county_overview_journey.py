"""The county coordinator reads «Fylkets oversikt» in a real browser (issue #16), sorts it, opens
the overdue milestones from their number, downloads the Excel file, and prints the overview: five
agreements on one A4 landscape page. She reads «Personer og roller» and deactivates the account
of a politician of her agreement. axe (WCAG 2.1 A/AA) on every page."""

import datetime
import io
import re

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader

from actionplans.models import Action, ActionPlan, Milestone
from agreements.models import Agreement, AgreementParty, Coordinator, Meeting, Party, SubGoal
from evaluation.models import Evaluation
from evaluation.services import evaluation_create
from tests.factories import at
from tromsvekst.demo.users import DEMO_PASSWORD

OVERVIEW = "/fylket/oversikt/"
ARTIFACTS = settings.BASE_DIR / "test-artifacts" / "screenshots"
REGIONS = ["Midt-Troms", "Nord-Troms og Tromsø", "Sør-Troms", "Lyngen og Balsfjord"]


def _log_in(page, username: str) -> None:
    page.goto("/logg-inn/")
    page.get_by_label("Brukernavn").fill(username)
    page.get_by_label("Passord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("button", name="Logg ut")).to_be_visible()


def _plan(agreement: Agreement, start: int, milestones: list[tuple[str, str, int, datetime.date]]):
    plan = ActionPlan.objects.create(
        agreement=agreement,
        start_year=start,
        end_year=start + 1,
        status=ActionPlan.PlanStatus.ADOPTED,
        is_example=True,
    )
    for n, (title, status, percent, due) in enumerate(milestones, start=1):
        action = Action.objects.create(
            plan=plan,
            number=f"1.1-{n}",
            title=f"Tiltak {n}",
            sub_goal=SubGoal.objects.filter(agreement=agreement).order_by("code").first(),
        )
        Milestone.objects.create(
            action=action, title=title, status=status, percent=percent, due_date=due
        )
    return plan


def _meetings(agreement: Agreement, year: int) -> None:
    council = agreement.parties.exclude(kind=Party.Kind.COUNTY).first()
    for month, kind, status in (
        (2, Meeting.Kind.DIGITAL, Meeting.Status.HELD),
        (11, Meeting.Kind.PHYSICAL, Meeting.Status.PLANNED),
    ):
        start = at(year, month, 3)
        Meeting.objects.create(
            agreement=agreement,
            title=f"Møte {month}/{year}",
            kind=kind,
            status=status,
            start=start,
            end=start + datetime.timedelta(hours=3),
            inviting_party=council,
        )


@pytest.fixture
def five_agreements(demo_site):
    """Hålogaland and four more agreements (example data), each with two plans, meetings and
    an evaluation; the Troms coordinator is the county's coordinator in all five."""
    tone = User.objects.get(username="koordinator.troms")
    county = Party.objects.get(slug="troms-fylkeskommune")
    year = datetime.date.today().year
    past = datetime.date(year - 1, 6, 30)
    future = datetime.date(year + 1, 6, 30)
    agreements = [demo_site]
    for n, region in enumerate(REGIONS, start=1):
        agreement = Agreement.objects.create(
            slug=f"eksempel-{n}",
            title=f"Tromsvekstavtalen for {region} (eksempel)",
            short_title=region,
            start_year=2025,
            end_year=2028,
            overall_goal="Et eksempel.",
            is_example=True,
        )
        council = Party.objects.create(
            slug=f"eksempel-rad-{n}", name=f"{region} regionråd", kind=Party.Kind.REGIONAL_COUNCIL
        )
        AgreementParty.objects.create(agreement=agreement, party=county, order=1)
        AgreementParty.objects.create(agreement=agreement, party=council, order=2)
        area = agreement.focus_areas.create(number=1, title="Næring")
        SubGoal.objects.create(agreement=agreement, focus_area=area, code="1.1", text="Mål.")
        Coordinator.objects.create(
            agreement=agreement, user=tone, party=county, role=Coordinator.Role.COORDINATOR
        )
        agreements.append(agreement)
    for n, agreement in enumerate(agreements):
        first = _plan(
            agreement,
            2025,
            [
                (f"Forfalt milepæl {n}", "on_track", 40, past),
                ("Fullført milepæl", "done", 100, past),
                ("Kommende milepæl", "at_risk", 20, future),
            ][: 3 - n % 2],
        )
        _plan(agreement, 2027, [("Neste plan", "not_started", 0, datetime.date(2027, 6, 30))])
        _meetings(agreement, year)
        evaluation_create(
            agreement=agreement, kind=Evaluation.Kind.MID_TERM, year=2026, plans=[first]
        )
    return agreements


def test_county_coordinator_reads_sorts_opens_and_exports_the_overview(
    page, five_agreements, assert_no_axe_violations, save_screenshot
):
    _log_in(page, "koordinator.troms")
    page.goto("/avtaler/")
    page.get_by_role("link", name=re.compile("Fylkets oversikt")).click()
    expect(page).to_have_url(re.compile(re.escape(OVERVIEW) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Fylkets oversikt")
    table = page.get_by_role("table")
    expect(table.locator("tbody")).to_have_count(5)
    assert_no_axe_violations(page)
    save_screenshot(page, "county-overview-1280")

    # Sorting is a link: «Forfalt» ascending, then descending.
    page.get_by_role("link", name=re.compile("^Forfalt")).click()
    expect(page).to_have_url(re.compile(r"\?sort=forfalt$"))
    header = page.get_by_role("columnheader", name=re.compile("^Forfalt"))
    expect(header).to_have_attribute("aria-sort", "ascending")
    page.get_by_role("link", name=re.compile("^Forfalt")).click()
    expect(page).to_have_url(re.compile(r"\?sort=-forfalt$"))
    expect(header).to_have_attribute("aria-sort", "descending")
    assert_no_axe_violations(page)

    # The overdue number of Hålogaland's first plan opens exactly its overdue milestone.
    row = page.locator("tbody", has=page.get_by_role("rowheader", name="Hålogaland"))
    row.get_by_role("link", name="1 forfalte milepæler").first.click()
    expect(page).to_have_url(re.compile(r"/handlingsplaner/\d+/\?overdue=on$"))
    expect(page.get_by_role("link", name="Forfalt milepæl 0", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Kommende milepæl", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Fullført milepæl", exact=True)).to_have_count(0)
    page.go_back()

    with page.expect_download() as info:
        page.get_by_role("link", name="Last ned som Excel").click()
    sheet = load_workbook(io.BytesIO(info.value.path().read_bytes())).active
    titles = {row[0].value for row in sheet.iter_rows(min_row=2)}
    assert len(titles) == 5
    assert sheet.max_row == 11  # the header and two plans for each of the five agreements


def test_five_agreements_print_on_one_a4_landscape_page(page, five_agreements):
    _log_in(page, "koordinator.troms")
    page.goto(OVERVIEW)
    expect(page.get_by_role("table").locator("tbody")).to_have_count(5)
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    # For a person to look at (git-ignored, as the screenshots).
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "county-overview-print.pdf").write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    # A4 landscape: 297 × 210 mm = 842 × 595 points.
    assert round(float(box.width)) == 842 and round(float(box.height)) == 595
    text = reader.pages[0].extract_text()
    for region in ["Hålogaland", *REGIONS]:
        assert region in text
    assert "Last ned som Excel" not in text  # on-screen actions are not printed


def test_county_coordinator_reads_people_and_roles_and_deactivates_an_account(
    page, five_agreements, assert_no_axe_violations, save_screenshot
):
    _log_in(page, "koordinator.troms")
    page.goto("/avtaler/")
    page.get_by_role("link", name="Personer og roller").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Personer og roller")
    politician = page.get_by_role("row", name=re.compile("Per Politiker"))
    expect(politician).to_contain_text("Leser")
    expect(politician).to_contain_text("Aktiv")
    assert_no_axe_violations(page)
    save_screenshot(page, "people-and-roles-1280")
    politician.get_by_role("link", name=re.compile("Deaktiver")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Deaktiver kontoen")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Ja, deaktiver kontoen").click()
    expect(page.get_by_role("status")).to_contain_text("er deaktivert")
    expect(page.get_by_role("row", name=re.compile("Per Politiker"))).to_contain_text("Deaktivert")
    assert not User.objects.get(username="politiker").is_active
    assert_no_axe_violations(page)
