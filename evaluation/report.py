"""The evaluation report: the data behind the HTML page and the PDF (both render the same
content templates), the server-side SVG chart of an indicator, and the PDF itself.

The assessment figures come from the snapshot stored on each ``SubGoalAssessment``; only the
appendix (every milestone of the covered plans) shows the milestones' current state, and its
heading says so.
"""

import datetime
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from actionplans.models import ActionPlan
from actionplans.selectors import Rollup
from agreements.models import Agreement, FocusArea, LongTermEffect, Party, SubGoal
from evaluation import selectors
from evaluation.models import Evaluation, Feedback, Indicator, IndicatorValue, SubGoalAssessment
from tromsvekst.lib.dates import local_today

PDF_TEMPLATE = "evaluation/report_pdf.html"
PDF_OPTIONS = {"pdf_variant": "pdf/a-3b", "pdf_tags": True}


# --- Numbers ------------------------------------------------------------------------------


def format_number(value: Decimal | float | str | None) -> str:
    """A number the Norwegian way (``12 345,5``), with no more decimals than it has (max 2)."""
    if value is None:
        return ""
    value = Decimal(value)
    exponent = value.normalize().as_tuple().exponent
    decimals = min(max(-exponent, 0), 2) if isinstance(exponent, int) else 0
    # number_format cuts decimals off; round them first (3.666… is 3,67).
    value = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def nice_ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    """Round axis ticks (1, 2 or 5 times a power of ten) that cover ``lo``–``hi``."""
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    start = math.floor(lo / step) * step
    ticks = []
    tick = start
    while tick < hi + step * 0.999:
        ticks.append(round(tick, 10))
        tick += step
    return ticks


# --- The indicator chart ------------------------------------------------------------------

CHART_WIDTH = 640
CHART_HEIGHT = 230
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 76, 620, 14, 196


