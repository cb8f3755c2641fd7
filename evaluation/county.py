"""The county's overview («Fylkets oversikt»): every agreement side by side.

One row per agreement: each action plan's progress and milestone counts (the same roll-up as
the dashboard's headline, ``actionplans.selectors.plan_headline``), the last meeting held and
the next one planned, whether this year meets the meeting rule of §5.1 as the meeting schedule
checks it (``agreements.selectors.meeting_year_checks``: one physical and one digital meeting,
planned or held), the latest evaluation and its status, and the last activity (the newest
entry of the audit log for the agreement).

The overview lives in ``evaluation`` because it reads all three apps (the layering lets only
``evaluation`` see evaluations). It costs the same handful of queries for 1 or 50 agreements:
the agreements, the plans with their roll-ups, the meetings, the evaluations and the audit log's
newest entries, one query each.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max, QuerySet
from django.utils import timezone

from actionplans.models import ActionPlan, Status, rollup_aggregates
from actionplans.selectors import Headline, Rollup, current_plan, plan_headline
from agreements import rules
from agreements.models import Agreement, Meeting
from agreements.selectors import YearCheck, meeting_year_checks
from evaluation.models import Evaluation
from tromsvekst.audit.models import AuditEntry
from tromsvekst.lib.dates import local_today


@dataclass
class PlanFigures:
    """One action plan's figures: its headline (status counts, overdue, percent)."""

    plan: ActionPlan
    headline: Headline

    @property
    def total(self) -> int:
        return self.headline.total

    @property
    def percent(self) -> int:
        return self.headline.percent

    @property
    def overdue(self) -> int:
        return self.headline.overdue

    def count(self, status: str) -> int:
        return next((row.count for row in self.headline.rows if row.value == status), 0)

    @property
    def done(self) -> int:
        return self.count(Status.DONE)

    @property
    def at_risk(self) -> int:
        return self.count(Status.AT_RISK)

    @property
    def delayed(self) -> int:
        return self.count(Status.DELAYED)


@dataclass
class CountyRow:
    """One agreement in the overview."""

    agreement: Agreement
    plans: list[PlanFigures] = field(default_factory=list)
    current: PlanFigures | None = None  # the plan of this year (actionplans' current_plan)
    last_meeting: Meeting | None = None
    next_meeting: Meeting | None = None
    year_check: YearCheck | None = None  # None when this year is outside the agreement period
    evaluation: Evaluation | None = None
    last_activity: datetime.datetime | None = None

    @property
    def overdue(self) -> int:
        """Overdue milestones in all the agreement's plans."""
        return sum(figures.overdue for figures in self.plans)


@dataclass(frozen=True)
class SortKey:
    label: str  # the column the key belongs to (for the table's aria-sort)
    key: Callable[[CountyRow], Any]  # None sorts last in either direction


# ?sort=<name> ascending, ?sort=-<name> descending; the names are Norwegian, as in the address.
SORTS: dict[str, SortKey] = {
    "avtale": SortKey("agreement", lambda row: row.agreement.title.casefold()),
    "fremdrift": SortKey("plan", lambda row: row.current.percent if row.current else None),
    "forfalt": SortKey("overdue", lambda row: row.overdue),
    "forrige-mote": SortKey(
        "last_meeting", lambda row: row.last_meeting.start if row.last_meeting else None
    ),
    "neste-mote": SortKey(
        "next_meeting", lambda row: row.next_meeting.start if row.next_meeting else None
    ),
    "moteregel": SortKey("rule", lambda row: row.year_check.complete if row.year_check else None),
    "evaluering": SortKey(
        "evaluation",
        lambda row: (row.evaluation.year, row.evaluation.kind) if row.evaluation else None,
    ),
    "aktivitet": SortKey("activity", lambda row: row.last_activity),
}
DEFAULT_SORT = "avtale"


def parse_sort(value: str | None) -> tuple[str, bool]:
    """(sort name, descending) from ``?sort=``; anything unknown gives the default order."""
    value = (value or "").strip()
    descending = value.startswith("-")
    name = value[1:] if descending else value
    if name not in SORTS:
        return DEFAULT_SORT, False
    return name, descending


