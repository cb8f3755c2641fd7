"""tromsvekst.lib.requests: the signed-in user a service is given, and the htmx request type."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from tests.factories import make_user
from tromsvekst.lib.access import LoginNeeded
from tromsvekst.lib.requests import form_data, signed_in_user


@pytest.mark.django_db
def test_signed_in_user_is_the_requests_user() -> None:
    request = RequestFactory().post("/")
    user = make_user("kari", "Kari", "Nordmann")
    request.user = user
    assert signed_in_user(request) == user


def test_an_anonymous_request_is_sent_to_login() -> None:
    request = RequestFactory().post("/")
    request.user = AnonymousUser()
    with pytest.raises(LoginNeeded):
        signed_in_user(request)


@pytest.mark.django_db
def test_an_inactive_account_is_still_the_signed_in_user() -> None:
    # Whether an account may act is the access rules' decision, not this helper's.
    request = RequestFactory().post("/")
    user = make_user("ola", "Ola", "Nordmann", is_active=False)
    request.user = user
    assert signed_in_user(request) == user


def test_form_data_is_the_post_data_even_when_empty() -> None:
    empty_post = RequestFactory().post("/", {})
    assert form_data(empty_post) is empty_post.POST
    assert form_data(RequestFactory().get("/", {"x": "1"})) is None
