"""Downloading a plan as Excel (``actionplans:plan-export``): the file a coordinator or a
politician opens in Excel, who may download it, and that text never turns into a formula."""

import datetime
import io
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from actionplans.models import Milestone
from tests.helpers.excel_import import FORMULA_TITLE

HEADERS = [
    "Innsatsområde",
    "Delmål",
    "Tiltak nr.",
    "Tiltak",
    "Strategier",
    "Ansvarlig part",
    "Milepæl",
    "Beskrivelse",
    "Frist",
    "Status",
    "Prosent",
    "Sist oppdatert",
    "Oppdatert av",
    "Milepæl-ID (ikke endre)",
    "Tiltak-ID (ikke endre)",
]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_url(plan) -> str:
    return reverse("actionplans:plan-export", args=[plan.pk])


def download(client, plan):
    response = client.get(export_url(plan))
    assert response.status_code == 200
    return response, load_workbook(io.BytesIO(response.content))


def rows_by_milestone(ws) -> dict[str, dict]:
    rows = {}
    for values in ws.iter_rows(min_row=2, values_only=True):
        row = dict(zip(HEADERS, values, strict=True))
        rows[row["Milepæl"]] = row
    return rows


def test_file_is_an_xlsx_attachment_named_after_the_plan(client_for, coordinator, excel_plan):
    response, _wb = download(client_for(coordinator), excel_plan)

    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == (
        'attachment; filename="tromsvekst-halogaland-handlingsplan-2025-2026.xlsx"'
    )
    assert "no-store" in response["Cache-Control"]


def test_one_row_per_milestone_with_norwegian_headers(client_for, coordinator, excel_plan):
    _response, wb = download(client_for(coordinator), excel_plan)
    ws = wb.worksheets[0]

    assert ws.title == "Handlingsplan 2025-2026"
    assert [cell.value for cell in ws[1]] == HEADERS
    # Four milestones, and one row for the action that has none yet.
    assert ws.max_row == 1 + 4 + 1
    rows = rows_by_milestone(ws)
    survey = rows["Kartlegge boligbehovet"]
    assert survey["Innsatsområde"] == 1
    assert survey["Delmål"] == "1.1"
    assert survey["Tiltak nr."] == "1.1-1"
    assert survey["Tiltak"] == "Felles boligstrategi"
    assert survey["Strategier"] == "1.1.1; 1.1.2"
    assert survey["Ansvarlig part"] == "Troms fylkeskommune"
    assert survey["Beskrivelse"] == "Alle kommunene i regionen er med."
    assert survey["Status"] == "I rute"
    assert survey["Prosent"] == 40
    assert survey["Oppdatert av"] == "Tone Koordinator"
    assert rows["Søknad sendt"]["Status"] == "Fullført"
    assert rows["Søknad sendt"]["Prosent"] == 100
    assert rows["Evaluering"]["Status"] == "Forsinket"
    assert rows["Evaluering"]["Innsatsområde"] == 2
    assert rows[FORMULA_TITLE]["Status"] == "Ikke startet"
    assert rows[FORMULA_TITLE]["Sist oppdatert"] is None
    action_only = rows[None]
    assert action_only["Tiltak nr."] == "1.2-1"
    assert action_only["Strategier"] == "1.2.1; 1.2.2; 1.2.3"
    assert action_only["Ansvarlig part"] is None
    assert action_only["Frist"] is None


def test_dates_are_real_excel_dates(client_for, coordinator, excel_plan):
    _response, wb = download(client_for(coordinator), excel_plan)
    ws = wb.worksheets[0]
    frist, updated = HEADERS.index("Frist") + 1, HEADERS.index("Sist oppdatert") + 1
    row = next(
        r for r in range(2, ws.max_row + 1) if ws.cell(r, 7).value == "Kartlegge boligbehovet"
    )

    due = ws.cell(row, frist)
    assert due.is_date
    assert due.value == datetime.datetime(2025, 6, 30)
    assert due.number_format == "dd.mm.yyyy"

    last = ws.cell(row, updated)
    assert last.is_date
    logged = Milestone.objects.get(title="Kartlegge boligbehovet").last_update.created_at
    oslo = timezone.localtime(logged, timezone.get_default_timezone())
    assert last.value == oslo.replace(tzinfo=None, microsecond=0)  # Oslo wall clock, naive


