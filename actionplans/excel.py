"""An action plan as an Excel workbook, and back: one row per milestone.

Export (``plan_workbook``) writes the plan as a real Excel table (filter buttons, banded rows)
on the first sheet, with dates as dates, a frozen header row and drop-down lists for «Status»
and «Ansvarlig part». A second sheet lists the agreement's strategies with their labels.

Import reads the same layout in two steps, so that nothing is saved unless the whole file is
valid:

1. ``read_plan_file`` checks the file (type, size, headers, every row) without writing, and
   raises ``PlanFileError`` with every problem found, by row and column, in Norwegian.
2. ``plan_import`` writes the rows in one transaction: actions are matched by number, milestones
   by (action number, milestone title). A changed status or percent is appended as a progress
   update through ``services.progress_log`` with the comment «Importert fra Excel», so history
   is never overwritten. Nothing is ever deleted: a milestone missing from the file is left as
   it is. The columns «Sist oppdatert» and «Oppdatert av» are information only and not read.

An action that has no milestones is exported as a row with the milestone columns empty, and such
a row imports as just the action.

Formula guard. A text cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return (or their full-width forms) could be run as a formula by a spreadsheet. Every text cell is
written with the string type (``data_type = "s"``), which spreadsheets never evaluate, and the
risky ones also get Excel's own «quote prefix» flag: the flag Excel sets when a user types a
leading apostrophe, which keeps the cell text even after it is edited and re-entered in Excel.
The stored text itself is not changed (no literal apostrophe is added), so a title such as
``=HYPERLINK("http://x")`` shows as exactly that text and imports back as exactly that text,
with no escaping rule to undo and no risk of eating an apostrophe a user meant to write.

Hostile files. The upload is limited to ``settings.PLAN_IMPORT_MAX_BYTES`` (5 MB; the view
refuses a larger request body before it is parsed, see ``tromsvekst.uploads``) and 5,000 rows.
Before openpyxl sees it, the file must be a zip whose ``[Content_Types].xml`` names a workbook
(a PDF, an old .xls or a Word file renamed .xlsx is refused by its content), and the zip
directory is checked so that the unpacked size stays below 50 MB in at most 1,000 members (a zip
bomb is refused without being unpacked). openpyxl parses with defusedxml (a dependency), so a
DTD or an entity (the «billion laughs») is refused, not expanded. The file is read with
``read_only=True, data_only=True`` (streamed, formulas never evaluated, only their cached
results read) and a fixed number of columns, so a file claiming a huge sheet size costs
nothing. Any other failure to read becomes a Norwegian message, never a server error.
"""

from __future__ import annotations

import datetime
import io
import logging
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from defusedxml import DefusedXmlException
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableStyleInfo

from actionplans.models import Action, ActionPlan, Milestone, Status
from actionplans.services import ProgressConflict, progress_log
from agreements.models import AgreementParty, Party, Strategy, SubGoal
from tromsvekst import uploads

logger = logging.getLogger(__name__)

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 5000  # data rows, not counting the header row
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_ZIP_MEMBERS = 1000
EXCEL_LAST_ROW = 1_048_576
EXCEL_MAX_CELL_TEXT = 32_767
OSLO = ZoneInfo("Europe/Oslo")
DATE_FORMAT = "dd.mm.yyyy"
DATETIME_FORMAT = "dd.mm.yyyy hh:mm"
TABLE_NAME = "Handlingsplan"
IMPORT_COMMENT = gettext_lazy("Importert fra Excel")

# Text beginning with one of these could be taken for a formula by a spreadsheet (OWASP's list,
# plus the full-width forms some spreadsheet programs also accept).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # a lazy translation
    width: int
    wrap: bool = False


