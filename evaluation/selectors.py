"""Reads that several evaluation views (and the report) share."""

from django.db.models import Max, Prefetch, QuerySet

from actionplans.models import Action, ActionPlan, Milestone, Status, local_today
from actionplans.selectors import Rollup, plan_rollups
from agreements.models import Agreement, SubGoal
from evaluation.models import Evaluation, Recommendation, SubGoalAssessment


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


def covered_milestones(evaluation: Evaluation) -> QuerySet[Milestone]:
    return Milestone.objects.filter(action__plan__in=evaluation.plans.all())


# --- Snapshot figures ---------------------------------------------------------------------


def snapshot_figures(agreement: Agreement, plans) -> dict[int, dict]:
    """Milestone figures per delmål over ``plans`` today, as stored in
    ``SubGoalAssessment.snapshot``.

    {sub_goal_id: {"as_of", "plans", "total", "counts", "overdue", "avg_percent"}} for every
    delmål of the agreement (zeros where it has no milestones). "Overdue" is as of today in
    Europe/Oslo, the snapshot date.
    """
    plans = sorted(plans, key=lambda p: p.start_year)
    rollups = plan_rollups(Milestone.objects.filter(action__plan__in=plans))["sub_goal"]
    as_of = local_today().isoformat()
    periods = [plan.period for plan in plans]
    out = {}
    for sub_goal_id in SubGoal.objects.filter(agreement=agreement).values_list("pk", flat=True):
        rollup = rollups.get(sub_goal_id) or Rollup(counts=dict.fromkeys(Status.values, 0))
        out[sub_goal_id] = {
            "as_of": as_of,
            "plans": periods,
            "total": rollup.total,
            "counts": {value: rollup.counts.get(value, 0) for value in Status.values},
            "overdue": rollup.overdue,
            "avg_percent": None if rollup.avg_percent is None else round(rollup.avg_percent, 2),
        }
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
