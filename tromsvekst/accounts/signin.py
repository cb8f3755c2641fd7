"""The last steps of every sign-in, by password or by single sign-on: the second factor when it
is asked for, then Django's login (so the session rules are the same whichever way in).

A person who must give a code is not logged in after the password or the provider: the session
holds only a pending sign-in (``PENDING``, for ``PENDING_SECONDS``) until the code page
(tromsvekst/accounts/views_mfa.py) accepts a code, or the enrolment page a first one.

Lockout and the log of failed sign-ins are django-axes' for all of them: a refused single
sign-on or a wrong code is a failed login (``user_login_failed``) for the username (or
``sso:<provider>`` when nobody is known yet) from that address, as a wrong password is.
"""

import time
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.models import User
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse

from tromsvekst.accounts import mfa
from tromsvekst.lib.security import client_ip, safe_next

PENDING = "signin_pending"
PENDING_SECONDS = 5 * 60
PASSWORD = "password"  # noqa: S105 (the sign-in method's name, not a password)
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
# What the session remembers of a single sign-on, for the logout at the provider.
SSO_PROVIDER = "oidc_provider"
SSO_ID_TOKEN = "oidc_id_token"  # noqa: S105 (a session key's name, not a secret)


# Who accepted an invitation and chose single sign-on: linked at that sign-in (linking.py).
SSO_INVITED = "oidc_invited"
INVITED_SECONDS = 30 * 60


def remember_invited(request: HttpRequest, user: User, provider: str) -> None:
    """The invitation's link proved who this is: link them at their next single sign-on with
    ``provider`` (within INVITED_SECONDS), even if the provider sends no e-mail address."""
    request.session[SSO_INVITED] = {"user": user.pk, "provider": provider, "at": time.time()}


def pop_invited(request: HttpRequest, provider: str) -> User | None:
    data = request.session.pop(SSO_INVITED, None)
    if (
        not isinstance(data, dict)
        or data.get("provider") != provider
        or not isinstance(data.get("user"), int)
        or time.time() - float(data.get("at", 0)) > INVITED_SECONDS
    ):
        return None
    return User.objects.filter(pk=data["user"], is_active=True).first()


def is_break_glass(user: User) -> bool:
    return user.get_username() in settings.BREAK_GLASS_USERS


def password_allowed(username: str) -> bool:
    """With LOCAL_PASSWORDS=False only the break-glass administrators use a password."""
    return settings.LOCAL_PASSWORDS or username in settings.BREAK_GLASS_USERS


def needs_second_factor(user: User, method: str) -> bool:
    """Administrators always (MFA_FOR_ADMINISTRATORS, off only in a local DEBUG run); with a
    password, break-glass users and, by MFA_FOR_PASSWORD_USERS, everyone."""
    if method == PASSWORD and (settings.MFA_FOR_PASSWORD_USERS or is_break_glass(user)):
        return True
    return (user.is_staff or user.is_superuser) and bool(settings.MFA_FOR_ADMINISTRATORS)


USERNAME_KEPT = 150


def record_failure(request: HttpRequest, username: str) -> None:
    """A failed sign-in for django-axes (its log and lockout), as a wrong password is."""
    # django-axes keeps at most 255 characters of a username; a claim may be longer.
    credentials = {"username": username[:USERNAME_KEPT]}
    user_login_failed.send(sender=__name__, credentials=credentials, request=request)


def clear_failures(request: HttpRequest, username: str) -> None:
    """A good sign-in clears the count for ``username`` from this address, as a good password
    does (AXES_RESET_ON_SUCCESS)."""
    address = client_ip(request)
    if settings.AXES_RESET_ON_SUCCESS and address:
        AxesProxyHandler.reset_attempts(ip_address=address, username=username)


def is_locked_out(request: HttpRequest, username: str) -> bool:
    return bool(AxesProxyHandler.is_locked(request, {"username": username}))


def locked_out_response(request: HttpRequest, username: str) -> HttpResponse:
    """django-axes' lockout answer (AXES_LOCKOUT_CALLABLE: the login page, saying why)."""
    response: HttpResponse = get_lockout_response(request, None, {"username": username})
    return response


def complete(
    request: HttpRequest,
    user: User,
    *,
    method: str,
    next_url: str,
    session_extra: dict[str, str] | None = None,
) -> HttpResponse:
    """The identity is proven (password or provider): log in, or ask for the second factor."""
    if needs_second_factor(user, method):
        request.session.cycle_key()
        request.session[PENDING] = {
            "user": user.pk,
            "method": method,
            "next": next_url,
            "extra": session_extra or {},
            "at": time.time(),
        }
        if mfa.confirmed_totp(user) is None:
            return redirect("mfa-enrol")
        return redirect("mfa-verify")
    return log_in(request, user, next_url=next_url, session_extra=session_extra)


def log_in(
    request: HttpRequest,
    user: User,
    *,
    next_url: str,
    session_extra: dict[str, str] | None = None,
) -> HttpResponse:
    auth.login(request, user, backend=MODEL_BACKEND)
    request.session.update(session_extra or {})
    return HttpResponseRedirect(next_url)


def pending(request: HttpRequest) -> tuple[User, dict[str, Any]] | None:
    """The user waiting for their second factor, while it is fresh and they are still active."""
    data = request.session.get(PENDING)
    if not isinstance(data, dict) or time.time() - float(data.get("at", 0)) > PENDING_SECONDS:
        return None
    pk = data.get("user")
    if not isinstance(pk, int):
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None:
        return None
    return user, data


def finish_pending(request: HttpRequest, user: User, data: dict[str, Any]) -> HttpResponse:
    request.session.pop(PENDING, None)
    clear_failures(request, user.get_username())
    response = log_in(request, user, next_url=data["next"], session_extra=data.get("extra"))
    return response


def next_from(request: HttpRequest) -> str:
    """Where to go after signing in: a safe ``next`` of this site, else the front page."""
    return safe_next(request) or reverse(settings.LOGIN_REDIRECT_URL)
