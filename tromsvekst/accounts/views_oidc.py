"""Single sign-on: the button's start (a redirect to the provider with state, nonce and the PKCE
challenge), the provider's callback, and the logout that also ends the session at the provider.

State, nonce and the PKCE verifier are kept in the session the way mozilla-django-oidc keeps
them (``oidc_states``, one entry per sign-in started, used once); this module adds which provider
each state belongs to. Every refusal is a Norwegian page and a failed login for django-axes.
"""

import logging
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.crypto import get_random_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from mozilla_django_oidc.utils import (
    add_state_and_verifier_and_nonce_to_session,
    generate_code_challenge,
)

from tromsvekst.accounts import linking, signin
from tromsvekst.accounts.oidc import (
    ProviderBackend,
    ProviderUnavailable,
    TokenRefused,
    callback_url,
    metadata,
    provider_or_404,
)
from tromsvekst.accounts.providers import OIDCProvider

log = logging.getLogger(__name__)

STATES = "oidc_states"
NEXT = "oidc_next"
VERIFIER_LENGTH = 64


def refused_page(
    request: HttpRequest, provider: OIDCProvider, reason: str, *, status: int
) -> HttpResponse:
    context = {"provider": provider, "reason": reason, "login_url": reverse("login")}
    return render(request, "registration/sso_refused.html", context, status=status)


def _sso_key(provider: OIDCProvider) -> str:
    """The "username" django-axes counts failures under before anyone is known."""
    return f"sso:{provider.name}"


@never_cache
@require_safe
def oidc_start(request: HttpRequest, provider: str) -> HttpResponse:
    """«Logg inn med …»: off to the provider's authorization endpoint."""
    chosen = provider_or_404(provider)
    try:
        document = metadata(chosen)
    except ProviderUnavailable:
        return refused_page(request, chosen, "unavailable", status=503)
    state = get_random_string(32)
    nonce = get_random_string(32)
    verifier = get_random_string(VERIFIER_LENGTH)
    params = {
        "response_type": "code",
        "scope": chosen.scopes,
        "client_id": chosen.client_id,
        "redirect_uri": callback_url(chosen),
        "state": state,
        "nonce": nonce,
        "code_challenge": generate_code_challenge(verifier, "S256"),
        "code_challenge_method": "S256",
    }
    add_state_and_verifier_and_nonce_to_session(request, state, params, verifier)
    request.session[STATES][state]["provider"] = chosen.name
    request.session[NEXT] = signin.next_from(request)
    request.session.modified = True
    return HttpResponseRedirect(f"{document['authorization_endpoint']}?{urlencode(params)}")


@never_cache
@require_safe
def oidc_callback(request: HttpRequest, provider: str) -> HttpResponse:
    """The provider sends the person back here with a code (or an error) and the state."""
    chosen = provider_or_404(provider)
    key = _sso_key(chosen)
    if signin.is_locked_out(request, key):
        return signin.locked_out_response(request, key)
    states: Any = request.session.get(STATES)
    state = request.GET.get("state", "")
    entry = states.pop(state, None) if isinstance(states, dict) and state else None
    request.session.modified = True
    if request.GET.get("error"):
        # The person cancelled at the provider, or the provider refused: nothing to count.
        return refused_page(request, chosen, "cancelled", status=400)
    code = request.GET.get("code", "")
    if not isinstance(entry, dict) or entry.get("provider") != chosen.name or not code:
        log.warning("Single sign-on with %s: unknown or used state", chosen.name)
        signin.record_failure(request, key)
        return refused_page(request, chosen, "state", status=400)
    try:
        backend = ProviderBackend(chosen)
        claims, id_token = backend.id_token_claims(
            code=code[:2048], nonce=entry["nonce"], code_verifier=entry["code_verifier"]
        )
    except ProviderUnavailable:
        return refused_page(request, chosen, "unavailable", status=503)
    except TokenRefused as exc:
        log.warning("Single sign-on with %s refused: %s", chosen.name, exc)
        signin.record_failure(request, key)
        return refused_page(request, chosen, "token", status=400)
    match = linking.find_user(chosen, claims, invited=signin.pop_invited(request, chosen.name))
    if match.user is None:
        log.info("Single sign-on with %s: no user (%s)", chosen.name, match.how)
        signin.record_failure(request, key)
        return refused_page(request, chosen, "unknown", status=403)
    user = match.user
    if not user.is_active:
        signin.record_failure(request, user.get_username())
        return refused_page(request, chosen, "disabled", status=403)
    signin.clear_failures(request, key)
    log.info("Single sign-on with %s: user %s (%s)", chosen.name, user.pk, match.how)
    next_url = request.session.pop(NEXT, "") or signin.next_from(request)
    extra = {signin.SSO_PROVIDER: chosen.name, signin.SSO_ID_TOKEN: id_token}
    return signin.complete(
        request, user, method=f"sso:{chosen.name}", next_url=next_url, session_extra=extra
    )


class LogoutView(auth_views.LogoutView):
    """Django's logout (POST), then, after a single sign-on, the provider's own logout
    (RP-initiated logout: ``end_session_endpoint`` with ``id_token_hint`` and
    ``post_logout_redirect_uri``), which sends the person back to the login page."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        name = request.session.get(signin.SSO_PROVIDER)
        id_token = request.session.get(signin.SSO_ID_TOKEN)
        response = super().post(request, *args, **kwargs)
        provider = settings.OIDC_PROVIDERS.get(name) if isinstance(name, str) else None
        if provider is None or not isinstance(id_token, str):
            return response
        try:
            end_session = metadata(provider).get("end_session_endpoint")
        except ProviderUnavailable:
            return response
        if not isinstance(end_session, str) or not end_session:
            return response
        params = {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": settings.SITE_URL + reverse("login"),
            "client_id": provider.client_id,
        }
        return HttpResponseRedirect(f"{end_session}?{urlencode(params)}")
