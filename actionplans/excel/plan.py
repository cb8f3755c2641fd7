"""Import: what the file would change, as the preview shows it and the apply step writes it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from actionplans.models import Status
from agreements.models import Party, Strategy, SubGoal

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
        for milestone in self.milestones:
            if not milestone.is_new and not milestone.changes:
                continue
            milestones.append(
                {
                    "pk": milestone.pk,
                    "action": index[id(milestone.action)],
                    "title": milestone.title,
                    "description": milestone.description,
                    "due_date": milestone.due_date.isoformat() if milestone.due_date else None,
                    "status": milestone.status,
                    "percent": milestone.percent,
                    "order": milestone.order,
                    "log": milestone.log_progress,
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
