"""Adding a person reveals nothing about accounts (issue 12, finding 4), and the person decides.

The finding: "Legg til person" told any coordinator whether a user name or e-mail address had an
account in the portal (``admin`` included), showed the full name and e-mail of existing users,
and attached them to another agreement without asking. Now a coordinator invites by name and
address; the answer, the database work and the e-mail are the same whether or not the address
has an account; the person accepts (logged in as that account, or making a new one) or declines.
"""

import re
import socket

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agreements.invitations import INVITATION_DAYS
from agreements.models import Coordinator, Invitation, Party
from tests.helpers.passwords import can_log_in, set_password
from tromsvekst.accounts.models import OutgoingMail

pytestmark = pytest.mark.django_db

CSRF = re.compile(r"[A-Za-z0-9]{64}")  # the CSRF token, masked anew for every page
LINK = re.compile(r"https?://\S+(/avtaler/invitasjon/\S+/)")


def _invite(client, agreement, email, name="Kari Nordmann", party="halogalandsradet", **extra):
    data = {
        "name": name,
        "email": email,
        "party": Party.objects.get(slug=party).pk,
        "role": "reader",
        "title": "Rådgiver",
        "phone": "",
    } | extra
    return client.post(
        reverse("agreements:coordinator-create", args=[agreement.slug]), data, follow=True
    )


def _link(message) -> str:
    found = LINK.findall(message.body)
    assert len(found) == 1, message.body
    return found[0]


def _normalised(sql: str) -> str:
    sql = re.sub(r"'[^']*'", "?", sql)
    sql = re.sub(r'"s\d+_x\d+"', "SAVEPOINT", sql)
    return re.sub(r"\b\d+\b", "?", sql)


@pytest.fixture
def kari(db) -> User:
    return User.objects.create(
        username="kari.nordmann",
        first_name="Karianne",
        last_name="Hemmelig",
        email="kari@halogaland.test",
    )


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(
    client_for, coordinator, agreement, admin_user, settings
):
    settings.OUTBOX_SEND_AFTER_RESPONSE = False
    client = client_for(coordinator)
    seen = {}
    with transaction.atomic():  # warms the caches (content types) that the first one fills
        _invite(client, agreement, "oppvarming@test.invalid")
        transaction.set_rollback(True)
    for label, email in [("account", admin_user.email), ("none", "ingen.bruker@test.invalid")]:
        # Each from the same starting point: the first is rolled back before the second.
        with transaction.atomic():
            with CaptureQueriesContext(connection) as queries:
                response = _invite(client, agreement, email, name="Navn Navnesen")
            transaction.set_rollback(True)
        page = response.content.decode().replace(email, "ADRESSE")
        seen[label] = (
            response.status_code,
            response.redirect_chain,
            # (row ids differ: PostgreSQL does not roll its sequences back)
            re.sub(r"invitasjon(er/|-)\d+", "invitasjon-N", CSRF.sub("CSRF", page)),
            [_normalised(q["sql"]) for q in queries.captured_queries],
        )
    assert seen["account"] == seen["none"]  # the same page, and the same queries one by one
    assert "Ada" not in seen["account"][2] and "ada.admin" not in seen["account"][2]
    for email in [admin_user.email, "ingen.bruker@test.invalid"]:
        _invite(client, agreement, email, name="Navn Navnesen")
    assert not Coordinator.objects.filter(user=admin_user).exists()  # nobody is attached

    call_command("send_outbox")
    bodies = {m.to[0]: m.body for m in mail.outbox}
    assert len(bodies) == 2
    admin_body = LINK.sub("LINK", bodies[admin_user.email])
    other_body = LINK.sub("LINK", bodies["ingen.bruker@test.invalid"])
    assert admin_body == other_body  # the e-mail does not tell either


def test_a_user_name_is_not_looked_up(client_for, coordinator, agreement, admin_user):
    response = _invite(client_for(coordinator), agreement, "ada.admin")
    assert response.context["form"].errors["email"] == [
        "Skriv en gyldig e-postadresse, som navn@eksempel.no."
    ]
    assert "Ada Admin" not in response.text
    assert not Invitation.objects.exists()


