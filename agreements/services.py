"""Writes to the agreement data that carry a rule or touch several models: who has which role
(``coordinator_*``), the meeting schedule (``meeting_*``), decisions and follow-up tasks. Loading
the agreement's text from its file is ``agreements.loader``."""

import datetime
from collections.abc import Iterable
from typing import TypedDict

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from agreements import rules, selectors
from agreements.models import (
    AgendaItem,
    Agreement,
    AgreementParty,
    Coordinator,
    Decision,
    FollowUpTask,
    Meeting,
    Party,
)
from tromsvekst.audit import capture as audit
from tromsvekst.lib.dates import local_today, local_tz
from tromsvekst.lib.names import display_name

# Changes to these fields make calendars update their copy of the meeting (RFC 5545 SEQUENCE).
# What a calendar event shows (agreements/calendar.py): a change to any of them raises SEQUENCE.
MEETING_SEQUENCE_FIELDS = (
    "title",
    "kind",
    "status",
    "start",
    "end",
    "place",
    "video_link",
    "inviting_party",
)
# Drafts and cancelled meetings may lack a place or a link; planned and held ones may not.
MEETING_STATUSES_NEEDING_PLACE = (Meeting.Status.PLANNED, Meeting.Status.HELD)


class _YearDefault(TypedDict):
    month: int
    start: datetime.time
    end: datetime.time


# "Planlegg året": one physical meeting in spring and one digital in autumn, local time.
PLAN_YEAR_DEFAULTS: dict[str, _YearDefault] = {
    Meeting.Kind.PHYSICAL: {"month": 5, "start": datetime.time(10), "end": datetime.time(14)},
    Meeting.Kind.DIGITAL: {"month": 10, "start": datetime.time(10), "end": datetime.time(12)},
}
TUESDAY = 1


def _lock_agreement(agreement: Agreement) -> None:
    """Serialise rule-checking writes on one agreement (a row lock; a no-op on SQLite)."""
    Agreement.objects.select_for_update().filter(pk=agreement.pk).first()


def _check_party(agreement: Agreement, party: Party, *, field_name: str = "party") -> None:
    if (
        party is None
        or not AgreementParty.objects.filter(agreement=agreement, party=party).exists()
    ):
        raise ValidationError(
            {field_name: gettext("Velg en av avtalens parter.")}, code="invalid_choice"
        )


def _role_taken_error(agreement: Agreement, user: User) -> ValidationError:
    existing = Coordinator.objects.filter(agreement=agreement, user=user).first()
    role = existing.get_role_display().lower() if existing else ""
    return ValidationError(
        {
            "user": gettext(
                "%(name)s har allerede en rolle i denne avtalen (%(role)s). "
                "Endre den rollen i stedet for å legge til personen på nytt."
            )
            % {"name": display_name(user), "role": role}
        },
        code="unique",
    )


def check_appointment(
    *,
    by: User | None,
    agreement: Agreement,
    party: Party | int | None,
    role: str,
    target: User | None,
) -> None:
    """The one rule of who may appoint whom (``rules.may_appoint``), as a Norwegian refusal.

    ``by`` None is the system (management commands, loading data), which the rule does not bind.
    """
    if by is None or rules.may_appoint(by, agreement, party=party, role=role, target=target):
        return
    if target is not None and target.pk == by.pk:
        raise ValidationError(
            gettext(
                "Du kan ikke endre din egen rolle eller part. Be en annen koordinator eller en "
                "administrator om å gjøre det."
            ),
            code="own_role",
        )
    raise ValidationError(
        gettext(
            "Du kan ikke gi denne rollen for denne parten. Koordinatorer for en annen part enn "
            "fylkeskommunen kan bare legge til og endre personer for sin egen part."
        ),
        code="not_allowed",
    )


def _user_create(*, name: str, email: str) -> User:
    """A new user for someone who has no account yet; they log in with their e-mail address.

    Called only when an invitation is accepted, after checking that no account has the address.
    """
    User = get_user_model()
    email = User.objects.normalize_email(email.strip())
    name = " ".join(name.split())
    errors = {}
    if not name:
        errors["name"] = gettext("Skriv navnet til den nye brukeren.")
    if not email:
        errors["email"] = gettext("Skriv e-postadressen til den nye brukeren.")
    if errors:
        raise ValidationError(errors)
    first_name, _sep, last_name = name.rpartition(" ")
    if not first_name:
        first_name, last_name = last_name, ""
    base = email.lower()[:140]
    username, n = base, 1
    while User.objects.filter(username__iexact=username).exists():
        n += 1
        username = f"{base}-{n}"
    user = User(
        username=username, email=email, first_name=first_name[:150], last_name=last_name[:150]
    )
    user.set_unusable_password()
    user.save()
    return user


