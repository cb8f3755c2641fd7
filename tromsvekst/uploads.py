"""What every file upload shares: its size limit, checked before anything is parsed.

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

from django.core.files.uploadedfile import UploadedFile
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
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge(too_large_message(limit))
    return data
