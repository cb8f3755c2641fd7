"""Malformed ids and tokens answer 400 or 404, never 500 (issue 12, finding 8).

Every URL pattern of the URL conf that takes a value (an id, a slug, a token, a year) is requested
with hostile values in its place as an administrator (who passes every permission check, so the
value itself reaches the lookup): a NUL byte (PostgreSQL refuses it in a string), 20 digits
(beyond a 64-bit integer: SQLite raises OverflowError), a negative number, a path climb and a very
long value. Every form the URL walk reaches (tests/helpers/urls.py) is submitted as it says (a
filter by GET, a form by POST, to its ``action``) with 20 digits in each of its choice fields
(selects, checkboxes, radios). And more than
``DATA_UPLOAD_MAX_NUMBER_FIELDS`` query parameters answer the Norwegian 400 page.

Run on SQLite by default and on PostgreSQL with ``DATABASE_URL=postgres://…``.
"""

import html
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.helpers.urls import URL_ARGS, build_objects, url_for, view_names

HOSTILE = {
    "nul": "%00",
    "nul-inside": "abc%00def",
    "20 digits": "9" * 20,
    "negative": "-1",
    "zero": "0",
    "climb": "..%2F..%2Fetc%2Fpasswd",
    "long": "7" * 4000,
    "long text": "x" * 4000,
    "non-ascii": "%C3%A6%C3%B8%C3%A5",
}
_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def _routes(resolver=None, prefix: str = "") -> list[tuple[str, str]]:
    """(view name, route with <converter:name> parts) for every pattern that takes a value."""
    resolver = resolver or get_resolver()
    routes = []
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            routes += _routes(pattern, route)
        elif isinstance(pattern, URLPattern) and _PARAMETER.search(route):
            routes.append((pattern.name or pattern.lookup_str, route))
    return routes


ROUTES = _routes()


@pytest.fixture
def objects(agreement, coordinator):
    """Records of every kind, so that lookups have rows to miss or find."""
    return build_objects(agreement, coordinator)


@pytest.fixture
def admin_client(admin_user, objects):
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    return client


def test_the_walk_finds_the_id_and_token_patterns():
    routes = dict(ROUTES)
    assert routes["feedback-form"] == "tilbakemelding/<token:token>/"
    assert routes["calendar-feed"] == "avtaler/kalender/<token:token>.ics"
    assert routes["milestone-detail"] == "milepaeler/<id:pk>/"


def test_ids_and_tokens_are_taken_only_in_their_bounded_form():
    """A new pattern cannot take an unbounded ``<int:…>`` or a ``<str:…>`` that reaches a query:
    ids are ``<id:…>`` (1–18 digits), tokens ``<token:…>`` (tromsvekst/lib/converters.py)."""
    loose = [
        (name, route)
        for name, route in ROUTES
        if re.search(r"<(int|str|path):", route) and name != "password_reset_confirm"
    ]
    assert not loose, loose
    assert len(ROUTES) > 40, len(ROUTES)


def test_a_hostile_value_in_any_url_gives_400_or_404(admin_client):
    # One test for all (one database set-up): a list of every URL that answered otherwise.
    wrong = []
    for name, route in ROUTES:
        for kind, value in HOSTILE.items():
            url = "/" + _PARAMETER.sub(value, route)
            for method in ("get", "post"):
                response = getattr(admin_client, method)(url)
                status = response.status_code
                # Django's own answer to a broken reset link: a page saying it is not valid.
                broken_link = name == "password_reset_confirm" and status == 200
                if broken_link and response.context["validlink"] is False:
                    continue
                if status not in {400, 404, 405}:
                    wrong.append(f"{method.upper()} {url[:100]} ({name}, {kind}): {status}")
    assert not wrong, "\n".join(wrong)


def test_more_query_parameters_than_allowed_give_the_norwegian_400_page(admin_client, objects):
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    query = "&".join(f"p{i}=1" for i in range(limit + 1))
    # Views that read their query string (filters, the way back), and a form that is posted.
    for name in ("actionplans:plan-detail", "actionplans:progress-log", "audit:log"):
        url = f"{url_for(name, objects)}?{query}"
        response = admin_client.get(url)
        assert response.status_code == 400, (name, response.status_code)
        assert "Ugyldig forespørsel" in response.content.decode()
    url = url_for("actionplans:action-create", objects)
    response = admin_client.post(url, {f"p{i}": "1" for i in range(limit + 1)})
    assert response.status_code == 400, response.status_code
    assert "Ugyldig forespørsel" in response.content.decode()


_FORM = re.compile(r"<form([^>]*)>(.*?)</form>", re.S | re.I)
_ATTRIBUTE = re.compile(r'\s(method|action)="([^"]*)"', re.I)
_CHOICE = re.compile(
    r'<select[^>]*\sname="([^"]+)"|<input[^>]*type="(?:checkbox|radio)"[^>]*\sname="([^"]+)"'
    r'|<input[^>]*\sname="([^"]+)"[^>]*type="(?:checkbox|radio)"'
)


def test_every_choice_field_of_every_form_refuses_a_20_digit_id(
    admin_user, agreement, coordinator, monkeypatch
):
    monkeypatch.setattr("evaluation.report.render_report_pdf", lambda evaluation: b"%PDF-1.7")
    objects = build_objects(agreement, coordinator)
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    tried = {}
    for name in sorted(view_names()):
        if name not in URL_ARGS or name in {"logout"}:
            continue
        url = url_for(name, objects)
        page = client.get(url)
        if page.status_code != 200 or not page["Content-Type"].startswith("text/html"):
            continue
        for tag, form in _FORM.findall(page.content.decode()):
            fields = {next(g for g in match if g) for match in _CHOICE.findall(form)}
            if not fields:
                continue
            attributes = {k.lower(): html.unescape(v) for k, v in _ATTRIBUTE.findall(tag)}
            method = attributes.get("method", "get").lower()
            target = attributes.get("action") or url
            data = dict.fromkeys(fields, "9" * 20)
            # A filter (GET) takes its ids from the query string, a form (POST) from its body.
            response = client.get(target, data) if method == "get" else client.post(target, data)
            tried[f"{method.upper()} {target}"] = sorted(fields)
            assert response.status_code < 500, f"{method.upper()} {target} {sorted(fields)}: 500"
    # The seven multiple-choice fields the outside test found, among others.
    flat = {field for fields in tried.values() for field in fields}
    assert {"participants", "actions", "milestones", "plans", "strategies"} <= flat, tried
    assert any(key.startswith("GET ") for key in tried), tried  # the filters of plan, dashboard
