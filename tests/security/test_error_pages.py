"""The error pages are in Norwegian, in the portal's layout, and say what to do next."""

import pytest
from django.core.exceptions import SuspiciousOperation
from django.template.loader import render_to_string
from django.test import Client
from django.urls import path

from tromsvekst.urls import urlpatterns as portal_urls

pytestmark = pytest.mark.django_db


def suspicious(request):
    raise SuspiciousOperation("test")


def broken(request):
    raise RuntimeError("test")


urlpatterns = [
    *portal_urls,
    path("test/mistenkelig/", suspicious),
    path("test/feil/", broken),
]


@pytest.fixture
def error_urls(settings):
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False


def test_not_found(client_for, reader):
    response = client_for(reader).get("/finnes-ikke/")
    assert response.status_code == 404
    assert "<h1" in response.text and "Fant ikke siden" in response.text
    assert 'lang="nb"' in response.text
    assert 'href="/"' in response.text


def test_forbidden(client_for, reader, agreement):
    response = client_for(reader).get(f"/avtaler/{agreement.slug}/koordinatorer/ny/")
    assert response.status_code == 403
    assert "Ingen tilgang" in response.text


def test_bad_request(error_urls, client_for, reader):
    response = client_for(reader).get("/test/mistenkelig/")
    assert response.status_code == 400
    assert "Ugyldig forespørsel" in response.text
    assert "Ingenting er lagret" in response.text


def test_an_expired_form(client_for, reader):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reader)
    response = client.post("/logg-ut/")
    assert response.status_code == 403
    assert "Skjemaet er utløpt" in response.text


def test_server_error(error_urls, reader):
    client = Client(raise_request_exception=False)
    client.force_login(reader)
    response = client.get("/test/feil/")
    assert response.status_code == 500
    assert "Noe gikk galt" in response.text
    assert "Feilen er logget" in response.text


def test_the_server_error_page_needs_no_request():
    html = render_to_string("500.html")
    assert "Noe gikk galt" in html
