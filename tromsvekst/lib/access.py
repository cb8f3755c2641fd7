"""Turning "you must log in first" into a redirect, from any depth of a view."""

from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse


class LoginNeeded(Exception):
    """Raised by an access helper when an anonymous user asks for something that needs login."""


class LoginNeededMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, LoginNeeded):
            if getattr(request, "htmx", False):
                # An htmx request (say, a save after the session ran out) would follow the
                # redirect and swap the login page into the form. 401 is swapped nowhere, and
                # static/js/htmx-errors.js tells the person to log in again; the form keeps
                # what they typed.
                return HttpResponse(status=401)
            return redirect_to_login(request.get_full_path())
        return None
