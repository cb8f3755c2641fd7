"""Demo meetings for Hålogaland (example data): the meetings of 2025 and 2026, the held ones with
agenda, minutes, decisions and follow-up tasks, and the next ones planned, so the brief and the
dashboard have a real "since the last meeting" to show."""

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from actionplans.models import Milestone
from agreements.models import (
    AgendaItem,
    Agreement,
    CentralTheme,
    Decision,
    FollowUpTask,
    Meeting,
    Party,
    SubGoal,
)
from tromsvekst.demo.users import REAL_AGREEMENT
from tromsvekst.lib.dates import local_today

EXAMPLE = "(eksempel)"


@dataclass
class DemoMeetingsResult:
    meetings: int
    created: bool


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


# (task, username, days after the meeting, done)
_DemoTask = tuple[str, str, int, bool]
# (title, sub-goal code, theme order, decision, tasks)
_DemoAgendaItem = tuple[str, str | None, int | None, str, list[_DemoTask]]

HELD: list[tuple[datetime.date, str, str, str, str, list[_DemoAgendaItem]]] = [
    # (date, kind, title, place or link, minutes, agenda)
    (
        datetime.date(2025, 9, 25),
        Meeting.Kind.PHYSICAL,
        "Oppstartsmøte for avtalen",
        "Harstad, Rådhuset",
        "Eksempel: Partene gikk gjennom avtalen og ble enige om arbeidsformen for handlingsplanen.",
        [
            (
                "Handlingsplan 2025–2026",
                "1.1",
                None,
                "Eksempel: Handlingsplanen vedtas som grunnlag for samarbeidet.",
                [("Sende vedtatt handlingsplan til kommunene", "koordinator.troms", 14, True)],
            ),
            (
                "Harstad/Narvik lufthavn Evenes",
                None,
                1,
                "Eksempel: Partene skriver et felles innspill om rutetilbudet.",
                [("Utkast til felles innspill om Evenes", "koordinator.halogaland", 45, True)],
            ),
        ],
    ),
    (
        datetime.date(2025, 11, 27),
        Meeting.Kind.DIGITAL,
        "Digitalt høstmøte 2025",
        "https://teams.eksempel.invalid/hostmote-2025",
        "Eksempel: Kort status for alle delmål. Arbeidet med kompetanse går etter planen.",
        [
            (
                "Status for kompetansetiltakene",
                "1.2",
                None,
                "Eksempel: Status tas til orientering.",
                [],
            ),
        ],
    ),
    (
        datetime.date(2026, 4, 23),
        Meeting.Kind.PHYSICAL,
        "Vårmøte 2026",
        "Narvik, Fylkeshuset",
        "Eksempel: Partene drøftet kraft og nettkapasitet og forberedelsene til midtveisevalueringen.",
        [
            (
                "Kraft og nettkapasitet",
                None,
                2,
                "Eksempel: Koordinatorene lager en oversikt over planlagte industrietableringer.",
                [("Oversikt over planlagte etableringer", "koordinator.halogaland", 90, False)],
            ),
            (
                "Forberede midtveisevalueringen",
                "2.1",
                None,
                "Eksempel: Troms fylkeskommune leder arbeidet med midtveisevalueringen.",
                [("Plan for midtveisevalueringen", "koordinator.troms", 30, True)],
            ),
        ],
    ),
    (
        datetime.date(2026, 9, 24),
        Meeting.Kind.DIGITAL,
        "Digitalt høstmøte 2026",
        "https://teams.eksempel.invalid/hostmote-2026",
        "Eksempel: Gjennomgang av forsinkede milepæler og innspill til handlingsplan 2027–2028.",
        [
            (
                "Forsinkede milepæler",
                "3.1",
                None,
                "Eksempel: Koordinatorene legger fram en plan for å ta igjen forsinkelsene.",
                [("Plan for forsinkede milepæler", "koordinator.troms", 60, False)],
            ),
        ],
    ),
]


