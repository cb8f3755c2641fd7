"""Login throttling with django-axes: which address a request comes from, and what a locked-out
user is told."""

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from agreements.models import Agreement


def client_ip(request: HttpRequest) -> str:
    """The address a login attempt comes from.

    Behind a reverse proxy (``TRUSTED_PROXY_COUNT`` > 0) the client is the entry that many places
    from the right of ``X-Forwarded-For``: the entries before it are whatever the client claimed
    and cannot be trusted. Without a proxy it is the socket's address.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    hops = settings.TRUSTED_PROXY_COUNT
    if hops:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return remote


def safe_next(request: HttpRequest) -> str:
    wanted = request.POST.get("next", "") or request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return ""


def cool_off_minutes() -> int:
    return max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """The login page again, saying in Norwegian why the login was refused and for how long."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = AuthenticationForm(request, initial={"username": username[:150]})
    context = {
        "form": form,
        "locked_out": True,
        "cool_off_minutes": cool_off_minutes(),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "next": safe_next(request),
        "public_agreements": Agreement.objects.public().order_by("title"),
    }
    return render(request, "registration/login.html", context, status=429)
