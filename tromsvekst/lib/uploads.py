"""What every file upload shares: its size limit, checked before anything is parsed, and the
bounds on what an importer may spend reading it (error excerpts, an error limit, a time budget).

An import has its own limit in the settings (``PLAN_IMPORT_MAX_BYTES``,
``INDICATOR_IMPORT_MAX_BYTES``). It is checked twice:

1. ``body_too_large``: before Django parses the request at all, from the ``Content-Length`` the
   browser sends (the view is exempt from the CSRF middleware, which would parse the body first,
   and checks the CSRF token itself after this). A body larger than the limit plus room for the
   form's other fields is refused with 413 without being read.
2. ``read_limited``: the file itself, read at most one byte past its limit, so a file over the
   limit is never read whole, whatever the request claimed.

Django's own limits stay in force too: ``DATA_UPLOAD_MAX_MEMORY_SIZE`` for the fields other than
files, ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` and ``DATA_UPLOAD_MAX_NUMBER_FILES``; a file larger than
``FILE_UPLOAD_MAX_MEMORY_SIZE`` is spooled to a temporary file instead of memory.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.http import HttpRequest
from django.utils.formats import number_format
from django.utils.translation import gettext as _

# Room in a multipart body for the boundaries, the part headers and the small fields beside the
# file (the CSRF token, a source note).
ENVELOPE_BYTES = 64 * 1024


def megabytes(size: int, *, round_up: bool = False) -> str:
    """«5», «0,5», «2,1»: a size in MB with a decimal comma, decimals only when there are any.

    ``round_up``: a file just over a limit does not read as the limit itself («2,1», not «2,0»).
    """
    tenths = size * 10 / 1024 / 1024
    tenths = math.ceil(tenths) if round_up else round(tenths)
    if tenths % 10 == 0:
        return number_format(tenths // 10, 0)
    return number_format(tenths / 10, 1)


def too_large_message(limit: int, size: int | None = None) -> str:
    """«Filen er for stor (5,1 MB). Den kan være høyst 5 MB.», or without the size if unknown."""
    if size is None:
        return _("Filen er for stor. Den kan være høyst %(max)s MB.") % {"max": megabytes(limit)}
    return _("Filen er for stor (%(size)s MB). Den kan være høyst %(limit)s MB.") % {
        "size": megabytes(size, round_up=True),
        "limit": megabytes(limit),
    }


def upload_limit(setting: str) -> int:
    """The limit an importer's setting names (``"PLAN_IMPORT_MAX_BYTES"``), read on every call
    so that a changed setting holds at once."""
    limit: int = getattr(settings, setting)
    return limit


def content_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def body_too_large(request: HttpRequest, limit: int) -> bool:
    """True when a POST's body cannot hold a file within ``limit``: refuse it unread."""
    return request.method == "POST" and content_length(request) > limit + ENVELOPE_BYTES


class FileTooLarge(Exception):
    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def read_limited(upload: UploadedFile, limit: int) -> bytes:
    """The upload's bytes; FileTooLarge (with the message) if it is over ``limit``."""
    if upload.size is not None and upload.size > limit:
        raise FileTooLarge(too_large_message(limit, upload.size))
    upload.seek(0)
    data: bytes = upload.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge(too_large_message(limit))
    return data


# --------------------------------------------------------------------------------------------
# What an importer says about a bad file, and how long it may take to read it.
#
# The rule for every importer (the plan's Excel import, the indicator CSV and JSON-stat import):
# an upload's memory and time are bounded by the limits below, never by what the file holds.
#
# - An error message quotes at most ``EXCERPT_CHARS`` characters of what the file says
#   (``excerpt``): one shared string of 100 KB referenced from every cell must not become
#   thousands of 100 KB messages.
# - At most ``MAX_ERRORS`` messages are collected (``ImportErrors``); when they are reached the
#   importer stops reading and says that there may be more.
# - Reading a file has a wall-clock budget (``ParseBudget``, ``PARSE_SECONDS``), checked as the
#   importer goes; a file that takes longer is refused with a Norwegian message.

EXCERPT_CHARS = 80
MAX_ERRORS = 100
PARSE_SECONDS = 10.0


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """At most ``limit`` characters of ``value`` as text, cut with «…»; for quoting in messages."""
    if isinstance(value, str):
        text = value
    else:
        try:
            text = str(value)
        except ValueError:  # an int too long to write out (Python's limit of 4,300 digits)
            return "…"
    if len(text) <= limit:
        return text
    return text[: limit - 1] + "…"


class ImportErrors:
    """An import's error messages: the first ``limit`` are kept, then ``full`` tells the
    importer to stop reading. ``truncated`` says whether any message was left out."""

    def __init__(self, limit: int = MAX_ERRORS):
        self.limit = limit
        self.messages: list[str] = []
        self.truncated = False

    def add(self, message: str) -> None:
        if len(self.messages) < self.limit:
            self.messages.append(str(message))
        else:
            self.truncated = True

    def extend(self, messages: Iterable[str]) -> None:
        for message in messages:
            self.add(message)

    @property
    def full(self) -> bool:
        return len(self.messages) >= self.limit

    def __bool__(self) -> bool:
        return bool(self.messages)

    def __len__(self) -> int:
        return len(self.messages)

    def __iter__(self) -> Iterator[str]:
        return iter(self.messages)


def more_errors_message() -> str:
    return _(
        "Bare de første %(n)s feilene er vist, og resten av filen er ikke lest. Rett disse og "
        "last opp filen på nytt."
    ) % {"n": MAX_ERRORS}


class ParseTooSlow(Exception):
    """Reading the file took longer than its budget. ``message`` says so in Norwegian."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


class ParseBudget:
    """A deadline for reading one upload: ``check()`` raises ParseTooSlow once it has passed.

    Cheap enough to call for every row (one clock read)."""

    def __init__(self, seconds: float | None = None):
        self.seconds = PARSE_SECONDS if seconds is None else seconds
        self.deadline = time.monotonic() + self.seconds

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise ParseTooSlow(
                _(
                    "Filen tok for lang tid å lese (mer enn %(seconds)s sekunder), så den kan "
                    "ikke importeres. Lagre den på nytt, eller del den opp i mindre filer."
                )
                % {"seconds": number_format(self.seconds, 0)}
            )


# --------------------------------------------------------------------------------------------
# What the first bytes tell, and one import at a time.

PDF_MAGIC = b"%PDF"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0"  # an old .xls or .doc: an OLE2 compound file
ZIP_MAGIC = b"PK\x03\x04"  # an .xlsx, .docx or .ods


def sniff(data: bytes) -> str | None:
    """«pdf», «ole2» (an old .xls or .doc) or «zip» (an .xlsx, .docx, .ods) when the first bytes
    say so, else None. Each importer words its own «wrong format» message from this."""
    if data.startswith(PDF_MAGIC):
        return "pdf"
    if data.startswith(OLE2_MAGIC):
        return "ole2"
    if data.startswith(ZIP_MAGIC):
        return "zip"
    return None


def lock_for_import(instance: models.Model) -> None:
    """One import at a time per object: a row lock on ``instance`` (on PostgreSQL) for the rest
    of the transaction the caller is in."""
    model = type(instance)
    list(model._default_manager.select_for_update().filter(pk=instance.pk).values_list("pk"))
