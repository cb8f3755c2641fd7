"""Settings come from the environment, and a malformed value stops the portal from starting."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from tromsvekst.lib.env import database_from_url, envbool, envint, envlist, envstr

BASE_DIR = Path(settings.BASE_DIR)

# --- The helpers --------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [("True", True), ("False", False)])
def test_envbool_reads_true_and_false(monkeypatch, value, expected):
    monkeypatch.setenv("X", value)
    assert envbool("X", "False") is expected


def test_envbool_falls_back_to_its_default(monkeypatch):
    monkeypatch.delenv("X", raising=False)
    assert envbool("X", "True") is True


@pytest.mark.parametrize("value", ["yes", "1", "true", "TRUE", "on", "", " True"])
def test_envbool_refuses_anything_else(monkeypatch, value):
    monkeypatch.setenv("X", value)
    with pytest.raises(ImproperlyConfigured, match="X must be 'True' or 'False'"):
        envbool("X", "False")


def test_envint(monkeypatch):
    monkeypatch.setenv("X", "36000")
    assert envint("X", "0") == 36000
    monkeypatch.setenv("X", "abc")
    with pytest.raises(ImproperlyConfigured, match="X must be a whole number, not 'abc'"):
        envint("X", "0")


def test_envlist(monkeypatch):
    monkeypatch.setenv("X", "a.example.no, b.example.no")
    assert envlist("X") == ["a.example.no", "b.example.no"]
    monkeypatch.setenv("X", "")
    assert envlist("X") == []
    monkeypatch.setenv("X", "a,,b")
    with pytest.raises(ImproperlyConfigured, match="X has an empty item"):
        envlist("X")
    monkeypatch.setenv("X", "a,")
    with pytest.raises(ImproperlyConfigured):
        envlist("X")


def test_envstr_without_a_default_is_required(monkeypatch):
    monkeypatch.delenv("X", raising=False)
    with pytest.raises(ImproperlyConfigured, match="X is required"):
        envstr("X")
    assert envstr("X", "standard") == "standard"


def test_database_url_sqlite_relative_and_absolute(tmp_path):
    relative = database_from_url("sqlite:///var/tromsvekst.sqlite3", tmp_path)
    assert relative == {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(tmp_path / "var" / "tromsvekst.sqlite3"),
    }
    absolute = database_from_url("sqlite:////srv/tromsvekst/db.sqlite3", tmp_path)
    assert absolute["NAME"] == "/srv/tromsvekst/db.sqlite3"


def test_database_url_postgres_parts(tmp_path):
    db = database_from_url("postgres://tv%40user:p%2Fss@db.example.no:6543/tromsvekst", tmp_path)
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "tromsvekst",
        "tv@user",
        "p/ss",
        "db.example.no",
        "6543",
    )
    # Parameters sent apart from the SQL, and a query run again on a connection prepared.
    assert db["OPTIONS"] == {"server_side_binding": True, "prepare_threshold": 1}
    local = database_from_url("postgresql://postgres@127.0.0.1/tromsvekst", tmp_path)
    assert (local["USER"], local["PASSWORD"], local["HOST"], local["PORT"]) == (
        "postgres",
        "",
        "127.0.0.1",
        "",
    )


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("mysql://user@host/tromsvekst", "scheme must be sqlite or postgres"),
        ("postgres://host", "names no database"),
        ("postgres://host/", "names no database"),
        ("postgres://host:port/tromsvekst", "malformed port"),
        ("sqlite://", "sqlite:///relative/path"),
        ("sqlite://host/db.sqlite3", "sqlite:///relative/path"),
        ("tromsvekst.sqlite3", "scheme must be"),
    ],
)
def test_database_url_refuses_what_it_cannot_use(tmp_path, url, complaint):
    with pytest.raises(ImproperlyConfigured, match=re.escape(complaint)):
        database_from_url(url, tmp_path)


# --- Starting the portal as in production ---------------------------------------------------------


def _names_the_settings_read() -> set[str]:
    source = (BASE_DIR / "tromsvekst" / "settings.py").read_text(encoding="utf-8")
    return set(re.findall(r"env(?:str|bool|int|list)\(\s*\"([A-Z0-9_]+)\"", source))


def run_manage(tmp_path: Path, *args: str, **env: str | None) -> subprocess.CompletedProcess:
    """``manage.py`` in a fresh process, with none of this test run's settings in its environment.

    Every variable the settings read is removed first (and pytest's own marker), then ``env``
    is applied: a value sets a variable, ``None`` leaves it unset.
    """
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in _names_the_settings_read() and not key.startswith(("PYTEST_", "DJANGO_"))
    }
    clean["DJANGO_SETTINGS_MODULE"] = "tromsvekst.settings"
    clean["DATABASE_URL"] = f"sqlite:///{tmp_path}/tromsvekst.sqlite3"  # absolute: 4 slashes
    for key, value in env.items():
        if value is None:
            clean.pop(key, None)
        else:
            clean[key] = value
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


PRODUCTION = {
    "DEBUG": "False",
    "SECRET_KEY": secrets.token_urlsafe(45),  # 60 characters
    "ALLOWED_HOSTS": "tromsvekst.example.no",
    "CSRF_TRUSTED_ORIGINS": "https://tromsvekst.example.no",
}


def test_the_settings_read_the_variables_this_test_clears():
    assert {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"} <= _names_the_settings_read()
    assert len(PRODUCTION["SECRET_KEY"]) == 60


def test_a_production_configuration_passes_the_deployment_checks(tmp_path):
    result = run_manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_without_debug_a_secret_key_is_required(tmp_path):
    result = run_manage(tmp_path, "check", **{**PRODUCTION, "SECRET_KEY": None})

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "ImproperlyConfigured" in result.stderr


def test_without_debug_a_short_secret_key_is_refused(tmp_path):
    result = run_manage(tmp_path, "check", **{**PRODUCTION, "SECRET_KEY": "for-kort"})

    assert result.returncode != 0
    assert "SECRET_KEY must be at least 50" in result.stderr


def test_debug_must_be_true_or_false(tmp_path):
    result = run_manage(tmp_path, "check", **{**PRODUCTION, "DEBUG": "yes"})

    assert result.returncode != 0
    assert "DEBUG must be 'True' or 'False', not 'yes'" in result.stderr


def test_debug_is_off_unless_asked_for(tmp_path):
    result = run_manage(
        tmp_path,
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.DEBUG)",
        **PRODUCTION | {"DEBUG": None},
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
