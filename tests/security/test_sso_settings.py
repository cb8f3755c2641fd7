"""The single sign-on settings are read from the environment and refused at start-up when
malformed (tromsvekst/accounts/providers.py, issue #17)."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from tromsvekst.accounts.providers import OIDCProvider, providers_from_env

ENTRA = {
    "OIDC_PROVIDERS": "entra,ansattporten",
    "OIDC_ENTRA_ISSUER": "https://login.microsoftonline.com/0000-tenant/v2.0",
    "OIDC_ENTRA_CLIENT_ID": "client-1",
    "OIDC_ENTRA_CLIENT_SECRET": "secret-1",
    "OIDC_ENTRA_LABEL": "Troms fylkeskommune",
    "OIDC_ENTRA_SUBJECT_CLAIM": "oid",
    "OIDC_ENTRA_EMAIL_DOMAINS": "tromsfylke.no, Example.NO",
    "OIDC_ANSATTPORTEN_ISSUER": "https://ansattporten.no",
    "OIDC_ANSATTPORTEN_CLIENT_ID": "client-2",
    "OIDC_ANSATTPORTEN_CLIENT_SECRET": "secret-2",
    "OIDC_ANSATTPORTEN_SCOPES": "openid profile",
}


@pytest.fixture
def env(monkeypatch):
    for key in list(os.environ):
        if key.startswith("OIDC_"):
            monkeypatch.delenv(key)

    def set_env(values: dict[str, str]) -> None:
        for key, value in values.items():
            monkeypatch.setenv(key, value)

    return set_env


def test_no_providers_by_default(env):
    assert providers_from_env() == {}


def test_any_number_of_providers_in_order(env):
    env(ENTRA)
    providers = providers_from_env()
    assert list(providers) == ["entra", "ansattporten"]
    assert providers["entra"] == OIDCProvider(
        name="entra",
        label="Troms fylkeskommune",
        issuer="https://login.microsoftonline.com/0000-tenant/v2.0",
        client_id="client-1",
        client_secret="secret-1",
        scopes="openid email profile",
        subject_claim="oid",
        email_domains=("tromsfylke.no", "example.no"),
    )
    assert providers["ansattporten"].label == "Ansattporten"
    assert providers["ansattporten"].scopes == "openid profile"
    assert providers["ansattporten"].discovery_url == (
        "https://ansattporten.no/.well-known/openid-configuration"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"OIDC_PROVIDERS": "Entra"}, "is not a provider name"),
        ({"OIDC_PROVIDERS": "entra,entra"}, "twice"),
        ({"OIDC_PROVIDERS": "entra,,ansattporten"}, "empty item"),
        ({"OIDC_ENTRA_ISSUER": "http://login.example.com"}, "must be an https:// URL"),
        ({"OIDC_ENTRA_ISSUER": "https://x.example.com/?a=1"}, "must be an https:// URL"),
        ({"OIDC_ENTRA_CLIENT_SECRET": ""}, "must not be empty"),
        ({"OIDC_ENTRA_SCOPES": "email profile"}, "must include openid"),
        ({"OIDC_ENTRA_SUBJECT_CLAIM": "o id"}, "not a claim name"),
        ({"OIDC_ENTRA_EMAIL_DOMAINS": "not a domain"}, "is not a domain"),
    ],
)
def test_malformed_settings_stop_start_up(env, change, message):
    env(ENTRA | change)
    with pytest.raises(ImproperlyConfigured, match=message):
        providers_from_env()


def test_a_missing_client_id_stops_start_up(env, monkeypatch):
    env(ENTRA)
    monkeypatch.delenv("OIDC_ANSATTPORTEN_CLIENT_ID")
    with pytest.raises(ImproperlyConfigured, match="OIDC_ANSATTPORTEN_CLIENT_ID is required"):
        providers_from_env()


def test_plain_http_only_on_loopback(env):
    env(ENTRA | {"OIDC_ENTRA_ISSUER": "http://127.0.0.1:9000"})
    assert providers_from_env()["entra"].issuer == "http://127.0.0.1:9000"


def _settings_of(env: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    """The settings as a fresh process reads them, with ``env`` on top of a local run's."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("OIDC_", "PYTEST_", "DJANGO_", "LOCAL_", "BREAK_", "MFA_"))
    }
    clean |= {
        "DJANGO_SETTINGS_MODULE": "tromsvekst.settings",
        "DEBUG": "True",
        "DATABASE_URL": f"sqlite:///{tmp_path}/check.sqlite3",
    } | env
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PRINT_SETTINGS],
        cwd=settings.BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


PRINT_SETTINGS = (
    "from django.conf import settings; "
    "print(list(settings.OIDC_PROVIDERS), "
    "settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action'])"
)


def test_the_settings_take_the_providers_and_allow_their_logout_in_form_action(tmp_path):
    result = _settings_of(ENTRA, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        "['entra', 'ansattporten'] "
        "[\"'self'\", 'https://ansattporten.no', 'https://login.microsoftonline.com']"
    )


def test_start_up_stops_on_a_malformed_provider_or_nobody_able_to_sign_in(tmp_path):
    result = _settings_of(ENTRA | {"OIDC_ENTRA_ISSUER": "http://evil.example"}, tmp_path)
    assert result.returncode != 0
    assert "OIDC_ENTRA_ISSUER must be an https:// URL" in result.stderr
    result = _settings_of({"LOCAL_PASSWORDS": "False"}, tmp_path)
    assert result.returncode != 0
    assert "nobody could sign in" in result.stderr
    production = {"DEBUG": "False", "SECRET_KEY": "k" * 30 + "-not-insecure-" + "q" * 30}
    assert _settings_of(production, tmp_path).returncode == 0
    result = _settings_of(production | {"MFA_FOR_ADMINISTRATORS": "False"}, tmp_path)
    assert result.returncode != 0
    assert "MFA_FOR_ADMINISTRATORS=False is for local runs (DEBUG) only" in result.stderr