def sort_rows(rows: list[CountyRow], name: str, descending: bool) -> list[CountyRow]:
    """Rows in the order of ``SORTS[name]``; rows without a value last in either direction,
    and the agreement's title breaks ties."""
    key = SORTS[name].key
    by_title = sorted(rows, key=lambda row: row.agreement.title.casefold())
    known = [row for row in by_title if key(row) is not None]
    unknown = [row for row in by_title if key(row) is None]
    return sorted(known, key=key, reverse=descending) + unknown


def overview_agreements(user: rules.AnyUser) -> "QuerySet[Agreement]":
    """The agreements on the overview: every one for an administrator, else those the person
    has a role in (the county coordinator's; agreements.access lets nobody else read them)."""
    if rules.is_admin(user):
        return Agreement.objects.all()
    if not user.is_authenticated:
        return Agreement.objects.none()
    return Agreement.objects.filter(coordinators__user=user).distinct()


def _plan_figures(
    agreements: list[Agreement], today: datetime.date
) -> dict[int, list[PlanFigures]]:
    plans = (
        ActionPlan.objects.filter(agreement__in=agreements)
        .annotate(**rollup_aggregates("actions__milestones__", today=today))
        .order_by("agreement_id", "start_year")
    )
    out: dict[int, list[PlanFigures]] = {}
    for plan in plans:
        row = {name: getattr(plan, name) for name in rollup_aggregates()}
        headline = plan_headline(plan, today=today, rollup=Rollup.from_row(row))
        out.setdefault(plan.agreement_id, []).append(PlanFigures(plan=plan, headline=headline))
    return out


def _meetings(agreements: list[Agreement]) -> dict[int, list[Meeting]]:
    out: dict[int, list[Meeting]] = {}
    for meeting in Meeting.objects.filter(agreement__in=agreements).order_by("start", "pk"):
        out.setdefault(meeting.agreement_id, []).append(meeting)
    return out


def _last_held(meetings: Iterable[Meeting], now: datetime.datetime) -> Meeting | None:
    held = [m for m in meetings if m.status == Meeting.Status.HELD and m.start <= now]
    return held[-1] if held else None


def _next_planned(meetings: Iterable[Meeting], now: datetime.datetime) -> Meeting | None:
    return next((m for m in meetings if m.status == Meeting.Status.PLANNED and m.end >= now), None)


def _year_check(agreement: Agreement, meetings: list[Meeting], year: int) -> YearCheck | None:
    if not agreement.start_year <= year <= agreement.end_year:
        return None
    checks = meeting_year_checks(agreement, meetings)
    return next(check for check in checks if check.year == year)


def _evaluations(agreements: list[Agreement]) -> dict[int, Evaluation]:
    """The latest evaluation of each agreement (by year; the final one after the mid-term)."""
    out: dict[int, Evaluation] = {}
    for evaluation in Evaluation.objects.filter(agreement__in=agreements).order_by(
        "agreement_id", "year", "pk"
    ):
        out[evaluation.agreement_id] = evaluation
    return out


def _last_activity(agreements: list[Agreement]) -> dict[int, datetime.datetime]:
    rows = (
        AuditEntry.objects.filter(agreement_pk__in=[a.pk for a in agreements])
        .order_by()
        .values_list("agreement_pk")
        .annotate(last=Max("when"))
    )
    return dict(rows)


def county_overview(
    agreements: "QuerySet[Agreement]",
    *,
    today: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> list[CountyRow]:
    """One ``CountyRow`` per agreement, by title. Five queries whatever the number of
    agreements. ``today``/``now``: the day overdue is counted on and the moment that divides
    last from next meeting (default: now, in Europe/Oslo)."""
    today = today or local_today()
    now = now or timezone.now()
    found = list(agreements.order_by("title"))
    plans = _plan_figures(found, today)
    meetings = _meetings(found)
    evaluations = _evaluations(found)
    activity = _last_activity(found)
    rows = []
    for agreement in found:
        figures = plans.get(agreement.pk, [])
        own = meetings.get(agreement.pk, [])
        current = current_plan([f.plan for f in figures], today)
        rows.append(
            CountyRow(
                agreement=agreement,
                plans=figures,
                current=next((f for f in figures if f.plan is current), None),
                last_meeting=_last_held(own, now),
                next_meeting=_next_planned(own, now),
                year_check=_year_check(agreement, own, today.year),
                evaluation=evaluations.get(agreement.pk),
                last_activity=activity.get(agreement.pk),
            )
        )
    return rows
