"""Feedback for an evaluation: the open form behind the secret link (``evaluation:feedback-form``,
no login), its flood protection, and the coordinators' list and open/close button
(``evaluation:feedback-list``, ``evaluation:feedback-toggle``)."""

import datetime
import hashlib
import hmac

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from evaluation import feedback as services
from evaluation.models import Evaluation, Feedback

CLOSED = "Skjemaet er stengt og tar ikke imot tilbakemeldinger nå."
IP = "203.0.113.7"


@pytest.fixture
def evaluation(agreement) -> Evaluation:
    return Evaluation.objects.create(
        agreement=agreement, kind=Evaluation.Kind.MID_TERM, year=2026, feedback_open=True
    )


@pytest.fixture
def closed(evaluation) -> Evaluation:
    evaluation.feedback_open = False
    evaluation.save()
    return evaluation


def form_url(evaluation) -> str:
    return reverse("evaluation:feedback-form", args=[evaluation.feedback_token])


def data(**changes) -> dict:
    values = {
        "stakeholder": "Evenes kommune",
        "stakeholder_kind": "municipality",
        "focus_area": "",
        "text": "Samarbeidet om flyplassen fungerer godt.",
        "rating": "4",
        "nettside": "",
    }
    values.update(changes)
    return values


def send(evaluation, ip: str = IP, client: Client | None = None, **changes):
    client = client or Client()
    return client.post(form_url(evaluation), data(**changes), REMOTE_ADDR=ip)


def expected_hash(ip: str) -> str:
    # HMAC-SHA256 of the address, keyed by SECRET_KEY (through Django's salted_hmac).
    key = hashlib.sha256((services.HASH_SALT + settings.SECRET_KEY).encode()).digest()
    return hmac.new(key, ip.encode(), hashlib.sha256).hexdigest()


# --------------------------------------------------------------------------------------------
# The open form


def test_the_form_is_public_and_not_indexed(evaluation):
    response = Client().get(form_url(evaluation))

    assert response.status_code == 200
    text = response.content.decode()
    assert "Tilbakemelding til Midtveisevaluering 2026" in text
    assert 'name="stakeholder"' in text and 'name="text"' in text
    assert "1. Befolkningsutvikling" in text  # the agreement's focus areas to choose from
    assert "IP-adressen din lagres ikke" in text
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"]


def test_unknown_token_is_404(evaluation):
    assert Client().get(reverse("evaluation:feedback-form", args=["ukjent"])).status_code == 404
    assert Client().post(reverse("evaluation:feedback-form", args=["x" * 100])).status_code == 404


def test_feedback_is_stored_with_a_keyed_hash_of_the_address_never_the_address(evaluation):
    area = evaluation.agreement.focus_areas.get(number=4)

    response = send(evaluation, focus_area=area.pk)

    assert response.status_code == 302
    assert response["Location"] == form_url(evaluation) + "?sendt=1"
    feedback = Feedback.objects.get()
    assert feedback.evaluation == evaluation
    assert feedback.stakeholder == "Evenes kommune"
    assert feedback.stakeholder_kind == Feedback.StakeholderKind.MUNICIPALITY
    assert feedback.focus_area == area
    assert feedback.rating == 4
    assert not feedback.is_example
    assert feedback.sender_hash == expected_hash(IP)
    stored = Feedback.objects.values().get()
    assert not any(IP in str(value) for value in stored.values())


def test_after_sending_the_thank_you_page(evaluation):
    response = Client().post(form_url(evaluation), data(), follow=True)

    assert response.status_code == 200
    text = response.content.decode()
    assert "Takk for tilbakemeldingen" in text
    assert 'name="text"' not in text


def test_rating_and_focus_area_are_optional(evaluation):
    assert send(evaluation, rating="", focus_area="").status_code == 302
    feedback = Feedback.objects.get()
    assert feedback.rating is None and feedback.focus_area is None


def test_a_focus_area_of_another_agreement_is_refused(evaluation, other_agreement):
    foreign = other_agreement.focus_areas.get()

    response = send(evaluation, focus_area=foreign.pk)

    assert response.status_code == 200
    assert "Velg et av innsatsområdene i listen." in response.content.decode()
    assert not Feedback.objects.exists()


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"text": "x" * 5001}, "Tilbakemeldingen kan ha høyst 5000 tegn. Den har 5001"),
        ({"text": "  "}, "Skriv tilbakemeldingen."),
        ({"stakeholder": "N" * 201}, "Navnet kan ha høyst 200 tegn (det har 201)."),
        ({"stakeholder": ""}, "Skriv hvem tilbakemeldingen er fra."),
        ({"stakeholder_kind": "robot"}, "Velg et av alternativene."),
        ({"rating": "6"}, "Velg et av alternativene."),
    ],
)
def test_invalid_input_is_refused_with_a_message(evaluation, changes, message):
    response = send(evaluation, **changes)

    assert response.status_code == 200
    text = response.content.decode()
    assert "Skjemaet er ikke lagret." in text
    assert message in text
    assert not Feedback.objects.exists()