COLUMNS = [
    Column("focus_area", gettext_lazy("Innsatsområde"), 14),
    Column("sub_goal", gettext_lazy("Delmål"), 9),
    Column("action_number", gettext_lazy("Tiltak nr."), 11),
    Column("action_title", gettext_lazy("Tiltak"), 40, wrap=True),
    Column("strategies", gettext_lazy("Strategier"), 16, wrap=True),
    Column("lead_party", gettext_lazy("Ansvarlig part"), 22, wrap=True),
    Column("milestone_title", gettext_lazy("Milepæl"), 40, wrap=True),
    Column("description", gettext_lazy("Beskrivelse"), 50, wrap=True),
    Column("due_date", gettext_lazy("Frist"), 12),
    Column("status", gettext_lazy("Status"), 14),
    Column("percent", gettext_lazy("Prosent"), 10),
    Column("updated_at", gettext_lazy("Sist oppdatert"), 17),
    Column("updated_by", gettext_lazy("Oppdatert av"), 22),
]
COLUMN_INDEX = {column.key: index for index, column in enumerate(COLUMNS)}
# The columns that describe the milestone; a row with all of them empty is an action alone.
MILESTONE_KEYS = ("milestone_title", "description", "due_date", "status", "percent")


def _letter(key: str) -> str:
    return get_column_letter(COLUMN_INDEX[key] + 1)


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


def strategy_labels(strategies) -> str:
    """ "1.1.1; 1.2.3": each strategy's sub-goal code and place (``Strategy.label``)."""
    return "; ".join(s.label for s in sorted(strategies, key=_strategy_sort_key))


def _person(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _excel_datetime(value: datetime.datetime | None) -> datetime.datetime | None:
    """Excel has no time zones: the wall-clock time in Oslo, without tzinfo."""
    if value is None:
        return None
    return value.astimezone(OSLO).replace(tzinfo=None, microsecond=0)


def plan_export_rows(plan: ActionPlan) -> list[list]:
    """The plan as rows of cell values in the order of ``COLUMNS``, sorted as on the plan page."""
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
            rows.append(action_cells + [None] * (len(COLUMNS) - len(action_cells)))
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
                    _person(update.author) if update else "",
                ]
            )
    return rows