def test_data_is_a_filterable_excel_table_with_frozen_header(client_for, coordinator, excel_plan):
    _response, wb = download(client_for(coordinator), excel_plan)
    ws = wb.worksheets[0]

    assert list(ws.tables) == ["Handlingsplan"]
    table = ws.tables["Handlingsplan"]
    assert table.ref == "A1:O6"
    assert table.autoFilter is not None and table.autoFilter.ref == "A1:O6"
    assert [column.name for column in table.tableColumns] == HEADERS
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["D"].width >= 30  # «Tiltak» is wide enough to read
    # The second sheet lists the strategy labels the «Strategier» column uses.
    strategies = wb["Strategier"]
    assert strategies["A2"].value == "1.1.1"


def test_text_that_looks_like_a_formula_is_stored_as_text(client_for, coordinator, excel_plan):
    _response, wb = download(client_for(coordinator), excel_plan)
    ws = wb.worksheets[0]

    cells = [cell for row in ws.iter_rows(min_row=2) for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    title = next(cell for cell in cells if cell.value == FORMULA_TITLE)
    assert title.data_type == "s"
    assert title.quotePrefix  # as if typed with a leading apostrophe in Excel
    description = ws.cell(title.row, HEADERS.index("Beskrivelse") + 1)
    assert description.value == "-1+2 er ikke en formel\n@også ikke"
    assert description.data_type == "s"
    assert description.quotePrefix
    assert not ws.cell(title.row, HEADERS.index("Tiltak") + 1).quotePrefix


def test_empty_plan_gives_a_valid_table(client_for, coordinator, plan):
    _response, wb = download(client_for(coordinator), plan)
    ws = wb.worksheets[0]

    assert [cell.value for cell in ws[1]] == HEADERS
    # Excel wants at least one data row in a table, so an empty plan has one empty row.
    assert ws.tables["Handlingsplan"].ref == "A1:O2"
    assert all(cell.value is None for cell in ws[2])


def test_query_count_does_not_grow_with_the_plan(
    client_for, coordinator, excel_plan, django_assert_max_num_queries
):
    client = client_for(coordinator)
    with django_assert_max_num_queries(9):
        response = client.get(export_url(excel_plan))
    assert response.status_code == 200


def test_reader_may_export(client_for, reader, excel_plan):
    _response, wb = download(client_for(reader), excel_plan)
    assert wb.worksheets[0].max_row == 6


def test_admin_may_export(client_for, admin_user, excel_plan):
    download(client_for(admin_user), excel_plan)


def test_anonymous_is_sent_to_login(client_for, excel_plan):
    response = client_for(None).get(export_url(excel_plan))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={quote(export_url(excel_plan))}"


def test_outsider_gets_404(client_for, outsider, excel_plan):
    # The agreement is public, but its plans' files are for the people in it.
    assert client_for(outsider).get(export_url(excel_plan)).status_code == 404


def test_unknown_plan_gives_404(client_for, coordinator, excel_plan):
    url = reverse("actionplans:plan-export", args=[excel_plan.pk + 1000])
    assert client_for(coordinator).get(url).status_code == 404


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_wrong_method_gives_405(client_for, coordinator, excel_plan, method):
    response = getattr(client_for(coordinator), method)(export_url(excel_plan))
    assert response.status_code == 405


def test_each_row_carries_the_milestone_and_action_ids(client_for, coordinator, excel_plan):
    """The stable key the import matches rows by: a renamed milestone stays the same one."""
    _response, wb = download(client_for(coordinator), excel_plan)

    rows = rows_by_milestone(wb.worksheets[0])

    for milestone in Milestone.objects.filter(action__plan=excel_plan):
        row = rows[milestone.title]
        assert row["Milepæl-ID (ikke endre)"] == milestone.pk
        assert row["Tiltak-ID (ikke endre)"] == milestone.action_id
