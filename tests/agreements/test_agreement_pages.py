"""The agreement pages, the login and logout, and what every page has for accessibility."""

import html
import re

import pytest
from django.urls import reverse

from agreements.models import Strategy

LOGIN = "/logg-inn/"
WRONG_LOGIN = "Brukernavnet eller passordet er feil."
# The agreement page as an anonymous visitor; measured, then pinned so that it cannot creep up
# as the number of strategies grows (it must not depend on how many there are).
AGREEMENT_PAGE_QUERIES = 10


def text_of(response) -> str:
    """The page as a reader sees it: tags removed, entities decoded, white space collapsed."""
    content = response.content.decode()
    content = re.sub(r"<(script|style)\b.*?</\1>", " ", content, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", content)).split())


def assert_redirects_to_login(response, path: str) -> None:
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={path}"


# --- The public agreement ---------------------------------------------------------------------


def test_anyone_can_read_the_public_agreement(agreement, client_for):
    response = client_for(None).get(agreement.get_absolute_url())

    assert response.status_code == 200
    page = text_of(response)
    assert "Tromsvekstavtalen for Hålogalandsregionen" in page
    assert agreement.overall_goal in page
    strategies = Strategy.objects.filter(sub_goal__agreement=agreement).order_by(
        "sub_goal__code", "order"
    )
    assert len(strategies) == 20
    for strategy in strategies:
        assert strategy.text in page
    # in the agreement's order: the last strategy of 1.1 before the first of 1.2, and so on
    positions = [page.index(strategy.text) for strategy in strategies]
    assert positions == sorted(positions)


def test_the_agreement_page_shows_who_adopted_and_signed_it(agreement, client_for):
    page = text_of(client_for(None).get(agreement.get_absolute_url()))

    assert "Hålogalandsrådet 9. mai 2025" in page
    assert "Troms fylkesting 17. juni 2025" in page
    assert "Kristina Torbergsen Fylkesordfører i Troms" in page
    assert "Rune Edvardsen Leder Hålogalandsrådet" in page


def test_the_agreement_page_query_count_is_pinned(
    agreement, client_for, django_assert_max_num_queries
):
    client = client_for(None)
    with django_assert_max_num_queries(AGREEMENT_PAGE_QUERIES):
        response = client.get(agreement.get_absolute_url())
    assert response.status_code == 200


def test_the_agreement_page_query_count_does_not_grow_with_the_strategies(
    agreement, client_for, django_assert_max_num_queries
):
    for goal in agreement.sub_goals.all():
        for order in range(10, 15):
            Strategy.objects.create(sub_goal=goal, order=order, text=f"Ekstra {goal.code}.{order}")

    client = client_for(None)
    with django_assert_max_num_queries(AGREEMENT_PAGE_QUERIES):
        response = client.get(agreement.get_absolute_url())
    assert "Ekstra 4.1.14" in text_of(response)


# --- Who may read what ------------------------------------------------------------------------


def test_an_anonymous_visitor_must_log_in_to_read_a_non_public_agreement(
    other_agreement, client_for
):
    path = other_agreement.get_absolute_url()

    assert_redirects_to_login(client_for(None).get(path), path)


@pytest.mark.parametrize("path", ["/", "/avtaler/"])
def test_an_anonymous_visitor_must_log_in_for_the_front_page_and_the_list(db, client_for, path):
    assert_redirects_to_login(client_for(None).get(path), path)


def test_a_logged_in_outsider_does_not_find_another_agreement(agreement, outsider, client_for):
    agreement.is_public = False
    agreement.save()

    response = client_for(outsider).get(agreement.get_absolute_url())

    assert response.status_code == 404
    assert agreement.title not in response.content.decode()


def test_the_outsider_reads_his_own_agreement(outsider, other_agreement, client_for):
    response = client_for(outsider).get(other_agreement.get_absolute_url())

    assert response.status_code == 200
    assert "Tromsvekstavtalen for Nord-Troms (test)" in text_of(response)


@pytest.mark.parametrize("who", ["reader", "coordinator", "admin_user"])
def test_the_agreement_s_own_people_read_it_when_it_is_not_public(
    agreement, client_for, request, who
):
    agreement.is_public = False
    agreement.save()
    user = request.getfixturevalue(who)

    response = client_for(user).get(agreement.get_absolute_url())

    assert response.status_code == 200
    assert agreement.overall_goal in text_of(response)


def test_the_other_agreement_is_hidden_from_the_halogaland_people(
    other_agreement, reader, coordinator, client_for
):
    for user in (reader, coordinator):
        assert client_for(user).get(other_agreement.get_absolute_url()).status_code == 404


def test_the_agreement_list_shows_each_user_what_he_may_read(
    agreement, other_agreement, reader, outsider, admin_user, client_for
):
    def titles(user) -> str:
        return text_of(client_for(user).get(reverse("agreements:agreement-list")))

    assert "Tromsvekstavtalen for Hålogalandsregionen" in titles(reader)
    assert "Nord-Troms (test)" not in titles(reader)
    assert "Nord-Troms (test)" in titles(outsider)
    assert "Tromsvekstavtalen for Hålogalandsregionen" in titles(outsider)  # it is public
    assert "Nord-Troms (test)" in titles(admin_user)


def test_an_unknown_agreement_is_not_found(db, client_for):
    assert client_for(None).get("/avtaler/finnes-ikke/").status_code == 404


# --- Logging in and out -----------------------------------------------------------------------


def test_the_login_page_lists_the_public_agreements_only(agreement, other_agreement, client_for):
    response = client_for(None).get(LOGIN)

    assert response.status_code == 200
    assert f'href="{agreement.get_absolute_url()}"' in response.content.decode()
    assert other_agreement.title not in text_of(response)


def test_a_wrong_password_is_refused_with_a_norwegian_message(reader, client_for):
    response = client_for(None).post(
        LOGIN, {"username": reader.username, "password": "feil-passord"}
    )

    assert response.status_code == 200
    assert WRONG_LOGIN in text_of(response)
    assert "_auth_user_id" not in response.wsgi_request.session


def test_a_good_login_goes_on_to_the_page_asked_for(reader, client_for, password):
    client = client_for(None)
    response = client.post(
        LOGIN, {"username": reader.username, "password": password, "next": "/avtaler/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/avtaler/"
    assert "Per Politiker" in text_of(client.get("/avtaler/"))


def test_a_good_login_without_a_destination_goes_to_the_front_page(reader, client_for, password):
    response = client_for(None).post(LOGIN, {"username": reader.username, "password": password})

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_logging_out_by_post_ends_the_session(reader, client_for):
    client = client_for(reader)

    response = client.post("/logg-ut/")

    assert response.status_code == 302
    assert_redirects_to_login(client.get("/avtaler/"), "/avtaler/")


def test_logging_out_by_get_is_not_allowed(reader, client_for):
    client = client_for(reader)

    assert client.get("/logg-ut/").status_code == 405
    assert client.get("/avtaler/").status_code == 200


# --- Every page -------------------------------------------------------------------------------


def test_the_accessibility_statement_is_public_and_linked_from_the_footer(agreement, client_for):
    statement = reverse("accessibility")
    response = client_for(None).get(statement)
    assert response.status_code == 200
    assert "Tilgjengelighetserklæring for Tromsvekst-portalen" in text_of(response)

    page = client_for(None).get(agreement.get_absolute_url()).content.decode()
    footer = re.search(r"<footer\b.*?</footer>", page, flags=re.S)
    assert footer is not None
    assert f'href="{statement}"' in footer.group()


@pytest.mark.parametrize("page", ["login", "accessibility", "agreement", "agreement-list"])
def test_every_page_is_norwegian_with_a_skip_link_to_the_main_content(
    agreement, reader, client_for, page
):
    path = {
        "login": LOGIN,
        "accessibility": reverse("accessibility"),
        "agreement": agreement.get_absolute_url(),
        "agreement-list": reverse("agreements:agreement-list"),
    }[page]
    content = client_for(None if page != "agreement-list" else reader).get(path).content.decode()

    assert re.search(r'<html\b[^>]*\blang="nb"', content)
    main = re.search(r'<main\b[^>]*\bid="([^"]+)"', content)
    assert main is not None
    assert content.count("<main") == 1
    skip_link = re.search(r'<a\b[^>]*href="#([^"]+)"[^>]*>', content)
    assert skip_link is not None, "the first link on the page should skip to the main content"
    assert skip_link.group(1) == main.group(1)
    assert content.index(skip_link.group()) < content.index("<main")
