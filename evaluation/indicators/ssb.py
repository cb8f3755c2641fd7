"""Fetching an indicator's table from Statistics Norway's API (PxWebApi v2) as JSON-stat 2.

``fetch_table(table, query)`` asks
``{SSB_API_URL}/tables/{table}/data?lang=no&outputFormat=json-stat2&{query}`` and returns the
answer's bytes, which then go through the same reading, choice, preview and confirm steps as an
uploaded file. Bounded as an upload is: only http and https (no other scheme, also not by a
redirect), at most the import's size limit (``INDICATOR_IMPORT_MAX_BYTES``), and at most
``SSB_API_TIMEOUT`` seconds for the whole answer, not only per read. Every failure is an
``SsbFetchError`` with a Norwegian message; nothing is stored by this module.
"""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request
from http.client import HTTPException
from io import BufferedIOBase
from urllib.parse import parse_qsl, urlencode, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from tromsvekst.lib import uploads

from .values import max_upload_bytes

TABLE_RE = re.compile(r"[0-9]{5}")
# What a PxWebApi v2 query holds: parameter names with brackets, codes, commas, top(5), 2020*.
QUERY_RE = re.compile(r"[A-Za-z0-9_\-\[\]=&,.():*+%]*")
QUERY_MAX = 1000
# Set by this module, whatever the query says.
FIXED_PARAMETERS = {"lang", "outputformat", "outputformatparams"}
CHUNK = 64 * 1024


class SsbFetchError(Exception):
    """The table could not be fetched; ``message`` says why, in Norwegian."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def check_query(query: str) -> str | None:
    """A Norwegian message if ``query`` cannot be a PxWebApi query, else None."""
    if len(query) > QUERY_MAX:
        return _("Spørringen kan være høyst %(max)s tegn.") % {"max": QUERY_MAX}
    if not QUERY_RE.fullmatch(query):
        return _(
            "Spørringen kan bare ha bokstaver a–z, tall og tegnene [ ] = & , . ( ) * + - _ %, "
            "for eksempel valueCodes[Region]=1806,5503&valueCodes[Tid]=top(5)."
        )
    return None


def table_url(table: str, query: str) -> str:
    """The address of the table's data as JSON-stat 2, in Norwegian."""
    base = str(settings.SSB_API_URL).rstrip("/")
    pairs = [
        (name, value)
        for name, value in parse_qsl(query.lstrip("?&"), keep_blank_values=True)
        if name.lower() not in FIXED_PARAMETERS
    ]
    parameters = urlencode([("lang", "no"), ("outputFormat", "json-stat2"), *pairs], safe="[],():*")
    return f"{base}/tables/{table}/data?{parameters}"


def fetch_table(table: str, query: str) -> bytes:
    """The JSON-stat 2 answer for ``table`` and ``query``; SsbFetchError on any failure."""
    if not TABLE_RE.fullmatch(table):
        raise SsbFetchError(_("Indikatoren har ikke et gyldig SSB-tabellnummer (fem sifre)."))
    problem = check_query(query)
    if problem:
        raise SsbFetchError(problem)
    url = table_url(table, query)
    if urlsplit(url).scheme not in ("http", "https"):
        raise SsbFetchError(
            _("Adressen til SSBs API (innstillingen SSB_API_URL) må begynne med https://.")
        )
    return _get(url, timeout=float(settings.SSB_API_TIMEOUT), limit=max_upload_bytes())


def _opener() -> urllib.request.OpenerDirector:
    """HTTP and HTTPS only: a redirect to ftp:// or file:// fails instead of being followed."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(),
        urllib.request.HTTPRedirectHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


def _get(url: str, *, timeout: float, limit: int) -> bytes:
    # The scheme is checked (http or https) before, and the opener follows no other.
    request = urllib.request.Request(  # noqa: S310
        url, headers={"Accept": "application/json", "User-Agent": "tromsvekst-portal"}
    )
    deadline = time.monotonic() + timeout
    try:
        with _opener().open(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > limit:
                raise SsbFetchError(_too_large(limit))
            return _read(response, deadline=deadline, limit=limit, timeout=timeout)
    except urllib.error.HTTPError as exc:
        # A redirect to an address that is not http or https ends here too (code 3xx).
        if exc.code < 400:
            raise SsbFetchError(_unreachable()) from None
        raise SsbFetchError(_http_message(exc.code)) from None
    except TimeoutError:
        raise SsbFetchError(_slow(timeout)) from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise SsbFetchError(_slow(timeout)) from None
        raise SsbFetchError(_unreachable()) from None
    except (HTTPException, OSError, ValueError):
        raise SsbFetchError(_unreachable()) from None


def _read(response: BufferedIOBase, *, deadline: float, limit: int, timeout: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > deadline:
            raise SsbFetchError(_slow(timeout))
        # read1: at most one read from the socket, so that a server sending a few bytes at a
        # time is stopped at the deadline, not when the whole chunk has trickled in.
        chunk = response.read1(CHUNK)
        if not chunk:
            break
        size += len(chunk)
        if size > limit:
            raise SsbFetchError(_too_large(limit))
        chunks.append(chunk)
    if time.monotonic() > deadline:
        raise SsbFetchError(_slow(timeout))
    return b"".join(chunks)


def _http_message(code: int) -> str:
    if code in (400, 404):
        return _(
            "SSB fant ikke tabellen eller godtok ikke spørringen (HTTP %(code)s). Kontroller "
            "tabellnummeret og spørringen på indikatoren."
        ) % {"code": code}
    if code == 429:
        return _("SSB har fått for mange forespørsler. Vent et minutt og prøv igjen.")
    return _(
        "SSBs API svarte med en feil (HTTP %(code)s). Prøv igjen senere, eller last ned "
        "tabellen som JSON-stat 2 og last opp filen."
    ) % {"code": code}


def _slow(timeout: float) -> str:
    return _(
        "SSBs API svarte ikke innen %(seconds)s sekunder. Prøv igjen senere, eller last ned "
        "tabellen som JSON-stat 2 og last opp filen."
    ) % {"seconds": f"{timeout:g}"}


def _unreachable() -> str:
    return _(
        "Fikk ikke kontakt med SSBs API. Prøv igjen senere, eller last ned tabellen som "
        "JSON-stat 2 og last opp filen."
    )


def _too_large(limit: int) -> str:
    return _(
        "Svaret fra SSB er større enn %(max)s MB. Velg færre kommuner, år eller kategorier i "
        "spørringen."
    ) % {"max": uploads.megabytes(limit)}