def _write(cell, value) -> None:
    """Write a value; text always as text, never as a formula (see the module notes)."""
    if isinstance(value, str):
        # Characters XML cannot carry are dropped; Excel refuses cells over 32,767 characters.
        value = ILLEGAL_CHARACTERS_RE.sub("", value)[:EXCEL_MAX_CELL_TEXT]
        cell.value = value
        cell.data_type = "s"
        if value.startswith(FORMULA_TRIGGERS):
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

    header_font = Font(bold=True)
    for index, column in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=index)
        _write(cell, str(column.header))
        cell.font = header_font
        ws.column_dimensions[get_column_letter(index)].width = column.width

    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    formats = {"due_date": DATE_FORMAT, "updated_at": DATETIME_FORMAT, "percent": "0"}
    for row_number, values in enumerate(rows, start=2):
        for index, (column, value) in enumerate(zip(COLUMNS, values, strict=True), start=1):
            cell = ws.cell(row=row_number, column=index)
            _write(cell, value)
            cell.alignment = wrap if column.wrap else top
            if column.key in formats:
                cell.number_format = formats[column.key]

    # Excel needs at least one data row in a table: an empty plan gets one empty row.
    last_row = max(len(rows) + 1, 2)
    table = Table(displayName=TABLE_NAME, ref=f"A1:{get_column_letter(len(COLUMNS))}{last_row}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    # The filter buttons. (The column names are taken from the header cells when saved.)
    table.autoFilter = AutoFilter(ref=table.ref)
    ws.add_table(table)
    ws.freeze_panes = "A2"

    # Help for rows added in Excel: drop-down lists, whole percent, a date in the period.
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

    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"

    _strategy_sheet(wb, plan)

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


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


# --------------------------------------------------------------------------------------------
# Import: reading and checking


class PlanFileError(Exception):
    """The file cannot be imported. ``errors`` holds every problem, in Norwegian."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("; ".join(errors))


class _CellError(Exception):
    pass


@dataclass
class ImportRow:
    row: int  # the row number in the sheet, as Excel shows it
    sub_goal: SubGoal
    action_number: str
    action_title: str
    strategies: list[Strategy]
    lead_party: Party | None
    milestone_title: str = ""  # empty: the row is the action alone
    description: str = ""
    due_date: datetime.date | None = None
    status: str = Status.NOT_STARTED
    percent: int = 0


@dataclass
class ImportSummary:
    actions_created: int = 0
    actions_updated: int = 0
    milestones_created: int = 0
    milestones_updated: int = 0
    milestones_unchanged: int = 0
    progress_logged: int = 0
    milestones_not_in_file: int = 0

    def message(self) -> str:
        text = _(
            "Importen er fullført. Tiltak: %(a_new)s nye og %(a_changed)s endret. "
            "Milepæler: %(m_new)s nye, %(m_changed)s endret og %(m_same)s uendret."
        ) % {
            "a_new": self.actions_created,
            "a_changed": self.actions_updated,
            "m_new": self.milestones_created,
            "m_changed": self.milestones_updated,
            "m_same": self.milestones_unchanged,
        }
        if self.progress_logged:
            text += " " + _(
                "%(n)s statusoppdateringer er lagt til med kommentaren «%(comment)s»."
            ) % {"n": self.progress_logged, "comment": IMPORT_COMMENT}
        if self.milestones_not_in_file:
            text += " " + _(
                "%(n)s milepæler i planen sto ikke i filen. De er ikke endret eller slettet."
            ) % {"n": self.milestones_not_in_file}
        return text


def _cell_error(row: int, key: str, message: str) -> str:
    return _("Rad %(row)s, kolonne «%(column)s»: %(message)s") % {
        "row": row,
        "column": COLUMNS[COLUMN_INDEX[key]].header,
        "message": message,
    }


def _text(value, *, max_length: int | None = None, code: bool = False) -> str:
    """A cell as text. Numbers typed into a text column become their digits."""
    if value is None:
        return ""
    if isinstance(value, bool):
        raise _CellError(_("Skriv tekst, ikke en sannhetsverdi."))
    if isinstance(value, (datetime.datetime, datetime.date)):
        if code:
            raise _CellError(
                _(
                    "Excel har gjort verdien om til en dato. Skriv den som tekst, for eksempel "
                    "med en apostrof foran («'1.2»)."
                )
            )
        value = value.strftime("%d.%m.%Y")
    elif isinstance(value, float) and value.is_integer():
        value = str(int(value))
    text = str(value).strip()
    if max_length is not None and len(text) > max_length:
        raise _CellError(
            _("Teksten er for lang (%(length)s tegn). Den kan være høyst %(max)s tegn.")
            % {"length": len(text), "max": max_length}
        )
    return text


def _whole_number(value) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        text = value.strip().removesuffix("%").strip()
        if re.fullmatch(r"[0-9]{1,6}", text):
            return int(text)
    return None


_DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y")


def _date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        for fmt in _DATE_FORMATS:
            try:
                return datetime.datetime.strptime(value.strip(), fmt).date()
            except ValueError:
                continue
    raise _CellError(_("Skriv fristen som en dato, for eksempel 31.12.2026."))


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def max_upload_bytes() -> int:
    return settings.PLAN_IMPORT_MAX_BYTES


# The main part of a workbook, as [Content_Types].xml names it: an .xlsx, an .xltx template, or
# an .xlsm saved under the wrong name (its macros are never run: only cell values are read).
WORKBOOK_CONTENT_TYPES = (
    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    b"application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
)
MAX_CONTENT_TYPES_BYTES = 1024 * 1024


def _not_xlsx_message(data: bytes) -> str:
    """Why the bytes are not a workbook, as precisely as their first bytes tell."""
    if data.startswith(b"%PDF"):
        return _("Filen er en PDF, ikke en Excel-arbeidsbok. Last opp planen som .xlsx-fil.")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return _(
            "Filen er i det gamle Excel-formatet (.xls). Åpne den i Excel, lagre den som "
            "«Excel-arbeidsbok (.xlsx)» og prøv igjen."
        )
    return _(
        "Filen er ikke en gyldig Excel-arbeidsbok (.xlsx), eller den er skadet. Åpne den i Excel, "
        "lagre den som «Excel-arbeidsbok (.xlsx)» og prøv igjen."
    )


def _forbidden_xml(exc: BaseException) -> bool:
    """True if the failure (or what caused it) is defusedxml refusing a DTD or an entity."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, DefusedXmlException):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


FORBIDDEN_XML = gettext_lazy(
    "Filen inneholder XML med egne definisjoner (DTD eller entiteter), som en Excel-arbeidsbok "
    "aldri har. Den kan ikke importeres. Lagre planen på nytt i Excel og prøv igjen."
)


def _open_workbook(upload: UploadedFile):
    """Check the upload and open it with openpyxl; PlanFileError if it is not a usable .xlsx.

    Everything that costs is checked before openpyxl sees the file: its size, that it is a zip
    whose [Content_Types].xml names a workbook, and what its members hold when unpacked (the
    sizes in the zip directory bound what Python's zipfile will unpack: a member that unpacks to
    more than its stated size fails its CRC check instead).
    """
    name = upload.name or ""
    limit = max_upload_bytes()
    if not name.lower().endswith(".xlsx"):
        hint = ""
        if name.lower().endswith((".xls", ".csv", ".ods", ".xlsm", ".xlsb")):
            hint = " " + _("Åpne filen i Excel og lagre den som «Excel-arbeidsbok (.xlsx)».")
        raise PlanFileError(
            [
                _("Filen må være en Excel-arbeidsbok (.xlsx). «%(name)s» er ikke det.")
                % {"name": name}
                + hint
            ]
        )
    try:
        data = uploads.read_limited(upload, limit)
    except uploads.FileTooLarge as exc:
        raise PlanFileError([exc.message]) from None
    if not data:
        raise PlanFileError([_("Filen er tom.")])
    not_xlsx = _not_xlsx_message(data)
    if not data.startswith(b"PK"):
        raise PlanFileError([not_xlsx])
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if (
                len(members) > MAX_ZIP_MEMBERS
                or sum(member.file_size for member in members) > MAX_UNPACKED_BYTES
            ):
                raise PlanFileError(
                    [
                        _(
                            "Filen er for stor når den pakkes ut. Den kan ikke importeres. "
                            "Lagre bare arket med handlingsplanen i en ny arbeidsbok og prøv "
                            "igjen."
                        )
                    ]
                )
            types = archive.getinfo("[Content_Types].xml")
            if types.file_size > MAX_CONTENT_TYPES_BYTES:
                raise PlanFileError([not_xlsx])
            content_types = archive.read(types)
    except PlanFileError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, ValueError, EOFError):
        raise PlanFileError([not_xlsx]) from None
    except Exception:  # a damaged zip can fail in ways zipfile does not document
        logger.info("Excel import: the zip could not be read", exc_info=True)
        raise PlanFileError([not_xlsx]) from None
    if not any(kind in content_types for kind in WORKBOOK_CONTENT_TYPES):
        raise PlanFileError([not_xlsx])
    if b"<!DOCTYPE" in content_types or b"<!ENTITY" in content_types:
        raise PlanFileError([str(FORBIDDEN_XML)])
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        logger.info("Excel import: the file could not be opened", exc_info=True)
        raise PlanFileError([str(FORBIDDEN_XML) if _forbidden_xml(exc) else not_xlsx]) from None


