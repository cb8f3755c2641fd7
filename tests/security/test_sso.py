"""Single sign-on against a real OpenID Connect provider (panva's oidc-provider under node, two
of them: "Entra ID (test)" and "Ansattporten (test)", tests/helpers/oidc.py), at the HTTP level:
the code flow with PKCE, state and nonce; linking by verified e-mail, then by subject; the
refusals (a wrong state, a wrong nonce, an expired or wrongly signed ID token, an unknown
person, a disabled account), each a Norwegian page that logs nobody in and counts as a failed
login; and the logout at the provider."""

import time

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from agreements.invitations import invitation_create, invitation_token
from agreements.models import Coordinator, Party
from tests.factories import make_user
from tests.helpers.oidc import (
    SITE,
    Account,
    ProviderBrowser,
    TamperingProxy,
    free_port,
    path_and_query,
    query,
    start_provider,
)
from tromsvekst.accounts import signin
from tromsvekst.accounts.models import ExternalIdentity

ACCOUNTS = [
    Account("tone", "tone.koordinator@test.invalid"),
    Account("ukjent", "ukjent@test.invalid"),
    Account("uverifisert", "tone.koordinator@test.invalid", False),
    Account("stengt", "stengt.bruker@test.invalid"),
    Account("ada", "ada.admin@test.invalid"),
]


@pytest.fixture(scope="module")
def entra():
    provider = start_provider("entra", "Entra ID (test)", ACCOUNTS)
    yield provider
    provider.stop()


@pytest.fixture(scope="module")
def ansattporten():
    # Ansattporten sends no e-mail address (sub and pid): "ap-tone" has one here for the tests
    # of a second provider, "ap-pid" has none, as there.
    accounts = [
        Account("ap-tone", "tone.koordinator@test.invalid"),
        Account("ap-pid", None, None, {"pid": "17029012345"}),
    ]
    provider = start_provider("ansattporten", "Ansattporten (test)", accounts)
    yield provider
    provider.stop()


@pytest.fixture(autouse=True)
def _providers(settings, entra, ansattporten, db):
    settings.SITE_URL = SITE
    settings.OIDC_PROVIDERS = {"entra": entra.config(), "ansattporten": ansattporten.config()}
    cache.clear()


def start(client: Client, name: str, next_url: str = "") -> str:
    url = reverse("oidc-start", args=[name]) + (f"?next={next_url}" if next_url else "")
    response = client.get(url)
    assert response.status_code == 302, response.status_code
    return response["Location"]


def sso(client: Client, name: str, login: str, next_url: str = ""):
    """Sign in through the provider as ``login``; the portal's answer to the callback."""
    callback = ProviderBrowser().follow_to_portal(start(client, name, next_url), login)
    return client.get(path_and_query(callback))


def signed_in(client: Client) -> User | None:
    pk = client.session.get("_auth_user_id")
    return User.objects.get(pk=pk) if pk else None


def test_the_login_page_has_a_button_for_each_provider(client):
    page = client.get(reverse("login")).content.decode()
    assert "Logg inn med Entra ID (test)" in page
    assert "Logg inn med Ansattporten (test)" in page
    assert 'href="/oidc/ansattporten/logg-inn/"' in page


def test_the_authorization_request_carries_state_nonce_and_a_pkce_challenge(client, entra):
    location = start(client, "entra")
    assert location.startswith(entra.issuer + "/auth?")
    params = query(location)
    assert params["response_type"] == "code"
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43
    assert params["redirect_uri"] == f"{SITE}/oidc/entra/callback/"
    assert params["scope"] == "openid email profile"
    stored = client.session["oidc_states"][params["state"]]
    assert stored["nonce"] == params["nonce"] and stored["provider"] == "entra"
    assert len(stored["code_verifier"]) == 64


