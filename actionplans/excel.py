"""An action plan as an Excel workbook, and back: one row per milestone.

Export (``plan_workbook``) writes the plan as a real Excel table (filter buttons, banded rows)
on the first sheet, with dates as dates, a frozen header row and drop-down lists for «Status»
and «Ansvarlig part». A second sheet lists the agreement's strategies with their labels.

Import reads the same layout in three steps, so that nothing is saved unless the whole file is
valid and the person importing has seen what it will do:

1. ``read_plan_file`` checks the file (type, size, headers, every row) without writing, and
   raises ``PlanFileError`` with the problems found, by row and column, in Norwegian.
2. ``plan_import_changes`` works out what the rows would change, without writing: the preview
   (new, changed field by field, unchanged). Rows are matched by the id columns the exported
   file carries («Milepæl-ID (ikke endre)», «Tiltak-ID (ikke endre)»), so a milestone renamed
   in Excel is the same milestone, renamed; a row without an id (added in Excel, or from a file
   written by hand) is matched by name: actions by number, milestones by (action, title).
3. ``plan_import_apply`` writes exactly what the preview showed, in one transaction, and
   refuses if the plan has changed since the preview (``plan_fingerprint``). A changed status
   or percent is appended as a progress update through ``services.progress_log`` with the
   comment «Importert fra Excel», so history is never overwritten. Nothing is ever deleted: a
   milestone missing from the file is left as it is. The columns «Sist oppdatert» and
   «Oppdatert av» are information only and not read.

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

Hostile files. Every error message quotes at most a short excerpt of a cell, and reading stops
after ``uploads.MAX_ERRORS`` errors or ``uploads.PARSE_SECONDS`` (``tromsvekst.lib.uploads``); a
cell longer than its column can hold is refused by its length alone. The upload is limited to ``settings.PLAN_IMPORT_MAX_BYTES`` (5 MB; the view
refuses a larger request body before it is parsed, see ``tromsvekst.lib.uploads``) and 5,000 rows.
Before openpyxl sees it, the file must be a zip whose ``[Content_Types].xml`` names a workbook
(a PDF, an old .xls or a Word file renamed .xlsx is refused by its content), and the zip
directory is checked so that the unpacked size stays below 50 MB in at most 1,000 members (a zip
bomb is refused without being unpacked). openpyxl parses with defusedxml (a dependency), so a
DTD or an entity (the «billion laughs») is refused, not expanded. The file is read with
``read_only=True, data_only=True`` (streamed, formulas never evaluated, only their cached
results read) and a fixed number of columns, so a file claiming a huge sheet size costs
nothing. Before openpyxl parses anything, every XML part is scanned (``_scan_part``): no
comments, processing instructions or DTDs, no markup token over 256 KB, at most 25 MB per part,
a million tags in all (50,000 in a part openpyxl parses as one tree), 20,000 cells in a row and
250,000 in a sheet, which bounds what expat (quadratic in a token's length) and openpyxl spend;
while openpyxl reads the sheet the time budget is checked on every read. Any other failure to read becomes a Norwegian message, never a server error.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import logging
import posixpath
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field

from defusedxml import DefusedXmlException
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ObjectDoesNotExist, ValidationError
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

from actionplans import services
from actionplans.models import Action, ActionPlan, Milestone, MilestoneDueDateChange, Status
from actionplans.services import ProgressConflict, progress_log
from agreements.models import AgreementParty, Party, Strategy, SubGoal
from tromsvekst.lib import uploads
from tromsvekst.lib.dates import local_tz
from tromsvekst.lib.names import display_name

logger = logging.getLogger(__name__)

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 5000  # data rows, not counting the header row
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_ZIP_MEMBERS = 1000
EXCEL_LAST_ROW = 1_048_576
EXCEL_MAX_CELL_TEXT = 32_767
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
# The portal's own ids, so that a renamed row is still the same milestone. Last, so that the
# columns people edit keep their places; a file without them imports by name.
ID_COLUMNS = [
    Column("milestone_id", gettext_lazy("Milepæl-ID (ikke endre)"), 12),
    Column("action_id", gettext_lazy("Tiltak-ID (ikke endre)"), 12),
]
ALL_COLUMNS = COLUMNS + ID_COLUMNS
COLUMN_INDEX = {column.key: index for index, column in enumerate(ALL_COLUMNS)}
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

    # Excel needs at least one data row in a table: an empty plan gets one empty row.
    last_row = max(len(rows) + 1, 2)
    table = Table(displayName=TABLE_NAME, ref=f"A1:{get_column_letter(len(ALL_COLUMNS))}{last_row}")
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
    """The file cannot be imported. ``errors`` holds the problems found, in Norwegian (at most
    ``uploads.MAX_ERRORS``; ``truncated`` says that reading stopped there)."""

    def __init__(self, errors, truncated: bool = False):
        self.errors = list(errors)
        self.truncated = truncated or bool(getattr(errors, "truncated", False))
        super().__init__("; ".join(self.errors))


class PlanChanged(PlanFileError):
    """The plan changed after the preview was made: the preview no longer says what would be
    saved, so nothing is."""


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
    milestone_id: int | None = None  # the «Milepæl-ID» column of an exported file
    action_id: int | None = None  # the «Tiltak-ID» column


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


def _column(key: str) -> Column:
    return ALL_COLUMNS[COLUMN_INDEX[key]]


def _cell_error(row: int, key: str, message: str) -> str:
    return _("Rad %(row)s, kolonne «%(column)s»: %(message)s") % {
        "row": row,
        "column": _column(key).header,
        "message": message,
    }


def _quoted(value) -> str:
    """«…» around at most a short excerpt of what the file says (see tromsvekst.lib.uploads)."""
    return "«" + uploads.excerpt(value) + "»"


def _text(value, *, max_length: int | None = None, code: bool = False) -> str:
    """A cell as text. Numbers typed into a text column become their digits.

    The length is checked before anything else is done with the text, so a huge cell costs
    no more than a short one."""
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
        value = f"{value:.0f}"
    elif not isinstance(value, str):
        value = uploads.excerpt(value, EXCEL_MAX_CELL_TEXT + 1)
    limit = EXCEL_MAX_CELL_TEXT if max_length is None else max_length
    if len(value) > limit and len(value.strip()) > limit:
        raise _CellError(
            _("Teksten er for lang (%(length)s tegn). Den kan være høyst %(max)s tegn.")
            % {"length": len(value.strip()), "max": limit}
        )
    return value.strip()


def _whole_number(value) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str) and len(value) < 100:
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
    if isinstance(value, str) and len(value) < 100:
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
XML_EXTRAS = gettext_lazy(
    "Filen inneholder XML-kommentarer eller prosesseringsinstruksjoner, som en Excel-arbeidsbok "
    "ikke har. Den kan ikke importeres. Lagre planen på nytt i Excel og prøv igjen."
)
XML_TOO_COMPLEX = gettext_lazy(
    "Filen har XML-elementer som er altfor store eller altfor mange for en handlingsplan. Den "
    "kan ikke importeres. Lagre bare arket med handlingsplanen i en ny arbeidsbok og prøv igjen."
)

# The work expat does for one part is bounded before openpyxl parses it (expat 2.5 rescans an
# unfinished token on every 16 KB it is fed, so one 45 MB comment or attribute costs minutes):
# no comments, processing instructions or DTDs (Excel writes none), no start tag or other markup
# longer than MAX_XML_TOKEN, at most MAX_PART_BYTES unpacked in any member, at most MAX_XML_TAGS
# tags in all parts together (each costs openpyxl some Python), MAX_ROW_CELLS cells in a row and
# MAX_SHEET_CELLS in a sheet. While openpyxl reads the sheet, the time budget is checked on every
# 16 KB it reads (``_BudgetedArchive``), so no single row can outlast it.
MAX_PART_BYTES = 25 * 1024 * 1024
MAX_XML_TOKEN = 256 * 1024
MAX_XML_TAGS = 1_000_000
# openpyxl builds a whole row before it hands it over; Excel has at most 16,384 columns. A plan
# of 5,000 rows and its 15 columns has 75,000 cells.
MAX_ROW_CELLS = 20_000
MAX_SHEET_CELLS = 250_000
_SCAN_CHUNK = 1024 * 1024
_XML_DECLARATION = re.compile(rb"(?:\xef\xbb\xbf)?<\?xml[ \t\r\n][^<>]{0,300}\?>")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)")
_EXTRAS = re.compile(rb"<(?:!--|\?)")
_LONG_TOKEN = re.compile(rb"<[^<>]{%d}" % MAX_XML_TOKEN)


def _scan_part(archive: zipfile.ZipFile, member: zipfile.ZipInfo, budget) -> tuple[str, int]:
    """Check one member before openpyxl may parse it; returns its root element's local name
    and the number of tags in it ("", 0 for a member that is not XML).

    Raises PlanFileError. A member that is not XML (an image) is left alone: expat stops at its
    first byte. Read in chunks, so a member costs at most a chunk of memory."""
    with archive.open(member) as stream:
        data = stream.read(_SCAN_CHUNK)
        head = data[:4]
        if head[:2] in (b"\xff\xfe", b"\xfe\xff", b"\x00<", b"<\x00"):
            # UTF-16: Excel writes UTF-8 only, and the checks below read bytes.
            raise PlanFileError([_not_xlsx_message(b"")])
        if not re.match(rb"(?:\xef\xbb\xbf)?[ \t\r\n]*(?:<|$)", data[:4096]):
            return "", 0
        declaration = _XML_DECLARATION.match(data)
        start = declaration.end() if declaration else 0
        root = _ROOT.match(data, start)
        root = root.group(1).decode("ascii") if root else ""
        carry = b""
        tags = 0
        row_cells = -1  # -1: no row seen yet (styles have «<c…» tags that are no cells)
        cells = 0
        while data:
            budget.check()
            tags += data.count(b"<")
            counts = [piece.count(b"<c") for piece in data.split(b"<row")]
            if row_cells >= 0:
                row_cells += counts[0]
                cells += counts[0]
            for count in counts[1:]:
                if row_cells > MAX_ROW_CELLS:
                    break
                row_cells = count
                cells += count
            if row_cells > MAX_ROW_CELLS or cells > MAX_SHEET_CELLS:
                raise PlanFileError([str(XML_TOO_COMPLEX)])
            buffer = carry + data if carry else data
            if _DTD.search(buffer, start):
                raise PlanFileError([str(FORBIDDEN_XML)])
            if _EXTRAS.search(buffer, start):
                raise PlanFileError([str(XML_EXTRAS)])
            if _LONG_TOKEN.search(buffer, start):
                raise PlanFileError([str(XML_TOO_COMPLEX)])
            # Keep what the next chunk may complete: an open tag, or a marker cut in two.
            opened, closed = buffer.rfind(b"<"), buffer.rfind(b">")
            carry = buffer[opened:] if opened > closed else buffer[-8:]
            start = 0
            data = stream.read(_SCAN_CHUNK)
    return root, tags


# Parts openpyxl parses as a whole tree (fromstring) whatever their root element: their tags
# cost memory and time at once, so they get MAX_PART_TAGS. Only a worksheet and the shared
# strings are streamed (read-only mode) and may hold up to MAX_XML_TAGS.
_WHOLE_TREE_PARTS = {
    "[Content_Types].xml",
    "xl/styles.xml",
    "docProps/core.xml",
    "docProps/custom.xml",
}
_STREAMED_ROOTS = {"worksheet", "sst"}
_ROOT = re.compile(rb"(?:\xef\xbb\xbf)?\s*<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
_MAIN_PART = re.compile(
    rb'<Override\b[^>]*?PartName="/?([^"]+)"[^>]*?ContentType="[^"]*\.main\+xml"'
    rb'|<Override\b[^>]*?ContentType="[^"]*\.main\+xml"[^>]*?PartName="/?([^"]+)"'
)
_RELATIONSHIP = re.compile(rb"<(?:[\w.-]+:)?Relationship\b[^>]*>")
_TARGET = re.compile(rb'Target="([^"]*)"')
MAX_PART_TAGS = 50_000


def _whole_tree_names(archive: zipfile.ZipFile, members, content_types: bytes) -> set[str]:
    """The parts openpyxl parses as a whole tree: the fixed ones, the workbook part, every
    relationship list, and what a relationship other than a worksheet or the shared strings
    points at (a chartsheet, the core properties)."""
    names = set(_WHOLE_TREE_PARTS)
    for match in _MAIN_PART.finditer(content_types):
        names.add((match.group(1) or match.group(2)).decode("utf-8", "replace"))
    for member in members:
        if not member.filename.endswith(".rels"):
            continue
        names.add(member.filename)
        if member.file_size > MAX_CONTENT_TYPES_BYTES:
            raise PlanFileError([str(XML_TOO_COMPLEX)])
        # «xl/_rels/workbook.xml.rels» speaks of targets relative to «xl/».
        base = posixpath.dirname(posixpath.dirname(member.filename))
        for relationship in _RELATIONSHIP.findall(archive.read(member)):
            if b'/worksheet"' in relationship or b'/sharedStrings"' in relationship:
                continue
            target = _TARGET.search(relationship)
            if target:
                path = target.group(1).decode("utf-8", "replace")
                path = path[1:] if path.startswith("/") else posixpath.join(base, path)
                names.add(posixpath.normpath(path))
    return names


def _open_workbook(upload: UploadedFile, budget: uploads.ParseBudget):
    """Check the upload and open it with openpyxl; PlanFileError if it is not a usable .xlsx.

    Everything that costs is checked before openpyxl sees the file: its size, that it is a zip
    whose [Content_Types].xml names a workbook, what its members hold when unpacked (the sizes
    in the zip directory bound what Python's zipfile will unpack: a member that unpacks to more
    than its stated size fails its CRC check instead), and the XML of every member
    (``_scan_part``).
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
                % {"name": uploads.excerpt(name)}
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
                or any(member.file_size > MAX_PART_BYTES for member in members)
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
            if not any(kind in content_types for kind in WORKBOOK_CONTENT_TYPES):
                raise PlanFileError([not_xlsx])
            whole_tree = _whole_tree_names(archive, members, content_types)
            tags = 0
            for member in members:
                root, part_tags = _scan_part(archive, member, budget)
                tags += part_tags
                streamed = root in _STREAMED_ROOTS and member.filename not in whole_tree
                if tags > MAX_XML_TAGS or (part_tags > MAX_PART_TAGS and not streamed):
                    raise PlanFileError([str(XML_TOO_COMPLEX)])
    except PlanFileError:
        raise
    except uploads.ParseTooSlow as exc:
        raise PlanFileError([exc.message]) from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, ValueError, EOFError):
        raise PlanFileError([not_xlsx]) from None
    except Exception:  # a damaged zip can fail in ways zipfile does not document
        logger.info("Excel import: the zip could not be read", exc_info=True)
        raise PlanFileError([not_xlsx]) from None
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        logger.info("Excel import: the file could not be opened", exc_info=True)
        raise PlanFileError([str(FORBIDDEN_XML) if _forbidden_xml(exc) else not_xlsx]) from None
    # openpyxl reads each sheet (read-only mode) through ``workbook._archive.open``.
    workbook._archive = _BudgetedArchive(workbook._archive, budget)
    return workbook