def _read_sheet(upload: UploadedFile) -> list[tuple[int, tuple]]:
    """The header row and the non-empty rows of the first sheet, as (row number, values)."""
    workbook = _open_workbook(upload)
    rows: list[tuple[int, tuple]] = []
    try:
        if not workbook.worksheets:
            raise PlanFileError([_("Filen har ingen regneark.")])
        sheet = workbook.worksheets[0]
        cells = sheet.iter_rows(
            min_row=1, max_row=EXCEL_LAST_ROW, max_col=len(COLUMNS), values_only=True
        )
        for row_number, values in enumerate(cells, start=1):
            # (count(None) first: gaps in a sheet come as rows of None, maybe a million.)
            if values.count(None) == len(values) or all(_blank(value) for value in values):
                continue
            if row_number > MAX_ROWS + 1:
                raise PlanFileError(
                    [
                        _(
                            "Filen har flere enn %(max)s rader. Del den opp i mindre filer og "
                            "importer dem hver for seg."
                        )
                        % {"max": MAX_ROWS}
                    ]
                )
            values = tuple(values)[: len(COLUMNS)]
            rows.append((row_number, values + (None,) * (len(COLUMNS) - len(values))))
    except PlanFileError:
        raise
    except Exception as exc:
        logger.info("Excel import: the sheet could not be read", exc_info=True)
        if _forbidden_xml(exc):
            raise PlanFileError([str(FORBIDDEN_XML)]) from None
        raise PlanFileError(
            [
                _(
                    "Filen kunne ikke leses. Den kan være skadet. Lagre den på nytt i Excel og prøv igjen."
                )
            ]
        ) from None
    finally:
        workbook.close()
    return rows