def test_first_sign_in_links_by_verified_email_then_by_subject(client, coordinator):
    response = sso(client, "entra", "tone", next_url="/avtaler/")
    assert response.status_code == 302 and response["Location"] == "/avtaler/"
    assert signed_in(client) == coordinator
    identity = ExternalIdentity.objects.get()
    assert (identity.user, identity.provider, identity.subject) == (
        coordinator,
        "entra",
        "tone",
    )
    assert client.session[signin.SSO_PROVIDER] == "entra"
    # The address changes in the portal: the subject still finds her.
    User.objects.filter(pk=coordinator.pk).update(email="tone@ny-adresse.invalid")
    second = Client()
    assert sso(second, "entra", "tone").status_code == 302
    assert signed_in(second) == coordinator
    assert ExternalIdentity.objects.count() == 1


def test_a_second_provider_links_the_same_person_separately(client, coordinator):
    sso(client, "entra", "tone")
    other = Client()
    assert sso(other, "ansattporten", "ap-tone").status_code == 302
    assert signed_in(other) == coordinator
    assert sorted(ExternalIdentity.objects.values_list("provider", "subject")) == [
        ("ansattporten", "ap-tone"),
        ("entra", "tone"),
    ]


def test_an_unknown_person_is_told_to_ask_their_coordinator(client, coordinator):
    users = User.objects.count()
    response = sso(client, "entra", "ukjent")
    assert response.status_code == 403
    page = response.content.decode()
    assert "Be koordinatoren din om å legge deg til" in page
    assert signed_in(client) is None
    assert User.objects.count() == users
    assert not ExternalIdentity.objects.exists()
    assert AccessAttempt.objects.get(username="sso:entra").failures_since_start == 1


def test_an_unverified_address_links_nobody(client, coordinator):
    response = sso(client, "entra", "uverifisert")
    assert response.status_code == 403
    assert signed_in(client) is None
    assert not ExternalIdentity.objects.exists()


def test_an_address_in_a_trusted_domain_counts_as_verified_without_the_claim(
    settings, entra, ansattporten
):
    """Entra ID sends no email_verified: OIDC_<NAME>_EMAIL_DOMAINS names the tenant's domains."""
    provider = start_provider(
        "entra", "Entra ID (test)", [Account("oid-tone", "tone.koordinator@test.invalid", None)]
    )
    try:
        settings.OIDC_PROVIDERS = {"entra": provider.config()}
        user = make_user("tone.koordinator", "Tone", "Koordinator")
        client = Client()
        assert sso(client, "entra", "oid-tone").status_code == 403
        settings.OIDC_PROVIDERS = {"entra": provider.config(email_domains=("test.invalid",))}
        cache.clear()
        client = Client()
        assert sso(client, "entra", "oid-tone").status_code == 302
        assert signed_in(client) == user
    finally:
        provider.stop()


def test_a_disabled_account_is_refused(client, db):
    user = make_user("stengt.bruker", "Stengt", "Bruker", is_active=False)
    response = sso(client, "entra", "stengt")
    assert response.status_code == 403
    assert "Brukeren din er deaktivert" in response.content.decode()
    assert signed_in(client) is None
    assert not ExternalIdentity.objects.filter(user=user).exists()
    # Disabled after linking: refused all the same.
    user.is_active = True
    user.save()
    assert sso(Client(), "entra", "stengt").status_code == 302
    user.is_active = False
    user.save()
    again = Client()
    assert sso(again, "entra", "stengt").status_code == 403
    assert signed_in(again) is None


def test_a_state_that_was_never_issued_or_is_used_twice_is_refused(client, coordinator):
    location = start(client, "entra")
    callback = ProviderBrowser().follow_to_portal(location, "tone")
    params = query(callback)
    forged = client.get(
        reverse("oidc-callback", args=["entra"]), {"code": params["code"], "state": "x" * 32}
    )
    assert forged.status_code == 400
    assert "Start innloggingen på nytt" in forged.content.decode()
    assert signed_in(client) is None
    assert client.get(path_and_query(callback)).status_code == 302
    assert signed_in(client) == coordinator
    replay = Client()
    assert replay.get(path_and_query(callback)).status_code == 400
    assert signed_in(replay) is None


