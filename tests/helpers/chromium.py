"""Debian's chromium, driven through Playwright's sync API: one browser per test process.

Every real-browser test (tests/browser/, and the production run in tests/production/) takes the
session-scoped ``browser`` fixture of tests/conftest.py: Playwright's sync API runs an event loop
in the test's thread, so a second ``sync_playwright()`` in the same process fails.
"""

import os
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MISSING_CHROMIUM = f"{CHROMIUM} not found: install Debian's chromium to run the browser tests"


def chromium_or_skip() -> None:
    """Skip without chromium; under CI=true a missing browser is an error, not a skip."""
    import pytest

    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{MISSING_CHROMIUM} (CI=true, so this is an error, not a skip).")
        pytest.skip(MISSING_CHROMIUM)
