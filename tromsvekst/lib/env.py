"""Strict helpers that read settings from environment variables.

A malformed value stops start-up with a clear message instead of being guessed at.
"""

import json
import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"True": True, "False": False}


def envstr(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Environment variable {name} is required but not set.")
    return value


def envbool(name: str, default: str) -> bool:
    value = os.environ.get(name, default)
    if value not in TRUE_WORDS:
        raise ImproperlyConfigured(f"{name} must be 'True' or 'False', not {value!r}.")
    return TRUE_WORDS[value]


def envint(name: str, default: str) -> int:
    value = os.environ.get(name, default)
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def envlist(name: str, default: str = "") -> list[str]:
    """A comma-separated list; empty items are refused ("a,,b")."""
    value = os.environ.get(name, default)
    if not value.strip():
        return []
    items = [item.strip() for item in value.split(",")]
    if any(not item for item in items):
        raise ImproperlyConfigured(f"{name} has an empty item: {value!r}.")
    return items


def envjson(name: str, default: str = "{}") -> dict:
    """A JSON object (``{"bucket_name": "tromsvekst"}``); anything else is refused."""
    value = os.environ.get(name, default)
    try:
        parsed = json.loads(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a JSON object, not {value!r}.") from None
    if not isinstance(parsed, dict):
        raise ImproperlyConfigured(f"{name} must be a JSON object, not {value!r}.")
    return parsed


def database_from_url(url: str, base_dir: Path) -> dict:
    """Turn a DATABASE_URL into a Django DATABASES entry.

    Accepts ``sqlite:///relative/path.sqlite3``, ``sqlite:////absolute/path`` and
    ``postgres://user:password@host:port/name`` (``postgresql://`` too).
    """
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        if parts.netloc or not path or path == "/":
            raise ImproperlyConfigured(
                f"DATABASE_URL {url!r}: write sqlite:///relative/path or sqlite:////absolute/path."
            )
        file = Path(path[1:])  # "/var/x" is relative, "//srv/x" absolute
        if not file.is_absolute():
            file = base_dir / file
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(file)}
    if parts.scheme in ("postgres", "postgresql"):
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ImproperlyConfigured(f"DATABASE_URL {url!r} names no database.")
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfigured(f"DATABASE_URL {url!r} has a malformed port.") from None
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            # The parameters travel apart from the SQL (server-side binding), so that a query
            # run again on the same connection is parsed and planned once (psycopg's prepared
            # statements, from its second run): a page's dozen small queries each cost more
            # to parse and plan than to answer (docs/benchmarks.md, #14).
            "OPTIONS": {"server_side_binding": True, "prepare_threshold": 1},
        }
    raise ImproperlyConfigured(
        f"DATABASE_URL {url!r}: the scheme must be sqlite or postgres, not {parts.scheme!r}."
    )
