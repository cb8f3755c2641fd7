"""Fixtures for the action-plan tests: a 2025–2026 plan on the real agreement, built in code.

``plan``            Handlingsplan 2025–2026 for ``agreement`` (adopted, empty).
``make_action``     ``make_action(plan, number, sub_goal="1.1", strategies=2, ...)``: an action
                    serving the first ``strategies`` strategies of that sub-goal.
``make_milestone``  ``make_milestone(action, title, due=date(2025, 6, 30), ...)``.
``log``             ``log(milestone, user, status, percent, comment="")``: progress through
                    ``services.progress_log``, as a coordinator would log it.
"""

import datetime

import pytest
from django.utils import timezone

from actionplans.models import Action, ActionPlan, Milestone
from actionplans.services import progress_log
from agreements.models import Coordinator, Party, SubGoal
from tests import factories
from tests.factories import oslo
from tests.helpers.excel_import import FORMULA_TITLE


@pytest.fixture
def plan(agreement) -> ActionPlan:
    return factories.make_plan(agreement, 2025, 2026, adopted_on=datetime.date(2025, 3, 1))


@pytest.fixture
def make_action(agreement):
    def make(
        plan: ActionPlan,
        number: str,
        *,
        sub_goal: str = "1.1",
        strategies: int = 2,
        title: str = "",
        responsible: list[Coordinator] = (),
        lead_party: str | None = "halogalandsradet",
    ) -> Action:
        return factories.make_action(
            plan,
            number,
            sub_goal,
            title,
            strategies=strategies,
            responsible=responsible,
            lead_party=lead_party,
            partners="Kommunene i regionen",
        )

    return make


@pytest.fixture
def make_milestone():
    def make(
        action: Action,
        title: str,
        *,
        due: datetime.date = datetime.date(2025, 6, 30),
        responsible: Coordinator | None = None,
        order: int = 0,
    ) -> Milestone:
        return factories.make_milestone(action, title, due, responsible=responsible, order=order)

    return make


@pytest.fixture
def log():
    return factories.log


# --- Fixtures for the progress, plan-page, roll-up, milestone-page and append-only tests ---


@pytest.fixture
def open_milestone(plan, make_action, make_milestone) -> Milestone:
    """An open milestone in ``plan``: not started, 0 %, no updates yet, due in 60 days.

    Tiltak 1.1-1 under delmål 1.1, lead party Troms fylkeskommune.
    """
    action = make_action(
        plan, "1.1-1", lead_party="troms-fylkeskommune", title="Felles boligstrategi"
    )
    return make_milestone(
        action,
        "Kartlegge boligbehovet i kommunene",
        due=timezone.localdate() + datetime.timedelta(days=60),
    )


@pytest.fixture
def set_milestone_state():
    """``set_milestone_state(milestone, status, percent)``: set the current state directly,
    without a progress update (for roll-up and list tests that need many known states)."""

    def do(milestone: Milestone, status: str, percent: int) -> Milestone:
        milestone.status = status
        milestone.percent = percent
        milestone.save(update_fields=["status", "percent"])
        return milestone

    return do


# --- Fixtures for the Excel export and import tests ---


@pytest.fixture
def excel_plan(plan, make_action, make_milestone, log, coordinator) -> ActionPlan:
    """``plan`` with three actions for the Excel tests, one row per milestone when exported:

    - 1.1-1 «Felles boligstrategi» (delmål 1.1, strategies 1.1.1 and 1.1.2, Troms
      fylkeskommune): «Kartlegge boligbehovet» (I rute, 40 %) and the milestone titled
      ``FORMULA_TITLE`` (not started), whose description begins with «-».
    - 2.1-1 «Regional næringsarena» (delmål 2.1, strategy 2.1.1, Hålogalandsrådet):
      «Søknad sendt» (Fullført) and «Evaluering» (Forsinket, 20 %).
    - 1.2-1 «Fagarbeiderløftet» (delmål 1.2, strategies 1.2.1–1.2.3, no lead party) without
      milestones.
    """
    housing = make_action(
        plan, "1.1-1", title="Felles boligstrategi", lead_party="troms-fylkeskommune"
    )
    survey = make_milestone(housing, "Kartlegge boligbehovet", due=datetime.date(2025, 6, 30))
    survey.description = "Alle kommunene i regionen er med."
    survey.save(update_fields=["description"])
    formula = make_milestone(housing, FORMULA_TITLE, due=datetime.date(2025, 9, 30))
    formula.description = "-1+2 er ikke en formel\n@også ikke"
    formula.save(update_fields=["description"])
    log(survey, coordinator, "on_track", 40)

    arena = make_action(plan, "2.1-1", sub_goal="2.1", strategies=1, title="Regional næringsarena")
    applied = make_milestone(arena, "Søknad sendt", due=datetime.date(2026, 3, 31))
    evaluation = make_milestone(arena, "Evaluering", due=datetime.date(2026, 12, 31))
    log(applied, coordinator, "done", 100)
    log(evaluation, coordinator, "delayed", 20, comment="Venter på tilsagn.")

    make_action(
        plan, "1.2-1", sub_goal="1.2", strategies=3, title="Fagarbeiderløftet", lead_party=None
    )
    return plan


