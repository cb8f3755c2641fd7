"""Pages that are read far more often than their data changes (the dashboard before a meeting,
the action plan page), kept ready-rendered.

A page is kept per user, address (path and query), language and day, under the change counter
its caller names (``revision``: for the portal's pages, the agreement's counter in
tromsvekst/audit/revisions.py): any audited change to the agreement's data makes new keys, so a
kept page never shows data older than the last committed change. What changes with the clock
alone (the next meeting once one has started) is at most PAGE_CACHE_SECONDS old. The CSRF token
is not kept: the page is rendered with a placeholder, and each response gets the requester's
token. Pages with a message waiting (after a save) are not kept, and the access check of the
view runs before the kept page is looked up, every time.
"""

import hashlib
from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib import messages
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation

from tromsvekst.lib.dates import local_today

# Stands in for the CSRF token in a kept page; replaced by the requester's token on the way out.
TOKEN_PLACEHOLDER = "csrf-token-placeholder-4c1d0b7e"  # noqa: S105 (not a secret)


# Reads the change counter a kept page or document is keyed on; called only when keeping is on.
Revision = Callable[[], Iterable[object]]


def _key(request: HttpRequest, name: str, revision: Revision) -> str:
    parts = [
        name,
        request.get_full_path(),
        str(request.user.pk),
        translation.get_language() or "",
        local_today().isoformat(),
        ":".join(str(n) for n in revision()),
        "htmx" if getattr(request, "htmx", False) else "page",
    ]
    return "page:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _messages_waiting(request: HttpRequest) -> bool:
    return len(messages.get_messages(request)) > 0


def render_kept(
    request: HttpRequest,
    template: str,
    *,
    name: str,
    revision: Revision,
    context: Callable[[], dict],
) -> HttpResponse:
    """``render(request, template, context())``, or the same page kept from before."""
    seconds = settings.PAGE_CACHE_SECONDS
    if not seconds or request.method != "GET" or _messages_waiting(request):
        return render(request, template, context())
    cache = caches["pages"]
    key = _key(request, name, revision)
    html = cache.get(key)
    if html is None:
        html = render_to_string(
            template, context() | {"csrf_token": TOKEN_PLACEHOLDER}, request=request
        )
        cache.set(key, html, seconds)
    return HttpResponse(html.replace(TOKEN_PLACEHOLDER, get_token(request)))


def keep_document(
    *, name: str, key: tuple, revision: Revision, produce: Callable[[], bytes]
) -> bytes:
    """``produce()``, or the same bytes kept from before: for documents that are slow to make
    (the draft evaluation PDF takes seconds) and read many times between changes.

    Kept per ``name`` and ``key`` under the change counter ``revision()`` and the day (as pages
    are), whoever asks: the document must not depend on who reads it. Off when
    PAGE_CACHE_SECONDS is 0.
    """
    if not settings.PAGE_CACHE_SECONDS:
        return produce()
    parts = [
        name,
        *map(str, key),
        translation.get_language() or "",
        local_today().isoformat(),
        ":".join(str(n) for n in revision()),
    ]
    cache = caches["documents"]
    cache_key = "doc:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    document: bytes | None = cache.get(cache_key)
    if document is None:
        document = produce()
        cache.set(cache_key, document, None)
    return document
