"""Import: working out what the rows would change, without writing (the preview)."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from actionplans import services
from actionplans.models import Action, ActionPlan, Milestone, Status
from agreements.models import Strategy
from tromsvekst.lib import uploads

from .cells import ImportRow, PlanFileError, _cell_error, _quoted
from .changes import (
    _action_changes,
    _action_value,
    _milestone_changes,
    plan_fingerprint,
)
from .plan import ActionStep, ImportPlan, MilestoneStep


def plan_import_changes(*, plan: ActionPlan, rows: list[ImportRow]) -> ImportPlan:
    """What the checked rows would change in the plan. Writes nothing.

    Rows are matched to the plan by the id columns of an exported file («Tiltak-ID»,
    «Milepæl-ID»), so a renamed milestone or a renumbered action is the same one, changed.
    A row without an id (added in Excel), or with an id that is not in this plan (a file from
    another plan), is matched by name as before: an action by its number, a milestone by its
    action and title; failing that it is new.

    Raises PlanFileError with the problems found (ids used twice, numbers that clash).
    """
    matching = _Matching(plan)
    matching.match_actions(rows)
    matching.check_numbers_taken()
    matching.claim_by_id(rows)
    matching.collect_unclaimed_titles()
    milestone_steps = matching.milestone_steps(rows)
    if matching.errors:
        raise PlanFileError(matching.errors)
    return ImportPlan(
        actions=list(matching.steps.values()),
        milestones=milestone_steps,
        notes=list(matching.notes),
        milestones_not_in_file=sum(
            1 for pk in matching.existing_milestones if pk not in matching.claimed
        ),
        fingerprint=matching.fingerprint,
    )


class _Matching:
    """One preview's work: the plan as it is, and the rows matched to it so far."""

    def __init__(self, plan: ActionPlan):
        self.errors = uploads.ImportErrors()
        self.notes = uploads.ImportErrors()
        strategies = Prefetch(
            "strategies", queryset=Strategy.objects.select_related("sub_goal").order_by()
        )
        self.existing_actions = {
            action.pk: action
            for action in Action.objects.filter(plan=plan)
            .select_related("sub_goal", "lead_party")
            .prefetch_related(strategies)
        }
        self.by_number = {action.number: action for action in self.existing_actions.values()}
        self.existing_milestones = {
            milestone.pk: milestone
            for milestone in Milestone.objects.in_plan(plan).select_related("action")
        }
        self.fingerprint = plan_fingerprint(plan)
        self.steps: dict[tuple, ActionStep] = {}
        self.first_row: dict[tuple, ImportRow] = {}
        self.row_action: dict[int, tuple] = {}
        self.number_owner: dict[str, tuple] = {}
        self.claimed: dict[int, int] = {}  # milestone pk -> row
        self.matches: dict[int, Milestone] = {}
        self.by_title: dict[tuple[int, str], list[Milestone]] = defaultdict(list)

    # Actions: rows with a known «Tiltak-ID» first, so that a row added without one joins the
    # action by the number it has in the file.

    def match_actions(self, rows: list[ImportRow]) -> None:
        self._forget_unknown_action_ids(rows)
        for with_id in (True, False):
            for item in rows:
                if (item.action_id is not None) != with_id:
                    continue
                key = self._action_key(item, with_id)
                self.row_action[id(item)] = key
                first = self.first_row.setdefault(key, item)
                if first is item:
                    self._add_action_step(item, key)
                else:
                    self._check_same_action(item, first)

    def _forget_unknown_action_ids(self, rows: list[ImportRow]) -> None:
        for item in rows:
            if item.action_id is None or item.action_id in self.existing_actions:
                continue
            self.notes.add(
                _(
                    "Rad %(row)s: Tiltak-ID %(id)s finnes ikke i denne handlingsplanen, så "
                    "tiltaket er kjent igjen på nummeret i stedet."
                )
                % {"row": item.row, "id": item.action_id}
            )
            item.action_id = None

    def _action_key(self, item: ImportRow, with_id: bool) -> tuple:
        if with_id:
            return ("pk", item.action_id)
        if item.action_number in self.number_owner:
            return self.number_owner[item.action_number]
        holder = self.by_number.get(item.action_number)
        if holder is not None and ("pk", holder.pk) not in self.steps:
            return ("pk", holder.pk)
        return ("new", item.action_number)

    def _add_action_step(self, item: ImportRow, key: tuple) -> None:
        action = self.existing_actions.get(key[1]) if key[0] == "pk" else None
        self.steps[key] = ActionStep(
            row=item.row,
            pk=action.pk if action else None,
            number=item.action_number,
            title=item.action_title,
            sub_goal=item.sub_goal,
            strategies=item.strategies,
            lead_party=item.lead_party,
            changes=_action_changes(action, item) if action else [],
        )
        if item.action_number in self.number_owner:
            self.errors.add(
                _cell_error(
                    item.row,
                    "action_number",
                    _(
                        "Tiltak nr. %(number)s står på to ulike tiltak i filen (se rad "
                        "%(other)s). Et nummer kan bare brukes av ett tiltak."
                    )
                    % {
                        "number": uploads.excerpt(item.action_number),
                        "other": self.first_row[self.number_owner[item.action_number]].row,
                    },
                )
            )
        self.number_owner.setdefault(item.action_number, key)

    def _check_same_action(self, item: ImportRow, first: ImportRow) -> None:
        for column in ("action_number", "action_title", "sub_goal", "strategies", "lead_party"):
            mine, theirs = _action_value(item, column), _action_value(first, column)
            if mine != theirs:
                self.errors.add(
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

    def check_numbers_taken(self) -> None:
        """A number taken from an action the file leaves alone."""
        in_file = {key[1] for key in self.steps if key[0] == "pk"}
        for step in self.steps.values():
            holder = self.by_number.get(step.number)
            if holder is not None and holder.pk not in in_file and holder.pk != step.pk:
                self.errors.add(
                    _cell_error(
                        step.row,
                        "action_number",
                        _(
                            "Tiltak nr. %(number)s brukes allerede av tiltaket «%(title)s» i "
                            "planen, som ikke står i filen. Velg et annet nummer."
                        )
                        % {"number": uploads.excerpt(step.number), "title": holder.title},
                    )
                )

    # Milestones: by «Milepæl-ID» first, then by action and title. A row copied in Excel to make
    # a new milestone carries the id of the row it was copied from: of the rows with the same
    # id, the one that still has the milestone's title is the milestone, the others are new.

    def claim_by_id(self, rows: list[ImportRow]) -> None:
        rows_by_id: dict[int, list[ImportRow]] = defaultdict(list)
        for item in rows:
            if not item.milestone_title or item.milestone_id is None:
                continue
            if item.milestone_id not in self.existing_milestones:
                self.notes.add(
                    _(
                        "Rad %(row)s: Milepæl-ID %(id)s finnes ikke i denne handlingsplanen, så "
                        "milepælen er kjent igjen på tiltaket og navnet i stedet."
                    )
                    % {"row": item.row, "id": item.milestone_id}
                )
                continue
            rows_by_id[item.milestone_id].append(item)
        for pk, same_id in rows_by_id.items():
            self._claim_one_id(pk, same_id)

    def _claim_one_id(self, pk: int, same_id: list[ImportRow]) -> None:
        milestone = self.existing_milestones[pk]
        if len(same_id) > 1:
            same_title = [i for i in same_id if i.milestone_title == milestone.title.strip()]
            if len(same_title) != 1:
                self.errors.add(
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
                return
            for item in same_id:
                if item is not same_title[0]:
                    self.notes.add(
                        _(
                            "Rad %(row)s har samme Milepæl-ID som rad %(other)s og er lest som "
                            "en ny milepæl."
                        )
                        % {"row": item.row, "other": same_title[0].row}
                    )
            same_id = same_title
        self.claimed[pk] = same_id[0].row
        self.matches[id(same_id[0])] = milestone

    def collect_unclaimed_titles(self) -> None:
        for milestone in self.existing_milestones.values():
            if milestone.pk not in self.claimed:
                self.by_title[(milestone.action_id, milestone.title.strip())].append(milestone)

    def milestone_steps(self, rows: list[ImportRow]) -> list[MilestoneStep]:
        milestone_steps: list[MilestoneStep] = []
        seen_titles: dict[tuple, int] = {}
        next_order: dict[tuple, int] = defaultdict(int)
        for item in rows:
            if not item.milestone_title:
                continue
            key = self.row_action[id(item)]
            next_order[key] += 1
            step = self._milestone_step(item, key, seen_titles, next_order[key])
            if step is None:
                continue
            milestone_steps.append(step)
            if self.errors.full:
                break
        return milestone_steps

    def _milestone_step(
        self, item: ImportRow, key: tuple, seen_titles: dict[tuple, int], order: int
    ) -> MilestoneStep | None:
        """The row's step, or None (with an error) if it cannot be matched."""
        action_step = self.steps[key]
        title_key = (key, item.milestone_title)
        if title_key in seen_titles:
            self.errors.add(
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
            return None
        seen_titles[title_key] = item.row
        found, milestone = self._milestone_for(item, action_step)
        if not found:
            return None
        if item.due_date is None and (milestone is None or milestone.due_date is not None):
            # Only a milestone carried over without a deadline may stay without one.
            self.errors.add(_cell_error(item.row, "due_date", _("Skriv en frist.")))
            return None
        return _milestone_step(item, milestone, action_step, order)

    def _milestone_for(
        self, item: ImportRow, action_step: ActionStep
    ) -> tuple[bool, Milestone | None]:
        """(True, the milestone the row is, or None for a new one), or (False, None) with an
        error when more than one milestone of the action has the row's title."""
        milestone = self.matches.get(id(item))
        if milestone is not None or action_step.pk is None:
            return True, milestone
        candidates = self.by_title.get((action_step.pk, item.milestone_title), [])
        if len(candidates) > 1:
            self.errors.add(
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
            return False, None
        if candidates:
            milestone = candidates[0]
            self.claimed[milestone.pk] = item.row
        return True, milestone


def _milestone_step(
    item: ImportRow, milestone: Milestone | None, action_step: ActionStep, order: int
) -> MilestoneStep:
    step = MilestoneStep(
        row=item.row,
        pk=milestone.pk if milestone else None,
        action=action_step,
        title=item.milestone_title,
        description=item.description,
        due_date=item.due_date,
        status=item.status,
        percent=item.percent,
        order=order,
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
    return step
