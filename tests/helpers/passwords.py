"""Helpers for the password tests: the link in a password e-mail, setting a password through it,
and whether a person can log in (tests/security/test_password_links.py, test_invitations.py)."""

import re

from django.test import Client
from django.urls import reverse

NEW_PASSWORD = "nordlys-over-senja-2026"
LINK = re.compile(r"https?://\S+/nytt-passord/\S+/")


def link_in(message) -> str:
    found = LINK.findall(message.body)
    assert len(found) == 1, message.body
    return found[0].split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def set_password(link: str, password: str = NEW_PASSWORD, again: str | None = None):
    client = Client()
    form = client.get(link, follow=True)
    assert form.status_code == 200
    # Django moves the token into the session and redirects to .../set-password/.
    target = form.redirect_chain[-1][0] if form.redirect_chain else link
    return client, client.post(
        target, {"new_password1": password, "new_password2": again or password}, follow=True
    )


def can_log_in(username: str, password: str) -> bool:
    client = Client()
    client.post(reverse("login"), {"username": username, "password": password})
    return "_auth_user_id" in client.session
