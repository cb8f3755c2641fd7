"""Two rules at the security boundary: which address a request comes from (for django-axes'
login throttling and the feedback limits), and which "next" address a login may go on to."""

from django.conf import settings
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def client_ip(request: HttpRequest) -> str:
    """The address a login attempt comes from.

    Behind a reverse proxy (``TRUSTED_PROXY_COUNT`` > 0) the client is the entry that many places
    from the right of ``X-Forwarded-For``: the entries before it are whatever the client claimed
    and cannot be trusted. Without a proxy it is the socket's address.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    hops = settings.TRUSTED_PROXY_COUNT
    if hops:
        forwarded: list[str] = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return remote


def safe_next(request: HttpRequest) -> str:
    wanted: str = request.POST.get("next", "") or request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return ""
