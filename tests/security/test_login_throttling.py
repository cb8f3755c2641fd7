"""Login throttling (django-axes), sessions that end, and strong passwords.

A username tried with wrong passwords from one address is locked out for a while after
AXES_FAILURE_LIMIT failures, with a Norwegian message; other users and other addresses are not
affected; a good login clears the count.
"""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db

LOGIN = "/logg-inn/"
LOCKED = "Innloggingen er midlertidig sperret"
WRONG = "Brukernavnet eller passordet er feil"


def attempt(client: Client, username: str, password: str, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def fail_times(client: Client, username: str, times: int, **extra):
    return [attempt(client, username, "feil-passord", **extra) for _ in range(times)]


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_failures_below_the_limit_only_say_the_password_is_wrong(reader):
    client = Client()
    responses = fail_times(client, reader.username, settings.AXES_FAILURE_LIMIT - 1)

    for response in responses:
        assert response.status_code == 200
        assert WRONG in response.text
        assert LOCKED not in response.text


def test_a_username_longer_than_any_account_is_refused_before_anything_is_checked(reader):
    """Posted by hand past the field's maxlength: a field error, no authentication, and nothing
    for django-axes to record (its record holds 255 characters; PostgreSQL refused the insert
    with a server error before)."""
    response = attempt(Client(), "x" * 300, "feil-passord")

    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.text
    assert not AccessAttempt.objects.exists()


def test_the_limit_locks_the_username_even_with_the_right_password(reader, password):
    client = Client()
    responses = fail_times(client, reader.username, settings.AXES_FAILURE_LIMIT)

    last = responses[-1]
    assert last.status_code == 429
    assert LOCKED in last.text
    assert "15 minutter" in last.text
    assert 'role="alert"' in last.text
    # The form is still there, with the username filled in, so the page can be used again later.
    assert f'value="{reader.username}"' in last.text

    right = attempt(client, reader.username, password)
    assert right.status_code == 429
    assert LOCKED in right.text
    assert not logged_in(client)


def test_the_lockout_is_for_that_username_from_that_address_only(reader, coordinator, password):
    fail_times(Client(), reader.username, settings.AXES_FAILURE_LIMIT)

    same_address_other_user = Client()
    response = attempt(same_address_other_user, coordinator.username, password)
    assert response.status_code == 302
    assert logged_in(same_address_other_user)

    other_address = Client(REMOTE_ADDR="10.20.30.40")
    response = attempt(other_address, reader.username, password)
    assert response.status_code == 302
    assert logged_in(other_address)


def test_the_lockout_ends_after_the_cool_off(reader, password):
    client = Client()
    fail_times(client, reader.username, settings.AXES_FAILURE_LIMIT)
    assert attempt(client, reader.username, password).status_code == 429

    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )

    response = attempt(client, reader.username, password)
    assert response.status_code == 302
    assert logged_in(client)


def test_a_good_login_clears_the_count(reader, password):
    client = Client()
    fail_times(client, reader.username, settings.AXES_FAILURE_LIMIT - 1)
    assert attempt(client, reader.username, password).status_code == 302
    client.post("/logg-ut/")

    responses = fail_times(client, reader.username, settings.AXES_FAILURE_LIMIT - 1)
    assert [r.status_code for r in responses] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert attempt(client, reader.username, password).status_code == 302


def test_the_admin_login_is_throttled_too(admin_user, password):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(
            "/admin/login/", {"username": admin_user.username, "password": "feil-passord"}
        )
    assert response.status_code == 429
    assert LOCKED in response.text

    client.post("/admin/login/", {"username": admin_user.username, "password": password})
    assert not logged_in(client)


def test_the_lockout_page_is_inert_and_keeps_only_a_local_next(reader):
    client = Client()
    payload = '"><script>alert(1)</script>'
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(
            LOGIN,
            {"username": payload, "password": "x", "next": "https://ond.example.com/"},
        )
    assert response.status_code == 429
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;" in response.text
    assert "ond.example.com" not in response.text

    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(
            LOGIN,
            {"username": reader.username, "password": "x", "next": "/avtaler/"},
        )
    assert response.status_code == 429
    assert 'name="next" value="/avtaler/"' in response.text


def test_behind_a_proxy_the_forwarded_address_counts_and_cannot_be_forged(
    reader, password, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    # An attacker behind the proxy writes their own X-Forwarded-For; the proxy appends the real
    # address, and only that last entry is believed.
    for forged in range(settings.AXES_FAILURE_LIMIT):
        response = attempt(
            Client(),
            reader.username,
            "feil-passord",
            headers={"X-Forwarded-For": f"192.0.2.{forged}, 203.0.113.7"},
            **proxy,
        )
    assert response.status_code == 429

    # Someone else behind the same proxy is not locked out.
    other = Client()
    response = attempt(
        other, reader.username, password, headers={"X-Forwarded-For": "203.0.113.8"}, **proxy
    )
    assert response.status_code == 302


def test_a_session_lasts_a_working_day_and_ends_with_the_browser(reader, password):
    client = Client()
    response = attempt(client, reader.username, password)
    assert response.status_code == 302

    assert settings.SESSION_COOKIE_AGE == 10 * 60 * 60
    assert client.session.get_expiry_age() == 10 * 60 * 60
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    # No expiry date on the cookie: it goes when the browser closes.
    assert not cookie["expires"]
    assert not cookie["max-age"]
    assert cookie["httponly"]


def test_an_expired_session_asks_for_login_again(reader, password):
    client = Client()
    attempt(client, reader.username, password)
    assert client.get("/avtaler/").status_code == 200

    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))

    response = client.get("/avtaler/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_logging_out_ends_the_session_on_the_server(reader, password):
    client = Client()
    attempt(client, reader.username, password)
    old_cookie = client.cookies[settings.SESSION_COOKIE_NAME].value

    client.post("/logg-ut/")

    assert not Session.objects.filter(session_key=old_cookie).exists()
    # Someone who kept a copy of the old cookie gets nowhere with it.
    stolen = Client()
    stolen.cookies[settings.SESSION_COOKIE_NAME] = old_cookie
    response = stolen.get("/avtaler/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


@pytest.mark.parametrize(
    "weak",
    ["kort-pass", "123456789012345", "qwerty123456", "Per Politiker1"],
)
def test_weak_passwords_are_refused(reader, weak):
    reader.username = "per.politiker"
    reader.first_name, reader.last_name = "Per", "Politiker"
    with pytest.raises(ValidationError) as refused:
        validate_password(weak, user=reader)
    # In bokmål, every rule (Django's own catalogue lags behind for some).
    for message in refused.value.messages:
        assert "assord" in message and "password" not in message, message


def test_a_long_uncommon_password_is_accepted(reader):
    validate_password("fjord-nordlys-rein-2025", user=reader)
