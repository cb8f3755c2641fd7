"""How a person is named on pages, in e-mails and in files."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractUser


def display_name(user: AbstractUser) -> str:
    """The user's full name, or the username when no name is given."""
    return user.get_full_name() or user.get_username()


def name_from_columns(first_name: str, last_name: str, username: str) -> str:
    """``display_name`` from the user's columns (Django's full name is first and last name,
    stripped), for reads that take values, not users."""
    return f"{first_name} {last_name}".strip() or username
