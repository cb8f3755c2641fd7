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
from agreements.models import Coordinator, Party, Strategy, SubGoal


@pytest.fixture
def plan(agreement) -> ActionPlan:
    return ActionPlan.objects.create(
        agreement=agreement,
        start_year=2025,
        end_year=2026,
        status=ActionPlan.PlanStatus.ADOPTED,
        adopted_on=datetime.date(2025, 3, 1),
    )


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
        goal = SubGoal.objects.get(agreement=plan.agreement, code=sub_goal)
        action = Action.objects.create(
            plan=plan,
            number=number,
            title=title or f"Tiltak {number}",
            sub_goal=goal,
            lead_party=Party.objects.get(slug=lead_party) if lead_party else None,
            partners="Kommunene i regionen",
        )
        action.strategies.set(Strategy.objects.filter(sub_goal=goal).order_by("order")[:strategies])
        action.responsible.set(responsible)
        return action

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
        return Milestone.objects.create(
            action=action, title=title, due_date=due, responsible=responsible, order=order
        )

    return make


@pytest.fixture
def log():
    def do(milestone: Milestone, user, status: str, percent: int, comment: str = ""):
        milestone.refresh_from_db()
        return progress_log(
            milestone=milestone,
            user=user,
            status=status,
            percent=percent,
            comment=comment,
            seen_version=milestone.version,
        )

    return do


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

FORMULA_TITLE = '=HYPERLINK("http://x")'


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
