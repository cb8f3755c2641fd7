"""The W3C Nu Html Checker (vnu.jar from npm's ``vnu-jar``) over many documents in one JVM.

Starting Java takes a second or more, so a test collects its documents first and checks them in
one call: ``check_html({"label": "<!doctype html>…", …})`` gives the errors as
``(label, line, message)``. Only errors count (``--errors-only``), not warnings.

Without Java or the jar the test is skipped with the reason, except with ``CI=true``: there it
fails, so the check cannot vanish from CI unnoticed. ``make test`` installs the jar
(``npm ci --prefix tests/tools``) and ``.ci/run`` installs Java (``default-jre-headless``).
"""

import json
import os
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

VNU_JAR = Path(__file__).resolve().parents[1] / "tools/node_modules/vnu-jar/build/dist/vnu.jar"

# A fragment (an htmx answer) is checked inside the smallest document that may hold it.
_SHELL = (
    '<!doctype html><html lang="nb"><head><meta charset="utf-8"><title>Fragment</title></head>'
    "<body>{before}{fragment}{after}</body></html>"
)
_TABLE_PARTS = {
    "tr": ("<table><tbody>", "</tbody></table>"),
    "td": ("<table><tbody><tr>", "</tr></tbody></table>"),
    "th": ("<table><tbody><tr>", "</tr></tbody></table>"),
    "tbody": ("<table>", "</table>"),
    "li": ("<ul>", "</ul>"),
}


def require_checker() -> list[str]:
    """The command that runs the checker; skips (fails under ``CI=true``) when it cannot run."""
    java = shutil.which("java")
    missing = []
    if java is None:
        missing.append("java (apt-get install default-jre-headless)")
    if not VNU_JAR.exists():
        missing.append(f"{VNU_JAR} (npm ci --prefix tests/tools)")
    if missing:
        reason = "The W3C Nu Html Checker cannot run: missing " + ", ".join(missing)
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return [java, "-Xss8m", "-jar", str(VNU_JAR)]


_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "wbr",
}


class _TopLevel(HTMLParser):
    """Splits a fragment into its top-level parts: (tag or "", text) in order."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=False)
        self.html = html
        self.depth = 0
        self.starts: list[tuple[int, str]] = []
        lines = html.splitlines(keepends=True)
        self._offsets = [0]
        for line in lines:
            self._offsets.append(self._offsets[-1] + len(line))
        self.feed(html)
        self.close()

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._offsets[line - 1] + column

    def handle_starttag(self, tag, attrs):
        if self.depth == 0:
            self.starts.append((self._offset(), tag))
        if tag not in _VOID:
            self.depth += 1

    def handle_startendtag(self, tag, attrs):
        if self.depth == 0:
            self.starts.append((self._offset(), tag))

    def handle_endtag(self, tag):
        self.depth = max(self.depth - 1, 0)

    def parts(self) -> list[tuple[str, str]]:
        bounds = [offset for offset, _ in self.starts] + [len(self.html)]
        head = self.html[: bounds[0]]
        parts = [("", head)] if head.strip() else []
        for (offset, tag), end in zip(self.starts, bounds[1:], strict=True):
            parts.append((tag, self.html[offset:end]))
        return parts


def as_document(html: str) -> str:
    """``html`` itself if it is a whole document, else the fragment inside a minimal one.

    htmx swaps each top-level element of an answer on its own (out-of-band ones elsewhere), so
    each is put in the parent it needs: a table row in a table, a list item in a list.
    """
    if html.lstrip()[:15].lower().startswith("<!doctype html"):
        return html
    body = []
    for tag, part in _TopLevel(html).parts():
        before, after = _TABLE_PARTS.get(tag, ("", ""))
        body.append(f"{before}{part}{after}")
    return _SHELL.format(before="", fragment="".join(body), after="")


def check_html(documents: dict[str, str]) -> list[tuple[str, int, str]]:
    """Check every document in one run of the checker; return its errors as (label, line, text)."""
    command = require_checker()
    with tempfile.TemporaryDirectory(prefix="vnu-") as tmp:
        files = {}
        for number, (label, html) in enumerate(documents.items()):
            path = Path(tmp) / f"doc{number:04d}.html"
            path.write_text(html, encoding="utf-8")
            files[path.name] = label
        result = subprocess.run(
            [*command, "--errors-only", "--format", "json", tmp],
            capture_output=True,
            text=True,
            timeout=600,
        )
    if not result.stderr.strip().startswith("{"):
        raise AssertionError(f"The Nu Html Checker did not run: {result.stderr[-2000:]}")
    errors = []
    for message in json.loads(result.stderr)["messages"]:
        if message.get("type") not in ("error", "non-document-error"):
            continue
        label = files.get(Path(message.get("url", "")).name, message.get("url", "?"))
        errors.append((label, message.get("lastLine", 0), message.get("message", "")))
    return errors
