"""Every page and htmx fragment the permission-matrix walk reaches is valid HTML (W3C Nu checker).

The walk (tests/helpers/urls.py) reads every named view from the URL conf and GETs it as each kind
of user, once as a page and once as htmx asks for it (``HX-Request``); error pages (403, 404) are
documents users read too. Added to it: the public pages of a public agreement as an anonymous
visitor, and the answers htmx gets when progress is logged inline (saved, and with errors). Every
HTML answer is checked by the W3C Nu Html Checker in one run (tests/helpers/html_checker.py); the
test fails on any error and lists each document with the checker's message.
"""

import hashlib
import re

import pytest

from tests.helpers.html_checker import as_document, check_html, require_checker
from tests.helpers.urls import URL_ARGS, build_objects, url_for, view_names

USERS = ["anonymous", "reader", "coordinator", "outsider", "admin_user"]
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://testserver/"}
# Per-request values that would make every copy of the same page look different.
_VOLATILE = re.compile(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+')


def _key(html: str) -> str:
    return hashlib.sha256(_VOLATILE.sub(r"\1", html).encode()).hexdigest()


class Documents:
    """The HTML answers met on the walk, each kept once (by content) with where it came from."""

    def __init__(self):
        self.by_label: dict[str, str] = {}
        self._seen: set[str] = set()

    def add(self, label: str, response) -> None:
        if not response.get("Content-Type", "").startswith("text/html"):
            return
        html = response.content.decode()
        if not html.strip():
            return
        key = _key(html)
        if key in self._seen:
            return
        self._seen.add(key)
        self.by_label[label] = as_document(html)


@pytest.fixture
def walk_setup(agreement, coordinator, monkeypatch):
    agreement.is_public = False
    agreement.save(update_fields=["is_public"])
    # PDFs are not HTML; rendering them here would only cost time (tests/validity checks PDFs).
    monkeypatch.setattr("evaluation.report.render_report_pdf", lambda evaluation: b"%PDF-1.7 test")
    monkeypatch.setattr(
        "actionplans.views_brief.render_pdf", lambda *args, **kwargs: b"%PDF-1.7 test"
    )
    return build_objects(agreement, coordinator)


def test_every_page_and_fragment_of_the_walk_is_valid_html(
    request, client_for, walk_setup, settings
):
    require_checker()  # before the walk: without the checker there is nothing to walk for
    objects = walk_setup
    names = sorted(view_names())
    unknown = [name for name in names if name not in URL_ARGS]
    assert not unknown, f"Views with no arguments in tests/helpers/urls.py URL_ARGS: {unknown}"

    documents = Documents()
    clients = {
        user: client_for(None if user == "anonymous" else request.getfixturevalue(user))
        for user in USERS
    }
    for name in names:
        url = url_for(name, objects)
        for user, client in clients.items():
            documents.add(f"GET {url} as {user}", client.get(url))
            documents.add(f"GET {url} as {user} (htmx)", client.get(url, **HTMX))

    # The public face of a public agreement, as anyone sees it.
    agreement = objects["agreement"]
    agreement.is_public = True
    agreement.progress_is_public = True
    agreement.save(update_fields=["is_public", "progress_is_public"])
    for name in ("agreements:agreement-detail", "actionplans:public-progress"):
        url = url_for(name, objects)
        documents.add(f"GET {url} as anonymous (public agreement)", clients["anonymous"].get(url))

    # What htmx swaps in when progress is logged from the plan page: errors, then the saved row.
    plan_url = url_for("actionplans:plan-detail", objects)
    log_url = url_for("actionplans:progress-log", objects) + f"?next={plan_url}"
    inline = {**HTMX, "HTTP_HX_TARGET": f"milepael-{objects['logged'].pk}-skjema"}
    coordinator = clients["coordinator"]
    version = objects["logged"].version
    invalid = coordinator.post(log_url, {"status": "on_track", "percent": "400"}, **inline)
    documents.add(f"POST {log_url} with errors (htmx)", invalid)
    data = {"status": "on_track", "percent": "60", "comment": "Godt i gang.", "version": version}
    saved = coordinator.post(log_url, data, **inline)
    assert saved.status_code == 200, saved.status_code
    documents.add(f"POST {log_url} saved (htmx)", saved)

    # A plan with more milestones than the page shows at once: each action's rows on demand,
    # as htmx gets them and as the page filtered to the action (without JavaScript).
    settings.PLAN_PAGE_INLINE_MILESTONES = 0
    action = f"{plan_url}?action={objects['logged'].action_id}"
    documents.add(f"GET {plan_url} with rows on demand", coordinator.get(plan_url))
    documents.add(f"GET {action} (htmx)", coordinator.get(action, **HTMX))
    documents.add(f"GET {action}", coordinator.get(action))

    assert len(documents.by_label) > 100, len(documents.by_label)
    errors = check_html(documents.by_label)
    listing = "\n".join(f"{label}, line {line}: {message}" for label, line, message in errors)
    assert not errors, f"{len(errors)} HTML errors (W3C Nu Html Checker):\n{listing}"


def test_the_checker_finds_the_errors_this_test_is_for():
    """The check can fail: the three kinds of error once found on the portal are reported."""
    page = (
        '<!doctype html><html lang="nb"><head><title>x</title></head><body>'
        '<div hx-get="/a/">a</div><time datetime="2026-05-04T10:00:00.123456+02:00">b</time>'
        '<input type="text" name="phone" type="tel" aria-label="Telefon"></body></html>'
    )
    fine = (
        '<!doctype html><html lang="nb"><head><title>x</title></head><body>'
        '<div data-hx-get="/a/">a</div><time datetime="2026-05-04T10:00:00+0200">b</time>'
        '<input type="tel" name="phone" aria-label="Telefon"></body></html>'
    )
    errors = check_html({"bad": page, "good": fine, "fragment": as_document("<tr><td>1</td></tr>")})
    messages = [message for label, _, message in errors if label == "bad"]
    assert any("hx-get" in m for m in messages), messages
    assert any("datetime" in m for m in messages), messages
    assert any("Duplicate attribute" in m for m in messages), messages
    assert [label for label, _, _ in errors if label != "bad"] == []
