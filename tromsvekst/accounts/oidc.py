"""Single sign-on with OpenID Connect, on mozilla-django-oidc (README «Single sign-on»).

mozilla-django-oidc reads one provider from settings; here every provider of
``settings.OIDC_PROVIDERS`` gets its own backend instance, configured from the provider's
discovery document (``<issuer>/.well-known/openid-configuration``, kept for
``OIDC_DISCOVERY_SECONDS``). The library makes the token request; the signing key is found in the
provider's JWKS, kept as long as the discovery document and fetched again when a token names a key
it does not hold (the provider has rotated its keys). This module adds what the library leaves out: the ID token's ``iss``, ``aud``, ``exp``
and ``iat`` are required and checked, with no leeway, and nothing is read from the userinfo
endpoint (the ID token's claims are the signed ones).

The backend is not one of ``AUTHENTICATION_BACKENDS``: the callback view calls it, and the
session then remembers ``ModelBackend`` (which refuses inactive users on every request).
"""

import logging
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.urls import reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from tromsvekst.accounts.providers import OIDCProvider

log = logging.getLogger(__name__)

SIGNING_ALGORITHM = "RS256"
REQUIRED_METADATA = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")


class ProviderUnavailable(Exception):
    """The provider's discovery document could not be fetched or is not usable."""


class TokenRefused(Exception):
    """The token request failed, or the ID token is not valid (signature, claims, nonce)."""


def providers() -> list[OIDCProvider]:
    return list(settings.OIDC_PROVIDERS.values())


def provider_or_404(name: str) -> OIDCProvider:
    provider = settings.OIDC_PROVIDERS.get(name)
    if provider is None:
        raise Http404
    return provider


def callback_url(provider: OIDCProvider) -> str:
    """The redirect URI registered at the provider: SITE_URL, never the request's Host."""
    return settings.SITE_URL + reverse("oidc-callback", args=[provider.name])