def test_line_breaks_count_as_one_character_each(evaluation):
    text = ("a" * 99 + "\r\n") * 50  # 5000 characters as the browser counts, 5050 bytes sent

    assert send(evaluation, text=text).status_code == 302
    assert len(Feedback.objects.get().text) == 5000 - 1  # the last line break is stripped


def test_a_filled_in_honeypot_stores_nothing_but_looks_like_success(evaluation):
    response = send(evaluation, nettside="https://spam.example")

    assert response.status_code == 302
    assert response["Location"].endswith("?sendt=1")
    assert not Feedback.objects.exists()


def test_a_too_large_request_body_is_refused_unread(evaluation):
    response = send(evaluation, text="x" * (services.MAX_BODY_BYTES + 1))

    assert response.status_code == 413
    assert "Tilbakemeldingen er for stor" in response.content.decode()
    assert not Feedback.objects.exists()


def test_the_form_is_still_protected_against_csrf(evaluation):
    client = Client(enforce_csrf_checks=True)

    assert client.post(form_url(evaluation), data()).status_code == 403
    assert not Feedback.objects.exists()

    client.get(form_url(evaluation))
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(form_url(evaluation), data(csrfmiddlewaretoken=token))
    assert response.status_code == 302
    assert Feedback.objects.count() == 1


def test_logged_in_users_use_the_same_public_form(client_for, coordinator, evaluation):
    response = client_for(coordinator).post(form_url(evaluation), data())
    assert response.status_code == 302
    assert Feedback.objects.count() == 1


# --------------------------------------------------------------------------------------------
# A closed link


def test_a_closed_form_says_so_and_has_no_form(closed):
    response = Client().get(form_url(closed))

    assert response.status_code == 200
    text = response.content.decode()
    assert CLOSED in text
    assert "<form" not in text.split('id="hovedinnhold"', 1)[1]


def test_sending_to_a_closed_form_stores_nothing(closed):
    response = send(closed)

    assert response.status_code == 200
    assert CLOSED in response.content.decode()
    assert not Feedback.objects.exists()


def test_a_form_closed_while_it_was_being_filled_in(evaluation):
    client = Client()
    client.get(form_url(evaluation))
    Evaluation.objects.filter(pk=evaluation.pk).update(feedback_open=False)

    response = client.post(form_url(evaluation), data())

    assert CLOSED in response.content.decode()
    assert not Feedback.objects.exists()


# --------------------------------------------------------------------------------------------
# Flood limits


def test_rate_limit_per_sender(evaluation):
    for _ in range(services.SENDER_LIMIT):
        assert send(evaluation).status_code == 302

    response = send(evaluation, text="Én til.")

    assert response.status_code == 429
    text = response.content.decode()
    assert "Du har sendt 5 tilbakemeldinger den siste timen" in text
    assert "Én til." in text  # the text is shown again, so that it is not lost
    assert 0 < int(response["Retry-After"]) <= 3600
    assert Feedback.objects.count() == services.SENDER_LIMIT
    # Another sender is not held back.
    assert send(evaluation, ip="198.51.100.2").status_code == 302


def test_rate_limit_counts_the_last_hour_only(evaluation):
    old = timezone.now() - datetime.timedelta(minutes=61)
    Feedback.objects.bulk_create(
        Feedback(
            evaluation=evaluation,
            stakeholder="Tidligere",
            stakeholder_kind="person",
            text="x",
            created_at=old,
            sender_hash=expected_hash(IP),
        )
        for _ in range(services.SENDER_LIMIT)
    )
    assert send(evaluation).status_code == 302


def test_rate_limit_per_sender_per_day(evaluation):
    now = timezone.now()
    Feedback.objects.bulk_create(
        Feedback(
            evaluation=evaluation,
            stakeholder=f"Avsender {n}",
            stakeholder_kind="person",
            text="x",
            created_at=now - datetime.timedelta(hours=2, minutes=n),
            sender_hash=expected_hash(IP),
        )
        for n in range(services.SENDER_DAY_LIMIT)
    )

    response = send(evaluation)

    assert response.status_code == 429
    assert "Du har sendt 20 tilbakemeldinger det siste døgnet" in response.content.decode()
    assert 0 < int(response["Retry-After"]) <= 24 * 3600
    assert Feedback.objects.count() == services.SENDER_DAY_LIMIT
    # The form as a whole has no limit (tests/security/test_rate_limits.py).
    assert send(evaluation, ip="198.51.100.2").status_code == 302