@transaction.atomic
def demo_meetings_load(today: datetime.date | None = None) -> DemoMeetingsResult:
    """Create the demo meetings once (if the agreement has no meetings yet)."""
    today = today or local_today()
    agreement = Agreement.objects.get(slug=REAL_AGREEMENT)
    existing = agreement.meetings.count()
    if existing:
        return DemoMeetingsResult(existing, created=False)
    council = Party.objects.get(slug="halogalandsradet")
    users = {u.username: u for u in User.objects.filter(username__startswith="koordinator.")}
    participants = list(
        User.objects.filter(appointments__agreement=agreement).distinct().order_by("pk")
    )
    sub_goals = {g.code: g for g in SubGoal.objects.filter(agreement=agreement)}
    themes = {t.order: t for t in CentralTheme.objects.filter(agreement=agreement)}
    milestones = list(
        Milestone.objects.filter(action__plan__agreement=agreement)
        .select_related("action__sub_goal")
        .order_by("pk")
    )
    count = 0
    for day, kind, title, where, minutes, agenda in HELD:
        held = day < today
        meeting = Meeting.objects.create(
            agreement=agreement,
            title=f"{title} {EXAMPLE}",
            kind=kind,
            status=Meeting.Status.HELD if held else Meeting.Status.PLANNED,
            start=_at(day, 10),
            end=_at(day, 14 if kind == Meeting.Kind.PHYSICAL else 12),
            place=where if kind == Meeting.Kind.PHYSICAL else "",
            video_link=where if kind == Meeting.Kind.DIGITAL else "",
            inviting_party=council,
            minutes=minutes if held else "",
            is_example=True,
        )
        meeting.participants.set(participants)
        count += 1
        for number, (item_title, code, theme, decision_text, tasks) in enumerate(agenda, start=1):
            item = AgendaItem.objects.create(
                meeting=meeting,
                number=number,
                title=item_title,
                description="Eksempel: saksframlegg fra koordinatorene.",
                sub_goal=sub_goals.get(code) if code else None,
                central_theme=themes.get(theme) if theme else None,
            )
            linked = [m for m in milestones if code and m.action.sub_goal.code == code][:2]
            for milestone in linked:
                milestone.agenda_items.add(item)
            if not held:
                continue
            decision = Decision.objects.create(agenda_item=item, text=decision_text)
            for task_title, username, days, done in tasks:
                due = day + datetime.timedelta(days=days)
                FollowUpTask.objects.create(
                    decision=decision,
                    title=task_title,
                    responsible=users[username],
                    due_date=due,
                    done=done,
                    done_on=min(due, today) if done else None,
                )
    # The next meetings, planned: one soon (for the brief) and the spring meeting next year.
    for day, kind, title, where in (
        (
            today + datetime.timedelta(days=12),
            Meeting.Kind.DIGITAL,
            "Digitalt desembermøte",
            "https://teams.eksempel.invalid/desember",
        ),
        (
            datetime.date(today.year + 1, 4, 22),
            Meeting.Kind.PHYSICAL,
            f"Vårmøte {today.year + 1}",
            "Harstad, Rådhuset",
        ),
    ):
        meeting = Meeting.objects.create(
            agreement=agreement,
            title=f"{title} {EXAMPLE}",
            kind=kind,
            status=Meeting.Status.PLANNED,
            start=_at(day, 10),
            end=_at(day, 12),
            place=where if kind == Meeting.Kind.PHYSICAL else "",
            video_link=where if kind == Meeting.Kind.DIGITAL else "",
            inviting_party=council,
            is_example=True,
        )
        meeting.participants.set(participants)
        AgendaItem.objects.create(
            meeting=meeting,
            number=1,
            title="Status for handlingsplanen",
            description="Eksempel: koordinatorene orienterer om fremdriften siden forrige møte.",
        )
        count += 1
    return DemoMeetingsResult(count, created=True)
