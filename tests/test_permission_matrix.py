"""The permission table of the design notes, as a matrix: every view × every kind of user × GET/POST.

The list of views is read from the URL configuration, so a new view without a row here fails
``test_every_view_is_in_the_matrix``.
"""

import datetime

import pytest
from django.contrib.auth.models import User
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from actionplans.models import Action, ActionPlan, Milestone
from actionplans.services import progress_log
from agreements.models import (
    AgendaItem,
    CalendarFeed,
    Coordinator,
    Decision,
    FollowUpTask,
    Meeting,
    Party,
)
from evaluation.models import Evaluation, Indicator, Recommendation
from evaluation.services import evaluation_create

# What each view is: "read" (GET only, for anyone with a role in the agreement), "edit"
# (GET and POST, coordinators of the agreement and administrators), "post" (POST only, same people).
VIEWS = {
    "agreements:agreement-list": "list",
    "agreements:agreement-detail": "read",
    "actionplans:plan-list": "read",
    "actionplans:plan-detail": "read",
    "actionplans:plan-export": "read",
    "actionplans:milestone-detail": "read",
    "actionplans:progress-log": "edit",
    "actionplans:action-create": "edit",
    "actionplans:action-edit": "edit",
    "actionplans:milestone-create": "edit",
    "actionplans:milestone-edit": "edit",
    "actionplans:milestone-delete": "edit",
    "actionplans:plan-import": "edit",
    "actionplans:plan-carry-over": "post",
    "actionplans:dashboard": "read",
    "actionplans:meeting-brief": "read",
    "actionplans:meeting-brief-pdf": "read",
    "actionplans:public-progress": "closed",
    "actionplans:public-progress-toggle": "post",
    "agreements:coordinator-list": "read",
    "agreements:coordinator-create": "edit",
    "agreements:coordinator-edit": "edit",
    "agreements:coordinator-delete": "edit",
    "agreements:meeting-schedule": "read",
    "agreements:meeting-plan-year": "post",
    "agreements:meeting-create": "edit",
    "agreements:meeting-detail": "read",
    "agreements:meeting-edit": "edit",
    "agreements:agenda-item-create": "edit",
    "agreements:agenda-item-edit": "edit",
    "agreements:decision-create": "edit",
    "agreements:task-create": "edit",
    "agreements:task-toggle": "post",
    "agreements:calendar-rotate": "post",
    "agreements:calendar-feed": "token",
    "agreements:meeting-ics": "read",
    "evaluation:indicator-list": "read",
    "evaluation:indicator-detail": "read",
    "evaluation:indicator-create": "edit",
    "evaluation:indicator-edit": "edit",
    "evaluation:indicator-import": "edit",
    "evaluation:feedback-list": "read",
    "evaluation:feedback-toggle": "post",
    "evaluation:feedback-form": "public",
    "evaluation:evaluation-list": "read",
    "evaluation:evaluation-detail": "read",
    "evaluation:evaluation-pdf": "read",
    "evaluation:evaluation-create": "edit",
    "evaluation:evaluation-edit": "edit",
    "evaluation:assessment-edit": "edit",
    "evaluation:recommendation-create": "edit",
    "evaluation:recommendation-edit": "edit",
    "evaluation:evaluation-refresh": "post",
    "evaluation:recommendation-delete": "post",
    # Finalising: county coordinators and administrators (``coordinator`` is a county one; a
    # regional council's coordinator gets 403, tested in tests/evaluation/test_finalise.py).
    "evaluation:evaluation-finalise": "post",
    # The audit log: administrators only; it has no form that changes anything.
    "audit:log": "admin",
}
# Views outside the apps' namespaces that are deliberately open or handled by Django itself.
OUTSIDE = {
    "home",
    "login",
    "logout",
    "accessibility",
    "health",
    # Setting a password by e-mail: open to anyone, the token in the link is the permission
    # (tests/security/test_password_links.py).
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
}

USERS = ["anonymous", "reader", "coordinator", "outsider", "admin_user"]

