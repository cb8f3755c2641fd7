"""The plan workbook's layout: its columns, in order, and the limits every step shares."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy
from openpyxl.utils import get_column_letter

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

logger = logging.getLogger("actionplans.excel")

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
    header: StrPromise  # a lazy translation
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
    letter: str = get_column_letter(COLUMN_INDEX[key] + 1)
    return letter