def _c(value: float) -> str:
    """An SVG coordinate: always a dot, never the locale's decimal comma."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


@dataclass
class ChartPoint:
    x: str
    y: str
    year: int
    label: str


@dataclass
class IndicatorChart:
    """Coordinates for ``evaluation/_indicator_chart.html`` (a 640 × 230 viewBox), as strings
    ready for SVG attributes."""

    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT
    left: int = PLOT_LEFT
    right: int = PLOT_RIGHT
    top: int = PLOT_TOP
    bottom: int = PLOT_BOTTOM
    label_x: int = PLOT_LEFT - 8
    year_y: int = PLOT_BOTTOM + 18
    points: list[ChartPoint] = field(default_factory=list)
    path: str = ""
    y_ticks: list[tuple[str, str]] = field(default_factory=list)
    x_labels: list[tuple[str, int]] = field(default_factory=list)
    baseline_y: str | None = None
    target: ChartPoint | None = None
    target_path: str = ""  # a diamond at the target year
    target_line_y: str | None = None  # a target without a year is drawn as a line

    @property
    def empty(self) -> bool:
        return (
            not self.points
            and self.baseline_y is None
            and self.target_line_y is None
            and (self.target is None)
        )


def indicator_chart(indicator: Indicator, values: list[IndicatorValue]) -> IndicatorChart:
    """Values by year as a line with points; the baseline as a dashed line; the target as a
    diamond at its year (or a dotted line if it has no year)."""
    chart = IndicatorChart()
    numbers = [float(v.value) for v in values]
    years = [v.year for v in values]
    if indicator.baseline_value is not None:
        numbers.append(float(indicator.baseline_value))
        if indicator.baseline_year:
            years.append(indicator.baseline_year)
    if indicator.target_value is not None:
        numbers.append(float(indicator.target_value))
        if indicator.target_year:
            years.append(indicator.target_year)
    if not numbers:
        return chart
    if not years:
        years = [local_today().year]
    first, last = min(years), max(years)
    slot = (PLOT_RIGHT - PLOT_LEFT) / (last - first + 1)

    def x(year: int) -> float:
        return PLOT_LEFT + (year - first + 0.5) * slot

    lo, hi = min(numbers), max(numbers)
    pad = (hi - lo) * 0.08 or abs(hi) * 0.05 or 1
    ticks = nice_ticks(lo - pad, hi + pad)
    bottom_value, top_value = ticks[0], ticks[-1]

    def y(value: float) -> float:
        share = (value - bottom_value) / (top_value - bottom_value)
        return PLOT_BOTTOM - share * (PLOT_BOTTOM - PLOT_TOP)

    chart.y_ticks = [(_c(y(t)), format_number(Decimal(str(t)))) for t in ticks]
    every = max(1, math.ceil((last - first + 1) / 12))
    chart.x_labels = [
        (_c(x(year)), year) for year in range(first, last + 1) if (year - first) % every == 0
    ]
    chart.points = [
        ChartPoint(_c(x(v.year)), _c(y(float(v.value))), v.year, format_number(v.value))
        for v in values
    ]
    chart.path = " ".join(
        f"{'M' if i == 0 else 'L'}{p.x},{p.y}" for i, p in enumerate(chart.points)
    )
    if indicator.baseline_value is not None:
        chart.baseline_y = _c(y(float(indicator.baseline_value)))
    if indicator.target_value is not None:
        target_y = y(float(indicator.target_value))
        if indicator.target_year:
            target_x = x(indicator.target_year)
            chart.target = ChartPoint(
                _c(target_x),
                _c(target_y),
                indicator.target_year,
                format_number(indicator.target_value),
            )
            chart.target_path = f"M{_c(target_x)},{_c(target_y - 7)} l7,7 l-7,7 l-7,-7 z"
        else:
            chart.target_line_y = _c(target_y)
    return chart


def describe_indicator(indicator: Indicator, values: list[IndicatorValue]) -> str:
    """The chart's text alternative, in one sentence or two."""
    parts = []
    if values:
        first, last = values[0], values[-1]
        if first is last:
            parts.append(
                _("%(value)s %(unit)s i %(year)s.")
                % {"value": format_number(first.value), "unit": indicator.unit, "year": first.year}
            )
        else:
            parts.append(
                _("Fra %(first)s %(unit)s i %(first_year)s til %(last)s %(unit)s i %(last_year)s.")
                % {
                    "first": format_number(first.value),
                    "first_year": first.year,
                    "last": format_number(last.value),
                    "last_year": last.year,
                    "unit": indicator.unit,
                }
            )
    else:
        parts.append(_("Ingen verdier er registrert ennå."))
    if indicator.baseline_value is not None:
        parts.append(
            _("Basisverdi: %(value)s%(year)s.")
            % {
                "value": format_number(indicator.baseline_value),
                "year": f" ({indicator.baseline_year})" if indicator.baseline_year else "",
            }
        )
    if indicator.target_value is not None:
        parts.append(
            _("Mål: %(value)s%(year)s.")
            % {
                "value": format_number(indicator.target_value),
                "year": f" ({indicator.target_year})" if indicator.target_year else "",
            }
        )
    return " ".join(parts)


# --- The report's data --------------------------------------------------------------------


@dataclass
class SubGoalSection:
    assessment: SubGoalAssessment
    rollup: Rollup
    as_of: datetime.date | None

    @property
    def sub_goal(self) -> SubGoal:
        return self.assessment.sub_goal

    @property
    def anchor(self) -> str:
        return "delmal-" + self.sub_goal.code.replace(".", "-")


@dataclass
class FocusAreaSection:
    focus_area: FocusArea
    sub_goals: list[SubGoalSection]
    rollup: Rollup

    @property
    def anchor(self) -> str:
        return f"innsatsomrade-{self.focus_area.number}"


@dataclass
class IndicatorSection:
    indicator: Indicator
    values: list[IndicatorValue]
    chart: IndicatorChart
    description: str

    @property
    def anchor(self) -> str:
        return f"indikator-{self.indicator.pk}"

    @property
    def baseline(self) -> str:
        return format_number(self.indicator.baseline_value)

    @property
    def target(self) -> str:
        return format_number(self.indicator.target_value)


