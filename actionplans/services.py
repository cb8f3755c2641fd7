"""Writes to action plans that carry a rule: logging progress, carrying a plan over, and an
agenda item's links to the actions and milestones it is about."""

import datetime
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from actionplans.models import (
    CLOSED_STATUSES,
    STATUSES_NEEDING_COMMENT,
    Action,
    ActionPlan,
    Milestone,
    MilestoneDueDateChange,
    ProgressUpdate,
    Status,
)
from agreements.models import AgendaItem, CentralTheme, Meeting, SubGoal
from tromsvekst.lib.dates import local_today

# The milestone's fields a progress update sets.
UPDATED_BY_PROGRESS = ("status", "percent", "completed_on", "version", "last_update")


class ProgressConflict(Exception):
    """Someone else logged progress after the form was opened."""

    def __init__(self, milestone: Milestone, updates: list[ProgressUpdate]):
        self.milestone = milestone
        self.updates = updates  # the updates the user has not seen, newest first
        super().__init__("progress conflict")


def progress_validate(*, status: str, percent: int, comment: str) -> None:
    errors = {}
    if status not in Status.values:
        errors["status"] = _("Velg en gyldig status.")
    if not 0 <= percent <= 100:
        errors["percent"] = _("Prosent fullført må være et tall fra 0 til 100.")
    if status in STATUSES_NEEDING_COMMENT and not comment.strip():
        errors["comment"] = _(
            "Skriv en kommentar som forklarer hvorfor milepælen er «%(status)s»."
        ) % {"status": Status(status).label}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def progress_log(
    *,
    milestone: Milestone,
    user: User,
    status: str,
    percent: int,
    comment: str = "",
    evidence_url: str = "",
    seen_version: int,
    is_correction: bool = False,
) -> ProgressUpdate:
    """Append a progress update and make it the milestone's current state.

    ``seen_version`` is the milestone version the user's form was opened at; if anyone logged
    progress since, ProgressConflict is raised and nothing is saved. The milestone row is locked
    (on PostgreSQL) so that two saves at the same moment cannot both pass the check.
    """
    progress_validate(status=status, percent=percent, comment=comment)
    locked = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if locked.version != seen_version:
        unseen = list(
            locked.updates.select_related("author").order_by("-created_at", "-pk")[
                : max(locked.version - seen_version, 1)
            ]
        )
        raise ProgressConflict(locked, unseen)
    if status == Status.DONE:
        percent = 100
    update = ProgressUpdate.objects.create(
        milestone=locked,
        author=user,
        status=status,
        percent=percent,
        comment=comment.strip(),
        evidence_url=evidence_url.strip(),
        previous_status=locked.status,
        previous_percent=locked.percent,
        is_correction=is_correction,
    )
    locked.status = status
    locked.percent = percent
    locked.completed_on = (locked.completed_on or local_today()) if status == Status.DONE else None
    locked.version += 1
    locked.last_update = update
    locked.save(update_fields=UPDATED_BY_PROGRESS)
    # The caller's milestone now shows what was saved; its other fields and the related rows it
    # was read with (action, plan, agreement) stay as they were, so nothing is read again.
    for name in UPDATED_BY_PROGRESS:
        setattr(milestone, name, getattr(locked, name))
    return update


def due_date_change_needs_reason(milestone: Milestone, today: datetime.date | None = None) -> bool:
    """Whether moving ``milestone``'s due date must be explained.

    A reason is required once the milestone has a history readers rely on: it has progress
    updates, its due date has already been moved before, or its current due date has passed
    (moving it would otherwise quietly remove the "Forfalt" mark). Correcting the date of a
    milestone just created, with no updates and a future deadline, needs no reason (the change
    is recorded all the same).
    """
    if milestone.pk is None:
        return False
    if milestone.due_date is None:
        return False  # carried over without a deadline: setting the first one moves nothing
    if milestone.due_date < (today or local_today()):
        return True
    return milestone.updates.exists() or milestone.due_date_changes.exists()