@transaction.atomic
def coordinator_appoint(
    *,
    agreement: Agreement,
    party: Party,
    role: str,
    user: User | None = None,
    name: str = "",
    email: str = "",
    title: str = "",
    phone: str = "",
    by: User | None,
) -> Coordinator:
    """Give a user a role (coordinator or reader) in the agreement, for one of its parties.

    With no ``user``, a new user is made from ``name`` and ``email``. A user has at most one role
    per agreement (a database constraint); a second one is refused with a message, not a crash.
    ``by`` appoints, under ``rules.may_appoint``; None is the system. People are added through
    the portal by invitation (``invitation_create``), never straight to an existing account.
    """
    _lock_agreement(agreement)
    _check_party(agreement, party)
    if role not in Coordinator.Role.values:
        raise ValidationError({"role": gettext("Velg en rolle.")}, code="invalid_choice")
    check_appointment(by=by, agreement=agreement, party=party, role=role, target=user)
    if user is None:
        user = _user_create(name=name, email=email)
        audit.record_user_created(user, agreement_pk=agreement.pk)
    elif Coordinator.objects.filter(agreement=agreement, user=user).exists():
        raise _role_taken_error(agreement, user)
    try:
        with transaction.atomic():
            return Coordinator.objects.create(
                agreement=agreement, party=party, user=user, role=role, title=title, phone=phone
            )
    except IntegrityError:
        if Coordinator.objects.filter(agreement=agreement, user=user).exists():
            raise _role_taken_error(agreement, user) from None
        raise


def _leaves_no_coordinator(coordinator: Coordinator, *, by: User | None) -> bool:
    """True if ``by`` is the agreement's last coordinator and ``coordinator`` is their own role.

    The last coordinator may not remove themself or step down to reader; an administrator may
    (they keep access anyway), and so may a coordinator acting on someone else.
    """
    if coordinator.role != Coordinator.Role.COORDINATOR or by is None:
        return False
    if by.pk != coordinator.user_id or rules.is_admin(by):
        return False
    return not (
        Coordinator.objects.filter(
            agreement_id=coordinator.agreement_id, role=Coordinator.Role.COORDINATOR
        )
        .exclude(pk=coordinator.pk)
        .exists()
    )


def _not_yours_message() -> str:
    return gettext(
        "Du kan bare endre og fjerne personer for din egen part. Be en koordinator for "
        "fylkeskommunen eller en administrator om å gjøre det."
    )


def _last_coordinator_removal_message() -> str:
    return gettext(
        "Du er den siste koordinatoren for avtalen og kan ikke fjerne deg selv. "
        "Legg til en annen koordinator først."
    )


@transaction.atomic
def coordinator_change(
    *,
    coordinator: Coordinator,
    party: Party,
    role: str,
    title: str,
    phone: str,
    by: User | None,
) -> Coordinator:
    """Change a role, its party, title and phone, under ``rules.may_appoint`` (nobody changes
    their own role or party; a regional council's coordinator acts for their own party only)."""
    _lock_agreement(coordinator.agreement)
    _check_party(coordinator.agreement, party)
    if role not in Coordinator.Role.values:
        raise ValidationError({"role": gettext("Velg en rolle.")}, code="invalid_choice")
    check_appointment(
        by=by, agreement=coordinator.agreement, party=party, role=role, target=coordinator.user
    )
    if role != Coordinator.Role.COORDINATOR and _leaves_no_coordinator(coordinator, by=by):
        raise ValidationError(
            gettext(
                "Du er den siste koordinatoren for avtalen og kan ikke gjøre deg selv til leser. "
                "Legg til en annen koordinator først."
            ),
            code="last_coordinator",
        )
    coordinator.party = party
    coordinator.role = role
    coordinator.title = title
    coordinator.phone = phone
    coordinator.save(update_fields=["party", "role", "title", "phone"])
    return coordinator


@transaction.atomic
def coordinator_remove(*, coordinator: Coordinator, by: User | None) -> None:
    """Take away a user's role in the agreement. The user account itself stays."""
    _lock_agreement(coordinator.agreement)
    if by is not None and not rules.may_remove(by, coordinator):
        raise ValidationError(_not_yours_message(), code="not_allowed")
    if _leaves_no_coordinator(coordinator, by=by):
        raise ValidationError(_last_coordinator_removal_message(), code="last_coordinator")
    coordinator.delete()


def coordinator_removal_refusal(*, coordinator: Coordinator, by: User | None) -> str:
    """Why ``by`` may not remove ``coordinator`` (for the confirmation page), or ""."""
    if by is not None and not rules.may_remove(by, coordinator):
        return _not_yours_message()
    if _leaves_no_coordinator(coordinator, by=by):
        return _last_coordinator_removal_message()
    return ""


