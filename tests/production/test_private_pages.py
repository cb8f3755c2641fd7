"""Pages for signed-in people are never stored (``Cache-Control: private, no-store``): on a shared
computer the back button must not bring a dashboard back after logout. Anonymous pages and
static files keep their caching. The permission matrix (tests/test_permission_matrix.py) checks
the header on every view for every signed-in user; the production run checks it under gunicorn.
"""

import pytest
from django.urls import reverse


def _no_store(response) -> bool:
    cache = response.get("Cache-Control", "")
    return "private" in cache and "no-store" in cache


@pytest.mark.parametrize("user", ["reader", "coordinator", "outsider", "admin_user"])
def test_signed_in_pages_are_not_stored(request, client_for, agreement, user):
    client = client_for(request.getfixturevalue(user))
    for url in [
        reverse("agreements:agreement-list"),
        reverse("agreements:agreement-detail", args=[agreement.slug]),
        reverse("actionplans:plan-list", args=[agreement.slug]),
        reverse("accessibility"),
        "/finnes-ikke/",
    ]:
        response = client.get(url, follow=True)
        assert _no_store(response), (user, url, response.get("Cache-Control"))


def test_a_redirect_for_a_signed_in_person_is_not_stored_either(client_for, reader):
    response = client_for(reader).get(reverse("home"))
    assert response.status_code == 302
    assert _no_store(response)


def test_anonymous_pages_keep_their_caching(client, agreement):
    public = client.get(reverse("agreements:agreement-detail", args=[agreement.slug]))
    assert public.status_code == 200
    assert "no-store" not in public.get("Cache-Control", "")
    statement = client.get(reverse("accessibility"))
    assert "no-store" not in statement.get("Cache-Control", "")


def test_after_logout_the_dashboard_is_gone(client_for, reader, agreement):
    client = client_for(reader)
    dashboard = reverse("actionplans:dashboard", args=[agreement.slug])
    assert _no_store(client.get(dashboard))

    client.post(reverse("logout"))
    again = client.get(dashboard)

    assert again.status_code == 302
    assert again["Location"].startswith(reverse("login"))
