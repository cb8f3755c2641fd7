"""Two rules at the security boundary: which address a request comes from (for django-axes'
login throttling and the feedback limits), and which "next" address a login may go on to."""

from django.conf import settings
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

MAX_NEXT_LENGTH = 2000


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


def safe_next(request: HttpRequest, default: str = "") -> str:
    """Where to go on after a form: the posted or queried ``next`` if it is a path on this site,
    else ``default``. The one rule for every view that takes ``next``.

    Only a path is accepted ("/avtaler/…?filter=…#sak-4"), never an address with a scheme or a
    host, even our own: "//evil.example", "/\\evil.example" and "/\t/evil.example" (browsers drop
    tabs and newlines and read a backslash as a slash) are refused by Django's own check, and so
    is anything over 2,000 characters or with a control character.
    """
    wanted: str = request.POST.get("next", "") or request.GET.get("next", "")
    if (
        wanted.startswith("/")
        and len(wanted) <= MAX_NEXT_LENGTH
        and not any(ord(char) < 32 or ord(char) == 127 for char in wanted)
        and url_has_allowed_host_and_scheme(
            wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return wanted
    return default