def meeting_validate(
    *,
    agreement: Agreement,
    kind: str,
    status: str,
    start: datetime.datetime | None,
    end: datetime.datetime | None,
    place: str,
    video_link: str,
    inviting_party: Party | None,
) -> None:
    """The rules of a meeting. Errors are keyed by the model's field names."""
    errors: dict[str, str] = {}
    if start is not None and end is not None and end <= start:
        errors["end"] = gettext("Møtet må slutte etter at det starter.")
    if status in MEETING_STATUSES_NEEDING_PLACE:
        if kind == Meeting.Kind.PHYSICAL and not place.strip():
            errors["place"] = gettext("Skriv hvor det fysiske møtet holdes.")
        if kind == Meeting.Kind.DIGITAL and not video_link.strip():
            errors["video_link"] = gettext("Skriv lenken til det digitale møtet.")
    if (
        inviting_party is not None
        and not AgreementParty.objects.filter(agreement=agreement, party=inviting_party).exists()
    ):
        errors["inviting_party"] = gettext("Velg en av avtalens parter.")
    if errors:
        raise ValidationError(errors)


def _check_participants(agreement: Agreement, participants: Iterable[User]) -> list[User]:
    chosen = list(participants)
    with_role = set(
        Coordinator.objects.filter(
            agreement=agreement, user__in=[u.pk for u in chosen]
        ).values_list("user_id", flat=True)
    )
    if any(u.pk not in with_role for u in chosen):
        raise ValidationError(
            {"participants": gettext("Velg bare personer som har en rolle i denne avtalen.")}
        )
    return chosen


@transaction.atomic
def meeting_create(
    *,
    agreement: Agreement,
    title: str,
    kind: str,
    status: str,
    start: datetime.datetime,
    end: datetime.datetime,
    place: str = "",
    video_link: str = "",
    inviting_party: Party,
    participants: Iterable[User] = (),
    minutes: str = "",
    is_example: bool = False,
) -> Meeting:
    meeting_validate(
        agreement=agreement,
        kind=kind,
        status=status,
        start=start,
        end=end,
        place=place,
        video_link=video_link,
        inviting_party=inviting_party,
    )
    participants = _check_participants(agreement, participants)
    meeting = Meeting.objects.create(
        agreement=agreement,
        title=title,
        kind=kind,
        status=status,
        start=start,
        end=end,
        place=place,
        video_link=video_link,
        inviting_party=inviting_party,
        minutes=minutes,
        is_example=is_example,
    )
    meeting.participants.set(participants)
    return meeting


@transaction.atomic
def meeting_update(
    *,
    meeting: Meeting,
    title: str,
    kind: str,
    status: str,
    start: datetime.datetime,
    end: datetime.datetime,
    place: str,
    video_link: str,
    inviting_party: Party,
    participants: Iterable[User],
    minutes: str,
) -> Meeting:
    """Change a meeting; ``sequence`` goes up when its time, place, kind or status changes."""
    agreement = meeting.agreement
    meeting_validate(
        agreement=agreement,
        kind=kind,
        status=status,
        start=start,
        end=end,
        place=place,
        video_link=video_link,
        inviting_party=inviting_party,
    )
    participants = _check_participants(agreement, participants)
    saved = Meeting.objects.select_for_update().get(pk=meeting.pk)
    values = {
        "title": title,
        "kind": kind,
        "status": status,
        "start": start,
        "end": end,
        "place": place,
        "video_link": video_link,
        "inviting_party": inviting_party,
        "minutes": minutes,
    }
    changed = any(getattr(saved, name) != values[name] for name in MEETING_SEQUENCE_FIELDS)
    for name, value in values.items():
        setattr(saved, name, value)
    if changed:
        saved.sequence += 1
    saved.save()
    saved.participants.set(participants)
    return saved


def _first_weekday(year: int, month: int, weekday: int) -> datetime.date:
    day = datetime.date(year, month, 1)
    return day + datetime.timedelta(days=(weekday - day.weekday()) % 7)


