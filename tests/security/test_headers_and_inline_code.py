"""Every page the portal serves carries the security headers, and none of them needs
``'unsafe-inline'``: no inline script, no event-handler attributes, no style attributes or
``<style>`` elements, no ``javascript:`` links. The pages come from the permission matrix's list,
which is read from the URL configuration, so a new view is checked here as soon as it has a row
there; htmx fragments (the same URLs asked for with ``HX-Request``) are checked too.
"""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.helpers.urls import url_for
from tests.helpers.views import VIEWS

pytestmark = pytest.mark.django_db

# The policy, directive by directive, as the browser gets it.
POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "object-src": "'none'",
}
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
ADMIN_PAGES = [
    "/admin/",
    "/admin/agreements/agreement/",
    "/admin/actionplans/milestone/",
    "/admin/auth/user/",
]


class InlineCodeFinder(HTMLParser):
    """Collects what a strict policy would block: inline scripts, handlers, styles."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []
        self._in_script_without_src = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name == "style":
                self.problems.append(f"<{tag} style={value!r}>")
            if name in {"href", "src", "action", "formaction"} and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script":
            kind = (attributes.get("type") or "").lower()
            data_only = kind in {"application/json", "application/ld+json"}
            self._in_script_without_src = "src" not in attributes and not data_only

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script_without_src = False

    def handle_data(self, data):
        if self._in_script_without_src and data.strip():
            self.problems.append(f"inline <script>: {data.strip()[:60]!r}")


def policy_of(response) -> dict[str, str]:
    header = response.get("Content-Security-Policy", "")
    directives = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition(" ")
        if name:
            directives[name] = value.strip()
    return directives


def problems_with(url: str, response) -> list[str]:
    found = []
    for header, value in HEADERS.items():
        if response.get(header) != value:
            found.append(f"{url}: {header} is {response.get(header)!r}, not {value!r}")
    if response.get("Content-Type", "").startswith("text/html"):
        if policy_of(response) != POLICY:
            found.append(f"{url}: CSP is {response.get('Content-Security-Policy')!r}")
        finder = InlineCodeFinder()
        finder.feed(response.content.decode())
        found += [f"{url}: {problem}" for problem in finder.problems]
    return found


def test_the_policy_needs_no_unsafe_inline_or_eval():
    for value in POLICY.values():
        assert "unsafe" not in value


def test_every_page_and_fragment_has_the_headers_and_no_inline_code(
    objects,
    client_for,
    admin_user,
    monkeypatch,
):
    monkeypatch.setattr("evaluation.report.render_report_pdf", lambda evaluation: b"%PDF-1.7 test")
    client = client_for(admin_user)
    urls = [
        url_for(name, objects)
        for name, kind in VIEWS.items()
        if kind not in {"post", "finalise", "closed"}
    ]
    urls += [reverse("accessibility")] + ADMIN_PAGES
    checked, problems = 0, []
    for url in urls:
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers)
            assert response.status_code == 200, f"{url} {headers}: {response.status_code}"
            problems += problems_with(url, response)
            checked += 1
    assert checked == 2 * len(urls)
    assert problems == []


def test_the_login_page_and_errors_have_them_too(client_for):
    client = client_for(None)
    pages = {
        "login": client.get(reverse("login")),
        "reset": client.get(reverse("password_reset")),
        "reset sent": client.get(reverse("password_reset_done")),
        "bad link": client.get(reverse("password_reset_confirm", args=["MQ", "feil"])),
        "reset done": client.get(reverse("password_reset_complete")),
        "not found": client.get("/finnes-ikke/"),
    }
    assert pages["not found"].status_code == 404
    problems = [p for url, response in pages.items() for p in problems_with(url, response)]
    assert problems == []


def test_the_finder_sees_what_it_looks_for():
    finder = InlineCodeFinder()
    finder.feed(
        '<p style="color:red" onclick="x()">a</p><script>alert(1)</script>'
        '<script src="/static/x.js"></script><a href="javascript:alert(1)">b</a><style>p{}</style>'
        '<script type="application/json">{"a": 1}</script>'
    )
    assert len(finder.problems) == 5


def test_production_adds_hsts(settings, client_for, admin_user):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_SSL_REDIRECT = False
    response = client_for(admin_user).get("/avtaler/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