@dataclass
class EffectSection:
    effect: LongTermEffect
    indicators: list[IndicatorSection]


@dataclass
class FeedbackGroup:
    label: str
    items: list[Feedback]

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def average_rating(self) -> str:
        ratings = [f.rating for f in self.items if f.rating is not None]
        if not ratings:
            return ""
        return format_number(Decimal(sum(ratings)) / len(ratings))

    @property
    def rated(self) -> int:
        return sum(1 for f in self.items if f.rating is not None)


@dataclass
class AppendixRow:
    """One milestone as the snapshot holds it (selectors.snapshot_milestones)."""

    sub_goal_code: str
    action_number: str
    action_title: str
    title: str
    due_date: datetime.date | None
    status: str
    percent: int
    overdue: bool

    @classmethod
    def from_snapshot(cls, row: dict) -> "AppendixRow":
        due = row.get("due_date")
        return cls(
            sub_goal_code=row["sub_goal_code"],
            action_number=row["action_number"],
            action_title=row["action_title"],
            title=row["title"],
            due_date=datetime.date.fromisoformat(due) if due else None,
            status=row["status"],
            percent=row["percent"],
            overdue=bool(row["overdue"]),
        )


@dataclass
class PlanAppendix:
    plan: ActionPlan
    milestones: list[AppendixRow]


@dataclass
class Report:
    evaluation: Evaluation
    agreement: Agreement
    title: str
    plans: list
    next_plans: list
    areas: list[FocusAreaSection]
    total: Rollup
    snapshot_as_of: datetime.date | None
    effects: list[EffectSection]
    indicator_count: int
    feedback_groups: list[FeedbackGroup]
    feedback_all: FeedbackGroup
    recommendations: list
    appendix: list[PlanAppendix]
    appendix_as_of: datetime.date
    appendix_is_snapshot: bool
    generated_at: datetime.datetime
    responsible: Party | None

    @property
    def plan_periods(self) -> str:
        return _join([plan.period for plan in self.plans])

    @property
    def next_plan_periods(self) -> str:
        return _join([plan.period for plan in self.next_plans])

    @property
    def author(self) -> str:
        """The PDF's author: the party with the main responsibility (§6), else every party."""
        if self.responsible is not None:
            return self.responsible.name
        return _join([party.name for party in self.agreement.parties.all()])


def _join(items: list[str]) -> str:
    """«a», «a og b», «a, b og c»."""
    if len(items) <= 1:
        return "".join(items)
    return _("%(first)s og %(last)s") % {"first": ", ".join(items[:-1]), "last": items[-1]}


def _as_of(snapshot: dict) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(snapshot.get("as_of", ""))
    except (TypeError, ValueError):
        return None


def _areas(evaluation: Evaluation) -> tuple[list[FocusAreaSection], datetime.date | None]:
    areas: dict[int, FocusAreaSection] = {}
    as_of = None
    for assessment in selectors.assessments_for_report(evaluation):
        focus_area = assessment.sub_goal.focus_area
        section = SubGoalSection(
            assessment, selectors.snapshot_rollup(assessment.snapshot), _as_of(assessment.snapshot)
        )
        as_of = as_of or section.as_of
        area = areas.setdefault(focus_area.pk, FocusAreaSection(focus_area, [], Rollup()))
        area.sub_goals.append(section)
    out = sorted(areas.values(), key=lambda a: a.focus_area.number)
    for area in out:
        area.sub_goals.sort(key=lambda s: (s.sub_goal.order, s.sub_goal.code))
        area.rollup = selectors.combine_rollups([s.rollup for s in area.sub_goals])
    return out, as_of


def _effects(evaluation: Evaluation) -> tuple[list[EffectSection], int]:
    indicators = (
        Indicator.objects.filter(agreement=evaluation.agreement)
        .select_related("long_term_effect")
        .prefetch_related(Prefetch("values", queryset=IndicatorValue.objects.order_by("year")))
        .order_by("long_term_effect__order", "long_term_effect__pk", "name")
    )
    effects: dict[int, EffectSection] = {}
    count = 0
    for indicator in indicators:
        values = list(indicator.values.all())
        section = IndicatorSection(
            indicator,
            values,
            indicator_chart(indicator, values),
            describe_indicator(indicator, values),
        )
        effect = indicator.long_term_effect
        effects.setdefault(effect.pk, EffectSection(effect, [])).indicators.append(section)
        count += 1
    return list(effects.values()), count


