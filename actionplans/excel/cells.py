"""Import: what a read row is, and reading one cell's value (every message quotes an excerpt)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from actionplans.models import Status
from agreements.models import Party, Strategy, SubGoal
from tromsvekst.lib import uploads

from .layout import ALL_COLUMNS, COLUMN_INDEX, EXCEL_MAX_CELL_TEXT, IMPORT_COMMENT, Column

# --------------------------------------------------------------------------------------------
# Import: reading and checking


class PlanFileError(Exception):
    """The file cannot be imported. ``errors`` holds the problems found, in Norwegian (at most
    ``uploads.MAX_ERRORS``; ``truncated`` says that reading stopped there)."""

    def __init__(self, errors: Iterable[str], truncated: bool = False):
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


def _quoted(value: object) -> str:
    """«…» around at most a short excerpt of what the file says (see tromsvekst.lib.uploads)."""
    return "«" + uploads.excerpt(value) + "»"


def _text(value: object, *, max_length: int | None = None, code: bool = False) -> str:
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


def _whole_number(value: object) -> int | None:
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


def _date(value: object) -> datetime.date:
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


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def max_upload_bytes() -> int:
    return uploads.upload_limit("PLAN_IMPORT_MAX_BYTES")