@transaction.atomic
def milestone_due_date_change(
    *,
    milestone: Milestone,
    user: User,
    new_due_date: datetime.date | None,
    reason: str = "",
    source: str = MilestoneDueDateChange.Source.FORM,
) -> MilestoneDueDateChange | None:
    """Move ``milestone``'s due date to ``new_due_date`` and record old → new, who, when and why.

    Returns the recorded change, or None when nothing was moved: the date is the same (nothing
    is written), or a milestone carried over without a deadline gets its first one (saved, not
    recorded as a move, no reason needed). Raises
    ValidationError ({"due_date": ...} or {"reason": ...}, in Norwegian) and saves nothing when
    the new date lies outside the plan period or a reason is required
    (``due_date_change_needs_reason``) and ``reason`` is blank. The milestone row is locked (on
    PostgreSQL) as progress_log locks it. The caller's ``milestone`` gets the new due date.
    Every writer of a due date (the edit form, the Excel import) goes through here.
    """
    locked = (
        Milestone.objects.select_for_update(of=("self",))
        .select_related("action__plan")
        .get(pk=milestone.pk)
    )
    if new_due_date == locked.due_date:
        return None
    plan = locked.action.plan
    if new_due_date is None:
        raise ValidationError({"due_date": _("Skriv en frist.")})
    if not plan.first_day <= new_due_date <= plan.last_day:
        raise ValidationError(
            {
                "due_date": _("Fristen må ligge innenfor planperioden %(period)s.")
                % {"period": plan.period}
            }
        )
    if locked.due_date is None:
        # A milestone carried over to a new plan gets its first deadline there: nothing was
        # moved, so there is no change to record (the audit log has the save).
        locked.due_date = new_due_date
        locked.save(update_fields=["due_date"])
        milestone.due_date = new_due_date
        return None
    reason = (reason or "").strip()
    today = local_today()
    if not reason and due_date_change_needs_reason(locked, today):
        raise ValidationError(
            {
                "reason": _(
                    "Skriv hvorfor fristen flyttes. Milepælen har allerede en historikk eller en "
                    "passert frist, og leserne skal kunne se hvorfor fristen er endret."
                )
            }
        )
    change = MilestoneDueDateChange.objects.create(
        milestone=locked,
        author=user,
        created_at=timezone.now(),
        old_due_date=locked.due_date,
        new_due_date=new_due_date,
        reason=reason,
        was_overdue=locked.is_overdue(today),
        source=source,
    )
    locked.due_date = new_due_date
    locked.save(update_fields=["due_date"])
    milestone.due_date = new_due_date
    return change


@transaction.atomic
def milestone_update(
    *, milestone: Milestone, user: User, values: dict, reason: str = ""
) -> Milestone:
    """Save an edited milestone: ``values`` maps field names (title, description, due_date,
    responsible, order, ...) to their new values, as the milestone form cleans them.

    A changed due date goes through milestone_due_date_change (recorded, with ``reason``); the
    other fields are saved as given. Raises ValidationError and saves nothing when the due date
    change is refused. Status and percent are never set here (progress_log sets them).
    """
    values = dict(values)
    new_due_date = values.pop("due_date", milestone.due_date)
    for name in ("status", "percent", "completed_on", "version", "last_update"):
        values.pop(name, None)
    milestone_due_date_change(
        milestone=milestone, user=user, new_due_date=new_due_date, reason=reason
    )
    if values:
        for name, value in values.items():
            setattr(milestone, name, value)
        milestone.save(update_fields=list(values))
    return milestone


def plan_carry_over_period(*, plan: ActionPlan) -> tuple[int, int]:
    """The period of the plan that would follow ``plan``: (first year, last year).

    Raises ValidationError (in Norwegian) when it would run past the agreement or when the
    agreement has a plan for that period already.
    """
    start = plan.end_year + 1
    end = start + (plan.end_year - plan.start_year)
    if end > plan.agreement.end_year:
        raise ValidationError(
            _(
                "Avtalen varer bare til %(year)s, så det kan ikke lages en plan for %(start)s–%(end)s."
            )
            % {"year": plan.agreement.end_year, "start": start, "end": end}
        )
    if ActionPlan.objects.filter(agreement=plan.agreement, start_year=start, end_year=end).exists():
        raise ValidationError(
            _("Handlingsplanen for %(start)s–%(end)s finnes allerede.")
            % {"start": start, "end": end}
        )
    return start, end


def plan_carry_over_items(*, plan: ActionPlan) -> list[tuple[Action, list[Milestone]]]:
    """What carrying ``plan`` over takes along, in the plan's order: every action that has
    milestones neither done nor cancelled (with those milestones, by due date), and every
    action that has no milestones yet (with an empty list). The confirmation page shows this
    list and plan_carry_over copies exactly it."""
    open_milestones = list(
        Milestone.objects.in_plan(plan)
        .exclude(status__in=CLOSED_STATUSES)
        .select_related("responsible__user")
        .order_by(F("due_date").asc(nulls_last=True), "order", "pk")
    )
    by_action: dict[int, list[Milestone]] = {}
    for milestone in open_milestones:
        by_action.setdefault(milestone.action_id, []).append(milestone)
    actions = (
        Action.objects.filter(plan=plan)
        .filter(Q(pk__in=list(by_action)) | Q(milestones__isnull=True))
        .distinct()
        .select_related("sub_goal", "lead_party")
        .order_by("order", "number")
    )
    return [(action, by_action.get(action.pk, [])) for action in actions]


