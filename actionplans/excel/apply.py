"""Import: writing exactly what was previewed, in one transaction."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import User
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy

from actionplans import services
from actionplans.models import Action, ActionPlan, Milestone, MilestoneDueDateChange
from actionplans.services import ProgressConflict, progress_log
from agreements.models import Party, Strategy, SubGoal
from tromsvekst.lib import uploads

from .cells import ImportSummary, PlanChanged, PlanFileError
from .changes import plan_fingerprint
from .layout import IMPORT_COMMENT

# --------------------------------------------------------------------------------------------
# Import: writing what was previewed

REASON_MISSING = gettext_lazy(
    "Ingenting er lagret: skriv hvorfor fristene flyttes, så lesere kan se det i milepælenes "
    "historikk. Last opp filen på nytt og fyll inn begrunnelsen før du bekrefter."
)
PLAN_CHANGED = gettext_lazy(
    "Planen er endret siden du så forhåndsvisningen, så importen er ikke gjort. Ingenting er "
    "lagret. Last opp filen på nytt for å se hva den vil endre nå."
)


@transaction.atomic
def plan_import_apply(
    *, plan: ActionPlan, user: User, data: dict, reason: str = ""
) -> ImportSummary:
    """Write what ``ImportPlan.as_data()`` describes, all or nothing.

    A moved due date goes through ``services.milestone_due_date_change`` (recorded in the
    milestone's history with ``reason``, which is required when the preview said so).
    Raises PlanChanged (and saves nothing) if the plan is no longer as it was when the preview
    was made, and PlanFileError if the reason is missing or someone changed the agreement in a
    way that stops it.
    """
    reason = (reason or "").strip()
    if data.get("reason_needed") and not reason:
        raise PlanFileError([str(REASON_MISSING)])
    # One import at a time per plan (a row lock on PostgreSQL), and against the plan as seen.
    uploads.lock_for_import(plan)
    if plan_fingerprint(plan) != data.get("fingerprint"):
        raise PlanChanged([str(PLAN_CHANGED)])
    summary = ImportSummary(
        milestones_unchanged=data["unchanged"], milestones_not_in_file=data["not_in_file"]
    )
    try:
        actions = _apply_actions(plan, data["actions"], summary)
        for entry in data["milestones"]:
            _apply_milestone(actions[entry["action"]], entry, user, summary, reason)
    except ValidationError as exc:
        raise PlanFileError(exc.messages) from None
    except (ProgressConflict, IntegrityError, ObjectDoesNotExist):
        raise PlanChanged([str(PLAN_CHANGED)]) from None
    return summary


def _apply_actions(plan: ActionPlan, entries: list[dict], summary: ImportSummary) -> list[Action]:
    existing = {a.pk: a for a in Action.objects.filter(plan=plan)}
    sub_goals = SubGoal.objects.in_bulk({e["sub_goal"] for e in entries})
    parties = Party.objects.in_bulk({e["lead_party"] for e in entries if e["lead_party"]})
    strategies = Strategy.objects.in_bulk({pk for e in entries for pk in e["strategies"]})
    # A number given to another action in the same import is freed first (numbers are unique
    # in a plan): those actions go through a temporary number.
    taken = {a.number for a in existing.values()}
    renumbered = [
        existing[e["pk"]]
        for e in entries
        if e["pk"] is not None and existing[e["pk"]].number != e["number"] and e["number"] in taken
    ]
    for action in renumbered:
        action.number = f"~{action.pk}"[: Action._meta.get_field("number").max_length]
        action.save(update_fields=["number"])
    result = []
    for entry in entries:
        values = {
            "number": entry["number"],
            "title": entry["title"],
            "sub_goal": sub_goals[entry["sub_goal"]],
            "lead_party": parties[entry["lead_party"]] if entry["lead_party"] else None,
        }
        chosen = [strategies[pk] for pk in entry["strategies"]]
        if entry["pk"] is None:
            action = Action.objects.create(plan=plan, **values)
            action.strategies.set(chosen)
            summary.actions_created += 1
        else:
            action = existing[entry["pk"]]
            if entry["write"]:
                changed = [name for name, value in values.items() if getattr(action, name) != value]
                for name in changed:
                    setattr(action, name, values[name])
                if changed:
                    action.save(update_fields=changed)
                if set(action.strategies.values_list("pk", flat=True)) != set(entry["strategies"]):
                    action.strategies.set(chosen)
                summary.actions_updated += 1
        result.append(action)
    return result


def _apply_milestone(
    action: Action, entry: dict, user: User, summary: ImportSummary, reason: str
) -> None:
    due_date = datetime.date.fromisoformat(entry["due_date"]) if entry["due_date"] else None
    if entry["pk"] is None:
        milestone = Milestone.objects.create(
            action=action,
            title=entry["title"],
            description=entry["description"],
            due_date=due_date,
            order=entry["order"],
        )
        summary.milestones_created += 1
    else:
        milestone = Milestone.objects.select_related("action").get(
            pk=entry["pk"], action__plan_id=action.plan_id
        )
        values = {
            "title": entry["title"],
            "action": action,
            "description": entry["description"],
        }
        changed = [name for name, value in values.items() if getattr(milestone, name) != value]
        for name in changed:
            setattr(milestone, name, values[name])
        if changed:
            milestone.save(update_fields=changed)
        services.milestone_due_date_change(
            milestone=milestone,
            user=user,
            new_due_date=due_date,
            reason=reason,
            source=MilestoneDueDateChange.Source.EXCEL,
        )
        summary.milestones_updated += 1
    if entry["log"]:
        progress_log(
            milestone=milestone,
            user=user,
            status=entry["status"],
            percent=entry["percent"],
            comment=str(IMPORT_COMMENT),
            seen_version=milestone.version,
        )
        summary.progress_logged += 1
