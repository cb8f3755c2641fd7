"""Import: how a row differs from what the plan has, field by field, and the plan's fingerprint."""

from __future__ import annotations

import datetime
import hashlib

from django.utils.translation import gettext as _

from actionplans.models import Action, ActionPlan, Milestone, Status
from agreements.models import Party

from .cells import ImportRow
from .export import strategy_labels
from .plan import ActionStep, FieldChange


def plan_fingerprint(plan: ActionPlan) -> str:
    """A digest of everything in the plan an import reads or writes (its actions, their
    strategies, its milestones and their versions): it changes whenever any of that does."""
    digest = hashlib.sha256()
    actions = Action.objects.filter(plan=plan).order_by("pk")
    for row in actions.values_list("pk", "number", "title", "sub_goal_id", "lead_party_id"):
        digest.update(repr(row).encode())
    links = Action.strategies.through.objects.filter(action__plan=plan).order_by(
        "action_id", "strategy_id"
    )
    for link in links.values_list("action_id", "strategy_id"):
        digest.update(repr(link).encode())
    milestones = Milestone.objects.in_plan(plan).order_by("pk")
    for milestone in milestones.values_list(
        "pk", "action_id", "title", "description", "due_date", "status", "percent", "version"
    ):
        digest.update(repr(milestone).encode())
    return digest.hexdigest()


def _date_text(day: datetime.date | None) -> str:
    return day.strftime("%d.%m.%Y") if day else ""


def _party_text(party: Party | None) -> str:
    return party.name if party else _("(ingen)")


def _action_value(item: ImportRow, key: str) -> str:
    """An action column of a row as the text to compare and show."""
    if key == "action_number":
        return item.action_number
    if key == "action_title":
        return item.action_title
    if key == "sub_goal":
        return item.sub_goal.code
    if key == "strategies":
        return strategy_labels(item.strategies)
    return item.lead_party.name if item.lead_party else ""


def _action_changes(action: Action, item: ImportRow) -> list[FieldChange]:
    changes = []
    if action.number != item.action_number:
        changes.append(FieldChange(str(_("Tiltak nr.")), action.number, item.action_number))
    if action.title != item.action_title:
        changes.append(FieldChange(str(_("Tiltak")), action.title, item.action_title))
    if action.sub_goal_id != item.sub_goal.pk:
        changes.append(FieldChange(str(_("Delmål")), action.sub_goal.code, item.sub_goal.code))
    if {s.pk for s in action.strategies.all()} != {s.pk for s in item.strategies}:
        changes.append(
            FieldChange(
                str(_("Strategier")),
                strategy_labels(action.strategies.all()),
                strategy_labels(item.strategies),
            )
        )
    if action.lead_party_id != (item.lead_party.pk if item.lead_party else None):
        changes.append(
            FieldChange(
                str(_("Ansvarlig part")),
                _party_text(action.lead_party),
                _party_text(item.lead_party),
            )
        )
    return changes


def _milestone_changes(milestone: Milestone, item: ImportRow, action: ActionStep) -> list:
    changes = []
    if milestone.title != item.milestone_title:
        changes.append(FieldChange(str(_("Milepæl")), milestone.title, item.milestone_title))
    if milestone.action_id != action.pk:
        changes.append(FieldChange(str(_("Tiltak")), milestone.action.number, action.number))
    if milestone.description != item.description:
        changes.append(FieldChange(str(_("Beskrivelse")), milestone.description, item.description))
    if milestone.due_date != item.due_date:
        changes.append(
            FieldChange(str(_("Frist")), _date_text(milestone.due_date), _date_text(item.due_date))
        )
    if milestone.status != item.status:
        changes.append(
            FieldChange(
                str(_("Status")),
                str(Status(milestone.status).label),
                str(Status(item.status).label),
            )
        )
    if milestone.percent != item.percent:
        changes.append(
            FieldChange(str(_("Prosent")), f"{milestone.percent} %", f"{item.percent} %")
        )
    return changes