def _feedback(
    evaluation: Evaluation, areas: list[FocusAreaSection]
) -> tuple[list[FeedbackGroup], FeedbackGroup]:
    items = list(
        Feedback.objects.filter(evaluation=evaluation)
        .select_related("focus_area")
        .order_by("created_at", "pk")
    )
    groups = [
        FeedbackGroup(
            str(area.focus_area), [f for f in items if f.focus_area_id == area.focus_area.pk]
        )
        for area in areas
    ]
    known = {area.focus_area.pk for area in areas}
    general = [f for f in items if f.focus_area_id not in known]
    groups.append(FeedbackGroup(_("Generelt (uten innsatsområde)"), general))
    return groups, FeedbackGroup(_("Alle tilbakemeldinger"), items)


def _appendix(
    evaluation: Evaluation, plans: list[ActionPlan], as_of: datetime.date | None
) -> tuple[list[PlanAppendix], datetime.date, bool]:
    """The appendix from the snapshot, as of its date: the same read as the figures per delmål.
    An evaluation without milestone rows (a snapshot taken before they were kept) shows today's
    status instead, and says so; finalising takes the snapshot again first.

    Returns (the appendix per plan, its date, whether it is the snapshot).
    """
    rows = evaluation.milestone_snapshot
    from_snapshot = rows is not None and as_of is not None
    if rows is None or as_of is None:
        rows, as_of = selectors.snapshot_milestones(plans), local_today()
    by_plan = {plan.pk: PlanAppendix(plan, []) for plan in plans}
    for row in rows:
        if row["plan"] in by_plan:
            by_plan[row["plan"]].milestones.append(AppendixRow.from_snapshot(row))
    return list(by_plan.values()), as_of, from_snapshot


def build_report(evaluation: Evaluation) -> Report:
    """Everything the report shows, in a fixed number of queries."""
    agreement = evaluation.agreement
    plans = list(evaluation.plans.order_by("start_year"))
    areas, as_of = _areas(evaluation)
    effects, indicator_count = _effects(evaluation)
    groups, all_feedback = _feedback(evaluation, areas)
    appendix, appendix_as_of, appendix_is_snapshot = _appendix(evaluation, plans, as_of)
    title = f"{evaluation.get_kind_display()} {evaluation.year}"
    return Report(
        evaluation=evaluation,
        agreement=agreement,
        title=title,
        plans=plans,
        next_plans=list(selectors.next_plans(evaluation).order_by("start_year")),
        areas=areas,
        total=selectors.combine_rollups([a.rollup for a in areas]),
        snapshot_as_of=as_of,
        effects=effects,
        indicator_count=indicator_count,
        feedback_groups=groups,
        feedback_all=all_feedback,
        recommendations=selectors.recommendations_for_report(evaluation),
        appendix=appendix,
        appendix_as_of=appendix_as_of,
        appendix_is_snapshot=appendix_is_snapshot,
        generated_at=timezone.localtime(),
        responsible=agreement.parties.filter(kind=Party.Kind.COUNTY).order_by("pk").first(),
    )


def report_context(evaluation: Evaluation, *, pdf: bool) -> dict:
    """The context the content templates expect (``pdf`` hides links into the portal)."""
    report = build_report(evaluation)
    return {
        "report": report,
        "evaluation": evaluation,
        "agreement": report.agreement,
        "pdf": pdf,
    }


def render_report_pdf(evaluation: Evaluation) -> bytes:
    """The report as PDF/A-3b, tagged. A draft says «UTKAST» on every page."""
    from tromsvekst.lib.pdf import render_pdf

    return render_pdf(PDF_TEMPLATE, report_context(evaluation, pdf=True), **PDF_OPTIONS)