def _check_headers(rows: list[tuple[int, tuple]]) -> None:
    expected = ", ".join(f"«{column.header}»" for column in COLUMNS)
    if not rows or rows[0][0] != 1:
        raise PlanFileError(
            [
                _("Første rad i det første arket må være kolonneoverskriftene: %(headers)s.")
                % {"headers": expected}
            ]
        )
    errors = []
    for index, (column, value) in enumerate(zip(COLUMNS, rows[0][1], strict=True), start=1):
        found = value.strip() if isinstance(value, str) else ("" if value is None else str(value))
        if found.casefold() != str(column.header).casefold():
            errors.append(
                _(
                    "Rad 1, kolonne %(letter)s: overskriften skal være «%(header)s», men er «%(found)s»."
                )
                % {"letter": get_column_letter(index), "header": column.header, "found": found}
            )
    if errors:
        errors.append(
            _(
                "Bruk filen du får med «Last ned som Excel», og behold kolonnene i samme rekkefølge: "
                "%(headers)s."
            )
            % {"headers": expected}
        )
        raise PlanFileError(errors)


class _Lookups:
    """The agreement's sub-goals, strategies and parties, and the plan's milestones, by name."""

    def __init__(self, plan: ActionPlan):
        agreement = plan.agreement
        self.sub_goals = {
            goal.code: goal
            for goal in SubGoal.objects.filter(agreement=agreement).select_related("focus_area")
        }
        self.strategies = {
            strategy.label: strategy
            for strategy in Strategy.objects.filter(sub_goal__agreement=agreement).select_related(
                "sub_goal"
            )
        }
        self.parties: dict[str, Party] = {}
        for party in agreement.parties.all():
            self.parties[party.name.casefold()] = party
            self.parties[party.slug.casefold()] = party
        self.statuses: dict[str, str] = {}
        for value, label in Status.choices:
            self.statuses[str(label).casefold()] = value
            self.statuses[value] = value
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for number, title in Milestone.objects.in_plan(plan).values_list("action__number", "title"):
            counts[(number, title.strip())] += 1
        self.ambiguous_milestones = {key for key, n in counts.items() if n > 1}