@transaction.atomic
def meeting_plan_year(*, agreement: Agreement, year: int) -> list[Meeting]:
    """Make the meetings §5.1 asks for that ``year`` still lacks, as drafts.

    A physical meeting on the first Tuesday of May, 10–14, and a digital one on the first Tuesday
    of October, 10–12 (Europe/Oslo), invited by the agreement's regional council (else its first
    party). Kinds the year already has a planned, held or draft meeting of are left alone, so
    planning a year twice makes nothing new.
    """
    if not agreement.start_year <= year <= agreement.end_year:
        raise ValidationError(
            gettext("%(year)s er utenfor avtaleperioden %(period)s.")
            % {"year": year, "period": agreement.period}
        )
    _lock_agreement(agreement)
    inviting_party = selectors.inviting_party_default(agreement)
    if inviting_party is None:
        raise ValidationError(gettext("Avtalen har ingen parter som kan invitere til møter."))
    check = selectors.meeting_year_check(agreement, year)
    tz = local_tz()
    titles: dict[str, str] = {
        Meeting.Kind.PHYSICAL: gettext("Fysisk møte våren %(year)s"),
        Meeting.Kind.DIGITAL: gettext("Digitalt møte høsten %(year)s"),
    }
    created = []
    for kind in check.unplanned:
        defaults = PLAN_YEAR_DEFAULTS[kind]
        day = _first_weekday(year, defaults["month"], TUESDAY)
        meeting = Meeting.objects.create(
            agreement=agreement,
            title=titles[kind] % {"year": year},
            kind=kind,
            status=Meeting.Status.DRAFT,
            start=datetime.datetime.combine(day, defaults["start"], tzinfo=tz),
            end=datetime.datetime.combine(day, defaults["end"], tzinfo=tz),
            inviting_party=inviting_party,
        )
        created.append(meeting)
    return created


def decision_refusal(*, meeting: Meeting, now: datetime.datetime | None = None) -> str:
    """Why no new decision may be recorded on ``meeting`` (in Norwegian), or "" if it may.

    A decision is made in a meeting, so it can be recorded only once the meeting has taken
    place: not on a draft or a cancelled meeting, and not before the meeting starts. A meeting
    marked «Avholdt» counts as held whatever its date says.
    """
    if meeting.status == Meeting.Status.DRAFT:
        return gettext(
            "Møtet er bare et utkast. Vedtak kan registreres når møtet er planlagt og holdt."
        )
    if meeting.status == Meeting.Status.CANCELLED:
        return gettext("Møtet er avlyst, så det kan ikke registreres vedtak i det.")
    if meeting.status != Meeting.Status.HELD and meeting.start > (now or timezone.now()):
        when = timezone.localtime(meeting.start, local_tz())
        return gettext(
            "Møtet har ikke funnet sted ennå (det starter %(date)s kl. %(time)s). "
            "Vedtak kan registreres fra møtet har startet."
        ) % {"date": f"{when.day}.{when.month}.{when.year}", "time": f"{when:%H:%M}"}
    return ""


@transaction.atomic
def decision_create(
    *, agenda_item: AgendaItem, text: str, now: datetime.datetime | None = None
) -> Decision:
    """Record a decision made on ``agenda_item``; ValidationError if its meeting has not taken
    place (``decision_refusal``). The meeting row is locked (on PostgreSQL) so that a change of
    its status or time cannot slip in between the check and the save."""
    meeting = Meeting.objects.select_for_update().get(pk=agenda_item.meeting_id)
    refusal = decision_refusal(meeting=meeting, now=now)
    if refusal:
        raise ValidationError(refusal, code="meeting_not_held")
    return Decision.objects.create(agenda_item=agenda_item, text=text)


@transaction.atomic
def follow_up_task_create(
    *, decision: Decision, title: str, responsible: User, due_date: datetime.date
) -> FollowUpTask:
    """A task that follows from a decision; the responsible person has a role in the agreement."""
    agreement_id = decision.agenda_item.meeting.agreement_id
    if not Coordinator.objects.filter(agreement_id=agreement_id, user=responsible).exists():
        raise ValidationError(
            {"responsible": gettext("Velg en person som har en rolle i denne avtalen.")}
        )
    return FollowUpTask.objects.create(
        decision=decision, title=title, responsible=responsible, due_date=due_date
    )


@transaction.atomic
def decision_update(*, decision: Decision, text: str) -> Decision:
    """Change the text of a decision (a correction to match the minutes). The audit log keeps
    the earlier text, who changed it and when."""
    locked = Decision.objects.select_for_update().get(pk=decision.pk)
    if locked.text != text:
        locked.text = text
        locked.save(update_fields=["text"])
    return locked


@transaction.atomic
def follow_up_task_set_done(
    *, task: FollowUpTask, done: bool, today: datetime.date | None = None
) -> FollowUpTask:
    """Mark a task done (on today's date in Europe/Oslo) or open again."""
    task = FollowUpTask.objects.select_for_update().get(pk=task.pk)
    if task.done != done:
        task.done = done
        task.done_on = (today or local_today()) if done else None
        task.save(update_fields=["done", "done_on"])
    return task
