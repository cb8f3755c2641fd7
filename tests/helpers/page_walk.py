"""A real browser's walk over the portal, as a logged-in person or anyone, following links.

``walk(page, base_url, seeds, visit)`` starts at the landing page and ``seeds`` and follows every
link within the site, calling ``visit(path)`` once the browser shows an HTML page. Pages of one
kind are visited once (``kind`` says what a kind is: by default the view and the query's keys,
``view_kind`` makes it the view alone); a seed is visited even when its kind was seen. Files
(exports, PDFs, calendars) and logging out are not visited. The reflow walk
(tests/browser/test_reflow.py) and the HTML_CodeSniffer walk (tests/browser/test_htmlcs.py) use it.
"""

import re
from collections import deque
from collections.abc import Callable
from urllib.parse import parse_qsl, urlsplit

from django.urls import Resolver404, resolve
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tromsvekst.demo.users import DEMO_PASSWORD

# Views that answer with a file, not a page (a browser would download them).
NOT_PAGES = {
    "actionplans:plan-export",
    "actionplans:meeting-brief-pdf",
    "evaluation:evaluation-pdf",
    "agreements:meeting-ics",
    "agreements:calendar-feed",
    "logout",
}
# A walk that reaches more kinds of page than this is lost (a link that grows without end).
MAX_PAGES = 400
# The demo users (tromsvekst.demo.users) a walk logs in as, by role.
ROLES = {
    "coordinator": "koordinator.troms",
    "politician": "politiker",
    "administrator": "admin",
}
LINKS = """() => Array.from(document.querySelectorAll('a[href]'), a => a.href)"""


def log_in(page, username: str) -> None:
    """Log in through the login form as a demo user (password ``DEMO_PASSWORD``)."""
    page.goto("/logg-inn/")
    page.get_by_label("Brukernavn").fill(username)
    page.get_by_label("Passord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    expect(page).not_to_have_url(re.compile(r"/logg-inn/"))


def page_kind(path: str, query: str) -> tuple | None:
    """What makes two addresses the same kind of page: the view and the query's keys.
    None for an address that is not a page of the portal."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.view_name in NOT_PAGES:
        return None
    if match.view_name.startswith("admin:"):
        # The admin's view names carry the model; its filters and sorting are one page each.
        return (match.view_name,)
    keys = tuple(sorted({key for key, _value in parse_qsl(query, keep_blank_values=True)}))
    return (match.view_name, keys)


def view_kind(path: str, query: str) -> tuple | None:
    """One kind per view (URL name), whatever the query: the coarsest walk."""
    kind = page_kind(path, query)
    return None if kind is None else kind[:1]


def walk(
    page,
    base_url: str,
    seeds: list[str],
    visit: Callable[[str], None],
    *,
    kind: Callable[[str, str], tuple | None] = page_kind,
) -> list[str]:
    """Visit every kind of page reachable from the landing page and ``seeds``; call
    ``visit(path)`` (path with its query) on each HTML page as the browser shows it. Returns the
    paths visited, in order. Fails when the walk reaches more than ``MAX_PAGES`` kinds."""
    origin = urlsplit(base_url).netloc
    queue = deque(seeds + ["/"])
    must = set(seeds)
    kinds: set = set()
    visited: list[str] = []
    while queue:
        address = urlsplit(queue.popleft())
        if address.netloc and address.netloc != origin:
            continue
        this_kind = kind(address.path, address.query)
        if this_kind is None or (this_kind in kinds and address.path not in must):
            continue
        must.discard(address.path)
        kinds.add(this_kind)
        assert len(kinds) <= MAX_PAGES, f"more than {MAX_PAGES} kinds of page, e.g. {this_kind}"
        path = address.path + (f"?{address.query}" if address.query else "")
        try:
            response = page.goto(path)
        except PlaywrightError as exc:
            if "Download is starting" in str(exc):
                continue
            raise
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        visit(path)
        visited.append(path)
        queue.extend(page.evaluate(LINKS))
    return visited
