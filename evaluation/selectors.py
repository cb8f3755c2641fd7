"""Reads that several evaluation views (and the report) share."""

import datetime
from collections.abc import Iterable

from django.db.models import Max, Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from actionplans.models import CLOSED_STATUSES, Action, ActionPlan, Milestone, Status
from actionplans.selectors import Rollup
from agreements.models import Agreement, SubGoal
from evaluation.models import Evaluation, Recommendation, SubGoalAssessment
from tromsvekst.lib.dates import local_today


def evaluations_for_agreement(agreement: Agreement) -> QuerySet[Evaluation]:
    """An agreement's evaluations, oldest first, with the plans they cover."""
    return (
        Evaluation.objects.filter(agreement=agreement)
        .select_related("finalised_by")
        .prefetch_related(Prefetch("plans", queryset=ActionPlan.objects.order_by("start_year")))
        .order_by("year", "kind")
    )


def default_year(agreement: Agreement, kind: str) -> int:
    """§6: the mid-term evaluation comes halfway (2026 for 2025–2028), the final one in the
    agreement's last year (2028)."""
    if kind == Evaluation.Kind.FINAL:
        return agreement.end_year
    years = agreement.end_year - agreement.start_year + 1
    return agreement.start_year + max(years // 2 - 1, 0)


def default_plans(agreement: Agreement, year: int) -> QuerySet[ActionPlan]:
    """The plans an evaluation in ``year`` judges: those that have ended by then (the mid-term
    evaluation 2026 covers plan 2025–2026; the final one 2028 covers every plan)."""
    return ActionPlan.objects.filter(agreement=agreement, end_year__lte=year).order_by("start_year")


def next_plans(evaluation: Evaluation) -> QuerySet[ActionPlan]:
    """Plans of the same agreement that start after every plan the evaluation covers: where
    its recommendations go (the mid-term evaluation's adjustments go into plan 2027–2028)."""
    last = evaluation.plans.aggregate(last=Max("end_year"))["last"]
    if last is None:
        last = evaluation.year
    return ActionPlan.objects.filter(agreement_id=evaluation.agreement_id, start_year__gt=last)


def next_plan_actions(evaluation: Evaluation) -> QuerySet[Action]:
    return (
        Action.objects.filter(plan__in=next_plans(evaluation))
        .select_related("plan", "sub_goal")
        .order_by("plan__start_year", "sub_goal__focus_area__number", "order", "number")
    )


# --- Snapshot figures ---------------------------------------------------------------------


def snapshot_milestones(
    plans: Iterable[ActionPlan], today: datetime.date | None = None
) -> list[dict]:
    """Every milestone of ``plans`` as one row of plain values, in the report appendix's order:
    what an evaluation freezes, so that its figures per delmål and its appendix come from the
    same read of the data (``snapshot_figures`` adds these rows up).

    "overdue" is as of ``today`` (Europe/Oslo), the snapshot date.
    """
    today = today or local_today()
    rows = (
        Milestone.objects.filter(action__plan__in=list(plans))
        .order_by(*APPENDIX_ORDER)
        .values_list(
            "pk",
            "action__plan_id",
            "action__sub_goal_id",
            "action__sub_goal__code",
            "action__number",
            "action__title",
            "title",
            "due_date",
            "status",
            "percent",
        )
    )
    out = []
    for pk, plan, goal, code, number, action, title, due, status, percent in rows:
        out.append(
            {
                "id": pk,
                "plan": plan,
                "sub_goal": goal,
                "sub_goal_code": code,
                "action_number": number,
                "action_title": action,
                "title": title,
                "due_date": due.isoformat() if due else None,
                "status": status,
                "percent": percent,
                "overdue": due is not None and due < today and status not in CLOSED_STATUSES,
            }
        )
    return out


# The appendix's order: by plan, then as the plan page lists its actions and milestones.
APPENDIX_ORDER = (
    "action__plan__start_year",
    "action__sub_goal__focus_area__number",
    "action__sub_goal__order",
    "action__sub_goal__code",
    "action__order",
    "action__number",
    "due_date",
    "order",
    "pk",
)
# What a milestone row says about the data; "overdue" follows from it and the date.
_ROW_DATA = (
    "id",
    "plan",
    "sub_goal",
    "action_number",
    "action_title",
    "title",
    "due_date",
    "status",
    "percent",
)


def snapshot_figures(
    agreement: Agreement, plans: Iterable[ActionPlan], rows: list[dict], as_of: datetime.date
) -> dict[int, dict]:
    """Milestone figures per delmål, added up from the snapshot's ``rows``, as stored in
    ``SubGoalAssessment.snapshot``.

    {sub_goal_id: {"as_of", "plans", "total", "counts", "overdue", "avg_percent"}} for every
    delmål of the agreement (zeros where it has no milestones).
    """
    periods = [plan.period for plan in sorted(plans, key=lambda p: p.start_year)]
    tallies: dict[int, dict] = {}
    for row in rows:
        tally = tallies.setdefault(
            row["sub_goal"],
            {"total": 0, "counts": dict.fromkeys(Status.values, 0), "overdue": 0, "percents": []},
        )
        tally["total"] += 1
        tally["counts"][row["status"]] += 1
        tally["overdue"] += bool(row["overdue"])
        if row["status"] != Status.CANCELLED:
            tally["percents"].append(row["percent"])
    out = {}
    for sub_goal_id in SubGoal.objects.filter(agreement=agreement).values_list("pk", flat=True):
        kept = tallies.get(sub_goal_id)
        percents = kept["percents"] if kept else []
        out[sub_goal_id] = {
            "as_of": as_of.isoformat(),
            "plans": periods,
            "total": kept["total"] if kept else 0,
            "counts": kept["counts"] if kept else dict.fromkeys(Status.values, 0),
            "overdue": kept["overdue"] if kept else 0,
            "avg_percent": round(sum(percents) / len(percents), 2) if percents else None,
        }
    return out


def snapshot_changes(evaluation: Evaluation) -> list[str]:
    """What has changed in the covered plans since the evaluation's snapshot, in a few
    Norwegian phrases; empty when the snapshot still matches the data.

    An evaluation whose snapshot has no milestone rows (taken before they were kept) counts as
    changed: its appendix could not come from the same snapshot.
    """
    stored = evaluation.milestone_snapshot
    live = snapshot_milestones(evaluation.plans.all())
    if stored is None:
        return [_("uttaket er fra før milepælene ble lagret sammen med tallene")]
    before = {row["id"]: tuple(row.get(k) for k in _ROW_DATA) for row in stored}
    after = {row["id"]: tuple(row.get(k) for k in _ROW_DATA) for row in live}
    added = len(after.keys() - before.keys())
    removed = len(before.keys() - after.keys())
    changed = sum(1 for pk in after.keys() & before.keys() if after[pk] != before[pk])
    out = []
    if added or removed:
        out.append(
            _("%(before)s milepæler ved uttaket, %(after)s nå")
            % {"before": len(before), "after": len(after)}
        )
    if changed:
        out.append(
            ngettext(
                "%(n)s milepæl har fått ny status, prosent, frist eller tittel",
                "%(n)s milepæler har fått ny status, prosent, frist eller tittel",
                changed,
            )
            % {"n": changed}
        )
    return out


def snapshot_rollup(snapshot: dict) -> Rollup:
    """The stored snapshot of one delmål as a Rollup (for the stacked and percent bars)."""
    counts = {value: int(snapshot.get("counts", {}).get(value, 0)) for value in Status.values}
    return Rollup(
        total=int(snapshot.get("total", 0)),
        counts=counts,
        overdue=int(snapshot.get("overdue", 0)),
        avg_percent=snapshot.get("avg_percent"),
    )


def combine_rollups(rollups: list[Rollup]) -> Rollup:
    """Add up delmål figures for an innsatsområde or the whole evaluation.

    The average percent is over milestones that are not cancelled, so it is weighted by that
    number; the result is the same as averaging all the milestones at once.
    """
    counts = dict.fromkeys(Status.values, 0)
    total = overdue = weight = 0
    percent_sum = 0.0
    for rollup in rollups:
        total += rollup.total
        overdue += rollup.overdue
        for value in Status.values:
            counts[value] += rollup.counts.get(value, 0)
        if rollup.avg_percent is not None:
            n = rollup.total - rollup.counts.get(Status.CANCELLED, 0)
            weight += n
            percent_sum += rollup.avg_percent * n
    return Rollup(
        total=total,
        counts=counts,
        overdue=overdue,
        avg_percent=percent_sum / weight if weight else None,
    )


def assessments_for_report(evaluation: Evaluation) -> list[SubGoalAssessment]:
    return list(
        SubGoalAssessment.objects.filter(evaluation=evaluation).select_related(
            "sub_goal__focus_area"
        )
    )


def recommendations_for_report(evaluation: Evaluation) -> list[Recommendation]:
    return list(
        Recommendation.objects.filter(evaluation=evaluation).prefetch_related(
            Prefetch(
                "actions",
                queryset=Action.objects.select_related("plan", "sub_goal").order_by(
                    "plan__start_year", "order", "number"
                ),
            )
        )
    )
