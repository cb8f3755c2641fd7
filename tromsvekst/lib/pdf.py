"""PDF rendering with WeasyPrint, shared by the meeting brief and the evaluation report.

Every PDF is tagged PDF/A-3b (the archive format the report is frozen in), unless a caller asks
for other ``write_pdf`` options. Title, author and language come from the template's
``<title>``, ``<meta name="author">`` and ``<html lang>``.

Stylesheets, fonts and images are read from the project's static files on disk through a URL
fetcher; nothing is ever fetched over the network. A static URL is resolved the way the site
serves it, in any configuration: by the staticfiles finders (development, ``DEBUG=True``), from
``STATIC_ROOT`` (after ``collectstatic``), and with the content hash that the manifest storage puts
in names (``css/report-pdf.3f2a….css``, and the fonts the collected stylesheet points to) taken
off again when only the source file can be found.

WeasyPrint tags every inline ``<svg>`` and ``<img>`` as a ``/Figure``, and PDF/A and PDF/UA want
a text alternative (``/Alt``) on each; it takes an svg's own ``<title>`` or an img's ``alt``.
``describe_figures`` gives every svg without a ``<title>`` one before rendering: its
``aria-label``, or, for an icon or bar hidden from screen readers on the page
(``aria-hidden="true"``, decoration beside its text), the text it stands beside.

A PDF whose stylesheet, fonts or images could not be loaded is never returned: WeasyPrint would
quietly fall back to its default style and a system font, and a finalised report would freeze that
for good. ``render_pdf`` raises ``PdfIncomplete`` instead (a ``PdfUnavailable``, so callers that
already answer "PDF kan ikke lages" handle it) and logs what was missing.
"""

import logging
import mimetypes
import re
import threading
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

PDF_HOST = "https://pdf.invalid"
DEFAULT_OPTIONS = {"pdf_variant": "pdf/a-3b", "pdf_tags": True}

# ``name.0123456789ab.ext``: the 12 hex digits of ManifestStaticFilesStorage (and WhiteNoise's).
_HASHED = re.compile(r"^(?P<stem>.+)\.[0-9a-f]{12}(?P<ext>\.[^./]+)$")

# WeasyPrint's messages for a resource it could not use (it logs them and goes on without).
_LOAD_FAILURES = (
    "Failed to load",
    "cannot be loaded",
    "Failed to render SVG",
)


class PdfUnavailable(RuntimeError):
    """WeasyPrint or the system libraries it needs (Pango) are missing, or it could not make a
    complete PDF."""


class PdfIncomplete(PdfUnavailable):
    """A stylesheet, font or image of the PDF could not be loaded; ``missing`` says which."""

    def __init__(self, missing: list[str]):
        self.missing = missing
        super().__init__("PDF resources could not be loaded: " + "; ".join(missing))


def static_prefix() -> str:
    """The path part of ``STATIC_URL`` with slashes on both sides (``/static/``)."""
    path = urlsplit(settings.STATIC_URL).path
    return "/" + path.strip("/") + "/" if path.strip("/") else "/"


def base_url() -> str:
    """The base URL templates are rendered against; relative URLs resolve under STATIC_URL."""
    return PDF_HOST + static_prefix()


def _storage_file(name: str) -> Path | None:
    """``name`` in STATIC_ROOT, if the static files storage keeps files on this disk."""
    try:
        path = Path(staticfiles_storage.path(name))
    except (NotImplementedError, ValueError):  # remote storage, or a name outside its root
        return None
    except Exception:  # noqa: BLE001 (a storage misconfigured for paths is just not usable here)
        return None
    return path if path.is_file() else None


def static_file(url: str) -> Path | None:
    """The file on disk behind a static URL, hashed or not, or None.

    ``url`` is a full URL (relative ones are resolved against ``base_url()`` by WeasyPrint) or a
    path. Only its path counts: a host never leads to a network fetch. The file is looked up by
    the staticfiles finders, then in STATIC_ROOT, then (for a manifest-hashed name) as the
    source file without the hash.
    """
    path = unquote(urlsplit(url).path)
    prefix = static_prefix()
    if not path.startswith(prefix):
        return None
    name = path[len(prefix) :]
    if not name or ".." in Path(name).parts:
        return None
    found = finders.find(name)
    if found:
        return Path(found)
    stored = _storage_file(name)
    if stored:
        return stored
    hashed = _HASHED.match(name)
    if hashed:
        found = finders.find(hashed["stem"] + hashed["ext"])
        if found:
            return Path(found)
    return None


