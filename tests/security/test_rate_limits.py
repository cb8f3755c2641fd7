"""Every limit is per sender, never for everyone (issue 12, finding 7).

The finding: about forty addresses could close the feedback form for everyone for 24 hours (a
limit per evaluation per day); a genuine sender then got 429 with ``Retry-After: 85539``.

Each limit in the code is listed in ``LIMITS`` with what it is counted per and the test that
shows that many senders do not lock out a new one; ``test_every_limit_in_the_code_is_listed``
finds them by the words a limit uses (429, Retry-After, …), so a new limit fails until listed.
"""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from evaluation import feedback as services
from evaluation.models import Evaluation, Feedback

LIMIT_WORDS = re.compile(r"\b429\b|Retry-After|RateLimit|PER_HOUR|_LIMIT\b")
# Files that mention a limit -> what it is counted per (and where that is tested).
LIMITS = {
    "evaluation/feedback.py": "feedback: per sender (hashed address), hour and day; this file",
    "evaluation/views_feedback.py": "the 429 page of the feedback limits above",
    "tromsvekst/settings.py": "login: per username and address (django-axes); this file",
    "tromsvekst/views.py": "the 429 lockout page of the login limit above; Retry-After on the "
    "503 page when the database is down",
    "tromsvekst/accounts/forms.py": "password e-mails: per person and requesting address; "
    "tests/security/test_password_outbox.py",
    "tromsvekst/accounts/outbox.py": "password requests queued: per requesting address; "
    "tests/security/test_password_outbox.py",
    # Not limits on senders:
    "evaluation/indicators/__init__.py": "VALUE_LIMIT: the largest number an indicator value may have",
    "evaluation/indicators/common.py": "VALUE_LIMIT: the largest number an indicator value may have",
    "evaluation/indicators/jsoncheck.py": "VALUE_LIMIT: the largest number an indicator value may have",
    "evaluation/indicators/regions.py": "VALUE_LIMIT: the largest number an indicator value may have",
    "evaluation/indicators/ssb.py": "SSB's own limit (its 429) answered in Norwegian; "
    "tests/evaluation/test_indicator_fetch.py",
    "tromsvekst/middleware.py": "Retry-After on the 503 page when the database is down",
    "tromsvekst/urls.py": "a comment about the 503 page",
}


def test_every_limit_in_the_code_is_listed():
    root = Path(settings.BASE_DIR)
    found = set()
    for app in ["tromsvekst", "agreements", "actionplans", "evaluation"]:
        for path in (root / app).rglob("*.py"):
            relative = path.relative_to(root).as_posix()
            if "/migrations/" in relative:
                continue
            if LIMIT_WORDS.search(path.read_text(encoding="utf-8")):
                found.add(relative)
    assert found <= set(LIMITS), f"limits not yet shown to be per sender: {found - set(LIMITS)}"
    assert "evaluation/feedback.py" in found


@pytest.fixture
def evaluation(agreement) -> Evaluation:
    return Evaluation.objects.create(
        agreement=agreement, kind=Evaluation.Kind.MID_TERM, year=2026, feedback_open=True
    )


def _send(evaluation, address: str):
    return Client().post(
        reverse("evaluation:feedback-form", args=[evaluation.feedback_token]),
        {"stakeholder": "Avsender", "stakeholder_kind": "person", "text": "Hei.", "nettside": ""},
        REMOTE_ADDR=address,
    )


def test_many_senders_do_not_close_the_feedback_form_for_a_new_one(evaluation):
    # 60 addresses have each sent as much as they may today: 1,200 pieces of feedback.
    now = timezone.now()
    Feedback.objects.bulk_create(
        Feedback(
            evaluation=evaluation,
            stakeholder=f"Avsender {n}",
            stakeholder_kind="person",
            text="Flom.",
            created_at=now - datetime.timedelta(minutes=90 + i),
            sender_hash=services.sender_hash(f"203.0.113.{n}"),
        )
        for n in range(60)
        for i in range(services.SENDER_DAY_LIMIT)
    )
    assert _send(evaluation, "203.0.113.1").status_code == 429  # each flooder is held back

    response = _send(evaluation, "198.51.100.77")  # a genuine sender

    assert response.status_code == 302
    assert Feedback.objects.filter(sender_hash=services.sender_hash("198.51.100.77")).exists()


def test_one_sender_at_the_hourly_limit_holds_back_only_themself(evaluation):
    for _ in range(services.SENDER_LIMIT):
        assert _send(evaluation, "203.0.113.9").status_code == 302
    held = _send(evaluation, "203.0.113.9")
    assert held.status_code == 429
    assert int(held["Retry-After"]) <= 3600
    assert _send(evaluation, "198.51.100.8").status_code == 302


def test_a_login_lockout_is_for_one_username_from_one_address(reader, password):
    for n in range(2):  # other addresses hammer one username (more: test_login_throttling.py)
        client = Client(REMOTE_ADDR=f"203.0.113.{n}")
        for _ in range(settings.AXES_FAILURE_LIMIT):
            client.post(reverse("login"), {"username": reader.username, "password": "feil"})
        if n == 0:
            locked = client.post(
                reverse("login"), {"username": reader.username, "password": password}
            )
            assert locked.status_code == 429
    own = Client(REMOTE_ADDR="198.51.100.20")
    response = own.post(reverse("login"), {"username": reader.username, "password": password})
    assert response.status_code == 302
    assert "_auth_user_id" in own.session


def test_many_requesting_addresses_do_not_silence_a_users_password_mail(reader):
    reader.email = "per@halogaland.test"
    reader.save()
    for n in range(10):
        for _ in range(4):
            Client(REMOTE_ADDR=f"203.0.113.{n}").post(
                reverse("password_reset"), {"email": reader.email}
            )
    before = len(mail.outbox)
    Client(REMOTE_ADDR="198.51.100.30").post(reverse("password_reset"), {"email": reader.email})
    assert len(mail.outbox) == before + 1


def test_behind_two_proxies_each_sender_is_still_their_own(evaluation, settings):
    # The feedback limit takes the client's address by the same rule as the login throttling:
    # a rule that took a proxy's address would make every sender one and share one limit.
    settings.TRUSTED_PROXY_COUNT = 2
    url = reverse("evaluation:feedback-form", args=[evaluation.feedback_token])
    form = {"stakeholder": "Avsender", "stakeholder_kind": "person", "text": "Hei.", "nettside": ""}

    def send(client_address: str):
        return Client().post(
            url,
            form,
            REMOTE_ADDR="10.0.0.2",  # the inner proxy
            HTTP_X_FORWARDED_FOR=f"{client_address}, 10.0.0.1",  # client, outer proxy
        )

    for _ in range(services.SENDER_LIMIT):
        assert send("203.0.113.50").status_code == 302
    assert send("203.0.113.50").status_code == 429
    assert send("198.51.100.60").status_code == 302