def _parse_row(row: int, values: tuple, lookups: _Lookups, plan: ActionPlan) -> tuple[dict, list]:
    """One row's values, checked one by one. Returns (values by key, errors)."""
    out: dict = {}
    errors: list[str] = []
    cell = dict(zip((c.key for c in COLUMNS), values, strict=True))

    def check(key: str, parse):
        try:
            out[key] = parse(cell[key])
        except _CellError as exc:
            errors.append(_cell_error(row, key, str(exc)))

    def required_text(max_length: int | None = None, code: bool = False, what: str = ""):
        def parse(value):
            text = _text(value, max_length=max_length, code=code)
            if not text:
                raise _CellError(what)
            return text

        return parse

    check(
        "sub_goal",
        required_text(code=True, what=_("Skriv koden til delmålet, for eksempel «1.2».")),
    )
    if "sub_goal" in out:
        goal = lookups.sub_goals.get(out["sub_goal"])
        if goal is None:
            errors.append(
                _cell_error(
                    row,
                    "sub_goal",
                    _("Delmålet «%(code)s» finnes ikke i avtalen. Avtalens delmål er %(codes)s.")
                    % {
                        "code": out["sub_goal"],
                        "codes": ", ".join(sorted(lookups.sub_goals, key=_code_key)),
                    },
                )
            )
        out["sub_goal"] = goal

    def focus_area(value):
        if _blank(value):
            return None
        number = _whole_number(value)
        if number is None:
            raise _CellError(_("Skriv nummeret på innsatsområdet, for eksempel 1."))
        return number

    check("focus_area", focus_area)
    goal = out.get("sub_goal")
    if out.get("focus_area") is not None and goal and goal.focus_area.number != out["focus_area"]:
        errors.append(
            _cell_error(
                row,
                "focus_area",
                _("Delmål %(code)s hører til innsatsområde %(right)s, ikke %(wrong)s.")
                % {"code": goal.code, "right": goal.focus_area.number, "wrong": out["focus_area"]},
            )
        )

    check(
        "action_number",
        required_text(
            max_length=Action._meta.get_field("number").max_length,
            code=True,
            what=_("Skriv tiltakets nummer."),
        ),
    )
    check(
        "action_title",
        required_text(
            max_length=Action._meta.get_field("title").max_length,
            what=_("Skriv tiltakets tittel."),
        ),
    )

    def strategies(value):
        text = _text(value, code=True)
        labels = [part.strip() for part in re.split(r"[;,\n]", text) if part.strip()]
        if not labels:
            raise _CellError(
                _("Skriv minst én strategi tiltaket følger opp, for eksempel «1.1.1; 1.1.2».")
            )
        unknown = [label for label in labels if label not in lookups.strategies]
        if unknown:
            raise _CellError(
                _(
                    "Strategien %(labels)s finnes ikke i avtalen. Skriv delmålets kode og "
                    "strategiens nummer, for eksempel «1.1.2» (se arket «Strategier»)."
                )
                % {"labels": ", ".join(f"«{label}»" for label in unknown)}
            )
        found = {lookups.strategies[label].pk: lookups.strategies[label] for label in labels}
        return sorted(found.values(), key=_strategy_sort_key)

    check("strategies", strategies)

    def lead_party(value):
        name = _text(value)
        if not name:
            return None
        party = lookups.parties.get(name.casefold())
        if party is None:
            raise _CellError(
                _("«%(name)s» er ikke en part i avtalen. Velg en av: %(names)s.")
                % {
                    "name": name,
                    "names": ", ".join(sorted({f"«{p.name}»" for p in lookups.parties.values()})),
                }
            )
        return party

    check("lead_party", lead_party)

    if all(_blank(cell[key]) for key in MILESTONE_KEYS):
        return out, errors  # the action alone

    check(
        "milestone_title",
        required_text(
            max_length=Milestone._meta.get_field("title").max_length,
            what=_("Skriv milepælens tittel."),
        ),
    )
    check("description", lambda value: _text(value))

    def due_date(value):
        if _blank(value):
            raise _CellError(_("Skriv en frist."))
        day = _date(value)
        if not plan.first_day <= day <= plan.last_day:
            raise _CellError(
                _("Fristen %(date)s ligger utenfor planperioden %(period)s.")
                % {"date": day.strftime("%d.%m.%Y"), "period": plan.period}
            )
        return day

    check("due_date", due_date)

    def status(value):
        text = _text(value)
        labels = ", ".join(f"«{label}»" for label in Status.labels)
        if not text:
            raise _CellError(_("Skriv en status. Bruk en av: %(labels)s.") % {"labels": labels})
        if text.casefold() not in lookups.statuses:
            raise _CellError(
                _("«%(value)s» er ikke en status. Bruk en av: %(labels)s.")
                % {"value": text, "labels": labels}
            )
        return lookups.statuses[text.casefold()]

    check("status", status)

    def percent(value):
        if _blank(value):
            raise _CellError(
                _("Skriv hvor mange prosent som er fullført, et helt tall fra 0 til 100.")
            )
        number = _whole_number(value)
        if number is None or not 0 <= number <= 100:
            raise _CellError(
                _("Prosent må være et helt tall fra 0 til 100, ikke «%(value)s».")
                % {"value": "" if value is None else value}
            )
        return number

    check("percent", percent)
    if out.get("status") == Status.DONE and "percent" in out:
        out["percent"] = 100  # as when progress is logged in the portal: done is 100 %
    return out, errors


