"""Export: an action plan as an Excel workbook (see the package docstring: the formula guard)."""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from actionplans.models import Action, ActionPlan, Milestone, Status
from agreements.models import AgreementParty, Strategy
from tromsvekst.lib.dates import local_tz
from tromsvekst.lib.names import display_name

from .layout import (
    ALL_COLUMNS,
    COLUMNS,
    DATE_FORMAT,
    DATETIME_FORMAT,
    EXCEL_MAX_CELL_TEXT,
    FORMULA_TRIGGERS,
    ID_COLUMNS,
    MAX_ROWS,
    TABLE_NAME,
    _letter,
)

# --------------------------------------------------------------------------------------------
# Export


def export_filename(plan: ActionPlan) -> str:
    """For example ``tromsvekst-halogaland-handlingsplan-2025-2026.xlsx``."""
    return f"tromsvekst-{plan.agreement.slug}-handlingsplan-{plan.start_year}-{plan.end_year}.xlsx"


def sheet_title(plan: ActionPlan) -> str:
    # A hyphen, not an en dash: sheet names end up in formulas and file names.
    return _("Handlingsplan %(start)s-%(end)s") % {"start": plan.start_year, "end": plan.end_year}


def _strategy_sort_key(strategy: Strategy) -> tuple:
    return (*_code_key(strategy.sub_goal.code), strategy.order)


def _code_key(code: str) -> tuple:
    return tuple(int(part) if part.isdigit() else 0 for part in code.split("."))


def strategy_labels(strategies: Iterable[Strategy]) -> str:
    """ "1.1.1; 1.2.3": each strategy's sub-goal code and place (``Strategy.label``)."""
    return "; ".join(s.label for s in sorted(strategies, key=_strategy_sort_key))


def _excel_datetime(value: datetime.datetime | None) -> datetime.datetime | None:
    """Excel has no time zones: the wall-clock time in Oslo, without tzinfo."""
    if value is None:
        return None
    return value.astimezone(local_tz()).replace(tzinfo=None, microsecond=0)


def plan_export_rows(plan: ActionPlan) -> list[list]:
    """The plan as rows of cell values in the order of ``ALL_COLUMNS``, sorted as on the plan
    page."""
    strategies = Prefetch(
        "strategies", queryset=Strategy.objects.select_related("sub_goal").order_by()
    )
    actions = list(
        Action.objects.filter(plan=plan)
        .select_related("sub_goal__focus_area", "lead_party")
        .prefetch_related(
            strategies,
            Prefetch(
                "milestones",
                queryset=Milestone.objects.select_related("last_update__author").order_by(
                    "due_date", "order", "pk"
                ),
            ),
        )
    )
    actions.sort(
        key=lambda a: (
            a.sub_goal.focus_area.number,
            a.sub_goal.order,
            _code_key(a.sub_goal.code),
            a.order,
            a.number,
        )
    )
    rows = []
    for action in actions:
        action_cells = [
            action.sub_goal.focus_area.number,
            action.sub_goal.code,
            action.number,
            action.title,
            strategy_labels(action.strategies.all()),
            action.lead_party.name if action.lead_party else "",
        ]
        milestones = list(action.milestones.all())
        if not milestones:
            rows.append(
                action_cells + [None] * (len(COLUMNS) - len(action_cells)) + [None, action.pk]
            )
        for milestone in milestones:
            update = milestone.last_update
            rows.append(
                action_cells
                + [
                    milestone.title,
                    milestone.description,
                    milestone.due_date,
                    str(Status(milestone.status).label),
                    milestone.percent,
                    _excel_datetime(update.created_at) if update else None,
                    display_name(update.author) if update and update.author else "",
                    milestone.pk,
                    action.pk,
                ]
            )
    return rows


def _write(cell: Cell, value: object) -> None:
    """Write a value; text always as text, never as a formula (see the module notes)."""
    if isinstance(value, str):
        # Characters XML cannot carry are dropped; Excel refuses cells over 32,767 characters.
        text: str = ILLEGAL_CHARACTERS_RE.sub("", value)[:EXCEL_MAX_CELL_TEXT]
        cell.value = text
        cell.data_type = "s"
        if text.startswith(FORMULA_TRIGGERS):
            cell.quotePrefix = True
    else:
        cell.value = value


def _list_validation(values: list[str], column: str, last_row: int) -> DataValidation | None:
    """A drop-down list, if the values fit Excel's inline list (no commas or quotes, 255 chars)."""
    formula = ",".join(values)
    if not values or len(formula) > 250 or any("," in v or '"' in v for v in values):
        return None
    validation = DataValidation(type="list", formula1=f'"{formula}"', allow_blank=True)
    validation.add(f"{column}2:{column}{last_row}")
    return validation


