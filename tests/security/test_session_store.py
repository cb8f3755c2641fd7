"""The portal's session store (tromsvekst/accounts/sessions.py): Django's database sessions, the
session read by SQL built once per process. What a session holds, when it has expired and what
a key nobody issued gets are Django's rules, and stay so."""

import datetime

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tromsvekst.accounts.sessions import SessionStore


def test_the_portal_uses_it():
    assert settings.SESSION_ENGINE == "tromsvekst.accounts.sessions"


def test_a_session_is_read_back_as_it_was_saved_and_not_after_it_expires(db):
    saved = SessionStore()
    saved["_auth_user_id"] = "7"
    saved["note"] = "æøå"
    saved.create()

    with CaptureQueriesContext(connection) as queries:
        read = SessionStore(saved.session_key)
        assert (read["_auth_user_id"], read["note"]) == ("7", "æøå")
    assert len(queries) == 1
    assert read.session_key == saved.session_key

    Session.objects.filter(session_key=saved.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    expired = SessionStore(saved.session_key)
    assert expired.get("_auth_user_id") is None
    assert expired.session_key is None  # as Django's store: a new key when it is saved


def test_a_key_nobody_issued_gets_an_empty_session(db):
    unknown = SessionStore("x" * 32)
    assert dict(unknown.items()) == {}
    assert unknown.session_key is None
    assert SessionStore(None).get("note") is None


def test_a_signed_in_person_stays_signed_in_and_a_stale_cookie_does_not(client, reader):
    client.force_login(reader)
    assert client.get(reverse("agreements:agreement-list")).status_code == 200
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(minutes=1))
    response = client.get(reverse("agreements:agreement-list"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]
