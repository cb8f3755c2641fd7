"""Import: the rows of the sheet, checked column by column (``COLUMN_PARSERS``)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.utils import get_column_letter

from actionplans.models import Action, ActionPlan, Milestone, Status
from agreements.models import Party, Strategy, SubGoal
from tromsvekst.lib import uploads

from .cells import (
    ImportRow,
    PlanFileError,
    _blank,
    _cell_error,
    _CellError,
    _date,
    _quoted,
    _text,
    _whole_number,
)
from .export import _code_key, _strategy_sort_key
from .layout import ALL_COLUMNS, COLUMNS, EXCEL_MAX_CELL_TEXT, ID_COLUMNS, MILESTONE_KEYS
from .workbook import _sheet_rows

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise


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


@dataclass
class _RowContext:
    """What a column's parser may look at: the agreement's names, the plan, and the values of
    the columns read before it in this row."""

    lookups: _Lookups
    plan: ActionPlan
    out: dict = field(default_factory=dict)


def _required(
    key: str, what: StrPromise, *, code: bool = False
) -> Callable[[object, _RowContext], str]:
    """A parser for a text column that must not be empty; ``what`` says what to write."""

    def parse(value: object, context: _RowContext) -> str:
        text = _text(value, max_length=_MAX_LENGTH[key], code=code)
        if not text:
            raise _CellError(what)
        return text

    return parse


def _sub_goal(value: object, context: _RowContext) -> SubGoal:
    code = _required(
        "sub_goal", gettext_lazy("Skriv koden til delmålet, for eksempel «1.2»."), code=True
    )(value, context)
    goal = context.lookups.sub_goals.get(code)
    if goal is None:
        raise _CellError(
            _("Delmålet %(code)s finnes ikke i avtalen. Avtalens delmål er %(codes)s.")
            % {
                "code": _quoted(code),
                "codes": ", ".join(sorted(context.lookups.sub_goals, key=_code_key)),
            }
        )
    return goal


def _focus_area(value: object, context: _RowContext) -> int | None:
    if _blank(value):
        return None
    number = _whole_number(value)
    if number is None:
        raise _CellError(_("Skriv nummeret på innsatsområdet, for eksempel 1."))
    goal = context.out.get("sub_goal")
    if goal and goal.focus_area.number != number:
        raise _CellError(
            _("Delmål %(code)s hører til innsatsområde %(right)s, ikke %(wrong)s.")
            % {"code": goal.code, "right": goal.focus_area.number, "wrong": uploads.excerpt(number)}
        )
    return number


def _strategies(value: object, context: _RowContext) -> list[Strategy]:
    text = _text(value, max_length=_MAX_LENGTH["strategies"], code=True)
    labels = [part.strip() for part in re.split(r"[;,\n]", text) if part.strip()]
    if not labels:
        raise _CellError(
            _("Skriv minst én strategi tiltaket følger opp, for eksempel «1.1.1; 1.1.2».")
        )
    known = context.lookups.strategies
    unknown = [label for label in labels if label not in known]
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
    found = {known[label].pk: known[label] for label in labels}
    return sorted(found.values(), key=_strategy_sort_key)


def _lead_party(value: object, context: _RowContext) -> Party | None:
    name = _text(value, max_length=_MAX_LENGTH["lead_party"])
    if not name:
        return None
    parties = context.lookups.parties
    party = parties.get(name.casefold())
    if party is None:
        raise _CellError(
            _("%(name)s er ikke en part i avtalen. Velg en av: %(names)s.")
            % {
                "name": _quoted(name),
                "names": ", ".join(sorted({f"«{p.name}»" for p in parties.values()})),
            }
        )
    return party


def _identifier(value: object, context: _RowContext) -> int | None:
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


def _description(value: object, context: _RowContext) -> str:
    return _text(value, max_length=_MAX_LENGTH["description"])


def _due_date(value: object, context: _RowContext) -> datetime.date | None:
    if _blank(value):
        return None  # allowed only for a milestone still waiting for its first deadline
    day = _date(value)
    plan = context.plan
    if not plan.first_day <= day <= plan.last_day:
        raise _CellError(
            _("Fristen %(date)s ligger utenfor planperioden %(period)s.")
            % {"date": day.strftime("%d.%m.%Y"), "period": plan.period}
        )
    return day


def _status(value: object, context: _RowContext) -> str:
    text = _text(value, max_length=_MAX_LENGTH["status"])
    labels = ", ".join(f"«{label}»" for label in Status.labels)
    if not text:
        raise _CellError(_("Skriv en status. Bruk en av: %(labels)s.") % {"labels": labels})
    if text.casefold() not in context.lookups.statuses:
        raise _CellError(
            _("%(value)s er ikke en status. Bruk en av: %(labels)s.")
            % {"value": _quoted(text), "labels": labels}
        )
    return context.lookups.statuses[text.casefold()]


def _percent(value: object, context: _RowContext) -> int:
    if _blank(value):
        raise _CellError(_("Skriv hvor mange prosent som er fullført, et helt tall fra 0 til 100."))
    number = _whole_number(value)
    if number is None or not 0 <= number <= 100:
        raise _CellError(
            _("Prosent må være et helt tall fra 0 til 100, ikke %(value)s.")
            % {"value": _quoted("" if value is None else value)}
        )
    if context.out.get("status") == Status.DONE:
        return 100  # as when progress is logged in the portal: done is 100 %
    return number


# One parser per column: ``parse(cell value, context)`` returns the value or raises _CellError
# with what is wrong. The action's columns are read first, then the id columns the file has,
# then (unless the row is the action alone) the milestone's, in the order of MILESTONE_KEYS; a
# parser may look at the values read before it (``context.out``).
COLUMN_PARSERS = {
    "sub_goal": _sub_goal,
    "focus_area": _focus_area,
    "action_number": _required("action_number", gettext_lazy("Skriv tiltakets nummer."), code=True),
    "action_title": _required("action_title", gettext_lazy("Skriv tiltakets tittel.")),
    "strategies": _strategies,
    "lead_party": _lead_party,
    "milestone_id": _identifier,
    "action_id": _identifier,
    "milestone_title": _required("milestone_title", gettext_lazy("Skriv milepælens tittel.")),
    "description": _description,
    "due_date": _due_date,
    "status": _status,
    "percent": _percent,
}
ACTION_KEYS = (
    "sub_goal",
    "focus_area",
    "action_number",
    "action_title",
    "strategies",
    "lead_party",
)


def _parse_row(
    row: int, values: tuple, lookups: _Lookups, plan: ActionPlan, id_columns: set[str]
) -> tuple[dict, list]:
    """One row's values, checked one by one (``COLUMN_PARSERS``). Returns (values by key,
    errors)."""
    context = _RowContext(lookups=lookups, plan=plan)
    errors: list[str] = []
    cell = dict(zip((c.key for c in ALL_COLUMNS), values, strict=True))

    def check(key: str) -> None:
        try:
            context.out[key] = COLUMN_PARSERS[key](cell[key], context)
        except _CellError as exc:
            errors.append(_cell_error(row, key, str(exc)))

    for key in ACTION_KEYS:
        check(key)
    for key in id_columns:
        check(key)
    if all(_blank(cell[key]) for key in MILESTONE_KEYS):
        context.out.pop("milestone_id", None)
        return context.out, errors  # the action alone
    for key in MILESTONE_KEYS:
        check(key)
    return context.out, errors


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
