"""The permission table of the design notes, as a matrix: every view × every kind of user × GET/POST.

The list of views is read from the URL configuration, so a new view without a row in
tests/helpers/views.py (what each view is: shared with the security-header walk) fails
``test_every_view_is_in_the_matrix``. The records (the ``objects`` fixture of tests/conftest.py)
and each view's URL arguments are in tests/helpers/urls.py (shared with the HTML validity walk):
a new view needs its entry there too.
"""

import pytest
from django.urls import reverse

from tests.factories import council_coordinator
from tests.helpers.urls import url_for, view_names
from tests.helpers.views import OUTSIDE, VIEWS

# ``council`` is Hanne Rådet, coordinator of the agreement for the regional council (not the
# county): she may do what ``coordinator`` (a county coordinator) may, except finalise.
USERS = ["anonymous", "reader", "coordinator", "council", "outsider", "admin_user"]

# Expected status codes: (kind, method) -> {user: allowed codes}.
LOGIN = {302}
OK = {200}
DONE = {200, 302}  # a form shown again with errors, or saved and redirected
EXPECTED = {
    ("list", "GET"): {
        "anonymous": LOGIN,
        "reader": OK,
        "coordinator": OK,
        "council": OK,
        "outsider": OK,
        "admin_user": OK,
    },
    ("list", "POST"): {user: {405} for user in USERS},
    ("read", "GET"): {
        "anonymous": LOGIN,
        "reader": OK,
        "coordinator": OK,
        "council": OK,
        "outsider": {404},
        "admin_user": OK,
    },
    ("read", "POST"): {user: {405} for user in USERS},
    ("edit", "GET"): {
        "anonymous": LOGIN,
        "reader": {403},
        "coordinator": OK,
        "council": OK,
        "outsider": {404},
        "admin_user": OK,
    },
    ("edit", "POST"): {
        "anonymous": LOGIN,
        "reader": {403},
        "coordinator": DONE,
        "council": DONE,
        "outsider": {404},
        "admin_user": DONE,
    },
    ("post", "GET"): {user: {405} for user in USERS},
    ("post", "POST"): {
        "anonymous": LOGIN,
        "reader": {403},
        "coordinator": {302},
        "council": {302},
        "outsider": {404},
        "admin_user": {302},
    },
    # Finalising an evaluation: county coordinators and administrators; the regional council's
    # coordinator may not (403).
    ("finalise", "GET"): {user: {405} for user in USERS},
    ("finalise", "POST"): {
        "anonymous": LOGIN,
        "reader": {403},
        "coordinator": {302},
        "council": {403},
        "outsider": {404},
        "admin_user": {302},
    },
    # Setting up an agreement (issue #16): its county coordinators and administrators; the
    # regional council's coordinator and readers 403, people outside the agreement 404.
    ("setup", "GET"): {
        "anonymous": LOGIN,
        "reader": {403},
        "coordinator": OK,
        "council": {403},
        "outsider": {404},
        "admin_user": OK,
    },
    ("setup", "POST"): {
        "anonymous": LOGIN,
        "reader": {403},
        "coordinator": DONE,
        "council": {403},
        "outsider": {404},
        "admin_user": DONE,
    },
    ("setup-page", "GET"): {
        "anonymous": LOGIN,
        "reader": {403},
        "coordinator": OK,
        "council": {403},
        "outsider": {404},
        "admin_user": OK,
    },
    ("setup-page", "POST"): {user: {405} for user in USERS},
    # Starting a new agreement: administrators and anyone who is a county coordinator somewhere
    # (``outsider`` coordinates another agreement for its regional council: 403).
    ("start", "GET"): {
        "anonymous": LOGIN,
        "reader": {403},
        "coordinator": OK,
        "council": {403},
        "outsider": {403},
        "admin_user": OK,
    },
    ("start", "POST"): {
        "anonymous": LOGIN,
        "reader": {403},
        "coordinator": DONE,
        "council": {403},
        "outsider": {403},
        "admin_user": DONE,
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
        "council": {403},
        "outsider": {403},
        "admin_user": OK,
    },
    ("admin", "POST"): {user: {405} for user in USERS},
    # Across every agreement: administrators and county coordinators (``coordinator``).
    ("county", "GET"): {
        "anonymous": LOGIN,
        "reader": {403},
        "coordinator": OK,
        "council": {403},
        "outsider": {403},
        "admin_user": OK,
    },
    ("county", "POST"): {user: {405} for user in USERS},
    ("county-edit", "GET"): {
        "anonymous": LOGIN,
        "reader": {403},
        "coordinator": OK,
        "council": {403},
        "outsider": {403},
        "admin_user": OK,
    },
    ("county-edit", "POST"): {
        "anonymous": LOGIN,
        "reader": {403},
        "coordinator": DONE,
        "council": {403},
        "outsider": {403},
        "admin_user": DONE,
    },
}


def test_every_view_is_in_the_matrix():
    missing = view_names() - set(VIEWS) - OUTSIDE
    assert not missing, f"Views with no row in the permission matrix: {sorted(missing)}"


def test_every_row_is_a_view():
    stale = set(VIEWS) - view_names()
    assert not stale, f"Rows of the permission matrix for no view: {sorted(stale)}"


def test_every_evaluation_view_is_in_the_matrix():
    """Every view of evaluation/views.py has a row (the evaluation app's own check, kept)."""
    from django.urls import get_resolver

    from evaluation import views

    names = {
        f"evaluation:{pattern.name}"
        for pattern in get_resolver("evaluation.urls").url_patterns
        if getattr(pattern.callback, "__module__", "") == views.__name__
    }
    assert "evaluation:evaluation-finalise" in names
    assert names <= set(VIEWS), f"Without a row: {sorted(names - set(VIEWS))}"


@pytest.fixture
def council(private_agreement):
    """Hanne Rådet, coordinator of the agreement for the regional council."""
    return council_coordinator(private_agreement)


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