class _BudgetedArchive:
    """The workbook's zip, whose members check the time budget on every read."""

    def __init__(self, archive: zipfile.ZipFile, budget: uploads.ParseBudget):
        self._archive = archive
        self._budget = budget

    def open(self, *args, **kwargs):
        return _BudgetedStream(self._archive.open(*args, **kwargs), self._budget)

    def __getattr__(self, name):
        return getattr(self._archive, name)


class _BudgetedStream:
    def __init__(self, stream, budget: uploads.ParseBudget):
        self._stream = stream
        self._budget = budget

    def read(self, size: int = -1) -> bytes:
        self._budget.check()
        return self._stream.read(size)

    def close(self) -> None:
        self._stream.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _sheet_rows(upload: UploadedFile, budget: uploads.ParseBudget):
    """The header row and the non-empty rows of the first sheet, as (row number, values),
    read as they are asked for: an importer that stops early reads no further."""
    workbook = _open_workbook(upload, budget)
    width = len(ALL_COLUMNS)
    try:
        if not workbook.worksheets:
            raise PlanFileError([_("Filen har ingen regneark.")])
        sheet = workbook.worksheets[0]
        cells = sheet.iter_rows(min_row=1, max_row=EXCEL_LAST_ROW, max_col=width, values_only=True)
        for row_number, values in enumerate(cells, start=1):
            budget.check()
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
            values = tuple(values)[:width]
            yield row_number, values + (None,) * (width - len(values))
    except PlanFileError:
        raise
    except uploads.ParseTooSlow as exc:
        raise PlanFileError([exc.message]) from None
    except GeneratorExit:
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