def read_plan_file(*, plan: ActionPlan, upload: UploadedFile) -> list[ImportRow]:
    """Every row of the file, checked against the plan. Writes nothing.

    Raises PlanFileError with every problem found, by row and column.
    """
    rows = _read_sheet(upload)
    _check_headers(rows)
    if len(rows) == 1:
        raise PlanFileError([_("Filen har ingen rader under kolonneoverskriftene.")])
    lookups = _Lookups(plan)
    errors: list[str] = []
    result: list[ImportRow] = []
    first_of_action: dict[str, ImportRow] = {}
    milestone_rows: dict[tuple[str, str], int] = {}
    action_keys = ("action_title", "sub_goal", "strategies", "lead_party")

    for row, values in rows[1:]:
        parsed, row_errors = _parse_row(row, values, lookups, plan)
        errors.extend(row_errors)
        if row_errors:
            continue
        item = ImportRow(
            row=row,
            sub_goal=parsed["sub_goal"],
            action_number=parsed["action_number"],
            action_title=parsed["action_title"],
            strategies=parsed["strategies"],
            lead_party=parsed["lead_party"],
            milestone_title=parsed.get("milestone_title", ""),
            description=parsed.get("description", ""),
            due_date=parsed.get("due_date"),
            status=parsed.get("status", Status.NOT_STARTED),
            percent=parsed.get("percent", 0),
        )
        first = first_of_action.setdefault(item.action_number, item)
        if first is not item:
            for key in action_keys:
                mine, theirs = _action_value(item, key), _action_value(first, key)
                if mine != theirs:
                    errors.append(
                        _cell_error(
                            row,
                            key,
                            _(
                                "Tiltak %(number)s har «%(mine)s» her, men «%(theirs)s» på rad "
                                "%(first)s. Alle rader for samme tiltak må være like i kolonnene "
                                "for tiltaket."
                            )
                            % {
                                "number": item.action_number,
                                "mine": mine,
                                "theirs": theirs,
                                "first": first.row,
                            },
                        )
                    )
        if item.milestone_title:
            key = (item.action_number, item.milestone_title)
            if key in milestone_rows:
                errors.append(
                    _cell_error(
                        row,
                        "milestone_title",
                        _(
                            "Milepælen «%(title)s» står allerede på rad %(first)s under tiltak "
                            "%(number)s. Milepælene i et tiltak må ha ulike titler."
                        )
                        % {
                            "title": item.milestone_title,
                            "first": milestone_rows[key],
                            "number": item.action_number,
                        },
                    )
                )
            milestone_rows.setdefault(key, row)
            if key in lookups.ambiguous_milestones:
                errors.append(
                    _cell_error(
                        row,
                        "milestone_title",
                        _(
                            "Tiltak %(number)s har flere milepæler som heter «%(title)s» i "
                            "portalen, så importen vet ikke hvilken som skal endres. Gi dem ulike "
                            "titler i portalen først."
                        )
                        % {"number": item.action_number, "title": item.milestone_title},
                    )
                )
        result.append(item)

    if errors:
        raise PlanFileError(errors)
    return result


def _action_value(item: ImportRow, key: str) -> str:
    """An action column as the text to compare and show."""
    if key == "action_title":
        return item.action_title
    if key == "sub_goal":
        return item.sub_goal.code
    if key == "strategies":
        return strategy_labels(item.strategies)
    return item.lead_party.name if item.lead_party else ""


# --------------------------------------------------------------------------------------------
# Import: writing


