"""A database that cannot be reached answers 503 in Norwegian with ``Retry-After``, never 500.

These tests make the database fail inside one process (a view's query, the session read by the
middleware, the readiness check's ``SELECT 1``); ``test_database_outage.py`` cuts a real
PostgreSQL connection under gunicorn.
"""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import IntegrityError, InterfaceError, OperationalError
from django.test import Client
from django.urls import path, reverse

from tromsvekst.middleware import RETRY_AFTER_SECONDS, database_unavailable
from tromsvekst.urls import urlpatterns as portal_urls

pytestmark = pytest.mark.django_db


def lost_connection(request):
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


def closed_connection(request):
    raise InterfaceError("connection already closed")


def constraint(request):
    raise IntegrityError("duplicate key value violates unique constraint")


def wrapped(request):
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError as exc:
        raise RuntimeError("while rendering the dashboard") from exc


urlpatterns = [
    *portal_urls,
    path("test/tapt/", lost_connection),
    path("test/lukket/", closed_connection),
    path("test/dobbel/", constraint),
    path("test/innpakket/", wrapped),
]
handler500 = "tromsvekst.views.server_error"


@pytest.fixture
def test_urls(settings):
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False


def _client(user=None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def _assert_unavailable_page(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode()
    assert 'lang="nb"' in text
    assert "<h1" in text and "Portalen er midlertidig utilgjengelig" in text
    assert f"Prøv igjen om {RETRY_AFTER_SECONDS} sekunder." in text


@pytest.mark.parametrize("url", ["/test/tapt/", "/test/lukket/", "/test/innpakket/"])
def test_a_lost_connection_in_a_view_answers_503(test_urls, reader, url):
    _assert_unavailable_page(_client(reader).get(url))


def test_other_database_errors_are_still_500(test_urls, reader):
    response = _client(reader).get("/test/dobbel/")

    assert response.status_code == 500
    assert "Noe gikk galt" in response.content.decode()
    assert "Retry-After" not in response


def test_the_session_cannot_be_read_before_any_view_runs(test_urls, reader, monkeypatch):
    """The session is read lazily by the middleware, outside any view's ``process_exception``."""
    client = _client(reader)

    def refuse(self):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(SessionStore, "load", refuse)
    for url in [reverse("home"), reverse("agreements:agreement-list"), "/finnes-ikke/"]:
        _assert_unavailable_page(client.get(url))
    # A save (POST) too; nothing else than the 503 page.
    _assert_unavailable_page(client.post(reverse("logout")))


def test_the_unavailable_page_is_rendered_without_the_database(test_urls, reader, monkeypatch):
    # Every query fails, including any the error page itself might make.
    def refuse(*args, **kwargs):
        raise OperationalError("the database system is shutting down")

    client = _client(reader)
    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", refuse)
    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.executemany", refuse)
    _assert_unavailable_page(client.get(reverse("agreements:agreement-list")))


def test_database_unavailable_looks_through_the_exception_chain():
    assert database_unavailable(OperationalError("x"))
    assert database_unavailable(InterfaceError("x"))
    assert not database_unavailable(IntegrityError("x"))
    assert not database_unavailable(ValueError("x"))
    assert not database_unavailable(None)
    try:
        try:
            raise InterfaceError("connection already closed")
        except InterfaceError:
            raise KeyError("x")  # noqa: B904 - an error raised while handling the lost connection
    except KeyError as exc:
        assert database_unavailable(exc)


# --- /helse/klar/: readiness for a load balancer --------------------------------------------------


def test_readiness_answers_ok_when_the_database_answers(client):
    response = client.get(reverse("readiness"))

    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
    assert "no-store" in response["Cache-Control"]


def test_readiness_answers_503_when_the_database_does_not(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", refuse)
    response = client.get(reverse("readiness"))

    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.content.decode() == "Databasen svarer ikke."
    # Liveness keeps its meaning: the process answers, the database is not its business.
    assert client.get(reverse("health")).content == b"ok"


def test_health_and_readiness_answer_head_too(client):
    """Load balancers often probe with HEAD."""
    assert client.head(reverse("health")).status_code == 200
    assert client.head(reverse("readiness")).status_code == 200
    assert client.post(reverse("readiness")).status_code == 405