def metadata(provider: OIDCProvider) -> dict[str, Any]:
    """The provider's discovery document, checked: its issuer is the configured one, exactly."""
    key = f"oidc-discovery:{provider.name}:{provider.issuer}"
    cached = cache.get(key)
    if isinstance(cached, dict):
        return cached
    try:
        response = requests.get(provider.discovery_url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        log.warning("OpenID Connect discovery for %s failed: %s", provider.name, exc)
        raise ProviderUnavailable(provider.name) from exc
    if not isinstance(document, dict) or any(
        not isinstance(document.get(name), str) for name in REQUIRED_METADATA
    ):
        log.warning("OpenID Connect discovery for %s: a required entry is missing", provider.name)
        raise ProviderUnavailable(provider.name)
    if document["issuer"] != provider.issuer:
        log.warning(
            "OpenID Connect discovery for %s names issuer %r, not %r",
            provider.name,
            document["issuer"],
            provider.issuer,
        )
        raise ProviderUnavailable(provider.name)
    cache.set(key, document, settings.OIDC_DISCOVERY_SECONDS)
    return document


class ProviderBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend for one provider, its settings from the discovery document."""

    def __init__(self, provider: OIDCProvider) -> None:
        # The library's __init__ reads one provider from settings; this one sets the same
        # attributes from ``provider`` instead.
        document = metadata(provider)
        self.provider = provider
        self.metadata = document
        self.OIDC_OP_TOKEN_ENDPOINT = document["token_endpoint"]
        self.OIDC_OP_USER_ENDPOINT = document.get("userinfo_endpoint")
        self.OIDC_OP_JWKS_ENDPOINT = document["jwks_uri"]
        self.OIDC_RP_CLIENT_ID = provider.client_id
        self.OIDC_RP_CLIENT_SECRET = provider.client_secret
        self.OIDC_RP_SIGN_ALGO = SIGNING_ALGORITHM
        self.OIDC_RP_IDP_SIGN_KEY = None
        self.UserModel = User

    def get_settings(self, attr: str, *args: Any) -> Any:
        per_provider = {
            "OIDC_RP_SCOPES": self.provider.scopes,
            "OIDC_TIMEOUT": settings.OIDC_TIMEOUT,
            "OIDC_USE_NONCE": True,
            "OIDC_VERIFY_KID": True,
            "OIDC_ALLOW_UNSECURED_JWT": False,
            "OIDC_TOKEN_USE_BASIC_AUTH": False,
            "OIDC_VERIFY_SSL": True,
            "OIDC_PROXY": None,
        }
        if attr in per_provider:
            return per_provider[attr]
        return super().get_settings(attr, *args)

    def retrieve_matching_jwk(self, token: bytes | str) -> jwt.PyJWK:
        """The provider's key that signed ``token`` (its ``kid`` and ``alg``), from the JWKS kept
        for OIDC_DISCOVERY_SECONDS rather than fetched at every sign-in; fetched again when the
        kept one has no such key (the provider has rotated its keys)."""
        header = jwt.get_unverified_header(token)
        cache_key = f"oidc-jwks:{self.provider.name}:{self.OIDC_OP_JWKS_ENDPOINT}"
        found = _matching_key(cache.get(cache_key), header)
        if found is None:
            try:
                response = requests.get(self.OIDC_OP_JWKS_ENDPOINT, timeout=settings.OIDC_TIMEOUT)
                response.raise_for_status()
                jwks = response.json()
            except ValueError as exc:
                raise SuspiciousOperation(f"JWKS not JSON: {exc}") from exc
            found = _matching_key(jwks, header)
            if found is not None:
                cache.set(cache_key, jwks, settings.OIDC_DISCOVERY_SECONDS)
        if found is None:
            raise SuspiciousOperation("Could not find a valid JWKS.")
        return jwt.PyJWK(found)

    def _verify_jws(self, payload: bytes | str, key: Any) -> dict[str, Any]:
        """The library checks the signature and ``exp``; here ``iss``, ``aud`` and ``iat`` too,
        and all four must be there."""
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation(f"ID token signed with {header.get('alg')!r}")
        try:
            claims: dict[str, Any] = jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.provider.client_id,
                issuer=self.provider.issuer,
                leeway=0,
                options={"require": ["iss", "aud", "exp", "iat", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise SuspiciousOperation(f"ID token refused: {exc}") from exc
        # Several audiences: the authorized party must be this client (OpenID Connect Core 3.1.3.7).
        if isinstance(claims.get("aud"), list) and claims.get("azp") != self.provider.client_id:
            raise SuspiciousOperation("ID token for several audiences without azp")
        return claims

    def id_token_claims(
        self, *, code: str, nonce: str, code_verifier: str
    ) -> tuple[dict[str, Any], str]:
        """Exchange the code (with the PKCE verifier) and return the ID token's checked claims
        and the token itself (for the logout's ``id_token_hint``)."""
        payload = {
            "client_id": self.provider.client_id,
            "client_secret": self.provider.client_secret,
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": callback_url(self.provider),
            "code_verifier": code_verifier,
        }
        try:
            token_info = self.get_token(payload)
        except (requests.RequestException, ValueError) as exc:
            raise TokenRefused(f"token request: {exc}") from exc
        id_token = token_info.get("id_token") if isinstance(token_info, dict) else None
        if not isinstance(id_token, str) or not id_token:
            raise TokenRefused("no ID token in the token response")
        try:
            claims = self.verify_token(id_token, nonce=nonce)
        except (SuspiciousOperation, jwt.PyJWTError, requests.RequestException, KeyError) as exc:
            raise TokenRefused(str(exc)) from exc
        if not isinstance(claims, dict):
            raise TokenRefused("the ID token's payload is not an object")
        return claims, id_token


def _matching_key(jwks: object, header: dict[str, Any]) -> dict[str, Any] | None:
    """The key of ``jwks`` with the token header's ``kid`` (and its ``alg``, where the key names
    one), as the library chooses it; None when there is none or ``jwks`` is not a key set."""
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    found = None
    for key in keys if isinstance(keys, list) else []:
        if not isinstance(key, dict) or key.get("kid") != header.get("kid"):
            continue
        if "alg" in key and key["alg"] != header.get("alg"):
            continue
        found = key
    return found