class _FailureLog(logging.Handler):
    """Collects WeasyPrint's "could not load" messages logged by this thread."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.thread:
            return
        message = record.getMessage()
        if any(marker in message for marker in _LOAD_FAILURES):
            self.messages.append(message)


SVG = "{http://www.w3.org/2000/svg}"
_ALT_MAX = 300


def _text_outside_svg(element: ElementTree.Element) -> str:
    """The text of ``element`` without the text inside svg elements (chart labels)."""
    parts = [element.text or ""] if not str(element.tag).startswith(SVG) else []
    for child in element:
        if not str(child.tag).startswith(SVG):
            parts.append(_text_outside_svg(child))
        parts.append(child.tail or "")
    return " ".join(" ".join(parts).split())


def describe_figures(root: ElementTree.Element) -> list[ElementTree.Element]:
    """Give every ``<svg>`` under ``root`` (an ElementTree element) without a ``<title>`` child
    one, so that WeasyPrint writes it as the ``/Alt`` of the svg's ``/Figure``: its
    ``aria-label``, else (for an ``aria-hidden`` svg) the text of the nearest ancestor that has
    text outside svg. Returns the svgs it could not describe (the caller logs them)."""
    from xml.etree.ElementTree import Element

    parents = {child: parent for parent in root.iter() for child in parent}
    undescribed = []
    for svg in [element for element in root.iter() if element.tag == SVG + "svg"]:
        title = svg.find(SVG + "title")
        if title is not None and (title.text or "").strip():
            continue
        alt = (svg.get("aria-label") or "").strip()
        if not alt and svg.get("aria-hidden") == "true":
            ancestor = parents.get(svg)
            while ancestor is not None and not alt:
                alt = _text_outside_svg(ancestor)
                ancestor = parents.get(ancestor)
        if not alt:
            undescribed.append(svg)
            continue
        if len(alt) > _ALT_MAX:
            alt = alt[: _ALT_MAX - 1].rsplit(" ", 1)[0] + "…"
        if title is None:
            title = Element(SVG + "title")
            svg.insert(0, title)
        title.text = alt
    return undescribed


def _fetcher(missing: list[str]) -> Any:  # a weasyprint URLFetcher; weasyprint has no types
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url: str, headers: dict[str, str] | None = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            path = static_file(url)
            if path is None:
                missing.append(url)
                raise ValueError(f"Refusing to fetch {url!r} while making a PDF.")
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": kind})

    return StaticOnlyFetcher()


def render_pdf(template: str, context: dict[str, Any], **options: Any) -> bytes:
    """Render a template to PDF bytes; ``options`` go to WeasyPrint's ``write_pdf`` on top of
    ``DEFAULT_OPTIONS`` (tagged PDF/A-3b).

    Raises ``PdfUnavailable`` when WeasyPrint cannot run, and ``PdfIncomplete`` when a
    stylesheet, font or image the template refers to could not be loaded.
    """
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # WeasyPrint, or the Pango it loads, is missing
        raise PdfUnavailable(str(exc)) from exc
    html = render_to_string(template, context)
    missing: list[str] = []
    failures = _FailureLog()
    weasy_logger = logging.getLogger("weasyprint")
    weasy_logger.addHandler(failures)
    try:
        document = HTML(string=html, base_url=base_url(), url_fetcher=_fetcher(missing))
        for svg in describe_figures(document.etree_element):
            logger.warning("PDF %s: an svg without a text alternative (%s)", template, svg.attrib)
        pdf: bytes = document.write_pdf(**(DEFAULT_OPTIONS | options))
    finally:
        weasy_logger.removeHandler(failures)
    problems = list(dict.fromkeys(missing + failures.messages))
    if problems:
        logger.error("PDF %s not made, resources missing: %s", template, "; ".join(problems))
        raise PdfIncomplete(problems)
    return pdf
