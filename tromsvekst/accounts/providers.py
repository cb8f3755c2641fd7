"""The OpenID Connect providers people may sign in with, read from environment variables.

``OIDC_PROVIDERS=entra,ansattporten`` names them (any number, each a short lower-case name used
in the URLs ``/oidc/<name>/…``); for each, ``OIDC_<NAME>_ISSUER``, ``_CLIENT_ID`` and
``_CLIENT_SECRET`` are required, and ``_LABEL`` (the button's «Logg inn med <label>»),
``_SCOPES`` (default ``openid email profile``), ``_SUBJECT_CLAIM`` (default ``sub``) and
``_EMAIL_DOMAINS`` (addresses trusted without ``email_verified``, see README) may be given. A
malformed value stops start-up (tromsvekst/lib/env.py). Settings imports this module, so it
imports nothing from Django's apps.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from tromsvekst.lib.env import envlist, envstr

NAME_RE = re.compile(r"[a-z][a-z0-9]{0,19}")
CLAIM_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.:-]{0,63}")
DOMAIN_RE = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class OIDCProvider:
    name: str
    label: str
    issuer: str
    client_id: str
    client_secret: str
    scopes: str = "openid email profile"
    subject_claim: str = "sub"
    # Addresses in these domains count as verified when the provider sends no email_verified
    # claim (Entra ID: the tenant's own verified domains).
    email_domains: tuple[str, ...] = ()

    @property
    def origin(self) -> str:
        """scheme://host[:port] of the issuer (its logout endpoint is there too)."""
        parts = urlsplit(self.issuer)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def discovery_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


def check_issuer(name: str, issuer: str) -> str:
    """An issuer is an https URL without query or fragment (plain http only on loopback)."""
    parts = urlsplit(issuer)
    secure = parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK)
    if not secure or not parts.hostname or parts.query or parts.fragment:
        raise ImproperlyConfigured(
            f"{name} must be an https:// URL without query or fragment, not {issuer!r}."
        )
    return issuer


def provider_from_env(name: str) -> OIDCProvider:
    if not NAME_RE.fullmatch(name):
        raise ImproperlyConfigured(
            f"OIDC_PROVIDERS: {name!r} is not a provider name (a–z and 0–9, at most 20, "
            "starting with a letter)."
        )
    prefix = f"OIDC_{name.upper()}_"
    scopes = envstr(prefix + "SCOPES", "openid email profile").split()
    if "openid" not in scopes:
        raise ImproperlyConfigured(f"{prefix}SCOPES must include openid, not {scopes!r}.")
    subject_claim = envstr(prefix + "SUBJECT_CLAIM", "sub")
    if not CLAIM_RE.fullmatch(subject_claim):
        raise ImproperlyConfigured(f"{prefix}SUBJECT_CLAIM is not a claim name: {subject_claim!r}.")
    domains = tuple(domain.lower() for domain in envlist(prefix + "EMAIL_DOMAINS", ""))
    for domain in domains:
        if not DOMAIN_RE.fullmatch(domain):
            raise ImproperlyConfigured(f"{prefix}EMAIL_DOMAINS: {domain!r} is not a domain.")
    provider = OIDCProvider(
        name=name,
        label=envstr(prefix + "LABEL", name.capitalize()).strip(),
        issuer=check_issuer(prefix + "ISSUER", envstr(prefix + "ISSUER")),
        client_id=envstr(prefix + "CLIENT_ID"),
        client_secret=envstr(prefix + "CLIENT_SECRET"),
        scopes=" ".join(scopes),
        subject_claim=subject_claim,
        email_domains=domains,
    )
    if not provider.label or not provider.client_id or not provider.client_secret:
        raise ImproperlyConfigured(
            f"{prefix}LABEL, _CLIENT_ID and _CLIENT_SECRET must not be empty."
        )
    return provider


def providers_from_env() -> dict[str, OIDCProvider]:
    """``settings.OIDC_PROVIDERS``: the providers by name, in the order OIDC_PROVIDERS gives."""
    names = envlist("OIDC_PROVIDERS", "")
    if len(set(names)) != len(names):
        raise ImproperlyConfigured(f"OIDC_PROVIDERS names a provider twice: {names!r}.")
    return {name: provider_from_env(name) for name in names}
