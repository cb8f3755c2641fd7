"""Real-browser journeys: Playwright's sync API driving Debian's chromium against a live server.

Every test in this folder is marked ``browser`` (``pytest -m "not browser"`` leaves them out).
Without /usr/bin/chromium they are skipped with the reason shown at the end of the run; with
``CI=true`` a missing chromium is an error, so CI cannot pass by skipping them.
"""

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.test import override_settings

from agreements.loader import agreement_load, read_agreement_file
from tests.helpers.chromium import CHROMIUM, MISSING_CHROMIUM
from tromsvekst.demo.users import demo_users_load

# Playwright's sync API runs an asyncio event loop in the test's thread, and Django refuses ORM
# calls from a thread with a running loop unless told that this is safe (it is: one thread).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

HERE = Path(__file__).resolve().parent
SCREENSHOTS = settings.BASE_DIR / "test-artifacts" / "screenshots"
AGREEMENT_FILE = "tromsvekstavtalen-halogaland.json"
DESKTOP = {"width": 1280, "height": 800}
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    # Only the violations are read; this keeps axe from serialising every passing node.
    "resultTypes": ["violations"],
}
# Whatever the environment says (HTTPS=True, STATIC_MANIFEST=True), the live server speaks plain
# HTTP and serves static files from the finders, without collectstatic.
SERVER_SETTINGS = {
    "SECURE_SSL_REDIRECT": False,
    "SECURE_HSTS_SECONDS": 0,
    "SESSION_COOKIE_SECURE": False,
    "CSRF_COOKIE_SECURE": False,
    "STORAGES": {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    },
    # Five demo users are created for every test; the default hasher would take seconds.
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
}

_axe = Axe()


def _in_this_folder(item: pytest.Item) -> bool:
    return HERE in Path(item.path).resolve().parents


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # A conftest hook sees every collected item, not only this folder's.
    for item in items:
        if _in_this_folder(item):
            item.add_marker(pytest.mark.browser)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if CHROMIUM.exists() or os.environ.get("CI") == "true":
        return
    skipped = terminalreporter.stats.get("skipped", [])
    if any(HERE in Path(report.fspath).resolve().parents for report in skipped):
        terminalreporter.write_line(f"Browser tests skipped: {MISSING_CHROMIUM}.", yellow=True)


@pytest.fixture(scope="session")
def _server_settings():
    with override_settings(**SERVER_SETTINGS):
        yield


@pytest.fixture(scope="session")
def live_server(_server_settings, django_db_setup, live_server):
    """pytest-django's live server, started only after the settings above are in place (the
    security middleware reads SECURE_SSL_REDIRECT once, when the server starts) and after the
    test database exists (an in-memory SQLite database is shared with the server's thread)."""
    return live_server


@pytest.fixture
def demo_site(transactional_db):
    """What ``make run`` shows: the real Hålogaland agreement (public) and the demo users
    (password ``DEMO_PASSWORD``), loaded afresh for each test. Returns the agreement."""
    data = read_agreement_file(settings.FIXTURES_DIR / AGREEMENT_FILE)
    result = agreement_load(data=data)
    demo_users_load()
    return result.agreement


@pytest.fixture
def page(browser, live_server):
    """A page in a fresh browser context (no cookies), Norwegian, 1280 px wide.

    Console errors and uncaught exceptions (a blocked script, a CSP violation) fail the test.
    """
    context = browser.new_context(base_url=live_server.url, locale="nb-NO", viewport=DESKTOP)
    page = context.new_page()
    errors: list[str] = []
    # A test that asks for an error page on purpose names the answer it expects here
    # (``page.expected_errors.append("status of 404")``): Chromium logs every 4xx as an error.
    page.expected_errors = []
    page.on("pageerror", lambda exc: errors.append(f"uncaught exception: {exc}"))

    def on_console(message) -> None:
        url = message.location.get("url", "")
        text = f"console error: {message.text} ({url})"
        # Chromium asks for /favicon.ico on its own when a page names no icon.
        if message.type != "error" or url.endswith("/favicon.ico"):
            return
        if not any(expected in text for expected in page.expected_errors):
            errors.append(text)

    page.on("console", on_console)
    yield page
    context.close()
    if errors:
        pytest.fail("The browser reported errors:\n" + "\n".join(errors), pytrace=False)


def _assert_no_axe_violations(page) -> None:
    """Run axe-core (WCAG 2.0/2.1, A and AA) on the page as it is now."""
    __tracebackhide__ = True
    violations = _axe.run(page, options=AXE_OPTIONS).response["violations"]
    if not violations:
        return
    lines = [f"axe found {len(violations)} violation(s) on {page.url}:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}"
            f" <{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    at {target}")
            summary = " ".join((node.get("failureSummary") or "").split())
            if summary:
                lines.append(f"       {summary}")
    raise AssertionError("\n".join(lines))


def _save_screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """Save test-artifacts/screenshots/<name>.png for a person to look at (git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


@pytest.fixture
def assert_no_axe_violations():
    """``assert_no_axe_violations(page)``: fail with each violation's id, impact, help and nodes."""
    return _assert_no_axe_violations


@pytest.fixture
def save_screenshot():
    """``save_screenshot(page, name)``: a full-page PNG in test-artifacts/screenshots/."""
    return _save_screenshot
