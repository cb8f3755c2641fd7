"""The permission table of the design notes, as a matrix: every view × every kind of user × GET/POST.

The list of views is read from the URL configuration, so a new view without a row here fails
``test_every_view_is_in_the_matrix``. The records and each view's URL arguments are in
tests/helpers/urls.py (shared with the HTML validity walk): a new view needs its entry there too.
"""

import pytest
from django.urls import reverse

from tests.helpers.urls import build_objects, url_for, view_names

# What each view is: "read" (GET only, for anyone with a role in the agreement), "edit"
# (GET and POST, coordinators of the agreement and administrators), "post" (POST only, same people).
VIEWS = {
    "agreements:agreement-list": "list",
    "agreements:agreement-detail": "read",
    "actionplans:plan-list": "read",
    "actionplans:plan-detail": "read",
    "actionplans:plan-export": "read",
    # Mine milepæler: every signed-in person, their own milestones only.
    "actionplans:my-milestones": "list",
    "actionplans:milestone-detail": "read",
    "actionplans:progress-log": "edit",
    "actionplans:action-create": "edit",
    "actionplans:action-edit": "edit",
    "actionplans:milestone-create": "edit",
    "actionplans:milestone-edit": "edit",
    "actionplans:milestone-delete": "edit",
    "actionplans:plan-import": "edit",
    # «Bekreft import»: POST only; with nothing waiting in the session it goes back to the form.
    "actionplans:plan-import-confirm": "post",
    # A confirmation page (GET) and its button (POST).
    "actionplans:plan-carry-over": "edit",
    "actionplans:dashboard": "read",
    "actionplans:meeting-brief": "read",
    "actionplans:meeting-brief-pdf": "read",
    "actionplans:public-progress": "closed",
    "actionplans:public-progress-toggle": "post",
    "agreements:coordinator-list": "read",
    "agreements:coordinator-create": "edit",
    "agreements:coordinator-edit": "edit",
    "agreements:coordinator-delete": "edit",
    # The answer to an invitation: the signed link is the permission (an empty POST shows the
    # page again); withdrawing one: coordinators (tests/security/test_invitations.py).
    "agreements:invitation": "public",
    "agreements:invitation-withdraw": "post",
    "agreements:meeting-schedule": "read",
    "agreements:meeting-plan-year": "post",
    "agreements:meeting-create": "edit",
    "agreements:meeting-detail": "read",
    "agreements:meeting-edit": "edit",
    "agreements:agenda-item-create": "edit",
    "agreements:agenda-item-edit": "edit",
    "agreements:decision-create": "edit",
    "agreements:decision-edit": "edit",
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
    "evaluation:feedback-rotate": "edit",
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
    # Readiness for a load balancer: open, answers only «ok» or 503 (tests/production/).
    "readiness",
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


def test_every_view_is_in_the_matrix():
    missing = view_names() - set(VIEWS) - OUTSIDE
    assert not missing, f"Views with no row in the permission matrix: {sorted(missing)}"


@pytest.fixture
def private_agreement(agreement):
    """The agreement, not public, so that reading it needs a role."""
    agreement.is_public = False
    agreement.save(update_fields=["is_public"])
    return agreement


@pytest.fixture
def objects(private_agreement, coordinator):
    """One record of each kind, in the private agreement (tests/helpers/urls.py)."""
    return build_objects(private_agreement, coordinator)


CASES = [(name, method, user) for name in VIEWS for method in ("GET", "POST") for user in USERS]


@pytest.mark.parametrize(
    ("name", "method", "user"), CASES, ids=[f"{n}-{m}-{u}" for n, m, u in CASES]
)
def test_permission_matrix(request, client_for, objects, name, method, user, monkeypatch):
    # Who may fetch a PDF is what is tested here, not the PDF (tests/evaluation renders it).
    monkeypatch.setattr("evaluation.report.render_report_pdf", lambda evaluation: b"%PDF-1.7 test")
    person = None if user == "anonymous" else request.getfixturevalue(user)
    client = client_for(person)
    url = url_for(name, objects)
    response = client.get(url) if method == "GET" else client.post(url, {})
    allowed = EXPECTED[(VIEWS[name], method)][user]
    assert response.status_code in allowed, (
        f"{method} {url} as {user}: {response.status_code}, expected one of {sorted(allowed)}"
    )
    if user == "anonymous" and allowed == LOGIN:
        assert response["Location"].startswith(reverse("login"))
    if user != "anonymous":
        # Nothing a signed-in person is shown may be kept by a browser or a proxy.
        cache = response.get("Cache-Control", "")
        assert "private" in cache and "no-store" in cache, f"{method} {url} as {user}: {cache!r}"