def _check_headers(first: tuple[int, tuple] | None) -> set[str]:
    """Refuse a file whose first row is not the plan's headers; returns the id columns it has
    (a file written by hand, or exported before they existed, has none)."""
    expected = ", ".join(f"«{column.header}»" for column in COLUMNS)
    if first is None or first[0] != 1:
        raise PlanFileError(
            [
                _("Første rad i det første arket må være kolonneoverskriftene: %(headers)s.")
                % {"headers": expected}
            ]
        )
    errors = []
    found_headers = []
    for value in first[1]:
        found = value.strip() if isinstance(value, str) else ("" if value is None else str(value))
        found_headers.append(found)
    for index, (column, found) in enumerate(zip(COLUMNS, found_headers, strict=False), start=1):
        if found.casefold() != str(column.header).casefold():
            errors.append(
                _(
                    "Rad 1, kolonne %(letter)s: overskriften skal være «%(header)s», men er «%(found)s»."
                )
                % {
                    "letter": get_column_letter(index),
                    "header": column.header,
                    "found": uploads.excerpt(found),
                }
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
    return {
        column.key
        for column, found in zip(ID_COLUMNS, found_headers[len(COLUMNS) :], strict=False)
        if found.casefold() == str(column.header).casefold()
    }


class _Lookups:
    """The agreement's sub-goals, strategies and parties, by what the file calls them."""

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


# The longest text each column can hold; a longer cell is refused before it is looked at.
_MAX_LENGTH = {
    "sub_goal": SubGoal._meta.get_field("code").max_length,
    "action_number": Action._meta.get_field("number").max_length,
    "action_title": Action._meta.get_field("title").max_length,
    "strategies": 1000,
    "lead_party": Party._meta.get_field("name").max_length,
    "milestone_title": Milestone._meta.get_field("title").max_length,
    "description": EXCEL_MAX_CELL_TEXT,
    "status": 50,
}


def _parse_row(
    row: int, values: tuple, lookups: _Lookups, plan: ActionPlan, id_columns: set[str]
) -> tuple[dict, list]:
    """One row's values, checked one by one. Returns (values by key, errors)."""
    out: dict = {}
    errors: list[str] = []
    cell = dict(zip((c.key for c in ALL_COLUMNS), values, strict=True))

    def check(key: str, parse):
        try:
            out[key] = parse(cell[key])
        except _CellError as exc:
            errors.append(_cell_error(row, key, str(exc)))

    def required_text(key: str, code: bool = False, what: str = ""):
        def parse(value):
            text = _text(value, max_length=_MAX_LENGTH[key], code=code)
            if not text:
                raise _CellError(what)
            return text

        return parse

    check(
        "sub_goal",
        required_text(
            "sub_goal", code=True, what=_("Skriv koden til delmålet, for eksempel «1.2».")
        ),
    )
    if "sub_goal" in out:
        goal = lookups.sub_goals.get(out["sub_goal"])
        if goal is None:
            errors.append(
                _cell_error(
                    row,
                    "sub_goal",
                    _("Delmålet %(code)s finnes ikke i avtalen. Avtalens delmål er %(codes)s.")
                    % {
                        "code": _quoted(out["sub_goal"]),
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
                % {
                    "code": goal.code,
                    "right": goal.focus_area.number,
                    "wrong": uploads.excerpt(out["focus_area"]),
                },
            )
        )

    check(
        "action_number",
        required_text("action_number", code=True, what=_("Skriv tiltakets nummer.")),
    )
    check("action_title", required_text("action_title", what=_("Skriv tiltakets tittel.")))

    def strategies(value):
        text = _text(value, max_length=_MAX_LENGTH["strategies"], code=True)
        labels = [part.strip() for part in re.split(r"[;,\n]", text) if part.strip()]
        if not labels:
            raise _CellError(
                _("Skriv minst én strategi tiltaket følger opp, for eksempel «1.1.1; 1.1.2».")
            )
        unknown = [label for label in labels if label not in lookups.strategies]
        if unknown:
            shown = ", ".join(_quoted(label) for label in unknown[:5])
            if len(unknown) > 5:
                shown += " …"
            raise _CellError(
                _(
                    "Strategien %(labels)s finnes ikke i avtalen. Skriv delmålets kode og "
                    "strategiens nummer, for eksempel «1.1.2» (se arket «Strategier»)."
                )
                % {"labels": shown}
            )
        found = {lookups.strategies[label].pk: lookups.strategies[label] for label in labels}
        return sorted(found.values(), key=_strategy_sort_key)

    check("strategies", strategies)

    def lead_party(value):
        name = _text(value, max_length=_MAX_LENGTH["lead_party"])
        if not name:
            return None
        party = lookups.parties.get(name.casefold())
        if party is None:
            raise _CellError(
                _("%(name)s er ikke en part i avtalen. Velg en av: %(names)s.")
                % {
                    "name": _quoted(name),
                    "names": ", ".join(sorted({f"«{p.name}»" for p in lookups.parties.values()})),
                }
            )
        return party

    check("lead_party", lead_party)

    def identifier(value):
        if _blank(value):
            return None
        number = _whole_number(value)
        if number is None or not 0 < number < 2**31:
            raise _CellError(
                _(
                    "Kolonnen er for portalens egne nummer og skal ikke endres. La den stå tom "
                    "på nye rader."
                )
            )
        return number

    for key in id_columns:
        check(key, identifier)

    if all(_blank(cell[key]) for key in MILESTONE_KEYS):
        out.pop("milestone_id", None)
        return out, errors  # the action alone

    check(
        "milestone_title",
        required_text("milestone_title", what=_("Skriv milepælens tittel.")),
    )
    check("description", lambda value: _text(value, max_length=_MAX_LENGTH["description"]))

    def due_date(value):
        if _blank(value):
            return None  # allowed only for a milestone still waiting for its first deadline
        day = _date(value)
        if not plan.first_day <= day <= plan.last_day:
            raise _CellError(
                _("Fristen %(date)s ligger utenfor planperioden %(period)s.")
                % {"date": day.strftime("%d.%m.%Y"), "period": plan.period}
            )
        return day

    check("due_date", due_date)

    def status(value):
        text = _text(value, max_length=_MAX_LENGTH["status"])
        labels = ", ".join(f"«{label}»" for label in Status.labels)
        if not text:
            raise _CellError(_("Skriv en status. Bruk en av: %(labels)s.") % {"labels": labels})
        if text.casefold() not in lookups.statuses:
            raise _CellError(
                _("%(value)s er ikke en status. Bruk en av: %(labels)s.")
                % {"value": _quoted(text), "labels": labels}
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
                _("Prosent må være et helt tall fra 0 til 100, ikke %(value)s.")
                % {"value": _quoted("" if value is None else value)}
            )
        return number

    check("percent", percent)
    if out.get("status") == Status.DONE and "percent" in out:
        out["percent"] = 100  # as when progress is logged in the portal: done is 100 %
    return out, errors


def read_plan_file(*, plan: ActionPlan, upload: UploadedFile) -> list[ImportRow]:
    """Every row of the file, checked cell by cell. Writes nothing.

    Raises PlanFileError with the problems found, by row and column (at most
    ``uploads.MAX_ERRORS``; reading stops there). How the rows match the plan is worked out by
    ``plan_import_changes``.
    """
    budget = uploads.ParseBudget()
    rows = _sheet_rows(upload, budget)
    errors = uploads.ImportErrors()
    result: list[ImportRow] = []
    seen_rows = 0
    try:
        id_columns = _check_headers(next(rows, None))
        lookups = _Lookups(plan)
        for row, values in rows:
            seen_rows += 1
            parsed, row_errors = _parse_row(row, values, lookups, plan, id_columns)
            errors.extend(row_errors)
            if errors.full:
                errors.truncated = True
                break
            if row_errors:
                continue
            result.append(
                ImportRow(
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
                    milestone_id=parsed.get("milestone_id"),
                    action_id=parsed.get("action_id"),
                )
            )
    except uploads.ParseTooSlow as exc:
        raise PlanFileError([exc.message]) from None
    finally:
        rows.close()
    if errors:
        raise PlanFileError(errors)
    if not seen_rows:
        raise PlanFileError([_("Filen har ingen rader under kolonneoverskriftene.")])
    return result


# --------------------------------------------------------------------------------------------
# Import: what the file would change (the preview)


@dataclass
class FieldChange:
    """One field of an action or milestone, as the preview shows it: «Frist: 30.06.2025 →
    15.08.2025»."""

    label: str
    old: str
    new: str


@dataclass
class ActionStep:
    row: int  # the first row of the action in the file
    pk: int | None  # None: a new action
    number: str
    title: str
    sub_goal: SubGoal
    strategies: list[Strategy]
    lead_party: Party | None
    changes: list[FieldChange] = field(default_factory=list)

    @property
    def is_new(self) -> bool:
        return self.pk is None


@dataclass
class MilestoneStep:
    row: int
    pk: int | None  # None: a new milestone
    action: ActionStep
    title: str
    description: str
    due_date: datetime.date | None
    status: str
    percent: int
    order: int = 0
    changes: list[FieldChange] = field(default_factory=list)
    log_progress: bool = False
    moved: bool = False  # to another action
    due_date_moved: bool = False
    reason_needed: bool = False  # moving the due date must be explained (services)

    @property
    def is_new(self) -> bool:
        return self.pk is None

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label)


@dataclass
class ImportPlan:
    """What importing the file would do to the plan, worked out without writing anything.

    ``as_data()`` is the same as JSON-ready data, which ``plan_import_apply`` applies exactly
    (the view keeps it in the session between the preview and «Bekreft import»). ``fingerprint``
    is the plan's state it was worked out against: if the plan has changed since, applying it
    is refused.
    """

    actions: list[ActionStep]
    milestones: list[MilestoneStep]
    notes: list[str]
    milestones_not_in_file: int
    fingerprint: str

    @property
    def new_actions(self) -> list[ActionStep]:
        return [step for step in self.actions if step.is_new]

    @property
    def changed_actions(self) -> list[ActionStep]:
        return [step for step in self.actions if not step.is_new and step.changes]

    @property
    def unchanged_actions(self) -> list[ActionStep]:
        return [step for step in self.actions if not step.is_new and not step.changes]

    @property
    def new_milestones(self) -> list[MilestoneStep]:
        return [step for step in self.milestones if step.is_new]

    @property
    def changed_milestones(self) -> list[MilestoneStep]:
        return [step for step in self.milestones if not step.is_new and step.changes]

    @property
    def unchanged_milestones(self) -> list[MilestoneStep]:
        return [step for step in self.milestones if not step.is_new and not step.changes]

    @property
    def reason_needed(self) -> bool:
        """Whether a moved due date must be explained: «Bekreft import» then asks why."""
        return any(step.reason_needed for step in self.milestones)

    @property
    def moved_due_dates(self) -> list[MilestoneStep]:
        return [step for step in self.milestones if step.due_date_moved]

    @property
    def has_changes(self) -> bool:
        return bool(self.new_actions or self.changed_actions or self.new_milestones) or bool(
            self.changed_milestones
        )

    def as_data(self) -> dict:
        index = {id(step): i for i, step in enumerate(self.actions)}
        actions = []
        for step in self.actions:
            actions.append(
                {
                    "pk": step.pk,
                    "write": step.is_new or bool(step.changes),
                    "number": step.number,
                    "title": step.title,
                    "sub_goal": step.sub_goal.pk,
                    "strategies": [s.pk for s in step.strategies],
                    "lead_party": step.lead_party.pk if step.lead_party else None,
                }
            )
        milestones = []
        for step in self.milestones:
            if not step.is_new and not step.changes:
                continue
            milestones.append(
                {
                    "pk": step.pk,
                    "action": index[id(step.action)],
                    "title": step.title,
                    "description": step.description,
                    "due_date": step.due_date.isoformat() if step.due_date else None,
                    "status": step.status,
                    "percent": step.percent,
                    "order": step.order,
                    "log": step.log_progress,
                }
            )
        return {
            "fingerprint": self.fingerprint,
            "actions": actions,
            "milestones": milestones,
            "reason_needed": self.reason_needed,
            "unchanged": len(self.unchanged_milestones),
            "not_in_file": self.milestones_not_in_file,
        }


def plan_fingerprint(plan: ActionPlan) -> str:
    """A digest of everything in the plan an import reads or writes (its actions, their
    strategies, its milestones and their versions): it changes whenever any of that does."""
    digest = hashlib.sha256()
    actions = Action.objects.filter(plan=plan).order_by("pk")
    for row in actions.values_list("pk", "number", "title", "sub_goal_id", "lead_party_id"):
        digest.update(repr(row).encode())
    links = Action.strategies.through.objects.filter(action__plan=plan).order_by(
        "action_id", "strategy_id"
    )
    for row in links.values_list("action_id", "strategy_id"):
        digest.update(repr(row).encode())
    milestones = Milestone.objects.in_plan(plan).order_by("pk")
    for row in milestones.values_list(
        "pk", "action_id", "title", "description", "due_date", "status", "percent", "version"
    ):
        digest.update(repr(row).encode())
    return digest.hexdigest()


def _date_text(day: datetime.date | None) -> str:
    return day.strftime("%d.%m.%Y") if day else ""


def _party_text(party: Party | None) -> str:
    return party.name if party else _("(ingen)")


def _action_value(item: ImportRow, key: str) -> str:
    """An action column of a row as the text to compare and show."""
    if key == "action_number":
        return item.action_number
    if key == "action_title":
        return item.action_title
    if key == "sub_goal":
        return item.sub_goal.code
    if key == "strategies":
        return strategy_labels(item.strategies)
    return item.lead_party.name if item.lead_party else ""


def _action_changes(action: Action, item: ImportRow) -> list[FieldChange]:
    changes = []
    if action.number != item.action_number:
        changes.append(FieldChange(str(_("Tiltak nr.")), action.number, item.action_number))
    if action.title != item.action_title:
        changes.append(FieldChange(str(_("Tiltak")), action.title, item.action_title))
    if action.sub_goal_id != item.sub_goal.pk:
        changes.append(FieldChange(str(_("Delmål")), action.sub_goal.code, item.sub_goal.code))
    if {s.pk for s in action.strategies.all()} != {s.pk for s in item.strategies}:
        changes.append(
            FieldChange(
                str(_("Strategier")),
                strategy_labels(action.strategies.all()),
                strategy_labels(item.strategies),
            )
        )
    if action.lead_party_id != (item.lead_party.pk if item.lead_party else None):
        changes.append(
            FieldChange(
                str(_("Ansvarlig part")),
                _party_text(action.lead_party),
                _party_text(item.lead_party),
            )
        )
    return changes


def _milestone_changes(milestone: Milestone, item: ImportRow, action: ActionStep) -> list:
    changes = []
    if milestone.title != item.milestone_title:
        changes.append(FieldChange(str(_("Milepæl")), milestone.title, item.milestone_title))
    if milestone.action_id != action.pk:
        changes.append(FieldChange(str(_("Tiltak")), milestone.action.number, action.number))
    if milestone.description != item.description:
        changes.append(FieldChange(str(_("Beskrivelse")), milestone.description, item.description))
    if milestone.due_date != item.due_date:
        changes.append(
            FieldChange(str(_("Frist")), _date_text(milestone.due_date), _date_text(item.due_date))
        )
    if milestone.status != item.status:
        changes.append(
            FieldChange(
                str(_("Status")),
                str(Status(milestone.status).label),
                str(Status(item.status).label),
            )
        )
    if milestone.percent != item.percent:
        changes.append(
            FieldChange(str(_("Prosent")), f"{milestone.percent} %", f"{item.percent} %")
        )
    return changes


def plan_import_changes(*, plan: ActionPlan, rows: list[ImportRow]) -> ImportPlan:
    """What the checked rows would change in the plan. Writes nothing.

    Rows are matched to the plan by the id columns of an exported file («Tiltak-ID»,
    «Milepæl-ID»), so a renamed milestone or a renumbered action is the same one, changed.
    A row without an id (added in Excel), or with an id that is not in this plan (a file from
    another plan), is matched by name as before: an action by its number, a milestone by its
    action and title; failing that it is new.

    Raises PlanFileError with the problems found (ids used twice, numbers that clash).
    """
    errors = uploads.ImportErrors()
    notes = uploads.ImportErrors()
    strategies = Prefetch(
        "strategies", queryset=Strategy.objects.select_related("sub_goal").order_by()
    )
    existing_actions = {
        action.pk: action
        for action in Action.objects.filter(plan=plan)
        .select_related("sub_goal", "lead_party")
        .prefetch_related(strategies)
    }
    by_number = {action.number: action for action in existing_actions.values()}
    existing_milestones = {
        milestone.pk: milestone
        for milestone in Milestone.objects.in_plan(plan).select_related("action")
    }
    fingerprint = plan_fingerprint(plan)

    # Actions: rows with a known «Tiltak-ID» first, so that a row added without one joins
    # the action by the number it has in the file.
    steps: dict[tuple, ActionStep] = {}
    first_row: dict[tuple, ImportRow] = {}
    row_action: dict[int, tuple] = {}
    number_owner: dict[str, tuple] = {}
    for item in rows:
        if item.action_id is None or item.action_id in existing_actions:
            continue
        notes.add(
            _(
                "Rad %(row)s: Tiltak-ID %(id)s finnes ikke i denne handlingsplanen, så tiltaket "
                "er kjent igjen på nummeret i stedet."
            )
            % {"row": item.row, "id": item.action_id}
        )
        item.action_id = None
    for with_id in (True, False):
        for item in rows:
            if (item.action_id is not None) != with_id:
                continue
            if with_id:
                key = ("pk", item.action_id)
            elif item.action_number in number_owner:
                key = number_owner[item.action_number]
            elif (
                item.action_number in by_number
                and ("pk", by_number[item.action_number].pk) not in steps
            ):
                key = ("pk", by_number[item.action_number].pk)
            else:
                key = ("new", item.action_number)
            row_action[id(item)] = key
            first = first_row.setdefault(key, item)
            if first is item:
                action = existing_actions.get(key[1]) if key[0] == "pk" else None
                steps[key] = ActionStep(
                    row=item.row,
                    pk=action.pk if action else None,
                    number=item.action_number,
                    title=item.action_title,
                    sub_goal=item.sub_goal,
                    strategies=item.strategies,
                    lead_party=item.lead_party,
                    changes=_action_changes(action, item) if action else [],
                )
                if item.action_number in number_owner:
                    errors.add(
                        _cell_error(
                            item.row,
                            "action_number",
                            _(
                                "Tiltak nr. %(number)s står på to ulike tiltak i filen (se rad "
                                "%(other)s). Et nummer kan bare brukes av ett tiltak."
                            )
                            % {
                                "number": uploads.excerpt(item.action_number),
                                "other": first_row[number_owner[item.action_number]].row,
                            },
                        )
                    )
                number_owner.setdefault(item.action_number, key)
                continue
            for column in ("action_number", "action_title", "sub_goal", "strategies", "lead_party"):
                mine, theirs = _action_value(item, column), _action_value(first, column)
                if mine != theirs:
                    errors.add(
                        _cell_error(
                            item.row,
                            column,
                            _(
                                "Tiltak %(number)s har %(mine)s her, men %(theirs)s på rad "
                                "%(first)s. Alle rader for samme tiltak må være like i "
                                "kolonnene for tiltaket."
                            )
                            % {
                                "number": uploads.excerpt(first.action_number),
                                "mine": _quoted(mine),
                                "theirs": _quoted(theirs),
                                "first": first.row,
                            },
                        )
                    )
    # A number taken from an action the file leaves alone.
    in_file = {key[1] for key in steps if key[0] == "pk"}
    for step in steps.values():
        holder = by_number.get(step.number)
        if holder is not None and holder.pk not in in_file and holder.pk != step.pk:
            errors.add(
                _cell_error(
                    step.row,
                    "action_number",
                    _(
                        "Tiltak nr. %(number)s brukes allerede av tiltaket «%(title)s» i planen, "
                        "som ikke står i filen. Velg et annet nummer."
                    )
                    % {"number": uploads.excerpt(step.number), "title": holder.title},
                )
            )

    # Milestones: by «Milepæl-ID» first, then by action and title. A row copied in Excel to make
    # a new milestone carries the id of the row it was copied from: of the rows with the same
    # id, the one that still has the milestone's title is the milestone, the others are new.
    claimed: dict[int, int] = {}  # milestone pk -> row
    matches: dict[int, Milestone] = {}
    rows_by_id: dict[int, list[ImportRow]] = defaultdict(list)
    for item in rows:
        if not item.milestone_title or item.milestone_id is None:
            continue
        if item.milestone_id not in existing_milestones:
            notes.add(
                _(
                    "Rad %(row)s: Milepæl-ID %(id)s finnes ikke i denne handlingsplanen, så "
                    "milepælen er kjent igjen på tiltaket og navnet i stedet."
                )
                % {"row": item.row, "id": item.milestone_id}
            )
            continue
        rows_by_id[item.milestone_id].append(item)
    for pk, same_id in rows_by_id.items():
        milestone = existing_milestones[pk]
        if len(same_id) > 1:
            same_title = [i for i in same_id if i.milestone_title == milestone.title.strip()]
            if len(same_title) != 1:
                errors.add(
                    _cell_error(
                        same_id[1].row,
                        "milestone_id",
                        _(
                            "Milepæl-ID %(id)s står på flere rader (%(rows)s). Har du kopiert en "
                            "rad for å lage en ny milepæl, må du tømme ID-cellene på den nye "
                            "raden."
                        )
                        % {"id": pk, "rows": ", ".join(str(i.row) for i in same_id[:10])},
                    )
                )
                continue
            for item in same_id:
                if item is not same_title[0]:
                    notes.add(
                        _(
                            "Rad %(row)s har samme Milepæl-ID som rad %(other)s og er lest som "
                            "en ny milepæl."
                        )
                        % {"row": item.row, "other": same_title[0].row}
                    )
            same_id = same_title
        claimed[pk] = same_id[0].row
        matches[id(same_id[0])] = milestone
    by_title: dict[tuple[int, str], list[Milestone]] = defaultdict(list)
    for milestone in existing_milestones.values():
        if milestone.pk not in claimed:
            by_title[(milestone.action_id, milestone.title.strip())].append(milestone)

    milestone_steps: list[MilestoneStep] = []
    seen_titles: dict[tuple, int] = {}
    next_order: dict[tuple, int] = defaultdict(int)
    for item in rows:
        if not item.milestone_title:
            continue
        key = row_action[id(item)]
        action_step = steps[key]
        next_order[key] += 1
        title_key = (key, item.milestone_title)
        if title_key in seen_titles:
            errors.add(
                _cell_error(
                    item.row,
                    "milestone_title",
                    _(
                        "Milepælen %(title)s står allerede på rad %(first)s under tiltak "
                        "%(number)s. Milepælene i et tiltak må ha ulike titler."
                    )
                    % {
                        "title": _quoted(item.milestone_title),
                        "first": seen_titles[title_key],
                        "number": uploads.excerpt(action_step.number),
                    },
                )
            )
            continue
        seen_titles[title_key] = item.row
        milestone = matches.get(id(item))
        if milestone is None and action_step.pk is not None:
            candidates = by_title.get((action_step.pk, item.milestone_title), [])
            if len(candidates) > 1:
                errors.add(
                    _cell_error(
                        item.row,
                        "milestone_title",
                        _(
                            "Tiltak %(number)s har flere milepæler som heter %(title)s i "
                            "portalen, så importen vet ikke hvilken som skal endres. Bruk filen "
                            "fra «Last ned som Excel», som kjenner dem igjen på ID-en, eller gi "
                            "dem ulike titler i portalen først."
                        )
                        % {
                            "number": uploads.excerpt(action_step.number),
                            "title": _quoted(item.milestone_title),
                        },
                    )
                )
                continue
            if candidates:
                milestone = candidates[0]
                claimed[milestone.pk] = item.row
        if item.due_date is None and (milestone is None or milestone.due_date is not None):
            # Only a milestone carried over without a deadline may stay without one.
            errors.add(_cell_error(item.row, "due_date", _("Skriv en frist.")))
            continue
        step = MilestoneStep(
            row=item.row,
            pk=milestone.pk if milestone else None,
            action=action_step,
            title=item.milestone_title,
            description=item.description,
            due_date=item.due_date,
            status=item.status,
            percent=item.percent,
            order=next_order[key],
        )
        if milestone is None:
            step.log_progress = item.status != Status.NOT_STARTED or item.percent != 0
        else:
            step.changes = _milestone_changes(milestone, item, action_step)
            step.log_progress = (milestone.status, milestone.percent) != (item.status, item.percent)
            step.moved = milestone.action_id != action_step.pk
            step.due_date_moved = milestone.due_date != item.due_date
            step.reason_needed = step.due_date_moved and services.due_date_change_needs_reason(
                milestone
            )
        milestone_steps.append(step)
        if errors.full:
            break
    if errors:
        raise PlanFileError(errors)
    return ImportPlan(
        actions=list(steps.values()),
        milestones=milestone_steps,
        notes=list(notes),
        milestones_not_in_file=sum(1 for pk in existing_milestones if pk not in claimed),
        fingerprint=fingerprint,
    )


# --------------------------------------------------------------------------------------------
# Import: writing what was previewed

REASON_MISSING = gettext_lazy(
    "Ingenting er lagret: skriv hvorfor fristene flyttes, så lesere kan se det i milepælenes "
    "historikk. Last opp filen på nytt og fyll inn begrunnelsen før du bekrefter."
)
PLAN_CHANGED = gettext_lazy(
    "Planen er endret siden du så forhåndsvisningen, så importen er ikke gjort. Ingenting er "
    "lagret. Last opp filen på nytt for å se hva den vil endre nå."
)


@transaction.atomic
def plan_import_apply(
    *, plan: ActionPlan, user: User, data: dict, reason: str = ""
) -> ImportSummary:
    """Write what ``ImportPlan.as_data()`` describes, all or nothing.

    A moved due date goes through ``services.milestone_due_date_change`` (recorded in the
    milestone's history with ``reason``, which is required when the preview said so).
    Raises PlanChanged (and saves nothing) if the plan is no longer as it was when the preview
    was made, and PlanFileError if the reason is missing or someone changed the agreement in a
    way that stops it.
    """
    reason = (reason or "").strip()
    if data.get("reason_needed") and not reason:
        raise PlanFileError([str(REASON_MISSING)])
    # One import at a time per plan (a row lock on PostgreSQL), and against the plan as seen.
    list(ActionPlan.objects.select_for_update().filter(pk=plan.pk).values_list("pk"))
    if plan_fingerprint(plan) != data.get("fingerprint"):
        raise PlanChanged([str(PLAN_CHANGED)])
    summary = ImportSummary(
        milestones_unchanged=data["unchanged"], milestones_not_in_file=data["not_in_file"]
    )
    try:
        actions = _apply_actions(plan, data["actions"], summary)
        for entry in data["milestones"]:
            _apply_milestone(actions[entry["action"]], entry, user, summary, reason)
    except ValidationError as exc:
        raise PlanFileError(exc.messages) from None
    except (ProgressConflict, IntegrityError, ObjectDoesNotExist):
        raise PlanChanged([str(PLAN_CHANGED)]) from None
    return summary


def _apply_actions(plan: ActionPlan, entries: list[dict], summary: ImportSummary) -> list[Action]:
    existing = {a.pk: a for a in Action.objects.filter(plan=plan)}
    sub_goals = SubGoal.objects.in_bulk({e["sub_goal"] for e in entries})
    parties = Party.objects.in_bulk({e["lead_party"] for e in entries if e["lead_party"]})
    strategies = Strategy.objects.in_bulk({pk for e in entries for pk in e["strategies"]})
    # A number given to another action in the same import is freed first (numbers are unique
    # in a plan): those actions go through a temporary number.
    taken = {a.number for a in existing.values()}
    renumbered = [
        existing[e["pk"]]
        for e in entries
        if e["pk"] is not None and existing[e["pk"]].number != e["number"] and e["number"] in taken
    ]
    for action in renumbered:
        action.number = f"~{action.pk}"[: Action._meta.get_field("number").max_length]
        action.save(update_fields=["number"])
    result = []
    for entry in entries:
        values = {
            "number": entry["number"],
            "title": entry["title"],
            "sub_goal": sub_goals[entry["sub_goal"]],
            "lead_party": parties[entry["lead_party"]] if entry["lead_party"] else None,
        }
        chosen = [strategies[pk] for pk in entry["strategies"]]
        if entry["pk"] is None:
            action = Action.objects.create(plan=plan, **values)
            action.strategies.set(chosen)
            summary.actions_created += 1
        else:
            action = existing[entry["pk"]]
            if entry["write"]:
                changed = [name for name, value in values.items() if getattr(action, name) != value]
                for name in changed:
                    setattr(action, name, values[name])
                if changed:
                    action.save(update_fields=changed)
                if set(action.strategies.values_list("pk", flat=True)) != set(entry["strategies"]):
                    action.strategies.set(chosen)
                summary.actions_updated += 1
        result.append(action)
    return result


def _apply_milestone(
    action: Action, entry: dict, user: User, summary: ImportSummary, reason: str
) -> None:
    due_date = datetime.date.fromisoformat(entry["due_date"]) if entry["due_date"] else None
    if entry["pk"] is None:
        milestone = Milestone.objects.create(
            action=action,
            title=entry["title"],
            description=entry["description"],
            due_date=due_date,
            order=entry["order"],
        )
        summary.milestones_created += 1
    else:
        milestone = Milestone.objects.select_related("action").get(
            pk=entry["pk"], action__plan_id=action.plan_id
        )
        values = {
            "title": entry["title"],
            "action": action,
            "description": entry["description"],
        }
        changed = [name for name, value in values.items() if getattr(milestone, name) != value]
        for name in changed:
            setattr(milestone, name, values[name])
        if changed:
            milestone.save(update_fields=changed)
        services.milestone_due_date_change(
            milestone=milestone,
            user=user,
            new_due_date=due_date,
            reason=reason,
            source=MilestoneDueDateChange.Source.EXCEL,
        )
        summary.milestones_updated += 1
    if entry["log"]:
        progress_log(
            milestone=milestone,
            user=user,
            status=entry["status"],
            percent=entry["percent"],
            comment=str(IMPORT_COMMENT),
            seen_version=milestone.version,
        )
        summary.progress_logged += 1
