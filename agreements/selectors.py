"""Reads about meetings and the people of an agreement that several views (and tests) share."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Max, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from agreements.models import (
    AgendaItem,
    Agreement,
    Coordinator,
    Decision,
    FollowUpTask,
    Meeting,
    Party,
)
from tromsvekst.lib.dates import local_today, local_tz

RULE_5_1 = gettext_lazy("kapittel 5.1: to møter årlig, ett fysisk og ett digitalt")


def local_year(moment: datetime.datetime) -> int:
    return timezone.localtime(moment, local_tz()).year


def year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    """The first moment of ``year`` and of the year after, in Europe/Oslo."""
    tz = local_tz()
    return (
        datetime.datetime(year, 1, 1, tzinfo=tz),
        datetime.datetime(year + 1, 1, 1, tzinfo=tz),
    )


@dataclass
class YearCheck:
    """How one year of the agreement period meets §5.1: one physical and one digital meeting.

    Only meetings that are planned (confirmed) or held count (``COUNTED_STATUSES``). A draft
    does not count until it is set to «Planlagt»; cancelled meetings never count. Drafts are
    counted apart, so that «Planlegg året» does not make a second draft of a kind the year
    already has a draft of (``unplanned``), and so that the warning can say a draft is waiting.
    """

    year: int
    physical: int = 0
    digital: int = 0
    draft_physical: int = 0
    draft_digital: int = 0
    meetings: list = field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        """The kinds of meeting (``Meeting.Kind`` values) the year still lacks."""
        missing: list[str] = []
        if not self.physical:
            missing.append(Meeting.Kind.PHYSICAL)
        if not self.digital:
            missing.append(Meeting.Kind.DIGITAL)
        return missing

    @property
    def unplanned(self) -> list[str]:
        """The kinds the year has neither a counted meeting nor a draft of."""
        drafts: dict[str, int] = {
            Meeting.Kind.PHYSICAL: self.draft_physical,
            Meeting.Kind.DIGITAL: self.draft_digital,
        }
        return [kind for kind in self.missing if not drafts[kind]]

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def warning(self) -> str:
        """What a coordinator reads when the year is incomplete; empty when it is complete."""
        params = {"year": self.year, "rule": RULE_5_1}
        if not self.physical and not self.digital:
            text = gettext("%(year)s mangler et fysisk og et digitalt møte (%(rule)s).") % params
        elif not self.physical:
            text = gettext("%(year)s mangler et fysisk møte (%(rule)s).") % params
        elif not self.digital:
            text = gettext("%(year)s mangler et digitalt møte (%(rule)s).") % params
        else:
            return ""
        if len(self.unplanned) < len(self.missing):
            text += " " + gettext(
                "Et utkast teller ikke før det er satt til «Planlagt» eller «Avholdt»."
            )
        return text


COUNTED_STATUSES = (Meeting.Status.PLANNED, Meeting.Status.HELD)


def meeting_year_checks(
    agreement: Agreement, meetings: Iterable[Meeting] | None = None
) -> list[YearCheck]:
    """One ``YearCheck`` per year of the agreement period, in order.

    ``meetings`` are the agreement's meetings if the caller has them already (one query fewer);
    meetings outside the period are ignored. The year is the one the meeting starts in, in
    Europe/Oslo.
    """
    if meetings is None:
        meetings = Meeting.objects.filter(agreement=agreement).order_by("start")
    checks = {
        year: YearCheck(year=year) for year in range(agreement.start_year, agreement.end_year + 1)
    }
    for meeting in meetings:
        check = checks.get(local_year(meeting.start))
        if check is None:
            continue
        check.meetings.append(meeting)
        draft = meeting.status == Meeting.Status.DRAFT
        if not draft and meeting.status not in COUNTED_STATUSES:
            continue
        if meeting.kind == Meeting.Kind.PHYSICAL:
            if draft:
                check.draft_physical += 1
            else:
                check.physical += 1
        elif meeting.kind == Meeting.Kind.DIGITAL:
            if draft:
                check.draft_digital += 1
            else:
                check.digital += 1
    return list(checks.values())


def meeting_year_check(agreement: Agreement, year: int) -> YearCheck:
    start, end = year_bounds(year)
    meetings = Meeting.objects.filter(agreement=agreement, start__gte=start, start__lt=end)
    return next(c for c in meeting_year_checks(agreement, meetings) if c.year == year)


def default_year(agreement: Agreement, today: datetime.date | None = None) -> int:
    """The current year in Europe/Oslo, or the nearest year of the agreement period."""
    year = (today or local_today()).year
    return min(max(year, agreement.start_year), agreement.end_year)


def inviting_party_default(agreement: Agreement) -> Party | None:
    """§5.1: Hålogalandsrådet invites. The agreement's regional council, else its first party."""
    memberships = list(agreement.memberships.select_related("party"))
    for membership in memberships:
        if membership.party.kind == Party.Kind.REGIONAL_COUNCIL:
            return membership.party
    return memberships[0].party if memberships else None


def agreement_users(agreement: Agreement) -> QuerySet:
    """Users with a role (coordinator or reader) in the agreement, by name."""
    return (
        get_user_model()
        .objects.filter(appointments__agreement=agreement, is_active=True)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def people_by_party(agreement: Agreement) -> list[dict]:
    """The agreement's coordinators and readers grouped by party, in the agreement's party order.

    Each group: ``{"party": Party, "people": [Coordinator, …]}``; coordinators before readers.
    """
    people = list(
        Coordinator.objects.filter(agreement=agreement)
        .select_related("user", "party")
        .order_by("role", "user__first_name", "user__last_name", "user__username")
    )
    groups: dict[int, dict[str, Any]] = {
        m.party_id: {"party": m.party, "people": []}
        for m in agreement.memberships.select_related("party")
    }
    for person in people:
        # A party that has left the agreement keeps its people visible, last.
        groups.setdefault(person.party_id, {"party": person.party, "people": []})
        groups[person.party_id]["people"].append(person)
    return list(groups.values())


def next_agenda_number(meeting: Meeting) -> int:
    highest = meeting.agenda_items.aggregate(highest=Max("number"))["highest"]
    return (highest or 0) + 1


def meeting_agenda(meeting: Meeting) -> QuerySet[AgendaItem]:
    """The meeting's agenda items with what they link to, decisions and follow-up tasks."""
    return (
        AgendaItem.objects.filter(meeting=meeting)
        .select_related("sub_goal", "central_theme")
        .prefetch_related(
            "milestones",
            "actions",
            Prefetch(
                "decisions",
                queryset=Decision.objects.prefetch_related(
                    Prefetch(
                        "tasks",
                        queryset=FollowUpTask.objects.select_related("responsible").order_by(
                            "done", "due_date", "pk"
                        ),
                    )
                ),
            ),
        )
        .order_by("number")
    )


def open_follow_up_tasks(agreement: Agreement) -> QuerySet[FollowUpTask]:
    """Follow-up tasks of every meeting of the agreement that are not done yet, by due date."""
    return (
        FollowUpTask.objects.open()
        .filter(decision__agenda_item__meeting__agreement=agreement)
        .select_related("responsible", "decision__agenda_item__meeting")
        .order_by("due_date", "pk")
    )