def test_an_existing_account_logs_in_and_accepts(client_for, coordinator, agreement, kari):
    _invite(client_for(coordinator), agreement, "KARI@halogaland.test", title="Rådgiver")
    assert not Coordinator.objects.filter(user=kari).exists()  # not before they say yes
    message = mail.outbox[-1]
    assert message.to == ["KARI@halogaland.test"]
    assert "Tone Koordinator inviterer deg til å bli leser for Hålogalandsrådet" in message.body
    link = _link(message)

    anonymous = Client()
    page = anonymous.get(link)
    assert page.status_code == 200
    assert "Godta" in page.text and "Avslå" in page.text
    asked = anonymous.post(link, {"svar": "godta"})
    assert "Logg inn med den brukeren" in asked.text
    assert not Coordinator.objects.filter(user=kari).exists()

    done = client_for(kari).post(link, {"svar": "godta"}, follow=True)
    role = Coordinator.objects.get(user=kari, agreement=agreement)
    assert (role.party.slug, role.role, role.title) == ("halogalandsradet", "reader", "Rådgiver")
    assert "Du er nå leser for Hålogalandsrådet" in done.text
    assert not Invitation.objects.exists()
    assert Client().get(link).status_code == 404  # used up


def test_someone_else_logged_in_cannot_accept_it(client_for, coordinator, reader, agreement, kari):
    _invite(client_for(coordinator), agreement, kari.email)
    response = client_for(reader).post(_link(mail.outbox[-1]), {"svar": "godta"})
    assert "Logg inn med den brukeren" in response.text
    assert not Coordinator.objects.filter(user=kari).exists()
    assert Invitation.objects.exists()


def test_a_new_person_accepts_and_chooses_a_password(client_for, coordinator, agreement):
    _invite(client_for(coordinator), agreement, "ola@halogaland.test", name="Ola Nordmann")
    assert not User.objects.filter(email="ola@halogaland.test").exists()
    link = _link(mail.outbox[-1])

    client = Client()
    accepted = client.post(link, {"svar": "godta"})
    user = User.objects.get(email="ola@halogaland.test")
    assert (user.first_name, user.last_name) == ("Ola", "Nordmann")
    assert not user.has_usable_password()
    assert Coordinator.objects.get(user=user).role == "reader"
    assert accepted.status_code == 302
    assert "/nytt-passord/" in accepted["Location"]

    _, done = set_password(accepted["Location"])
    assert "Passordet er lagret" in done.text
    assert can_log_in(user.username, "nordlys-over-senja-2026")


def test_declining_leaves_nothing_and_says_so(client_for, coordinator, agreement, kari):
    _invite(client_for(coordinator), agreement, kari.email)
    link = _link(mail.outbox[-1])

    declined = Client().post(link, {"svar": "avsla"})

    assert declined.status_code == 200
    assert "Invitasjonen er avslått" in declined.text
    assert "du har ingen rolle i avtalen" in declined.text
    assert not Invitation.objects.exists()
    assert not Coordinator.objects.filter(user=kari).exists()
    again = Client().get(link)
    assert again.status_code == 404
    assert "Invitasjonen gjelder ikke lenger" in again.text


@pytest.mark.parametrize("mangle", ["tamper", "expire", "long", "junk", "other_address"])
def test_a_bad_link_gets_a_clear_page(client_for, coordinator, agreement, kari, mangle):
    _invite(client_for(coordinator), agreement, kari.email)
    invitation = Invitation.objects.get()
    link = _link(mail.outbox[-1])
    token = link.rstrip("/").rsplit("/", 1)[1]
    if mangle == "tamper":
        link = link.replace(token, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))
    elif mangle == "expire":
        Invitation.objects.filter(pk=invitation.pk).update(
            created_at=timezone.now() - timezone.timedelta(days=INVITATION_DAYS, minutes=1)
        )
    elif mangle == "long":
        link = link.replace(token, "x" * 250)
    elif mangle == "junk":
        link = link.replace(token, "x.y:z")
    else:
        Invitation.objects.filter(pk=invitation.pk).update(email="annen@eksempel.no")
    for response in (Client().get(link), Client().post(link, {"svar": "godta"})):
        assert response.status_code == 404
        assert "Invitasjonen gjelder ikke lenger" in response.text
    assert not Coordinator.objects.filter(user=kari).exists()