def test_a_state_of_another_provider_is_refused(client, coordinator):
    location = start(client, "entra")
    callback = ProviderBrowser().follow_to_portal(location, "tone")
    wrong = client.get(reverse("oidc-callback", args=["ansattporten"]), query(callback))
    assert wrong.status_code == 400
    assert signed_in(client) is None


def test_an_id_token_with_another_nonce_is_refused(client, coordinator):
    """A code obtained for another nonce (an injected authorization response): the PKCE
    verifier matches, the ID token's nonce does not."""
    location = start(client, "entra")
    nonce = query(location)["nonce"]
    tampered = location.replace(f"nonce={nonce}", "nonce=" + "n" * 32)
    callback = ProviderBrowser().follow_to_portal(tampered, "tone")
    response = client.get(path_and_query(callback))
    assert response.status_code == 400
    assert "kunne ikke bekreftes" in response.content.decode()
    assert signed_in(client) is None
    assert not ExternalIdentity.objects.exists()


def test_the_provider_cancelling_logs_nobody_in(client):
    location = start(client, "entra")
    state = query(location)["state"]
    response = client.get(
        reverse("oidc-callback", args=["entra"]), {"error": "access_denied", "state": state}
    )
    assert response.status_code == 400
    assert "Innloggingen ble avbrutt" in response.content.decode()
    assert state not in client.session["oidc_states"]


@pytest.fixture
def proxied(settings, ansattporten):
    """Entra behind a tampering proxy: the provider's issuer is the proxy's address."""
    proxy = TamperingProxy()
    provider = start_provider(
        "entra",
        "Entra ID (test)",
        ACCOUNTS,
        issuer=proxy.url,
        port=free_port(),
        id_token_ttl=3,
    )
    proxy.upstream_port = provider.port
    settings.OIDC_PROVIDERS = {"entra": provider.config(), "ansattporten": ansattporten.config()}
    yield proxy
    proxy.close()
    provider.stop()


def test_the_proxy_passes_a_good_token(client, coordinator, proxied):
    assert sso(client, "entra", "tone").status_code == 302
    assert signed_in(client) == coordinator


def test_an_expired_id_token_is_refused(client, coordinator, proxied):
    proxied.mode, proxied.delay = "delay", 4.5
    response = sso(client, "entra", "tone")
    assert response.status_code == 400
    assert signed_in(client) is None


@pytest.mark.parametrize("mode", ["foreign-signature", "foreign-key"])
def test_an_id_token_signed_with_another_providers_key_is_refused(
    client, coordinator, proxied, mode
):
    other = Client()
    assert sso(other, "ansattporten", "ap-tone").status_code == 302
    proxied.foreign_token = other.session[signin.SSO_ID_TOKEN]
    proxied.mode = mode
    response = sso(client, "entra", "tone")
    assert response.status_code == 400
    assert "kunne ikke bekreftes" in response.content.decode()
    assert signed_in(client) is None
    assert not ExternalIdentity.objects.filter(provider="entra").exists()


def test_repeated_failures_lock_single_sign_on_out_from_that_address(client, settings, coordinator):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.get(reverse("oidc-callback", args=["entra"]), {"code": "c", "state": "s"})
        assert response.status_code == 400
    response = client.get(reverse("oidc-callback", args=["entra"]), {"code": "c", "state": "s"})
    assert response.status_code == 429
    # Even a good sign-in is refused now, from this address.
    response = sso(client, "entra", "tone")
    assert response.status_code == 429
    assert "midlertidig sperret" in response.content.decode()
    assert signed_in(client) is None


