"""The health check a load balancer or monitor polls: /helse/ answers «ok» to anyone."""

from django.urls import reverse


def test_health_answers_ok_without_login_or_database(client):
    # No database fixture: a query would fail the test.
    response = client.get(reverse("health"))

    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
    assert "no-cache" in response["Cache-Control"]


def test_health_answers_a_logged_in_user_too(client_for, reader):
    assert client_for(reader).get(reverse("health")).content == b"ok"


def test_health_refuses_post(client):
    assert client.post(reverse("health")).status_code == 405