# Expected status codes: (kind, method) -> {user: allowed codes}.
LOGIN = {302}
OK = {200}
DONE = {200, 302}  # a form shown again with errors, or saved and redirected
EXPECTED = {
    ("list", "GET"): {
        "anonymous": LOGIN,
        "reader": OK,
        "coordinator": OK,
        "outsider": OK,
        "admin_user": OK,
    },
    ("list", "POST"): {user: {405} for user in USERS},
    ("read", "GET"): {
        "anonymous": LOGIN,
        "reader": OK,
        "coordinator": OK,
        "outsider": {404},
        "admin_user": OK,
    },
    ("read", "POST"): {user: {405} for user in USERS},
    ("edit", "GET"): {
        "anonymous": LOGIN,
        "reader": {403},
        "coordinator": OK,
        "outsider": {404},
        "admin_user": OK,
    },
    ("edit", "POST"): {
        "anonymous": LOGIN,
        "reader": {403},
        "coordinator": DONE,
        "outsider": {404},
        "admin_user": DONE,
    },
    ("post", "GET"): {user: {405} for user in USERS},
    ("post", "POST"): {
        "anonymous": LOGIN,
        "reader": {403},
        "coordinator": {302},
        "outsider": {404},
        "admin_user": {302},
    },
    # The public progress page of an agreement that is not public: nobody sees it.
    ("closed", "GET"): {user: {404} for user in USERS},
    ("closed", "POST"): {user: {405} for user in USERS},
    # The calendar feed: the secret token is the permission (calendar apps cannot log in).
    ("token", "GET"): dict.fromkeys(USERS, OK),
    ("token", "POST"): {user: {405} for user in USERS},
    # The open feedback form: anyone with the link (an empty POST shows the form with errors).
    ("public", "GET"): dict.fromkeys(USERS, OK),
    ("public", "POST"): dict.fromkeys(USERS, OK),
    ("admin", "GET"): {
        "anonymous": LOGIN,
        "reader": {403},
        "coordinator": {403},
        "outsider": {403},
        "admin_user": OK,
    },
    ("admin", "POST"): {user: {405} for user in USERS},
}


def _names(resolver=None, namespace: str = "") -> set[str]:
    resolver = resolver or get_resolver()
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_view_is_in_the_matrix():
    missing = _names() - set(VIEWS) - OUTSIDE
    assert not missing, f"Views with no row in the permission matrix: {sorted(missing)}"


@pytest.fixture
def private_agreement(agreement):
    """The agreement, not public, so that reading it needs a role."""
    agreement.is_public = False
    agreement.save(update_fields=["is_public"])
    return agreement


@pytest.fixture
def objects(private_agreement, coordinator):
    plan = ActionPlan.objects.create(agreement=private_agreement, start_year=2025, end_year=2026)
    sub_goal = private_agreement.sub_goals.get(code="1.1")
    action = Action.objects.create(
        plan=plan, number="1.1-1", title="Boligsamarbeid", sub_goal=sub_goal
    )
    action.strategies.set(sub_goal.strategies.all()[:1])
    logged = Milestone.objects.create(
        action=action, title="Kartlegging", due_date=datetime.date(2025, 12, 1)
    )
    progress_log(milestone=logged, user=coordinator, status="on_track", percent=20, seen_version=0)
    fresh = Milestone.objects.create(
        action=action, title="Ny milepæl", due_date=datetime.date(2026, 6, 1)
    )
    council = Party.objects.get(slug="halogalandsradet")
    start = timezone.make_aware(datetime.datetime(2026, 5, 4, 10, 0))
    meeting = Meeting.objects.create(
        agreement=private_agreement,
        title="Vårmøte",
        kind=Meeting.Kind.PHYSICAL,
        start=start,
        end=start + datetime.timedelta(hours=3),
        place="Harstad",
        inviting_party=council,
    )
    item = AgendaItem.objects.create(meeting=meeting, number=1, title="Status", sub_goal=sub_goal)
    decision = Decision.objects.create(agenda_item=item, text="Tatt til orientering.")
    task = FollowUpTask.objects.create(
        decision=decision,
        title="Sende referat",
        responsible=coordinator,
        due_date=datetime.date(2026, 6, 1),
    )
    colleague = Coordinator.objects.create(
        agreement=private_agreement,
        user=User.objects.create_user("kari.koordinator", first_name="Kari"),
        party=council,
        role=Coordinator.Role.COORDINATOR,
    )
    feed, _ = CalendarFeed.objects.get_or_create(agreement=private_agreement)
    evaluation = evaluation_create(
        agreement=private_agreement, kind=Evaluation.Kind.MID_TERM, year=2026, plans=[plan]
    )
    evaluation.feedback_open = True
    evaluation.save(update_fields=["feedback_open"])
    recommendation = Recommendation.objects.create(
        evaluation=evaluation, text="Styrk boligarbeidet."
    )
    indicator = Indicator.objects.create(
        agreement=private_agreement,
        long_term_effect=private_agreement.long_term_effects.get(order=2),
        name="Folketall",
        unit="personer",
        source="SSB tabell 07459",
    )
    return {
        "evaluation": evaluation,
        "assessment": evaluation.assessments.first(),
        "recommendation": recommendation,
        "indicator": indicator,
        "agreement": private_agreement,
        "plan": plan,
        "action": action,
        "logged": logged,
        "fresh": fresh,
        "meeting": meeting,
        "item": item,
        "decision": decision,
        "task": task,
        "appointment": colleague,
        "feed": feed,
    }


