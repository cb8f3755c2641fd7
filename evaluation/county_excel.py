"""The county's overview as an Excel workbook: one row per action plan (an agreement without a
plan gets one row with the plan's columns empty), with the agreement's meetings, meeting rule,
evaluation and last activity on every row, so that the sheet can be filtered and sorted freely.

Text is written as text, never as a formula, as the action plan export does (actionplans.excel:
the string type, and Excel's quote prefix on text that begins like a formula).
"""

import datetime
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from actionplans.excel import EXCEL_MAX_CELL_TEXT, FORMULA_TRIGGERS
from evaluation.county import CountyRow, PlanFigures
from tromsvekst.lib.dates import local_tz

DATE_FORMAT = "dd.mm.yyyy"
DATETIME_FORMAT = "dd.mm.yyyy hh:mm"


def headers() -> list[str]:
    return [
        _("Avtale"),
        _("Handlingsplan"),
        _("Milepæler"),
        _("Fullført"),
        _("Risiko"),
        _("Forsinket"),
        _("Forfalt"),
        _("Fremdrift (%)"),
        _("Forrige møte"),
        _("Neste møte"),
        _("Møteregelen i år"),
        _("Evaluering"),
        _("Siste aktivitet"),
    ]


def export_filename(today: datetime.date) -> str:
    return f"tromsvekst-fylkets-oversikt-{today.isoformat()}.xlsx"


def _local(value: datetime.datetime | None) -> datetime.datetime | None:
    """Excel has no time zones: the wall-clock time in Oslo, without tzinfo."""
    if value is None:
        return None
    return value.astimezone(local_tz()).replace(tzinfo=None, microsecond=0)


def rule_text(row: CountyRow) -> str:
    check = row.year_check
    if check is None:
        return _("Utenfor avtaleperioden")
    if check.complete:
        return _("Oppfylt")
    return _("Ikke oppfylt: %(missing)s") % {"missing": missing_text(row)}


def missing_text(row: CountyRow) -> str:
    check = row.year_check
    if check is None or check.complete:
        return ""
    if len(check.missing) == 2:
        return _("mangler fysisk og digitalt møte")
    if check.missing == ["physical"]:
        return _("mangler fysisk møte")
    return _("mangler digitalt møte")


def evaluation_text(row: CountyRow) -> str:
    evaluation = row.evaluation
    if evaluation is None:
        return _("Ingen ennå")
    return f"{evaluation.get_kind_display()} {evaluation.year}: {evaluation.get_status_display()}"


def _plan_cells(figures: PlanFigures | None) -> list[object]:
    if figures is None:
        return [_("Ingen handlingsplan"), None, None, None, None, None, None]
    return [
        _("Handlingsplan %(period)s") % {"period": figures.plan.period},
        figures.total,
        figures.done,
        figures.at_risk,
        figures.delayed,
        figures.overdue,
        figures.percent,
    ]


def export_rows(rows: list[CountyRow]) -> list[list[object]]:
    out = []
    for row in rows:
        meetings = [
            _local(row.last_meeting.start) if row.last_meeting else None,
            _local(row.next_meeting.start) if row.next_meeting else None,
            rule_text(row),
            evaluation_text(row),
            _local(row.last_activity),
        ]
        plans: list[PlanFigures | None] = list(row.plans) or [None]
        for figures in plans:
            out.append([row.agreement.title, *_plan_cells(figures), *meetings])
    return out


def _write(cell: Cell, value: object) -> None:
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)[:EXCEL_MAX_CELL_TEXT]
        cell.value = text
        cell.data_type = "s"
        if text.startswith(FORMULA_TRIGGERS):
            cell.quotePrefix = True
        return
    cell.value = value
    if isinstance(value, datetime.datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, datetime.date):
        cell.number_format = DATE_FORMAT


def county_workbook(rows: list[CountyRow], today: datetime.date) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = _("Fylkets oversikt")
    titles = headers()
    for column, title in enumerate(titles, start=1):
        cell = sheet.cell(row=1, column=column)
        _write(cell, title)
        cell.font = Font(bold=True)
    for number, values in enumerate(export_rows(rows), start=2):
        for column, value in enumerate(values, start=1):
            _write(sheet.cell(row=number, column=column), value)
    sheet.freeze_panes = "A2"
    widths = [45, 26, 11, 10, 9, 11, 10, 14, 18, 18, 38, 38, 18]
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(titles))}{max(sheet.max_row, 1)}"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