# --- Fixtures for the dashboard and public-progress tests ---


@pytest.fixture
def freeze_now():
    """``freeze_now(moment)``: ``timezone.now()``, and so "today" in Europe/Oslo, is ``moment``
    (an aware datetime) until the test ends. Progress updates still get the real time as
    ``created_at``; ``log_at`` sets it."""
    from unittest import mock

    patches = []

    def freeze(moment: datetime.datetime) -> None:
        patcher = mock.patch(
            "django.utils.timezone.now", return_value=moment.astimezone(datetime.UTC)
        )
        patcher.start()
        patches.append(patcher)

    yield freeze
    for patcher in reversed(patches):
        patcher.stop()


@pytest.fixture
def log_at():
    """``log_at(milestone, user, status, percent, when, comment="", evidence_url="")``: progress
    through ``services.progress_log``, then dated ``when`` (an aware datetime)."""
    from actionplans.models import ProgressUpdate

    def do(
        milestone: Milestone,
        user,
        status: str,
        percent: int,
        when: datetime.datetime,
        *,
        comment: str = "",
        evidence_url: str = "",
    ) -> ProgressUpdate:
        milestone.refresh_from_db()
        update = progress_log(
            milestone=milestone,
            user=user,
            status=status,
            percent=percent,
            comment=comment,
            evidence_url=evidence_url,
            seen_version=milestone.version,
        )
        # Append-only: save() refuses a change, so the test dates it with a queryset update.
        ProgressUpdate.objects.filter(pk=update.pk).update(created_at=when)
        update.created_at = when
        return update

    return do


@pytest.fixture
def add_meeting(agreement):
    """``add_meeting(title, start, status="planned", kind="physical", agreement_=None)``: a
    two-hour meeting of ``agreement`` (or the one given) invited to by Hålogalandsrådet."""
    from agreements.models import Meeting

    def make(
        title: str,
        start: datetime.datetime,
        *,
        status: str = Meeting.Status.PLANNED,
        kind: str = Meeting.Kind.PHYSICAL,
        agreement_=None,
    ) -> Meeting:
        return Meeting.objects.create(
            agreement=agreement_ or agreement,
            title=title,
            kind=kind,
            status=status,
            start=start,
            end=start + datetime.timedelta(hours=2),
            inviting_party=Party.objects.get(slug="halogalandsradet"),
        )

    return make


# --- Fixtures for the meeting-brief tests (page and PDF) ---