def test_an_unknown_answer_is_refused_in_norwegian(client_for, coordinator, agreement, kari):
    _invite(client_for(coordinator), agreement, kari.email)
    response = Client().post(_link(mail.outbox[-1]), {"svar": "kanskje"})
    assert response.status_code == 400
    assert "Velg «Godta» eller «Avslå»." in response.text
    assert Invitation.objects.exists()


def test_the_same_address_is_not_invited_twice(client_for, coordinator, agreement):
    client = client_for(coordinator)
    _invite(client, agreement, "ola@halogaland.test")
    again = _invite(client, agreement, "OLA@halogaland.test")
    assert again.context["form"].errors["email"] == [
        "OLA@halogaland.test er allerede invitert til denne avtalen og har ikke svart ennå."
    ]
    assert Invitation.objects.count() == 1


def test_an_invitation_is_withdrawn(client_for, coordinator, reader, outsider, agreement):
    _invite(client_for(coordinator), agreement, "ola@halogaland.test", name="Ola Nordmann")
    invitation = Invitation.objects.get()
    url = reverse("agreements:invitation-withdraw", args=[invitation.pk])
    link = _link(mail.outbox[-1])

    assert client_for(None).post(url).status_code == 302  # to the login page
    assert client_for(outsider).post(url).status_code == 404
    assert client_for(reader).post(url).status_code == 403
    assert client_for(coordinator).get(url).status_code == 405
    assert Invitation.objects.exists()
    done = client_for(coordinator).post(url, follow=True)
    assert "Invitasjonen til Ola Nordmann (ola@halogaland.test) er trukket tilbake." in done.text
    assert not Invitation.objects.exists()
    assert Client().get(link).status_code == 404


def test_the_invitation_mail_waits_in_the_outbox(client_for, coordinator, agreement, settings):
    settings.OUTBOX_SEND_AFTER_RESPONSE = False
    settings.SITE_URL = "https://tromsvekst.example.no"
    _invite(client_for(coordinator), agreement, "ola@halogaland.test")

    assert mail.outbox == []  # nothing was sent inside the request
    waiting = OutgoingMail.objects.get()
    assert waiting.to == "ola@halogaland.test" and waiting.sent_at is None
    call_command("send_outbox")
    assert len(mail.outbox) == 1
    assert "https://tromsvekst.example.no/avtaler/invitasjon/" in mail.outbox[0].body
    assert f"Lenken virker i {INVITATION_DAYS} dager" in mail.outbox[0].body
    assert mail.outbox[0].subject == "Invitasjon til Hålogaland i Tromsvekst-portalen" or (
        agreement.title in mail.outbox[0].subject
    )


def test_with_the_mail_server_down_the_invitation_is_kept_and_sent_later(
    client_for, coordinator, agreement, settings
):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2

    response = _invite(client_for(coordinator), agreement, "ola@halogaland.test")

    assert response.status_code == 200
    assert "er invitert som leser" in response.text
    waiting = OutgoingMail.objects.get()
    assert waiting.sent_at is None and waiting.attempts == 1 and waiting.last_error

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from tromsvekst.accounts import outbox

    outbox.send_waiting(now=timezone.now() + timezone.timedelta(minutes=3))
    waiting.refresh_from_db()
    assert waiting.result == OutgoingMail.Result.SENT
    assert [m.to for m in mail.outbox] == [["ola@halogaland.test"]]