@transaction.atomic
def plan_import(*, plan: ActionPlan, user: User, rows: list[ImportRow]) -> ImportSummary:
    """Create or update the plan's actions and milestones from checked rows, all or nothing.

    Raises PlanFileError (and saves nothing) if someone changed the plan in a way that stops
    the import while it ran.
    """
    # One import at a time per plan (a row lock on PostgreSQL).
    list(ActionPlan.objects.select_for_update().filter(pk=plan.pk).values_list("pk"))
    summary = ImportSummary()
    actions = {
        action.number: action
        for action in Action.objects.filter(plan=plan).prefetch_related("strategies")
    }
    existing = list(Milestone.objects.in_plan(plan).select_related("action"))
    milestones = {(m.action.number, m.title.strip()): m for m in existing}
    seen_milestones: set[int] = set()
    done_actions: dict[str, Action] = {}
    next_order: dict[str, int] = defaultdict(int)

    try:
        for item in rows:
            action = done_actions.get(item.action_number)
            if action is None:
                action = _action_upsert(plan, actions.get(item.action_number), item, summary)
                done_actions[item.action_number] = action
            if not item.milestone_title:
                continue
            next_order[item.action_number] += 1
            milestone = milestones.get((item.action_number, item.milestone_title))
            if milestone is None:
                _milestone_create(action, item, user, next_order[item.action_number], summary)
            else:
                seen_milestones.add(milestone.pk)
                _milestone_update(milestone, item, user, summary)
    except ProgressConflict as conflict:
        raise PlanFileError(
            [
                _(
                    "Noen andre logget fremdrift på milepælen «%(title)s» mens importen pågikk. "
                    "Ingenting er lagret. Last ned planen på nytt og prøv igjen."
                )
                % {"title": conflict.milestone.title}
            ]
        ) from None
    except IntegrityError:
        raise PlanFileError(
            [
                _(
                    "Noen andre endret planen mens importen pågikk. Ingenting er lagret. "
                    "Last ned planen på nytt og prøv igjen."
                )
            ]
        ) from None
    summary.milestones_not_in_file = sum(1 for m in existing if m.pk not in seen_milestones)
    return summary


def _action_upsert(
    plan: ActionPlan, action: Action | None, item: ImportRow, summary: ImportSummary
) -> Action:
    if action is None:
        action = Action.objects.create(
            plan=plan,
            number=item.action_number,
            title=item.action_title,
            sub_goal=item.sub_goal,
            lead_party=item.lead_party,
        )
        action.strategies.set(item.strategies)
        summary.actions_created += 1
        return action
    changed = []
    if action.title != item.action_title:
        action.title = item.action_title
        changed.append("title")
    if action.sub_goal_id != item.sub_goal.pk:
        action.sub_goal = item.sub_goal
        changed.append("sub_goal")
    if action.lead_party_id != (item.lead_party.pk if item.lead_party else None):
        action.lead_party = item.lead_party
        changed.append("lead_party")
    if changed:
        action.save(update_fields=changed)
    if {s.pk for s in action.strategies.all()} != {s.pk for s in item.strategies}:
        action.strategies.set(item.strategies)
        changed.append("strategies")
    if changed:
        summary.actions_updated += 1
    return action


def _milestone_create(
    action: Action, item: ImportRow, user: User, order: int, summary: ImportSummary
) -> None:
    milestone = Milestone.objects.create(
        action=action,
        title=item.milestone_title,
        description=item.description,
        due_date=item.due_date,
        order=order,
    )
    summary.milestones_created += 1
    if item.status != Status.NOT_STARTED or item.percent:
        progress_log(
            milestone=milestone,
            user=user,
            status=item.status,
            percent=item.percent,
            comment=str(IMPORT_COMMENT),
            seen_version=milestone.version,
        )
        summary.progress_logged += 1


def _milestone_update(
    milestone: Milestone, item: ImportRow, user: User, summary: ImportSummary
) -> None:
    changed = []
    for name, value in (("description", item.description), ("due_date", item.due_date)):
        if getattr(milestone, name) != value:
            setattr(milestone, name, value)
            changed.append(name)
    if changed:
        milestone.save(update_fields=changed)
    if milestone.status != item.status or milestone.percent != item.percent:
        progress_log(
            milestone=milestone,
            user=user,
            status=item.status,
            percent=item.percent,
            comment=str(IMPORT_COMMENT),
            seen_version=milestone.version,
        )
        summary.progress_logged += 1
        changed.append("progress")
    if changed:
        summary.milestones_updated += 1
    else:
        summary.milestones_unchanged += 1