def test_logout_ends_the_session_at_the_provider_too(client, coordinator, entra):
    browser = ProviderBrowser()
    callback = browser.follow_to_portal(start(client, "entra"), "tone")
    client.get(path_and_query(callback))
    id_token = client.session[signin.SSO_ID_TOKEN]
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert signed_in(client) is None
    end = response["Location"]
    assert end.startswith(entra.issuer + "/session/end?")
    assert query(end) == {
        "id_token_hint": id_token,
        "post_logout_redirect_uri": f"{SITE}/logg-inn/",
        "client_id": entra.client_id,
    }
    assert browser.end_session(end) == f"{SITE}/logg-inn/"
    # The provider forgot the person: signing in again asks for the login there.
    with pytest.raises(AssertionError, match="No way on"):
        browser.follow_to_portal(start(client, "entra"), None)


def test_a_password_login_logs_out_only_here(client, coordinator, password):
    client.post(reverse("login"), {"username": "tone.koordinator", "password": password})
    assert signed_in(client) == coordinator
    response = client.post(reverse("logout"))
    assert response["Location"] == reverse("home")


def test_an_unknown_provider_is_404_and_an_unreachable_one_a_norwegian_503(client, settings):
    assert client.get("/oidc/finnesikke/logg-inn/").status_code == 404
    assert client.get("/oidc/finnesikke/callback/").status_code == 404
    down = settings.OIDC_PROVIDERS["entra"].__class__(
        name="nede",
        label="Nede (test)",
        issuer=f"http://127.0.0.1:{free_port()}",
        client_id="x",
        client_secret="y",
    )
    settings.OIDC_PROVIDERS = {**settings.OIDC_PROVIDERS, "nede": down}
    started = time.monotonic()
    response = client.get(reverse("oidc-start", args=["nede"]))
    assert response.status_code == 503
    assert "Vi får ikke kontakt med Nede (test)" in response.content.decode()
    assert time.monotonic() - started < 10


def test_an_administrator_signing_in_by_sso_must_give_a_second_factor(client, admin_user, settings):
    settings.MFA_FOR_ADMINISTRATORS = True
    response = sso(client, "entra", "ada")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa-enrol")
    assert signed_in(client) is None


