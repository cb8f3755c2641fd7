"""Helpers for the Excel export and import tests: the exported file, edited as a user would in
Excel, uploaded to the import form; what the database holds; how a refusal looks."""

import io
import re
from collections.abc import Callable

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from actionplans import excel
from actionplans.models import Action, Milestone, ProgressUpdate

# A milestone title that a spreadsheet would take for a formula (the export must keep it text).
FORMULA_TITLE = '=HYPERLINK("http://x")'

HEADERS = [str(column.header) for column in excel.COLUMNS]
COL = {header: index for index, header in enumerate(HEADERS, start=1)}
NOT_SAVED = "ble ikke importert. Ingenting er lagret."


def import_url(plan) -> str:
    return reverse("actionplans:plan-import", args=[plan.pk])


def exported(client, plan) -> bytes:
    response = client.get(reverse("actionplans:plan-export", args=[plan.pk]))
    assert response.status_code == 200
    return response.content


def edited(content: bytes, change: Callable) -> bytes:
    """The workbook with ``change(worksheet)`` applied, saved again as openpyxl saves it."""
    wb = load_workbook(io.BytesIO(content))
    change(wb.worksheets[0])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def row_of(ws, milestone_title: str) -> int:
    for row in range(2, ws.max_row + 1):
        if ws.cell(row, COL["Milepæl"]).value == milestone_title:
            return row
    raise AssertionError(f"no row for {milestone_title!r}")


def set_cell(milestone_title: str, header: str, value) -> Callable:
    def change(ws):
        ws.cell(row_of(ws, milestone_title), COL[header]).value = value

    return change


def confirm_url(plan) -> str:
    return reverse("actionplans:plan-import-confirm", args=[plan.pk])


def preview(client, plan, content: bytes, name: str = "plan.xlsx"):
    """Upload the file: the preview (or the errors), with nothing saved."""
    file = SimpleUploadedFile(name, content, content_type=excel.XLSX_CONTENT_TYPE)
    return client.post(import_url(plan), {"file": file})


def digest_on(page) -> str:
    match = re.search(r'name="digest" value="([0-9a-f]{64})"', page.content.decode())
    assert match, "the preview has no «Bekreft import» form"
    return match.group(1)


def upload(client, plan, content: bytes, name: str = "plan.xlsx"):
    """Upload the file and, if it gets a preview with changes, press «Bekreft import»."""
    response = preview(client, plan, content, name)
    if response.status_code != 200 or 'name="digest"' not in response.content.decode():
        return response
    return client.post(
        confirm_url(plan), {"digest": digest_on(response), "reason": "Flyttet i Excel."}
    )


def db_state() -> dict:
    """Row counts, and each milestone's current state: what an import must leave alone."""
    return {
        "actions": Action.objects.count(),
        "milestones": Milestone.objects.count(),
        "updates": ProgressUpdate.objects.count(),
        "strategy links": Action.strategies.through.objects.count(),
        "state": sorted(
            Milestone.objects.values_list(
                "action__number",
                "action__title",
                "title",
                "description",
                "due_date",
                "status",
                "percent",
            )
        ),
    }


def plan_snapshot(plan) -> list[tuple]:
    """What a user sees of the plan, without database ids."""
    out = []
    for action in Action.objects.filter(plan=plan).order_by("number"):
        milestones = sorted(
            (m.title, m.description, m.due_date, m.status, m.percent)
            for m in action.milestones.all()
        )
        out.append(
            (
                action.number,
                action.title,
                action.sub_goal.code,
                excel.strategy_labels(action.strategies.select_related("sub_goal")),
                action.lead_party.name if action.lead_party else None,
                milestones,
            )
        )
    return out


def assert_refused(response, *messages: str) -> None:
    assert response.status_code == 200
    content = response.content.decode()
    assert NOT_SAVED in content or "Filen er tom." in content
    for message in messages:
        assert message in content, f"{message!r} not on the page"
