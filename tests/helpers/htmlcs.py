"""HTML_CodeSniffer (npm's ``@pa11y/html_codesniffer``), the engine Pa11y runs, in a real page.

Pa11y itself needs puppeteer's own Chrome download; its engine runs just as well in the pages
the browser tests already open. ``htmlcs_errors(page)`` runs the WCAG 2.1 AA sniffs
(``WCAG2AA``) on the page as it is now and gives its errors (type 1) as ``(code, message,
element)``; warnings and notices ask a person to judge and are not returned.

HTMLCS.js is served to the page as a same-origin script (``/__htmlcs__/HTMLCS.js``, answered by
Playwright, not by the portal), so the portal's strict CSP (``script-src 'self'``) stays in force
while the check runs: ``add_script_tag(path=...)`` would insert an inline script the CSP blocks.

Without the script (``npm ci --prefix tests/tools``) the test is skipped with the reason, except
with ``CI=true``: there it fails, so the check cannot vanish from CI unnoticed.
"""

import os
from pathlib import Path

import pytest

HTMLCS_JS = (
    Path(__file__).resolve().parents[1]
    / "tools/node_modules/@pa11y/html_codesniffer/build/HTMLCS.js"
)
SCRIPT_PATH = "/__htmlcs__/HTMLCS.js"
ERROR = 1  # HTMLCS.ERROR; 2 is a warning, 3 a notice.

RUN = """(errorType) => new Promise((resolve, reject) => {
    HTMLCS.process('WCAG2AA', document, () => {
        resolve(HTMLCS.getMessages()
            .filter(message => message.type === errorType)
            .map(message => {
                const el = message.element;
                let where = el && el.nodeType === Node.ELEMENT_NODE ? el.outerHTML : String(el);
                if (where.length > 200) where = where.slice(0, 200) + '…';
                return [message.code, message.msg, where];
            }));
    }, () => reject(new Error('HTML_CodeSniffer could not load WCAG2AA')), 'en');
})"""


def require_htmlcs() -> Path:
    """The path of HTMLCS.js; skips (fails under ``CI=true``) when it is not installed."""
    if not HTMLCS_JS.exists():
        reason = f"HTML_CodeSniffer cannot run: missing {HTMLCS_JS} (npm ci --prefix tests/tools)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return HTMLCS_JS


def serve_htmlcs(page) -> None:
    """Answer ``SCRIPT_PATH`` on the page's own origin with HTMLCS.js, for every page after."""
    body = require_htmlcs().read_bytes()
    page.route(
        f"**{SCRIPT_PATH}",
        lambda route: route.fulfill(
            status=200, body=body, content_type="application/javascript; charset=utf-8"
        ),
    )


def htmlcs_errors(page) -> list[tuple[str, str, str]]:
    """Run HTML_CodeSniffer's WCAG2AA sniffs on the page shown now (``serve_htmlcs`` first);
    return its errors as (code, message, element's HTML, shortened)."""
    page.add_script_tag(url=SCRIPT_PATH)
    return [tuple(error) for error in page.evaluate(RUN, ERROR)]