def plan_workbook(plan: ActionPlan) -> bytes:
    """The plan as the bytes of an .xlsx file."""
    rows = plan_export_rows(plan)
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title(plan)
    wb.properties.title = f"{plan.agreement.title}: {plan}"
    wb.properties.creator = _("Tromsvekst-portalen")
    _write_rows(ws, rows)
    _add_table(ws, rows)
    _add_validations(ws, plan)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"

    _strategy_sheet(wb, plan)

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _write_rows(ws: Worksheet, rows: list[list]) -> None:
    """The header row and one row per milestone, with dates as dates."""
    header_font = Font(bold=True)
    for index, column in enumerate(ALL_COLUMNS, start=1):
        cell = ws.cell(row=1, column=index)
        _write(cell, str(column.header))
        cell.font = header_font
        ws.column_dimensions[get_column_letter(index)].width = column.width

    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    formats = {
        "due_date": DATE_FORMAT,
        "updated_at": DATETIME_FORMAT,
        "percent": "0",
        "milestone_id": "0",
        "action_id": "0",
    }
    id_font = Font(color="595959")
    for row_number, values in enumerate(rows, start=2):
        for index, (column, value) in enumerate(zip(ALL_COLUMNS, values, strict=True), start=1):
            cell = ws.cell(row=row_number, column=index)
            _write(cell, value)
            cell.alignment = wrap if column.wrap else top
            if column.key in formats:
                cell.number_format = formats[column.key]
            if column in ID_COLUMNS:
                cell.font = id_font


def _add_table(ws: Worksheet, rows: list[list]) -> None:
    """A real Excel table over the rows (filter buttons, banded rows), the header frozen."""
    # Excel needs at least one data row in a table: an empty plan gets one empty row.
    last_row = max(len(rows) + 1, 2)
    table = Table(displayName=TABLE_NAME, ref=f"A1:{get_column_letter(len(ALL_COLUMNS))}{last_row}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    # The filter buttons. (The column names are taken from the header cells when saved.)
    table.autoFilter = AutoFilter(ref=table.ref)
    ws.add_table(table)
    ws.freeze_panes = "A2"


def _add_validations(ws: Worksheet, plan: ActionPlan) -> None:
    """Help for rows added in Excel: drop-down lists, whole percent, a date in the period."""
    edit_rows = MAX_ROWS + 1
    statuses = _list_validation(
        [str(label) for label in Status.labels], _letter("status"), edit_rows
    )
    parties = _list_validation(
        [
            membership.party.name
            for membership in AgreementParty.objects.filter(agreement=plan.agreement)
            .select_related("party")
            .order_by("order", "pk")
        ],
        _letter("lead_party"),
        edit_rows,
    )
    percent = DataValidation(
        type="whole", operator="between", formula1="0", formula2="100", allow_blank=True
    )
    percent.error = _("Prosent må være et helt tall fra 0 til 100.")
    percent.add(f"{_letter('percent')}2:{_letter('percent')}{edit_rows}")
    due = DataValidation(
        type="date",
        operator="between",
        formula1=f"DATE({plan.start_year},1,1)",
        formula2=f"DATE({plan.end_year},12,31)",
        allow_blank=True,
    )
    due.error = _("Fristen må ligge innenfor planperioden %(period)s.") % {"period": plan.period}
    due.add(f"{_letter('due_date')}2:{_letter('due_date')}{edit_rows}")
    for validation in (statuses, parties, percent, due):
        if validation is not None:
            validation.showErrorMessage = True
            ws.add_data_validation(validation)


def _strategy_sheet(wb: Workbook, plan: ActionPlan) -> None:
    """A second sheet that lists the labels to use in «Strategier». Not read by the import."""
    ws = wb.create_sheet(_("Strategier"))
    headers = [_("Strategi"), _("Delmål"), _("Tekst")]
    for index, (header, width) in enumerate(zip(headers, (10, 9, 100), strict=True), start=1):
        cell = ws.cell(row=1, column=index)
        _write(cell, header)
        cell.font = Font(bold=True)
        ws.column_dimensions[get_column_letter(index)].width = width
    strategies = sorted(
        Strategy.objects.filter(sub_goal__agreement=plan.agreement).select_related("sub_goal"),
        key=_strategy_sort_key,
    )
    wrap = Alignment(wrap_text=True, vertical="top")
    for row_number, strategy in enumerate(strategies, start=2):
        for index, value in enumerate(
            (strategy.label, strategy.sub_goal.code, strategy.text), start=1
        ):
            cell = ws.cell(row=row_number, column=index)
            _write(cell, value)
            cell.alignment = wrap
    ws.freeze_panes = "A2"
