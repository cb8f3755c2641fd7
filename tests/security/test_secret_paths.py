"""Secrets in addresses are never logged, and the feedback link can be replaced (issue 12,
finding 6).

The finding: the audit log recorded ``POST /tilbakemelding/<key>/`` with the feedback form's
secret key in clear, though the README says secrets never are; and the key could not be changed.

The rule (audit.context): a view declares which of its URL arguments are secret, and every path
that is recorded (the audit log's source) or logged (Django's request loggers) is redacted by it.
``test_every_secret_looking_url_argument_is_declared`` walks the URL conf, so a new address with
a key or token fails here until its view declares it.
"""

import logging
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from agreements.models import CalendarFeed
from evaluation.models import Evaluation, Feedback
from tromsvekst.audit.context import REDACTED, SecretPathFilter, declared_secrets, redacted_path
from tromsvekst.audit.models import AuditEntry

SECRET_LOOKING = re.compile(r"key|token|uid|secret|signature|hash|code", re.IGNORECASE)


def _patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def _arguments(pattern: URLPattern) -> set[str]:
    converters = getattr(pattern.pattern, "converters", None)
    if converters is not None:
        return set(converters)
    return set(pattern.pattern.regex.groupindex)


def test_every_secret_looking_url_argument_is_declared():
    checked, undeclared = [], []
    for route, pattern in _patterns():
        for name in _arguments(pattern):
            if not SECRET_LOOKING.search(name):
                continue
            if route.startswith("admin/") and name == "object_id":
                continue
            checked.append((route, name))
            if name not in declared_secrets(pattern.callback):
                undeclared.append((route, name))
    assert undeclared == [], "URL arguments that look secret but are not declared so"
    names = {pattern.name for _route, pattern in _patterns() if _declared_or_none(pattern)}
    # The walk found them: the feedback form, the calendar feed, invitations, password links.
    assert {"feedback-form", "calendar-feed", "invitation", "password_reset_confirm"} <= names


def _declared_or_none(pattern: URLPattern) -> frozenset[str]:
    return declared_secrets(pattern.callback) & _arguments(pattern)


@pytest.fixture
def evaluation(agreement) -> Evaluation:
    return Evaluation.objects.create(
        agreement=agreement, kind=Evaluation.Kind.MID_TERM, year=2026, feedback_open=True
    )


def _form_url(evaluation) -> str:
    return reverse("evaluation:feedback-form", args=[evaluation.feedback_token])


FEEDBACK = {
    "stakeholder": "Evenes kommune",
    "stakeholder_kind": "municipality",
    "text": "Godt samarbeid.",
    "nettside": "",
}


def test_the_feedback_key_is_not_in_the_audit_log(evaluation):
    response = Client().post(_form_url(evaluation), FEEDBACK)

    assert response.status_code == 302
    entry = AuditEntry.objects.get(
        content_type=ContentType.objects.get_for_model(Feedback),
        object_id=Feedback.objects.get().pk,
        action="opprettet",
    )
    assert entry.source == f"POST /tilbakemelding/{REDACTED}/"
    everything = " ".join(f"{e.source} {e.changes}" for e in AuditEntry.objects.all())
    assert evaluation.feedback_token not in everything


def test_the_request_log_does_not_show_the_key(evaluation, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = Client().post(_form_url(evaluation), FEEDBACK, CONTENT_LENGTH=10**9)
    assert response.status_code == 413
    logged = [record.getMessage() for record in caplog.records]
    assert logged and all(evaluation.feedback_token not in m for m in logged)
    assert any(f"/tilbakemelding/{REDACTED}/" in m for m in logged)


def test_each_declared_secret_is_redacted(agreement):
    feed, _ = CalendarFeed.objects.get_or_create(agreement=agreement)
    for url, secret in [
        (reverse("agreements:calendar-feed", args=[feed.token]), feed.token),
        (reverse("agreements:invitation", args=["abc:def:ghi"]), "abc:def:ghi"),
        (reverse("password_reset_confirm", args=["MTI", "set-password"]), "MTI"),
    ]:
        assert secret not in redacted_path(url)
        assert REDACTED in redacted_path(url)
    # The development server's request line, too.
    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        "",
        0,
        '"%s" %s %s',
        (f"GET {url} HTTP/1.1", "200", "5"),
        None,
    )
    SecretPathFilter().filter(record)
    assert "MTI" not in record.getMessage()
    assert redacted_path("/avtaler/") == "/avtaler/"  # nothing secret, nothing changed


# --- A new link for the feedback form -----------------------------------------------------------


def _rotate_url(evaluation) -> str:
    return reverse("evaluation:feedback-rotate", args=[evaluation.pk])


def test_a_coordinator_gives_the_form_a_new_link(client_for, coordinator, evaluation):
    old_url = _form_url(evaluation)
    client = client_for(coordinator)

    listed = client.get(reverse("evaluation:feedback-list", args=[evaluation.pk]))
    confirm = client.get(_rotate_url(evaluation))
    evaluation.refresh_from_db()
    assert Client().get(old_url).status_code == 200  # asking does not change it
    done = client.post(_rotate_url(evaluation), follow=True)

    assert _rotate_url(evaluation) in listed.text
    assert "den gamle slutter å virke med en gang" in confirm.text
    assert "Ja, lag ny lenke" in confirm.text
    assert "Skjemaet har fått en ny lenke. Den gamle lenken virker ikke lenger" in done.text
    evaluation.refresh_from_db()
    new_url = _form_url(evaluation)
    assert new_url != old_url and new_url in done.text
    old = Client().get(old_url)
    assert old.status_code == 404
    assert "Lenken til tilbakemeldingsskjemaet virker ikke" in old.text
    assert Client().post(old_url, FEEDBACK).status_code == 404
    assert not Feedback.objects.exists()
    assert Client().post(new_url, FEEDBACK).status_code == 302
    change = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Evaluation),
        object_id=evaluation.pk,
        action="endret",
    ).latest("pk")
    assert change.changes["feedback_token"] == {"skjult": True}  # changed, never shown


def test_who_may_give_a_new_link(client_for, reader, outsider, evaluation):
    token = evaluation.feedback_token
    url = _rotate_url(evaluation)
    assert client_for(None).post(url).status_code == 302  # to the login page
    assert client_for(outsider).post(url).status_code == 404
    assert client_for(reader).get(url).status_code == 403
    assert client_for(reader).post(url).status_code == 403
    evaluation.refresh_from_db()
    assert evaluation.feedback_token == token


@pytest.mark.parametrize("key", ["ab", "x" * 65, "a:b.c", "ab-cd" * 5])
def test_a_wrong_key_gets_the_clear_page(db, key):
    response = Client().get(f"/tilbakemelding/{key}/")
    assert response.status_code == 404
    assert "Lenken til tilbakemeldingsskjemaet virker ikke" in response.text


@pytest.mark.parametrize("key", ["%00", "ab%20cd", "æøå"])
def test_a_malformed_key_is_not_found(db, key):
    assert Client().get(f"/tilbakemelding/{key}/").status_code == 404
