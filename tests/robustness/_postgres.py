"""Shared by the robustness tests that only mean something on PostgreSQL (row locks, pg_dump).

Locally (SQLite) they are skipped with the reason; in CI (``CI=true``) a database other than
PostgreSQL fails them, so they can never be skipped there unnoticed.
"""

import os

import pytest
from django.db import connection


def require_postgresql(why: str) -> None:
    if connection.vendor == "postgresql":
        return
    message = (
        f"{why} Needs PostgreSQL, the database is {connection.vendor}: run with "
        "DATABASE_URL=postgres://postgres@127.0.0.1:5432/tromsvekst."
    )
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("CI=true, so this must run: " + message, pytrace=False)
    pytest.skip(message)
