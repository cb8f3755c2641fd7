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

# The characters the exporter drops (XML cannot carry them); the tests read them from here.
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from .apply import PLAN_CHANGED, REASON_MISSING, plan_import_apply
from .cells import ImportRow, ImportSummary, PlanChanged, PlanFileError, max_upload_bytes
from .changes import plan_fingerprint
from .export import (
    export_filename,
    plan_export_rows,
    plan_workbook,
    sheet_title,
    strategy_labels,
)
from .layout import (
    ALL_COLUMNS,
    COLUMN_INDEX,
    COLUMNS,
    DATE_FORMAT,
    DATETIME_FORMAT,
    EXCEL_LAST_ROW,
    EXCEL_MAX_CELL_TEXT,
    FORMULA_TRIGGERS,
    ID_COLUMNS,
    IMPORT_COMMENT,
    MAX_ROWS,
    MAX_UNPACKED_BYTES,
    MAX_ZIP_MEMBERS,
    MILESTONE_KEYS,
    TABLE_NAME,
    XLSX_CONTENT_TYPE,
    Column,
)
from .plan import ActionStep, FieldChange, ImportPlan, MilestoneStep
from .preview import plan_import_changes
from .rows import read_plan_file
from .workbook import (
    FORBIDDEN_XML,
    MAX_CONTENT_TYPES_BYTES,
    MAX_PART_BYTES,
    MAX_PART_TAGS,
    MAX_ROW_CELLS,
    MAX_SHEET_CELLS,
    MAX_XML_TAGS,
    MAX_XML_TOKEN,
    WORKBOOK_CONTENT_TYPES,
    XML_EXTRAS,
    XML_TOO_COMPLEX,
)

__all__ = [
    "XLSX_CONTENT_TYPE",
    "MAX_ROWS",
    "MAX_UNPACKED_BYTES",
    "MAX_ZIP_MEMBERS",
    "EXCEL_LAST_ROW",
    "EXCEL_MAX_CELL_TEXT",
    "DATE_FORMAT",
    "DATETIME_FORMAT",
    "TABLE_NAME",
    "IMPORT_COMMENT",
    "FORMULA_TRIGGERS",
    "Column",
    "COLUMNS",
    "ID_COLUMNS",
    "ALL_COLUMNS",
    "COLUMN_INDEX",
    "MILESTONE_KEYS",
    "export_filename",
    "sheet_title",
    "strategy_labels",
    "plan_export_rows",
    "plan_workbook",
    "ILLEGAL_CHARACTERS_RE",
    "PlanFileError",
    "PlanChanged",
    "ImportRow",
    "ImportSummary",
    "max_upload_bytes",
    "WORKBOOK_CONTENT_TYPES",
    "MAX_CONTENT_TYPES_BYTES",
    "FORBIDDEN_XML",
    "XML_EXTRAS",
    "XML_TOO_COMPLEX",
    "MAX_PART_BYTES",
    "MAX_XML_TOKEN",
    "MAX_XML_TAGS",
    "MAX_ROW_CELLS",
    "MAX_SHEET_CELLS",
    "MAX_PART_TAGS",
    "read_plan_file",
    "FieldChange",
    "ActionStep",
    "MilestoneStep",
    "ImportPlan",
    "plan_fingerprint",
    "plan_import_changes",
    "REASON_MISSING",
    "PLAN_CHANGED",
    "plan_import_apply",
]
