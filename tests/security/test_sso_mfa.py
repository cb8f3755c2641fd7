"""The second factor (TOTP and recovery codes) after the password, and local passwords switched
off with break-glass administrators: issue #17. Codes are computed as an authenticator app
would, with pyotp, from the key the enrolment page shows as text."""

import re
import time

import pyotp
import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import Client, RequestFactory
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD
from tests.helpers.html_checker import check_html, require_checker
from tromsvekst.accounts.models import OutgoingMail
from tromsvekst.accounts.providers import OIDCProvider
from tromsvekst.accounts.views_oidc import refused_page

LOGIN = reverse("login")


@pytest.fixture(autouse=True)
def _administrators_need_a_second_factor(settings):
    settings.MFA_FOR_ADMINISTRATORS = True


def signed_in(client: Client) -> User | None:
    pk = client.session.get("_auth_user_id")
    return User.objects.get(pk=pk) if pk else None


def password_step(client: Client, username: str, next_url: str = ""):
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(LOGIN, data)


def secret_on(page: str) -> str:
    return re.search(r'class="totp-secret"[^>]*>([A-Z2-7 ]+)<', page).group(1).replace(" ", "")


def enrol(client: Client, username: str, next_url: str = "") -> tuple[str, list[str]]:
    """Password, enrolment with a first code; returns the key and the recovery codes shown."""
    response = password_step(client, username, next_url)
    assert response.status_code == 302 and response["Location"] == reverse("mfa-enrol")
    page = client.get(reverse("mfa-enrol"))
    assert page.status_code == 200
    secret = secret_on(page.content.decode())
    assert 'src="data:image/svg+xml' in page.content.decode()
    response = client.post(reverse("mfa-enrol"), {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302 and response["Location"] == reverse("mfa-recovery-codes")
    shown = client.get(reverse("mfa-recovery-codes")).content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", shown)
    return secret, codes


def next_code(secret: str) -> str:
    """The code of the next 30-second step (a used code is refused; one step ahead is allowed)."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def test_an_administrator_sets_up_totp_at_the_first_password_sign_in(client, admin_user):
    response = password_step(client, "ada.admin")
    # Not logged in yet: only a pending sign-in.
    assert signed_in(client) is None
    assert response["Location"] == reverse("mfa-enrol")
    assert client.get("/admin/").status_code == 302
    secret, codes = enrol(client, "ada.admin")
    assert signed_in(client) == admin_user
    assert TOTPDevice.objects.get(user=admin_user, confirmed=True)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert StaticToken.objects.filter(device__user=admin_user).count() == 10
    # Shown once.
    again = Client()
    assert again.get(reverse("mfa-recovery-codes")).status_code == 302
    client.session.save()
    assert client.get(reverse("mfa-recovery-codes"))["Location"] == reverse("home")


def test_a_wrong_first_code_sets_nothing_up(client, admin_user):
    password_step(client, "ada.admin")
    client.get(reverse("mfa-enrol"))
    response = client.post(reverse("mfa-enrol"), {"code": "000000"})
    assert response.status_code == 400
    assert "Koden stemmer ikke" in response.content.decode()
    assert signed_in(client) is None
    assert not TOTPDevice.objects.filter(confirmed=True).exists()
    assert not StaticToken.objects.exists()


def test_later_sign_ins_ask_for_the_code_after_the_password(admin_user):
    secret, _codes = enrol(Client(), "ada.admin")
    client = Client()
    response = password_step(client, "ada.admin", next_url="/revisjonslogg/")
    assert response["Location"] == reverse("mfa-verify")
    assert signed_in(client) is None
    page = client.get(reverse("mfa-verify"))
    assert page.status_code == 200 and "Engangskode" in page.content.decode()
    response = client.post(reverse("mfa-verify"), {"code": next_code(secret)})
    assert response.status_code == 302 and response["Location"] == "/revisjonslogg/"
    assert signed_in(client) == admin_user


def test_a_wrong_code_is_a_failed_login_and_five_lock_the_account_out(settings, admin_user):
    enrol(Client(), "ada.admin")
    client = Client()
    password_step(client, "ada.admin")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(reverse("mfa-verify"), {"code": "123456"})
        assert response.status_code == 400
        assert "Koden er feil" in response.content.decode()
    assert AccessAttempt.objects.get(username="ada.admin").failures_since_start == (
        settings.AXES_FAILURE_LIMIT - 1
    )
    response = client.post(reverse("mfa-verify"), {"code": "123456"})
    assert response.status_code == 429
    assert "midlertidig sperret" in response.content.decode()
    assert signed_in(client) is None
    # The password alone does not get past the lockout either.
    assert password_step(Client(), "ada.admin").status_code == 429


def test_a_recovery_code_works_once(admin_user):
    _secret, codes = enrol(Client(), "ada.admin")
    client = Client()
    password_step(client, "ada.admin")
    assert client.post(reverse("mfa-verify"), {"code": codes[0].upper()}).status_code == 302
    assert signed_in(client) == admin_user
    reuse = Client()
    password_step(reuse, "ada.admin")
    assert reuse.post(reverse("mfa-verify"), {"code": codes[0]}).status_code == 400
    assert signed_in(reuse) is None
    assert StaticToken.objects.filter(device__user=admin_user).count() == 9


def test_the_code_page_without_a_pending_sign_in_says_so(client, admin_user):
    for name in ("mfa-verify", "mfa-enrol"):
        response = client.get(reverse(name))
        assert response.status_code == 400
        assert "Innloggingen er utløpt" in response.content.decode()
    assert client.post(reverse("mfa-verify"), {"code": "123456"}).status_code == 400
    assert signed_in(client) is None


def test_a_pending_sign_in_runs_out(client, admin_user, monkeypatch):
    password_step(client, "ada.admin")
    session = client.session
    session["signin_pending"]["at"] -= 10 * 60
    session.save()
    assert client.get(reverse("mfa-enrol")).status_code == 400
    assert signed_in(client) is None


def test_the_admins_own_login_form_asks_for_the_code_too(client, admin_user):
    response = client.post("/admin/login/", {"username": "ada.admin", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("mfa-enrol")
    assert signed_in(client) is None


def test_password_users_need_no_code_unless_the_setting_asks(settings, coordinator):
    client = Client()
    assert password_step(client, "tone.koordinator")["Location"] == reverse("home")
    assert signed_in(client) == coordinator
    settings.MFA_FOR_PASSWORD_USERS = True
    client = Client()
    assert password_step(client, "tone.koordinator")["Location"] == reverse("mfa-enrol")
    assert signed_in(client) is None
    enrol(Client(), "tone.koordinator")
    assert TOTPDevice.objects.filter(user=coordinator, confirmed=True).exists()


def test_without_local_passwords_only_break_glass_administrators_use_one(
    settings, coordinator, admin_user
):
    settings.LOCAL_PASSWORDS = False
    settings.BREAK_GLASS_USERS = ["ada.admin"]
    client = Client()
    response = password_step(client, "tone.koordinator")
    assert response.status_code == 200
    assert "Innlogging med passord er slått av" in response.content.decode()
    assert signed_in(client) is None
    assert not AccessAttempt.objects.exists()
    page = client.get(LOGIN).content.decode()
    assert "Nødtilgang for administrator" in page
    assert "Glemt passordet" not in page
    # The break-glass administrator: password and a code, always.
    settings.MFA_FOR_ADMINISTRATORS = False
    response = password_step(client, "ada.admin")
    assert response["Location"] == reverse("mfa-enrol")


def test_without_local_passwords_the_password_pages_are_gone(settings, client, coordinator):
    settings.LOCAL_PASSWORDS = False
    for url in (
        reverse("password_reset"),
        reverse("password_reset_done"),
        reverse("password_reset_complete"),
        reverse("password_reset_confirm", args=["MQ", "set-password"]),
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Passord er slått av" in response.content.decode()
    response = client.post(reverse("password_reset"), {"email": coordinator.email})
    assert response.status_code == 404
    assert not OutgoingMail.objects.exists()


def test_the_sign_in_pages_are_valid_html_in_every_state(settings, admin_user, coordinator):
    """The W3C Nu checker over the pages of issue #17 in their states (the URL walk sees them
    only without a sign-in waiting): the login page with single sign-on and with passwords
    off, the enrolment (with an error), the code page (with an error), the recovery codes, the
    refusals of a single sign-on, the expired sign-in and the password pages switched off."""
    require_checker()
    documents = {}
    settings.OIDC_PROVIDERS = {
        "entra": OIDCProvider("entra", "Entra ID", "https://127.0.0.1:1", "c", "s"),
    }
    client = Client()
    documents["login-sso"] = client.get(LOGIN + "?next=/avtaler/").content.decode()
    documents["mfa-expired"] = client.get(reverse("mfa-verify")).content.decode()
    password_step(client, "ada.admin")
    documents["mfa-enrol"] = client.get(reverse("mfa-enrol")).content.decode()
    documents["mfa-enrol-error"] = client.post(reverse("mfa-enrol"), {"code": "1"}).content.decode()
    secret = secret_on(documents["mfa-enrol"])
    time.sleep(1.1)
    client.post(reverse("mfa-enrol"), {"code": pyotp.TOTP(secret).now()})
    documents["mfa-recovery-codes"] = client.get(reverse("mfa-recovery-codes")).content.decode()
    second = Client()
    password_step(second, "ada.admin")
    documents["mfa-verify"] = second.get(reverse("mfa-verify")).content.decode()
    documents["mfa-verify-error"] = second.post(
        reverse("mfa-verify"), {"code": ""}
    ).content.decode()
    provider = settings.OIDC_PROVIDERS["entra"]
    for reason in ("unknown", "disabled", "unavailable", "cancelled", "state", "token"):
        request = RequestFactory().get("/")
        request.user = admin_user
        documents[f"sso-{reason}"] = refused_page(
            request, provider, reason, status=400
        ).content.decode()
    settings.LOCAL_PASSWORDS = False
    settings.BREAK_GLASS_USERS = ["ada.admin"]
    documents["login-passwords-off"] = Client().get(LOGIN).content.decode()
    documents["login-passwords-off-error"] = (
        Client().post(LOGIN, {"username": "tone.koordinator", "password": "x"}).content.decode()
    )
    documents["passwords-off"] = Client().get(reverse("password_reset")).content.decode()
    assert check_html(documents) == []


def test_the_right_code_clears_the_count_of_wrong_ones(admin_user):
    secret, _codes = enrol(Client(), "ada.admin")
    client = Client()
    password_step(client, "ada.admin")
    assert client.post(reverse("mfa-verify"), {"code": "123456"}).status_code == 400
    assert AccessAttempt.objects.get(username="ada.admin").failures_since_start == 1
    time.sleep(1.1)  # django-otp holds the device back a second after a wrong code
    assert client.post(reverse("mfa-verify"), {"code": next_code(secret)}).status_code == 302
    assert signed_in(client) == admin_user
    assert not AccessAttempt.objects.filter(username="ada.admin").exists()