@pytest.fixture
def brief_history(
    agreement,
    other_agreement,
    plan,
    make_action,
    make_milestone,
    log_at,
    add_meeting,
    coordinator,
    admin_user,
):
    """Two years of follow-up around three meetings, for the meeting brief.

    Meetings (Europe/Oslo): ``m1`` «Vårmøte 2026» (held, 22 April 2026 10:00), ``cancelled``
    «Sommermøte 2026» (cancelled, 10 June 2026), ``m2`` «Høstmøte 2026» (planned, 21 October
    2026 10:00), ``m3`` «Vårmøte 2027» (planned, 21 April 2027 10:00); and ``other_meeting`` in
    ``other_agreement`` (15 June 2026).

    ``ms`` holds the milestones by short name, ``updates`` the progress updates by comment
    (each update's comment is unique), ``tasks`` the follow-up tasks by title. The expected
    contents of each brief are in ``tests/actionplans/test_meeting_brief.py``.
    """
    from types import SimpleNamespace

    from agreements.models import AgendaItem, CentralTheme, Decision, FollowUpTask, Meeting

    m1 = add_meeting("Vårmøte 2026", oslo(2026, 4, 22, 10), status=Meeting.Status.HELD)
    cancelled = add_meeting(
        "Sommermøte 2026", oslo(2026, 6, 10, 10), status=Meeting.Status.CANCELLED
    )
    m2 = add_meeting("Høstmøte 2026", oslo(2026, 10, 21, 10), kind=Meeting.Kind.DIGITAL)
    m3 = add_meeting("Vårmøte 2027", oslo(2027, 4, 21, 10))
    other_meeting = add_meeting(
        "Møte i Nord-Troms", oslo(2026, 6, 15, 10), agreement_=other_agreement
    )

    plan2 = ActionPlan.objects.create(
        agreement=agreement, start_year=2027, end_year=2028, status=ActionPlan.PlanStatus.DRAFT
    )
    housing = make_action(plan, "1.1-1", title="Felles boligstrategi")
    arena = make_action(plan, "2.1-1", sub_goal="2.1", strategies=1, title="Regional næringsarena")
    power = make_action(plan2, "1.3-1", sub_goal="1.3", strategies=1, title="Kraft og nett")
    elsewhere = make_action(
        ActionPlan.objects.create(agreement=other_agreement, start_year=2025, end_year=2026),
        "1.1-1",
        lead_party=None,
        title="Næringsarealer i Nord-Troms",
    )
    d = datetime.date
    ms = {
        "kickoff": make_milestone(
            housing, "Oppstartsmøte for boligstrategien", due=d(2025, 12, 31)
        ),
        "survey": make_milestone(
            housing,
            "Kartlegge boligbehovet",
            due=d(2026, 6, 30),
            responsible=Coordinator.objects.get(agreement=agreement, user=coordinator),
        ),
        "draft": make_milestone(housing, "Utkast til boligstrategi", due=d(2026, 8, 31)),
        "fair": make_milestone(arena, "Felles messestand", due=d(2026, 5, 31)),
        "application": make_milestone(arena, "Søknad om næringsarena sendt", due=d(2026, 9, 30)),
        "forum": make_milestone(arena, "Regionalt næringsforum", due=d(2026, 10, 21)),
        "hearing": make_milestone(housing, "Høringssvar til regional plan", due=d(2026, 11, 15)),
        "seminar": make_milestone(housing, "Boligseminar holdt", due=d(2026, 12, 1)),
        "power": make_milestone(power, "Kraftbehov kartlagt", due=d(2027, 3, 31)),
        "company": make_milestone(power, "Tomteselskap stiftet", due=d(2027, 4, 21)),
        "final": make_milestone(power, "Sluttrapport om kraft og nett", due=d(2027, 9, 30)),
        "elsewhere": make_milestone(elsewhere, "Næringsareal i Nord-Troms", due=d(2026, 3, 31)),
    }
    history = [
        # Before the first meeting.
        ("survey", "on_track", 30, oslo(2025, 9, 15, 12), "Kartleggingen er i gang."),
        ("fair", "cancelled", 0, oslo(2026, 2, 10, 9), "Messen er avlyst."),
        ("draft", "on_track", 10, oslo(2026, 3, 10, 14), "Arbeidsgruppe nedsatt."),
        ("seminar", "done", 100, oslo(2026, 3, 20, 16), "Seminaret er holdt."),
        ("draft", "on_track", 15, oslo(2026, 4, 22, 9, 59), "Rett før vårmøtet."),
        # From the first meeting's start up to the second's.
        ("draft", "on_track", 20, oslo(2026, 4, 22, 10), "På vårmøtet."),
        ("application", "on_track", 60, oslo(2026, 5, 5, 11), "Søknaden er under arbeid."),
        ("survey", "delayed", 50, oslo(2026, 6, 15, 13), "Venter på tall fra to kommuner."),
        ("draft", "on_track", 40, oslo(2026, 8, 10, 10), "Første utkast skrevet."),
        ("application", "done", 100, oslo(2026, 9, 20, 15), "Søknaden er sendt."),
        # From the second meeting's start.
        ("draft", "on_track", 45, oslo(2026, 10, 21, 10), "På høstmøtet."),
        ("hearing", "at_risk", 20, oslo(2026, 11, 2, 9), "Kort høringsfrist."),
    ]
    updates = {
        comment: log_at(ms[key], coordinator, status, percent, when, comment=comment)
        for key, status, percent, when, comment in history
    }
    updates["Annen avtale."] = log_at(
        ms["elsewhere"], admin_user, "at_risk", 10, oslo(2026, 6, 1, 12), comment="Annen avtale."
    )

    def agenda(meeting, number, title, decision, tasks=(), **links):
        item = AgendaItem.objects.create(meeting=meeting, number=number, title=title, **links)
        made = Decision.objects.create(agenda_item=item, text=decision)
        for task_title, due, done in tasks:
            FollowUpTask.objects.create(
                decision=made, title=task_title, responsible=coordinator, due_date=due, done=done
            )
        return item

    agenda(
        m1,
        1,
        "Boligstrategi for regionen",
        "Arbeidet med en felles boligstrategi starter.",
        [
            ("Utrede felles tomteselskap", d(2026, 9, 1), False),
            ("Sende høringssvar om boligpolitikk", d(2026, 6, 1), True),
        ],
    )
    agenda(
        m2,
        1,
        "Status i handlingsplanen",
        "Statusrapporten tas til orientering.",
        [("Oppfølging etter høstmøtet", d(2026, 12, 1), False)],
        sub_goal=SubGoal.objects.get(agreement=agreement, code="1.1"),
    )
    agenda(
        m2,
        2,
        "Harstad/Narvik lufthavn Evenes",
        "Rådet ber om et møte med Avinor.",
        central_theme=CentralTheme.objects.filter(agreement=agreement).order_by("order").first(),
    )
    agenda(
        m3,
        1,
        "Kraftbehov i regionen",
        "Saken utsettes.",
        [("Oppgave fra vårmøtet 2027", d(2027, 6, 1), False)],
    )
    agenda(
        other_meeting,
        1,
        "Næringsarealer",
        "Tatt til orientering.",
        [("Oppgave i en annen avtale", d(2026, 8, 1), False)],
    )
    for milestone in ms.values():
        milestone.refresh_from_db()
    return SimpleNamespace(
        m1=m1,
        m2=m2,
        m3=m3,
        cancelled=cancelled,
        other_meeting=other_meeting,
        ms=ms,
        updates=updates,
    )