def test_behind_the_proxy_the_address_the_proxy_saw_is_used(evaluation, settings):
    settings.TRUSTED_PROXY_COUNT = 1  # as BEHIND_PROXY=True sets it
    client = Client()
    for n in range(services.SENDER_LIMIT):
        # The client can put anything first in X-Forwarded-For; the last entry is the proxy's.
        client.post(
            form_url(evaluation),
            data(),
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, {IP}",
        )
    assert set(Feedback.objects.values_list("sender_hash", flat=True)) == {expected_hash(IP)}
    response = client.post(
        form_url(evaluation), data(), REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, " + IP
    )
    assert response.status_code == 429
    # Others behind the same proxy are not held back.
    other = client.post(
        form_url(evaluation), data(), REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.9"
    )
    assert other.status_code == 302


# --------------------------------------------------------------------------------------------
# The coordinators' list


def list_url(evaluation) -> str:
    return reverse("evaluation:feedback-list", args=[evaluation.pk])


def toggle_url(evaluation) -> str:
    return reverse("evaluation:feedback-toggle", args=[evaluation.pk])


def test_reader_reads_feedback_and_sees_the_link(client_for, reader, evaluation):
    send(evaluation)

    response = client_for(reader).get(list_url(evaluation))

    assert response.status_code == 200
    text = response.content.decode()
    assert "Evenes kommune" in text
    assert "Samarbeidet om flyplassen fungerer godt." in text
    assert "Karakter 4 av 5" in text
    assert f"http://testserver{form_url(evaluation)}" in text
    assert "Skjemaet er åpent." in text
    assert toggle_url(evaluation) not in text  # readers cannot open or close it


def test_coordinator_sees_the_close_button(client_for, coordinator, evaluation):
    text = client_for(coordinator).get(list_url(evaluation)).content.decode()
    assert toggle_url(evaluation) in text
    assert "Steng skjemaet" in text


def test_list_access(client_for, outsider, evaluation):
    response = client_for(None).get(list_url(evaluation))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert client_for(outsider).get(list_url(evaluation)).status_code == 404


def test_list_query_count_does_not_grow(
    client_for, reader, evaluation, django_assert_max_num_queries
):
    area = evaluation.agreement.focus_areas.first()
    Feedback.objects.bulk_create(
        Feedback(
            evaluation=evaluation,
            stakeholder=f"Avsender {n}",
            stakeholder_kind="organisation",
            focus_area=area,
            text="Tekst",
        )
        for n in range(30)
    )
    client = client_for(reader)
    with django_assert_max_num_queries(6):
        response = client.get(list_url(evaluation))
    assert response.content.decode().count("Avsender ") == 30


def test_list_pages(client_for, reader, evaluation):
    Feedback.objects.bulk_create(
        Feedback(
            evaluation=evaluation, stakeholder=f"Avsender {n}", stakeholder_kind="person", text="x"
        )
        for n in range(60)
    )
    text = client_for(reader).get(list_url(evaluation) + "?side=2").content.decode()
    assert "Side 2 av 2" in text
    assert "60 tilbakemeldinger" in text


# --------------------------------------------------------------------------------------------
# Opening and closing the link


def test_coordinator_closes_and_opens_the_link(client_for, coordinator, evaluation):
    client = client_for(coordinator)

    response = client.post(toggle_url(evaluation), {"open": "0"})
    assert response.status_code == 302
    assert response["Location"] == list_url(evaluation)
    evaluation.refresh_from_db()
    assert not evaluation.feedback_open
    assert CLOSED in Client().get(form_url(evaluation)).content.decode()

    client.post(toggle_url(evaluation), {"open": "1"})
    evaluation.refresh_from_db()
    assert evaluation.feedback_open

    # The same button pressed twice does not flip it back.
    client.post(toggle_url(evaluation), {"open": "1"})
    evaluation.refresh_from_db()
    assert evaluation.feedback_open


def test_toggle_without_a_value_flips(client_for, admin_user, evaluation):
    assert client_for(admin_user).post(toggle_url(evaluation)).status_code == 302
    evaluation.refresh_from_db()
    assert not evaluation.feedback_open


def test_a_final_evaluation_cannot_be_opened(client_for, coordinator, closed):
    closed.status = Evaluation.Status.FINAL
    closed.save()

    response = client_for(coordinator).post(toggle_url(closed), {"open": "1"}, follow=True)

    assert "Evalueringen er ferdigstilt" in response.content.decode()
    closed.refresh_from_db()
    assert not closed.feedback_open


def test_toggle_permissions(client_for, reader, outsider, coordinator, evaluation):
    url = toggle_url(evaluation)
    assert client_for(coordinator).get(url).status_code == 405
    response = client_for(None).post(url, {"open": "0"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert client_for(reader).post(url, {"open": "0"}).status_code == 403
    assert client_for(outsider).post(url, {"open": "0"}).status_code == 404
    evaluation.refresh_from_db()
    assert evaluation.feedback_open
