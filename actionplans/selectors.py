"""Reads that several views share: roll-ups computed in the database."""

from dataclasses import dataclass, field

from actionplans.models import CLOSED_STATUSES, Status, rollup_aggregates


@dataclass
class Rollup:
    """Milestone figures for one node of the plan (the plan, a focus area, a sub-goal, an action)."""

    total: int = 0
    counts: dict = field(default_factory=dict)
    overdue: int = 0
    avg_percent: float | None = None

    @classmethod
    def from_row(cls, row: dict) -> "Rollup":
        return cls(
            total=row["total"],
            counts={value: row[f"n_{value}"] for value in Status.values},
            overdue=row["overdue"],
            avg_percent=row["avg_percent"],
        )

    @property
    def percent(self) -> int:
        return round(self.avg_percent or 0)

    @property
    def done(self) -> int:
        return self.counts.get(Status.DONE, 0)

    @property
    def open(self) -> int:
        return self.total - sum(self.counts.get(s, 0) for s in CLOSED_STATUSES)

    def status_rows(self) -> list[tuple[str, str, int]]:
        """(value, label, count) for every status, in the vocabulary's order."""
        return [(s.value, s.label, self.counts.get(s.value, 0)) for s in Status]


def plan_rollups(milestones) -> dict:
    """Roll-ups of a milestone queryset: 4 queries whatever the number of milestones.

    Returns {"plan": Rollup, "focus_area": {id: Rollup}, "sub_goal": {id: Rollup},
    "action": {id: Rollup}}.
    """
    milestones = milestones.order_by()
    out = {"plan": Rollup.from_row(milestones.aggregate(**rollup_aggregates()))}
    for key, path in (
        ("focus_area", "action__sub_goal__focus_area_id"),
        ("sub_goal", "action__sub_goal_id"),
        ("action", "action_id"),
    ):
        rows = milestones.values(path).annotate(**rollup_aggregates())
        out[key] = {row[path]: Rollup.from_row(row) for row in rows}
    return out