def _url(name: str, objects: dict) -> str:
    args = {
        "agreements:agreement-list": [],
        "agreements:agreement-detail": [objects["agreement"].slug],
        "actionplans:plan-list": [objects["agreement"].slug],
        "actionplans:plan-detail": [objects["plan"].pk],
        "actionplans:plan-export": [objects["plan"].pk],
        "actionplans:plan-import": [objects["plan"].pk],
        "actionplans:plan-carry-over": [objects["plan"].pk],
        "actionplans:action-create": [objects["plan"].pk],
        "actionplans:action-edit": [objects["action"].pk],
        "actionplans:milestone-create": [objects["action"].pk],
        "actionplans:milestone-detail": [objects["logged"].pk],
        "actionplans:milestone-edit": [objects["logged"].pk],
        "actionplans:milestone-delete": [objects["fresh"].pk],
        "actionplans:progress-log": [objects["logged"].pk],
        "actionplans:dashboard": [objects["agreement"].slug],
        "actionplans:meeting-brief": [objects["meeting"].pk],
        "actionplans:meeting-brief-pdf": [objects["meeting"].pk],
        "actionplans:public-progress": [objects["agreement"].slug],
        "actionplans:public-progress-toggle": [objects["agreement"].slug],
        "agreements:coordinator-list": [objects["agreement"].slug],
        "agreements:coordinator-create": [objects["agreement"].slug],
        "agreements:coordinator-edit": [objects["appointment"].pk],
        "agreements:coordinator-delete": [objects["appointment"].pk],
        "agreements:meeting-schedule": [objects["agreement"].slug],
        "agreements:meeting-plan-year": [objects["agreement"].slug, 2026],
        "agreements:meeting-create": [objects["agreement"].slug],
        "agreements:meeting-detail": [objects["meeting"].pk],
        "agreements:meeting-edit": [objects["meeting"].pk],
        "agreements:agenda-item-create": [objects["meeting"].pk],
        "agreements:agenda-item-edit": [objects["item"].pk],
        "agreements:decision-create": [objects["item"].pk],
        "agreements:task-create": [objects["decision"].pk],
        "agreements:task-toggle": [objects["task"].pk],
        "agreements:calendar-rotate": [objects["agreement"].slug],
        "agreements:calendar-feed": [objects["feed"].token],
        "agreements:meeting-ics": [objects["meeting"].pk],
        "evaluation:indicator-list": [objects["agreement"].slug],
        "evaluation:indicator-detail": [objects["indicator"].pk],
        "evaluation:indicator-create": [objects["agreement"].slug],
        "evaluation:indicator-edit": [objects["indicator"].pk],
        "evaluation:indicator-import": [objects["indicator"].pk],
        "evaluation:feedback-list": [objects["evaluation"].pk],
        "evaluation:feedback-toggle": [objects["evaluation"].pk],
        "evaluation:feedback-form": [objects["evaluation"].feedback_token],
        "evaluation:evaluation-list": [objects["agreement"].slug],
        "evaluation:evaluation-detail": [objects["evaluation"].pk],
        "evaluation:evaluation-pdf": [objects["evaluation"].pk],
        "evaluation:evaluation-create": [objects["agreement"].slug],
        "evaluation:evaluation-edit": [objects["evaluation"].pk],
        "evaluation:assessment-edit": [objects["assessment"].pk],
        "evaluation:recommendation-create": [objects["evaluation"].pk],
        "evaluation:recommendation-edit": [objects["recommendation"].pk],
        "evaluation:evaluation-refresh": [objects["evaluation"].pk],
        "evaluation:recommendation-delete": [objects["recommendation"].pk],
        "evaluation:evaluation-finalise": [objects["evaluation"].pk],
        "audit:log": [],
    }[name]
    return reverse(name, args=args)


CASES = [(name, method, user) for name in VIEWS for method in ("GET", "POST") for user in USERS]


@pytest.mark.parametrize(
    ("name", "method", "user"), CASES, ids=[f"{n}-{m}-{u}" for n, m, u in CASES]
)
def test_permission_matrix(request, client_for, objects, name, method, user, monkeypatch):
    # Who may fetch a PDF is what is tested here, not the PDF (tests/evaluation renders it).
    monkeypatch.setattr("evaluation.report.render_report_pdf", lambda evaluation: b"%PDF-1.7 test")
    person = None if user == "anonymous" else request.getfixturevalue(user)
    client = client_for(person)
    url = _url(name, objects)
    response = client.get(url) if method == "GET" else client.post(url, {})
    allowed = EXPECTED[(VIEWS[name], method)][user]
    assert response.status_code in allowed, (
        f"{method} {url} as {user}: {response.status_code}, expected one of {sorted(allowed)}"
    )
    if user == "anonymous" and allowed == LOGIN:
        assert response["Location"].startswith(reverse("login"))