@transaction.atomic
def plan_carry_over(*, plan: ActionPlan, user: User) -> ActionPlan:
    """Make a draft of the next two-year plan holding what is neither done nor cancelled
    (``plan_carry_over_items``); ``user`` is the coordinator who confirmed it.

    Each carried action and milestone links to its original (``carried_from``), so the earlier
    history stays reachable from the new milestone's page ("Historikk fra forrige plan").

    A carried milestone keeps its title, description, responsible person, status and percent,
    but gets **no due date**: the old one belongs to the old plan, and inventing one would
    hide that the coordinator must set a new deadline. Until then it shows as "Ny frist
    mangler", is never counted as overdue, and the responsible coordinator's reminder asks for
    a deadline. It also gets **no progress update**: the status it starts with was reported in
    the old plan (by whoever reported it there, shown in the earlier history), and writing an
    update in the name of the person who clicked would present that as their own progress. Its
    first update in the new plan is the first real report (its ``previous_status`` is the
    carried status).
    """
    start, end = plan_carry_over_period(plan=plan)
    items = plan_carry_over_items(plan=plan)
    new_plan = ActionPlan.objects.create(
        agreement=plan.agreement,
        start_year=start,
        end_year=end,
        status=ActionPlan.PlanStatus.DRAFT,
        previous=plan,
        is_example=plan.is_example,
    )
    for action, milestones in items:
        copy = Action.objects.create(
            plan=new_plan,
            number=action.number,
            title=action.title,
            description=action.description,
            sub_goal=action.sub_goal,
            lead_party=action.lead_party,
            partners=action.partners,
            order=action.order,
            carried_from=action,
        )
        copy.strategies.set(action.strategies.all())
        copy.responsible.set(action.responsible.all())
        for milestone in milestones:
            Milestone.objects.create(
                action=copy,
                title=milestone.title,
                description=milestone.description,
                due_date=None,
                responsible=milestone.responsible,
                status=milestone.status,
                percent=milestone.percent,
                order=milestone.order,
                carried_from=milestone,
            )
    return new_plan


def milestone_delete_refusal(milestone: Milestone) -> str:
    """Why ``milestone`` may not be deleted, or "" if it may.

    A milestone carried over to a later plan is the history of the one there, so it stays. One
    with progress updates may be deleted (a milestone made by mistake, in the portal or by an
    Excel import); its history is kept in the audit log (``milestone_delete``)."""
    if milestone.carried_to.exists():
        return _(
            "Milepælen er videreført til en senere handlingsplan og kan derfor ikke slettes. "
            "Vil du at den ikke skal gjennomføres, kan du i stedet sette status til «Avlyst» "
            "ved å logge fremdrift."
        )
    return ""


@transaction.atomic
def milestone_delete(*, milestone: Milestone) -> str:
    """Delete ``milestone`` with its history; returns the refusal, or "" when deleted.

    The only way a progress update is ever deleted (``ProgressUpdate.delete`` refuses): the
    milestone's updates and due-date changes go with it through the database cascade, and the
    audit log records a «slettet» entry for the milestone and for each of them with every field
    (status, percent, comment, author, dates), so the history can still be read there. The row
    is locked (on PostgreSQL) as progress_log locks it, so progress logged at the same moment
    cannot slip in between the check and the delete.
    """
    locked = Milestone.objects.select_for_update().get(pk=milestone.pk)
    refusal = milestone_delete_refusal(locked)
    if not refusal:
        locked.delete()
    return refusal


# --- Agenda items and their links to plan progress ----------------------------------------------


@transaction.atomic
def agenda_item_save(
    *,
    meeting: Meeting,
    agenda_item: AgendaItem | None = None,
    number: int,
    title: str,
    description: str = "",
    sub_goal: SubGoal | None = None,
    central_theme: CentralTheme | None = None,
    milestones: Iterable[Milestone] = (),
    actions: Iterable[Action] = (),
) -> AgendaItem:
    """Create (no ``agenda_item``) or change an agenda item of ``meeting`` and the actions and
    milestones it is linked to (links declared here, on the plan side)."""
    agreement = meeting.agreement
    errors = {}
    if sub_goal is not None and sub_goal.agreement_id != agreement.pk:
        errors["sub_goal"] = _("Velg et delmål fra denne avtalen.")
    if central_theme is not None and central_theme.agreement_id != agreement.pk:
        errors["central_theme"] = _("Velg et sentralt tema fra denne avtalen.")
    milestones, actions = list(milestones), list(actions)
    if (
        Milestone.objects.filter(pk__in=[m.pk for m in milestones])
        .exclude(action__plan__agreement=agreement)
        .exists()
    ):
        errors["milestones"] = _("Velg bare milepæler fra denne avtalen.")
    if (
        Action.objects.filter(pk__in=[a.pk for a in actions])
        .exclude(plan__agreement=agreement)
        .exists()
    ):
        errors["actions"] = _("Velg bare tiltak fra denne avtalen.")
    taken = AgendaItem.objects.filter(meeting=meeting, number=number)
    if agenda_item is not None:
        taken = taken.exclude(pk=agenda_item.pk)
    number_taken = _("Møtet har allerede en sak med nummer %(number)s.") % {"number": number}
    if taken.exists():
        errors["number"] = number_taken
    if errors:
        raise ValidationError(errors)
    item = agenda_item or AgendaItem(meeting=meeting)
    item.number = number
    item.title = title
    item.description = description
    item.sub_goal = sub_goal
    item.central_theme = central_theme
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError:
        raise ValidationError({"number": number_taken}, code="unique") from None
    item.milestones.set(milestones)
    item.actions.set(actions)
    return item
