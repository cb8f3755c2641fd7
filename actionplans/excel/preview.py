"""Import: working out what the rows would change, without writing (the preview)."""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from actionplans import services
from actionplans.models import Action, ActionPlan, Milestone, Status
from agreements.models import Party, Strategy
from tromsvekst.lib import uploads

from .cells import ImportRow, PlanFileError, _cell_error, _quoted
from .export import strategy_labels
from .plan import ActionStep, FieldChange, ImportPlan, MilestoneStep


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
    for row in links.values_list("action_id", "strategy_id"):
        digest.update(repr(row).encode())
    milestones = Milestone.objects.in_plan(plan).order_by("pk")
    for row in milestones.values_list(
        "pk", "action_id", "title", "description", "due_date", "status", "percent", "version"
    ):
        digest.update(repr(row).encode())
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


def plan_import_changes(*, plan: ActionPlan, rows: list[ImportRow]) -> ImportPlan:
    """What the checked rows would change in the plan. Writes nothing.

    Rows are matched to the plan by the id columns of an exported file («Tiltak-ID»,
    «Milepæl-ID»), so a renamed milestone or a renumbered action is the same one, changed.
    A row without an id (added in Excel), or with an id that is not in this plan (a file from
    another plan), is matched by name as before: an action by its number, a milestone by its
    action and title; failing that it is new.

    Raises PlanFileError with the problems found (ids used twice, numbers that clash).
    """
    errors = uploads.ImportErrors()
    notes = uploads.ImportErrors()
    strategies = Prefetch(
        "strategies", queryset=Strategy.objects.select_related("sub_goal").order_by()
    )
    existing_actions = {
        action.pk: action
        for action in Action.objects.filter(plan=plan)
        .select_related("sub_goal", "lead_party")
        .prefetch_related(strategies)
    }
    by_number = {action.number: action for action in existing_actions.values()}
    existing_milestones = {
        milestone.pk: milestone
        for milestone in Milestone.objects.in_plan(plan).select_related("action")
    }
    fingerprint = plan_fingerprint(plan)

    # Actions: rows with a known «Tiltak-ID» first, so that a row added without one joins
    # the action by the number it has in the file.
    steps: dict[tuple, ActionStep] = {}
    first_row: dict[tuple, ImportRow] = {}
    row_action: dict[int, tuple] = {}
    number_owner: dict[str, tuple] = {}
    for item in rows:
        if item.action_id is None or item.action_id in existing_actions:
            continue
        notes.add(
            _(
                "Rad %(row)s: Tiltak-ID %(id)s finnes ikke i denne handlingsplanen, så tiltaket "
                "er kjent igjen på nummeret i stedet."
            )
            % {"row": item.row, "id": item.action_id}
        )
        item.action_id = None
    for with_id in (True, False):
        for item in rows:
            if (item.action_id is not None) != with_id:
                continue
            if with_id:
                key = ("pk", item.action_id)
            elif item.action_number in number_owner:
                key = number_owner[item.action_number]
            elif (
                item.action_number in by_number
                and ("pk", by_number[item.action_number].pk) not in steps
            ):
                key = ("pk", by_number[item.action_number].pk)
            else:
                key = ("new", item.action_number)
            row_action[id(item)] = key
            first = first_row.setdefault(key, item)
            if first is item:
                action = existing_actions.get(key[1]) if key[0] == "pk" else None
                steps[key] = ActionStep(
                    row=item.row,
                    pk=action.pk if action else None,
                    number=item.action_number,
                    title=item.action_title,
                    sub_goal=item.sub_goal,
                    strategies=item.strategies,
                    lead_party=item.lead_party,
                    changes=_action_changes(action, item) if action else [],
                )
                if item.action_number in number_owner:
                    errors.add(
                        _cell_error(
                            item.row,
                            "action_number",
                            _(
                                "Tiltak nr. %(number)s står på to ulike tiltak i filen (se rad "
                                "%(other)s). Et nummer kan bare brukes av ett tiltak."
                            )
                            % {
                                "number": uploads.excerpt(item.action_number),
                                "other": first_row[number_owner[item.action_number]].row,
                            },
                        )
                    )
                number_owner.setdefault(item.action_number, key)
                continue
            for column in ("action_number", "action_title", "sub_goal", "strategies", "lead_party"):
                mine, theirs = _action_value(item, column), _action_value(first, column)
                if mine != theirs:
                    errors.add(
                        _cell_error(
                            item.row,
                            column,
                            _(
                                "Tiltak %(number)s har %(mine)s her, men %(theirs)s på rad "
                                "%(first)s. Alle rader for samme tiltak må være like i "
                                "kolonnene for tiltaket."
                            )
                            % {
                                "number": uploads.excerpt(first.action_number),
                                "mine": _quoted(mine),
                                "theirs": _quoted(theirs),
                                "first": first.row,
                            },
                        )
                    )
    # A number taken from an action the file leaves alone.
    in_file = {key[1] for key in steps if key[0] == "pk"}
    for step in steps.values():
        holder = by_number.get(step.number)
        if holder is not None and holder.pk not in in_file and holder.pk != step.pk:
            errors.add(
                _cell_error(
                    step.row,
                    "action_number",
                    _(
                        "Tiltak nr. %(number)s brukes allerede av tiltaket «%(title)s» i planen, "
                        "som ikke står i filen. Velg et annet nummer."
                    )
                    % {"number": uploads.excerpt(step.number), "title": holder.title},
                )
            )

    # Milestones: by «Milepæl-ID» first, then by action and title. A row copied in Excel to make
    # a new milestone carries the id of the row it was copied from: of the rows with the same
    # id, the one that still has the milestone's title is the milestone, the others are new.
    claimed: dict[int, int] = {}  # milestone pk -> row
    matches: dict[int, Milestone] = {}
    rows_by_id: dict[int, list[ImportRow]] = defaultdict(list)
    for item in rows:
        if not item.milestone_title or item.milestone_id is None:
            continue
        if item.milestone_id not in existing_milestones:
            notes.add(
                _(
                    "Rad %(row)s: Milepæl-ID %(id)s finnes ikke i denne handlingsplanen, så "
                    "milepælen er kjent igjen på tiltaket og navnet i stedet."
                )
                % {"row": item.row, "id": item.milestone_id}
            )
            continue
        rows_by_id[item.milestone_id].append(item)
    for pk, same_id in rows_by_id.items():
        milestone = existing_milestones[pk]
        if len(same_id) > 1:
            same_title = [i for i in same_id if i.milestone_title == milestone.title.strip()]
            if len(same_title) != 1:
                errors.add(
                    _cell_error(
                        same_id[1].row,
                        "milestone_id",
                        _(
                            "Milepæl-ID %(id)s står på flere rader (%(rows)s). Har du kopiert en "
                            "rad for å lage en ny milepæl, må du tømme ID-cellene på den nye "
                            "raden."
                        )
                        % {"id": pk, "rows": ", ".join(str(i.row) for i in same_id[:10])},
                    )
                )
                continue
            for item in same_id:
                if item is not same_title[0]:
                    notes.add(
                        _(
                            "Rad %(row)s har samme Milepæl-ID som rad %(other)s og er lest som "
                            "en ny milepæl."
                        )
                        % {"row": item.row, "other": same_title[0].row}
                    )
            same_id = same_title
        claimed[pk] = same_id[0].row
        matches[id(same_id[0])] = milestone
    by_title: dict[tuple[int, str], list[Milestone]] = defaultdict(list)
    for milestone in existing_milestones.values():
        if milestone.pk not in claimed:
            by_title[(milestone.action_id, milestone.title.strip())].append(milestone)

    milestone_steps: list[MilestoneStep] = []
    seen_titles: dict[tuple, int] = {}
    next_order: dict[tuple, int] = defaultdict(int)
    for item in rows:
        if not item.milestone_title:
            continue
        key = row_action[id(item)]
        action_step = steps[key]
        next_order[key] += 1
        title_key = (key, item.milestone_title)
        if title_key in seen_titles:
            errors.add(
                _cell_error(
                    item.row,
                    "milestone_title",
                    _(
                        "Milepælen %(title)s står allerede på rad %(first)s under tiltak "
                        "%(number)s. Milepælene i et tiltak må ha ulike titler."
                    )
                    % {
                        "title": _quoted(item.milestone_title),
                        "first": seen_titles[title_key],
                        "number": uploads.excerpt(action_step.number),
                    },
                )
            )
            continue
        seen_titles[title_key] = item.row
        milestone = matches.get(id(item))
        if milestone is None and action_step.pk is not None:
            candidates = by_title.get((action_step.pk, item.milestone_title), [])
            if len(candidates) > 1:
                errors.add(
                    _cell_error(
                        item.row,
                        "milestone_title",
                        _(
                            "Tiltak %(number)s har flere milepæler som heter %(title)s i "
                            "portalen, så importen vet ikke hvilken som skal endres. Bruk filen "
                            "fra «Last ned som Excel», som kjenner dem igjen på ID-en, eller gi "
                            "dem ulike titler i portalen først."
                        )
                        % {
                            "number": uploads.excerpt(action_step.number),
                            "title": _quoted(item.milestone_title),
                        },
                    )
                )
                continue
            if candidates:
                milestone = candidates[0]
                claimed[milestone.pk] = item.row
        if item.due_date is None and (milestone is None or milestone.due_date is not None):
            # Only a milestone carried over without a deadline may stay without one.
            errors.add(_cell_error(item.row, "due_date", _("Skriv en frist.")))
            continue
        step = MilestoneStep(
            row=item.row,
            pk=milestone.pk if milestone else None,
            action=action_step,
            title=item.milestone_title,
            description=item.description,
            due_date=item.due_date,
            status=item.status,
            percent=item.percent,
            order=next_order[key],
        )
        if milestone is None:
            step.log_progress = item.status != Status.NOT_STARTED or item.percent != 0
        else:
            step.changes = _milestone_changes(milestone, item, action_step)
            step.log_progress = (milestone.status, milestone.percent) != (item.status, item.percent)
            step.moved = milestone.action_id != action_step.pk
            step.due_date_moved = milestone.due_date != item.due_date
            step.reason_needed = step.due_date_moved and services.due_date_change_needs_reason(
                milestone
            )
        milestone_steps.append(step)
        if errors.full:
            break
    if errors:
        raise PlanFileError(errors)
    return ImportPlan(
        actions=list(steps.values()),
        milestones=milestone_steps,
        notes=list(notes),
        milestones_not_in_file=sum(1 for pk in existing_milestones if pk not in claimed),
        fingerprint=fingerprint,
    )
