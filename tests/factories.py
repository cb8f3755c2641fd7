"""Builders shared by the tests (plain functions, not fixtures): one place for each.

``oslo(2026, 4, 22, 10)``   an aware datetime in Django's time zone (Europe/Oslo).
``at(2026, 5, 5)``          a moment in Norwegian time, 10:00 unless an hour is given.
``make_plan(agreement, start=2025, end=2026)``  an adopted action plan.
``make_action(plan, number, sub_goal="1.1", title="", *, strategies=1, ...)``  an action
                            serving the first ``strategies`` strategies of that sub-goal.
``make_milestone(action, title, due=date(2025, 6, 30), status="not_started", percent=0, ...)``
                            a milestone in a given state (set directly, without an update).
``log(milestone, user, status, percent, comment="")``  progress through
                            ``services.progress_log``, as a coordinator would log it.
``make_user(username, first_name, last_name, **extra)``  a user with the password ``PASSWORD``.
``make_indicator(agreement, municipalities="1806\n5503\n1853\n5512", **fields)``  an
                            indicator of the long-term effect «Økt sysselsetting og bosetting».
``council_coordinator(agreement)``  Hanne Rådet, the agreement's coordinator for the regional
                            council (a coordinator who is not the county's).

``AGREEMENT_FILE`` is the real agreement's JSON; ``COUNTY`` and ``COUNCIL`` are the slugs of
Troms fylkeskommune and Hålogalandsrådet.

The fixtures of tests/actionplans/conftest.py wrap these with that package's defaults.
"""

import datetime
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import get_hasher, make_password
from django.contrib.auth.models import User
from django.utils import timezone

from actionplans.models import Action, ActionPlan, Milestone
from actionplans.services import progress_log
from agreements.models import Agreement, Coordinator, Party, Strategy, SubGoal
from evaluation.models import Indicator

OSLO = ZoneInfo("Europe/Oslo")
PASSWORD = "riktig-hest-batteri-stift"
AGREEMENT_FILE = Path(settings.FIXTURES_DIR) / "tromsvekstavtalen-halogaland.json"
COUNTY = "troms-fylkeskommune"
COUNCIL = "halogalandsradet"


def oslo(*args) -> datetime.datetime:
    """An aware datetime in the current time zone (Europe/Oslo): ``oslo(2026, 4, 22, 10)``."""
    return timezone.make_aware(datetime.datetime(*args))


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """A moment in Norwegian time."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=OSLO)


def make_plan(
    agreement: Agreement,
    start: int = 2025,
    end: int = 2026,
    *,
    adopted_on: datetime.date | None = None,
) -> ActionPlan:
    return ActionPlan.objects.create(
        agreement=agreement,
        start_year=start,
        end_year=end,
        status=ActionPlan.PlanStatus.ADOPTED,
        adopted_on=adopted_on,
    )


def make_action(
    plan: ActionPlan,
    number: str,
    sub_goal: str = "1.1",
    title: str = "",
    *,
    strategies: int = 1,
    responsible: Iterable[Coordinator] = (),
    lead_party: str | None = None,
    partners: str = "",
) -> Action:
    goal = SubGoal.objects.get(agreement=plan.agreement, code=sub_goal)
    action = Action.objects.create(
        plan=plan,
        number=number,
        title=title or f"Tiltak {number}",
        sub_goal=goal,
        lead_party=Party.objects.get(slug=lead_party) if lead_party else None,
        partners=partners,
    )
    action.strategies.set(Strategy.objects.filter(sub_goal=goal).order_by("order")[:strategies])
    action.responsible.set(responsible)
    return action


def make_milestone(
    action: Action,
    title: str,
    due: datetime.date = datetime.date(2025, 6, 30),
    status: str = "not_started",
    percent: int = 0,
    *,
    responsible: Coordinator | None = None,
    order: int = 0,
) -> Milestone:
    """A milestone in a given state (set directly, without a progress update)."""
    return Milestone.objects.create(
        action=action,
        title=title,
        due_date=due,
        status=status,
        percent=percent,
        responsible=responsible,
        order=order,
    )


def log(milestone: Milestone, user: User, status: str, percent: int, comment: str = ""):
    """A progress update through ``services.progress_log``, at the milestone's current version."""
    milestone.refresh_from_db()
    return progress_log(
        milestone=milestone,
        user=user,
        status=status,
        percent=percent,
        comment=comment,
        seen_version=milestone.version,
    )


@cache
def _password_hash(algorithm: str) -> str:
    # Hashed once per run and hasher: hashing for every user would cost ~0.3 s each.
    return make_password(PASSWORD, hasher=algorithm)


def make_user(username: str, first_name: str, last_name: str, **extra) -> User:
    """A user whose password is ``PASSWORD`` (hashed once per run)."""
    return User.objects.create(
        username=username,
        password=_password_hash(get_hasher().algorithm),
        first_name=first_name,
        last_name=last_name,
        email=f"{username}@test.invalid",
        **extra,
    )


def appoint(agreement: Agreement, user: User, role: str, party: str = COUNCIL) -> Coordinator:
    """``user`` gets ``role`` (a Coordinator.Role) in ``agreement`` for the party of slug ``party``."""
    return Coordinator.objects.create(
        agreement=agreement, user=user, party=Party.objects.get(slug=party), role=role
    )


def council_coordinator(agreement: Agreement) -> User:
    """Hanne Rådet: coordinator of the agreement for Hålogalandsrådet (not the county)."""
    user = User.objects.create(username="hanne.radet", first_name="Hanne", last_name="Rådet")
    appoint(agreement, user, Coordinator.Role.COORDINATOR)
    return user


HALOGALAND_CODES = "1806\n5503\n1853\n5512"


def make_indicator(
    agreement: Agreement, *, municipalities: str = HALOGALAND_CODES, **fields: object
) -> Indicator:
    """An indicator of population summed over Narvik, Harstad, Evenes and Tjeldsund (unless
    ``municipalities`` says otherwise)."""
    effect = agreement.long_term_effects.get(text__startswith="Økt sysselsetting og bosetting")
    values: dict = {
        "name": "Befolkning i Hålogalandsregionen",
        "unit": "personer",
        "source": "SSB tabell 07459",
        **fields,
    }
    return Indicator.objects.create(
        agreement=agreement, long_term_effect=effect, municipalities=municipalities, **values
    )
