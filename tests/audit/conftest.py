"""Fixtures for the audit-log tests: a small plan on the real agreement, and ``entries(...)``,
the audit entries about one kind of record, oldest first."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType

from actionplans.models import Action, ActionPlan, Milestone
from agreements.models import Strategy, SubGoal
from tromsvekst.audit.models import AuditEntry


@pytest.fixture
def plan(agreement) -> ActionPlan:
    return ActionPlan.objects.create(agreement=agreement, start_year=2025, end_year=2026)


@pytest.fixture
def action(plan) -> Action:
    goal = SubGoal.objects.get(agreement=plan.agreement, code="1.1")
    action = Action.objects.create(plan=plan, number="1.1-1", title="Boligsamarbeid", sub_goal=goal)
    action.strategies.set(Strategy.objects.filter(sub_goal=goal).order_by("order")[:1])
    return action


@pytest.fixture
def milestone(action) -> Milestone:
    return Milestone.objects.create(
        action=action, title="Kartlegging", due_date=datetime.date(2025, 12, 1)
    )


@pytest.fixture
def entries():
    """``entries(Model, pk=None, action=None)``: the log about ``Model`` rows, oldest first."""

    def find(model, pk=None, action=None):
        found = AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model)
        ).order_by("pk")
        if pk is not None:
            found = found.filter(object_id=pk)
        if action is not None:
            found = found.filter(action=action)
        return list(found)

    return find
