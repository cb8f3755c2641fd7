"""Configuration a deployment depends on: HSTS preloading is opt-in, `make run PORT=…` sends
links to that port, and stored files go wherever ``MEDIA_STORAGE`` says."""

import re
import secrets
import subprocess
import sys

import pytest
from django.core.files.storage import InMemoryStorage, storages

from tests.evaluation._evaluation_helpers import build_history, new_evaluation, rate_all
from tests.production._portal import (
    BASE_DIR,
    BEHIND_TLS_PROXY,
    clean_environment,
    production_environment,
)

PRODUCTION = {
    "DEBUG": "False",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "tromsvekst.example.no",
    "CSRF_TRUSTED_ORIGINS": "https://tromsvekst.example.no",
}
PRINT_SETTINGS = (
    "from django.conf import settings; from django.core.files.storage import storages; "
    "print(settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
    "settings.SECURE_HSTS_PRELOAD, type(storages['default']).__name__)"
)


def run_manage(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = clean_environment(
        DATABASE_URL=f"sqlite:///{tmp_path}/tromsvekst.sqlite3", **PRODUCTION, **env
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def settings_of(tmp_path, **env: str) -> list[str]:
    result = run_manage(tmp_path, "shell", "--no-imports", "-c", PRINT_SETTINGS, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


# --- HSTS preloading --------------------------------------------------------------------------


def test_hsts_preload_is_off_by_default_even_with_https(tmp_path):
    seconds, subdomains, preload, _storage = settings_of(tmp_path, HTTPS="True")

    assert (seconds, subdomains, preload) == ("31536000", "True", "False")


def test_hsts_preload_can_be_asked_for(tmp_path):
    assert settings_of(tmp_path, HTTPS="True", SECURE_HSTS_PRELOAD="True")[2] == "True"


def test_the_deployment_checks_accept_hsts_without_preload(tmp_path):
    result = run_manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", HTTPS="True")

    assert result.returncode == 0, result.stdout + result.stderr


def test_hsts_header_has_no_preload_by_default(client, settings):
    """What the browser sees: ``Strict-Transport-Security`` without ``preload``."""
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/helse/", secure=True)

    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


# --- make run PORT=… ----------------------------------------------------------------------------


def make_run(*args: str, **env: str) -> str:
    environment = clean_environment(**env)
    environment.pop("SITE_URL", None)
    environment.update(env)
    result = subprocess.run(
        ["make", "-n", "run", *args],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    (serve,) = [line for line in result.stdout.splitlines() if "runserver" in line]
    return serve


def test_make_run_on_another_port_points_links_at_that_port():
    assert "SITE_URL=http://127.0.0.1:8123 " in make_run("PORT=8123")
    assert "runserver 127.0.0.1:8123" in make_run("PORT=8123")
    assert "SITE_URL=http://127.0.0.1:8000 " in make_run()


def test_make_run_keeps_a_site_url_that_is_given():
    given = make_run("PORT=8123", SITE_URL="https://tromsvekst.example.no")
    assert "SITE_URL=https://tromsvekst.example.no " in given
    assert "SITE_URL=http://a.example:1 " in make_run("PORT=8123", "SITE_URL=http://a.example:1")


# --- Stored files through the storage API -------------------------------------------------------


def test_media_storage_chooses_the_backend(tmp_path):
    assert settings_of(tmp_path)[3] == "FileSystemStorage"
    chosen = settings_of(tmp_path, MEDIA_STORAGE="django.core.files.storage.InMemoryStorage")
    assert chosen[3] == "InMemoryStorage"


@pytest.mark.parametrize("options", ["[1]", "{bucket", "null"])
def test_media_storage_options_must_be_a_json_object(tmp_path, options):
    result = run_manage(tmp_path, "check", MEDIA_STORAGE_OPTIONS=options)

    assert result.returncode != 0
    assert "MEDIA_STORAGE_OPTIONS must be a JSON object" in result.stderr


@pytest.fixture
def in_memory_storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {  # as MEDIA_STORAGE=django.core.files.storage.InMemoryStorage
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    # Django's setting_changed receiver resets ``storages`` and ``default_storage``.
    return storages["default"]


def test_a_final_report_is_stored_by_the_configured_backend(
    agreement, coordinator, client_for, in_memory_storage, monkeypatch
):
    """A shared or object storage backend gets the frozen PDF; nothing goes to MEDIA_ROOT."""
    from django.conf import settings

    monkeypatch.setattr(
        "evaluation.report.render_report_pdf", lambda evaluation: b"%PDF-1.7\n%%EOF\n"
    )
    evaluation = new_evaluation(agreement, [build_history(agreement).plan])
    rate_all(evaluation)

    response = client_for(coordinator).post(
        f"/evalueringer/{evaluation.pk}/ferdigstill/", {"confirm": "1"}
    )

    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert isinstance(in_memory_storage, InMemoryStorage)
    assert in_memory_storage.exists(evaluation.final_pdf.name)
    with in_memory_storage.open(evaluation.final_pdf.name) as stored:
        assert stored.read() == b"%PDF-1.7\n%%EOF\n"
    assert not settings.MEDIA_ROOT.exists()
    download = client_for(coordinator).get(f"/evalueringer/{evaluation.pk}/rapport.pdf")
    assert b"".join(download) == b"%PDF-1.7\n%%EOF\n"


# --- README's «Production» is what the production-configured run does ---------------------------


def _production_section() -> str:
    readme = (BASE_DIR / "README.md").read_text(encoding="utf-8")
    return readme[readme.index("## Production\n") : readme.index("### Backups\n")]


def test_readme_production_variables_are_the_ones_the_run_sets(tmp_path):
    section = _production_section()
    documented = set(re.findall(r"^ {7}([A-Z][A-Z0-9_]+)=", section, re.M))
    run = production_environment(
        database_url="postgres://x@127.0.0.1/x", root=tmp_path, smtp_port=25, site_url="http://x"
    )

    assert documented, "README's Production section lists no variables"
    assert documented == set(run) - {"HTTPS"} | set(BEHIND_TLS_PROXY) - {"HTTPS"}
    assert "`HTTPS=False`" in section  # the one difference, said in the README


# Each step of the README, and how the run's code says it (quotes and commas of an argument list).
STEPS = {
    "createdb tromsvekst": r"CREATE DATABASE",
    "manage.py migrate": r'"migrate"',
    "manage.py collectstatic --noinput": r'"collectstatic",\s*"--noinput"',
    "manage.py load_agreement": r'"load_agreement"',
    "manage.py check --deploy": r'"check",\s*"--deploy"',
    "gunicorn tromsvekst.wsgi --workers 2": r'"gunicorn",\s*"tromsvekst.wsgi",\s*"--workers",\s*"2"',
    "manage.py send_reminders": r'"send_reminders"',
}


@pytest.mark.parametrize("step", list(STEPS))
def test_readme_production_steps_are_the_ones_the_run_takes(step):
    run = "\n".join(
        (BASE_DIR / "tests" / "production" / name).read_text(encoding="utf-8")
        for name in ("_portal.py", "conftest.py", "test_production_run.py")
    )

    assert step in _production_section()
    assert re.search(STEPS[step], run), f"the production run does not do: {step}"
