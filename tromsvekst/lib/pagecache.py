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

A page that is the same for every user of the same standing (the dashboard) can be shared
instead: the caller names everything that makes the page differ between users
(``audience``: role, what they may do), and the page is kept per that, not per user. Such a
page is rendered for a stand-in user (``_SharedUser``) whose name is a placeholder, and each
response gets the requester's name, as it gets their token. Only a page whose templates read
nothing of the user but what the stand-in has (base.html: signed in, staff, administrator, the
name) may be shared.
"""

import hashlib
from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AbstractUser
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape

from tromsvekst.lib.dates import local_today
from tromsvekst.lib.names import display_name

# Stands in for the CSRF token in a kept page; replaced by the requester's token on the way out.
TOKEN_PLACEHOLDER = "csrf-token-placeholder-4c1d0b7e"  # noqa: S105 (not a secret)


# Stands in for the signed-in user's name in a shared kept page; replaced on the way out.
NAME_PLACEHOLDER = "user-name-placeholder-7e2a9c41"


class _SharedUser:
    """The signed-in user as a shared page sees them: what base.html reads, with a placeholder
    for the name. Anything else a template asked for would be missing, never another user's."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, user: object) -> None:
        self.is_active = bool(getattr(user, "is_active", False))
        self.is_staff = bool(getattr(user, "is_staff", False))
        self.is_superuser = bool(getattr(user, "is_superuser", False))

    def get_full_name(self) -> str:
        return NAME_PLACEHOLDER

    def get_username(self) -> str:
        return NAME_PLACEHOLDER


# Reads the change counter a kept page or document is keyed on; called only when keeping is on.
Revision = Callable[[], Iterable[object]]


# Says what makes a shared page differ between users (role, what they may do).
Audience = Callable[[], Iterable[object]]


def _viewer(request: HttpRequest, audience: Audience | None) -> str:
    """Whose page it is: the user's, or (shared) everyone's with the same standing."""
    if audience is None:
        return f"user:{request.user.pk}"
    user = request.user
    standing = (
        user.is_authenticated,
        user.is_active,
        bool(getattr(user, "is_staff", False)),
        bool(getattr(user, "is_superuser", False)),
        *audience(),
    )
    return "shared:" + ":".join(map(repr, standing))


def _key(
    request: HttpRequest, name: str, revision: Revision, audience: Audience | None = None
) -> str:
    parts = [
        name,
        request.get_full_path(),
        _viewer(request, audience),
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
    audience: Audience | None = None,
) -> HttpResponse:
    """``render(request, template, context())``, or the same page kept from before: kept per
    user, or, with ``audience``, shared by the users of the same standing (see above)."""
    seconds = settings.PAGE_CACHE_SECONDS
    if not seconds or request.method != "GET" or _messages_waiting(request):
        return render(request, template, context())
    cache = caches["pages"]
    key = _key(request, name, revision, audience)
    shared = audience is not None and request.user.is_authenticated
    html = cache.get(key)
    if html is None:
        extra: dict[str, object] = {"csrf_token": TOKEN_PLACEHOLDER}
        if shared:
            extra["user"] = _SharedUser(request.user)
        html = render_to_string(template, context() | extra, request=request)
        cache.set(key, html, seconds)
    html = html.replace(TOKEN_PLACEHOLDER, get_token(request))
    user = request.user
    if shared and isinstance(user, AbstractUser):
        # As base.html writes it: the full name, or the username.
        html = html.replace(NAME_PLACEHOLDER, escape(display_name(user)))
    return HttpResponse(html)


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