def test_an_invited_person_accepts_and_signs_in_with_their_work_account(
    client, agreement, admin_user
):
    """Issue #17: on the invitation page the person may choose single sign-on instead of a
    password; the new account is linked at that first sign-in by the verified address."""
    invitation = invitation_create(
        agreement=agreement,
        party=Party.objects.get(slug="halogalandsradet"),
        role=Coordinator.Role.READER,
        name="Ukjent Person",
        email="ukjent@test.invalid",
        by=admin_user,
    )
    url = reverse("agreements:invitation", args=[invitation_token(invitation)])
    page = client.get(url).content.decode()
    assert "Godta og logg inn med Entra ID (test)" in page
    assert "Godta og velg passord" in page
    response = client.post(url, {"svar": "godta", "innlogging": "entra"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("oidc-start", args=["entra"]) + "?next=")
    user = User.objects.get(email="ukjent@test.invalid")
    assert not user.has_usable_password()
    authorize = client.get(response["Location"])["Location"]
    callback = ProviderBrowser().follow_to_portal(authorize, "ukjent")
    landed = client.get(path_and_query(callback))
    assert landed.status_code == 302 and landed["Location"] == agreement.get_absolute_url()
    assert signed_in(client) == user
    assert ExternalIdentity.objects.get(user=user).subject == "ukjent"


def test_an_invited_person_without_an_address_at_the_provider_is_linked_by_the_invitation(
    client, agreement, admin_user
):
    """Ansattporten sends no e-mail address: the invitation's link is what proves who accepted,
    so the account made for it is linked at the sign-in that follows."""
    invitation = invitation_create(
        agreement=agreement,
        party=Party.objects.get(slug="halogalandsradet"),
        role=Coordinator.Role.READER,
        name="Per Pid",
        email="per.pid@test.invalid",
        by=admin_user,
    )
    url = reverse("agreements:invitation", args=[invitation_token(invitation)])
    response = client.post(url, {"svar": "godta", "innlogging": "ansattporten"})
    authorize = client.get(response["Location"])["Location"]
    callback = ProviderBrowser().follow_to_portal(authorize, "ap-pid")
    assert client.get(path_and_query(callback)).status_code == 302
    user = User.objects.get(email="per.pid@test.invalid")
    assert signed_in(client) == user
    assert ExternalIdentity.objects.get(user=user).subject == "ap-pid"
    # Without the invitation, nobody: the same person in another browser is now found by subject.
    other = Client()
    assert sso(other, "ansattporten", "ap-pid").status_code == 302
    assert signed_in(other) == user


def test_without_an_invitation_a_person_without_an_address_is_unknown(client, coordinator):
    assert sso(client, "ansattporten", "ap-pid").status_code == 403
    assert not ExternalIdentity.objects.exists()


def test_entra_ids_domain_verified_claim_counts_as_verified(settings, ansattporten):
    """Entra ID's optional claim xms_edov (the tenant verified the address's domain)."""
    provider = start_provider(
        "entra",
        "Entra ID (test)",
        [Account("oid-tone", "tone.koordinator@test.invalid", None, {"xms_edov": True})],
    )
    try:
        settings.OIDC_PROVIDERS = {"entra": provider.config()}
        user = make_user("tone.koordinator", "Tone", "Koordinator")
        client = Client()
        assert sso(client, "entra", "oid-tone").status_code == 302
        assert signed_in(client) == user
    finally:
        provider.stop()


def test_administrators_see_the_links_and_can_remove_one(client, coordinator, admin_user):
    assert sso(client, "entra", "tone").status_code == 302
    identity = ExternalIdentity.objects.get()
    staff = Client()
    staff.force_login(admin_user)
    listing = staff.get("/admin/accounts/externalidentity/")
    assert listing.status_code == 200 and "tone.koordinator" in listing.content.decode()
    assert staff.get("/admin/accounts/externalidentity/add/").status_code == 403
    delete = f"/admin/accounts/externalidentity/{identity.pk}/delete/"
    assert staff.post(delete, {"post": "yes"}).status_code == 302
    assert not ExternalIdentity.objects.exists()
    assert staff.get("/admin/otp_totp/totpdevice/").status_code == 200


def test_a_good_single_sign_on_clears_the_count_of_failures(client, settings, coordinator):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.get(reverse("oidc-callback", args=["entra"]), {"code": "c", "state": "s"})
    assert AccessAttempt.objects.get(username="sso:entra").failures_since_start == 4
    assert sso(client, "entra", "tone").status_code == 302
    assert not AccessAttempt.objects.filter(username="sso:entra").exists()


def test_the_providers_keys_are_kept_and_fetched_again_when_it_rotates_them(
    client, coordinator, monkeypatch
):
    """The JWKS is fetched at the first sign-in and kept for the next; when the kept set has no
    key with the token's ``kid`` (the provider has rotated its keys), it is fetched again."""
    from tromsvekst.accounts import oidc

    jwks_uri = oidc.metadata(oidc.provider_or_404("entra"))["jwks_uri"]
    fetched = []
    real_get = oidc.requests.get

    def counting_get(url, *args, **kwargs):
        if url == jwks_uri:
            fetched.append(url)
        return real_get(url, *args, **kwargs)

    monkeypatch.setattr(oidc.requests, "get", counting_get)

    assert sso(client, "entra", "tone").status_code == 302
    second = Client()
    assert sso(second, "entra", "tone").status_code == 302
    assert signed_in(second) == coordinator
    assert fetched == [jwks_uri]

    key = f"oidc-jwks:entra:{jwks_uri}"
    current = cache.get(key)
    retired = {"keys": [dict(jwk, kid=f"pensjonert-{jwk['kid']}") for jwk in current["keys"]]}
    cache.set(key, retired)
    third = Client()
    assert sso(third, "entra", "tone").status_code == 302
    assert signed_in(third) == coordinator
    assert fetched == [jwks_uri, jwks_uri]
    assert cache.get(key) == current
