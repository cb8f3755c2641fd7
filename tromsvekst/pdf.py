"""PDF rendering with WeasyPrint, shared by the meeting brief and the evaluation report.

Stylesheets, fonts and images are read from the project's static files on disk through a URL
fetcher; nothing is ever fetched over the network. Title, author and language come from the
template's ``<title>``, ``<meta name="author">`` and ``<html lang>``.
"""

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

STATIC_PREFIX = "/" + settings.STATIC_URL.lstrip("/")
BASE_URL = "https://pdf.invalid" + STATIC_PREFIX


class PdfUnavailable(RuntimeError):
    """WeasyPrint or the system libraries it needs (Pango) are missing."""


def static_file(url: str) -> Path | None:
    """The file on disk behind a static URL (``/static/css/x.css`` or the PDF base URL)."""
    path = unquote(urlsplit(url).path)
    if not path.startswith(STATIC_PREFIX):
        return None
    found = finders.find(path[len(STATIC_PREFIX) :])
    return Path(found) if found else None


def _fetcher():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            path = static_file(url)
            if path is None:
                raise ValueError(f"Refusing to fetch {url!r} while making a PDF.")
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": kind})

    return StaticOnlyFetcher()


def render_pdf(template: str, context: dict, **options) -> bytes:
    """Render a template to PDF bytes; ``options`` go to WeasyPrint's ``write_pdf``."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # WeasyPrint, or the Pango it loads, is missing
        raise PdfUnavailable(str(exc)) from exc
    html = render_to_string(template, context)
    return HTML(string=html, base_url=BASE_URL, url_fetcher=_fetcher()).write_pdf(**options)
