"""Response rules the whole site shares: signed-in pages are never stored, and a database that is
down answers 503 instead of 500.

``PrivatePagesMiddleware`` marks every response to a signed-in person ``Cache-Control: private,
no-store``: neither a shared proxy nor the browser keeps a copy, so the back button on a shared
computer shows no dashboard after logout. Anonymous visitors' pages (the login page, public
agreements) keep their own caching, and static files never reach this middleware (whitenoise
answers them first).

``database_unavailable(exc)`` tells whether an exception means the database cannot be reached (a
connection refused, dropped or closed). ``tromsvekst.views.server_error`` (the ``handler500``)
asks it, so such a request ends in the Norwegian 503 page with ``Retry-After``, wherever the
exception was raised: in a view, in a middleware (the session is read lazily) or in a template.
"""

from collections.abc import Callable

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

# How long a client (or a load balancer) should wait before asking again during an outage.
RETRY_AFTER_SECONDS = 30


def database_unavailable(exc: BaseException | None) -> bool:
    """True if ``exc``, or an exception it was raised from, is a lost or refused connection."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, OperationalError | InterfaceError):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


class PrivatePagesMiddleware:
    """``Cache-Control: private, no-store`` on every response to a signed-in person.

    Goes after AuthenticationMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        try:
            signed_in = request.user.is_authenticated
        except DatabaseError:
            # The session cannot be read (the database is down): store nothing to be safe.
            signed_in = True
        if signed_in:
            patch_cache_control(response, private=True, no_store=True)
        return response
