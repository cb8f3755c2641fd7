"""A coordinator renames a milestone in Excel, uploads the file, reads the preview and confirms;
then deletes a milestone made by mistake that already has progress updates (issue 11, finding 6).
Every page the journey stops on is checked with axe-core, and the preview on a phone is no wider
than the phone."""

import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from actionplans import excel
from actionplans.models import ActionPlan, Milestone
from tromsvekst.demo.plan import demo_plan_load
from tromsvekst.demo.users import DEMO_PASSWORD

PHONE = {"width": 375, "height": 812}


@pytest.fixture
def plan_site(demo_site) -> ActionPlan:
    return demo_plan_load().plan


def _log_in(page, next_url: str) -> None:
    page.goto(next_url)
    page.get_by_label("Brukernavn").fill("koordinator.troms")
    page.get_by_label("Passord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    expect(page).to_have_url(re.compile(re.escape(next_url) + "$"))


def _renamed_export(plan: ActionPlan, milestone: Milestone, title: str, path) -> str:
    workbook = load_workbook(io.BytesIO(excel.plan_workbook(plan)))
    sheet = workbook.worksheets[0]
    column = excel.COLUMN_INDEX["milestone_id"] + 1
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row, column).value == milestone.pk:
            sheet.cell(row, excel.COLUMN_INDEX["milestone_title"] + 1).value = title
    file = path / "plan.xlsx"
    workbook.save(file)
    return str(file)


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_rename_in_excel_preview_and_confirm(
    page, plan_site, tmp_path, assert_no_axe_violations, save_screenshot, viewport
):
    if viewport == "phone":
        page.set_viewport_size(PHONE)
    milestone = Milestone.objects.in_plan(plan_site).order_by("pk").first()
    count = Milestone.objects.in_plan(plan_site).count()
    new_title = "Nytt navn satt i Excel"
    upload = _renamed_export(plan_site, milestone, new_title, tmp_path)
    import_url = f"/handlingsplaner/{plan_site.pk}/import/"

    _log_in(page, import_url)
    page.get_by_label("Excel-fil (.xlsx)").set_input_files(upload)
    page.get_by_role("button", name="Last opp og se over").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Se over importen før den lagres")
    expect(page.get_by_text("Ingenting er lagret ennå.")).to_be_visible()
    expect(page.get_by_role("table", name=re.compile(re.escape(new_title)))).to_be_visible()
    assert_no_axe_violations(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the preview is {width} px wide"
    save_screenshot(page, f"excel-import-preview-{viewport}")
    assert Milestone.objects.get(pk=milestone.pk).title == milestone.title  # nothing saved yet

    page.get_by_role("button", name="Bekreft import").click()

    expect(page).to_have_url(re.compile(rf"/handlingsplaner/{plan_site.pk}/$"))
    expect(page.get_by_text("Importen er fullført.")).to_be_visible()
    assert Milestone.objects.get(pk=milestone.pk).title == new_title
    assert Milestone.objects.in_plan(plan_site).count() == count


def test_delete_a_milestone_with_history(page, plan_site, assert_no_axe_violations):
    milestone = (
        Milestone.objects.in_plan(plan_site)
        .filter(updates__isnull=False, carried_to__isnull=True)
        .order_by("pk")
        .first()
    )
    assert milestone, "the demo plan has no milestone with progress updates"
    url = f"/milepaeler/{milestone.pk}/slett/"

    _log_in(page, url)
    expect(page.get_by_role("heading", name="Milepælen har en historikk")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_label(re.compile("Jeg forstår at milepælen og historikken")).check()
    page.get_by_role("button", name="Ja, slett milepælen").click()

    expect(page).to_have_url(re.compile(rf"/handlingsplaner/{plan_site.pk}/$"))
    expect(page.get_by_text(f"Milepælen «{milestone.title}» er slettet.")).to_be_visible()
    assert not Milestone.objects.filter(pk=milestone.pk).exists()
