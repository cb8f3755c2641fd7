"""Setting a password by e-mail: "Glemt passordet?" (a person invited to an agreement sets their
first one after accepting: tests/security/test_invitations.py). Real e-mails through Django's
mail framework (locmem in tests, a real SMTP connection to a closed port for "the mail server is
down"); the outbox itself is tested in tests/security/test_password_outbox.py."""

import socket

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.helpers.passwords import NEW_PASSWORD, can_log_in, link_in, set_password

pytestmark = pytest.mark.django_db


def test_the_login_page_links_to_the_reset_page(client_for):
    response = client_for(None).get(reverse("login"))
    assert f'href="{reverse("password_reset")}"' in response.text


def test_a_forgotten_password_is_reset_by_e_mail(reader, settings):
    settings.SITE_URL = "https://tromsvekst.example.no"
    reader.email = "per@halogaland.test"
    reader.save()

    response = Client().post(
        reverse("password_reset"),
        {"email": "PER@halogaland.test"},
        headers={"host": "localhost"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["per@halogaland.test"]
    assert message.subject == "Nytt passord til Tromsvekst-portalen"
    assert reader.username in message.body
    assert "https://tromsvekst.example.no/nytt-passord/" in message.body
    assert "3 dager" in message.body

    _, done = set_password(link_in(message))
    assert "Passordet er lagret" in done.text
    assert can_log_in(reader.username, NEW_PASSWORD)

    # The link works once.
    again = Client().get(link_in(message), follow=True)
    assert "Lenken virker ikke lenger" in again.text


def test_an_unknown_address_gets_the_same_answer_and_no_mail():
    response = Client().post(reverse("password_reset"), {"email": "ingen@eksempel.no"})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_a_bad_address_gets_a_norwegian_message():
    response = Client().post(reverse("password_reset"), {"email": "ikke en adresse"})
    assert response.status_code == 200
    assert "Skriv en gyldig e-postadresse, som navn@eksempel.no." in response.text
    assert mail.outbox == []


def test_a_weak_password_is_refused_in_norwegian_and_nothing_changes(reader, password):
    reader.email = "per@halogaland.test"
    reader.save()
    Client().post(reverse("password_reset"), {"email": reader.email})

    _, short = set_password(link_in(mail.outbox[0]), "kort")
    assert "Skjemaet er ikke lagret" in short.text
    assert "minst 12 tegn" in short.text
    _, different = set_password(link_in(mail.outbox[0]), NEW_PASSWORD, "noe-helt-annet-2026")
    assert "De to passordene er ikke like." in different.text

    assert can_log_in(reader.username, password)
    assert not can_log_in(reader.username, NEW_PASSWORD)


def test_an_inactive_user_gets_no_mail(reader):
    reader.email = "per@halogaland.test"
    reader.is_active = False
    reader.save()
    Client().post(reverse("password_reset"), {"email": reader.email})
    assert mail.outbox == []


@pytest.fixture
def mail_server_down(settings):
    """SMTP to a port on this machine where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_TIMEOUT = 2
    return port


def test_with_the_mail_server_down_the_reset_page_still_answers(reader, mail_server_down):
    reader.email = "per@halogaland.test"
    reader.save()
    response = Client().post(reverse("password_reset"), {"email": reader.email}, follow=True)
    assert response.status_code == 200
    assert "Sjekk e-posten din" in response.text


def test_one_person_gets_at_most_three_password_mails_an_hour(reader):
    from datetime import timedelta

    from django.utils import timezone

    from tromsvekst.accounts.forms import MAILS_PER_HOUR
    from tromsvekst.accounts.models import PasswordMail

    reader.email = "per@halogaland.test"
    reader.save()
    answers = [
        Client().post(reverse("password_reset"), {"email": reader.email})
        for _ in range(MAILS_PER_HOUR + 2)
    ]

    # The page answers the same every time: it never tells whether a mail went out.
    assert {(a.status_code, a["Location"]) for a in answers} == {
        (302, reverse("password_reset_done"))
    }
    assert len(mail.outbox) == MAILS_PER_HOUR == 3

    PasswordMail.objects.update(sent_at=timezone.now() - timedelta(minutes=61))
    Client().post(reverse("password_reset"), {"email": reader.email})
    assert len(mail.outbox) == MAILS_PER_HOUR + 1
