"""Documents attached to meetings and milestones: what a file is (by its content), and keeping it.

``detect(data, name)`` tells what the bytes are — PDF, a Word, Excel or PowerPoint file (a zip
whose ``[Content_Types].xml`` names the right main part), an OpenDocument file (a zip whose first
entry ``mimetype`` says which), PNG, JPEG or plain text/CSV — and refuses anything else, and a
file whose name says one thing while its content is another, with a Norwegian message. The type
kept and served is the one detected here, never the one the browser sent.

``attachment_add`` stores the bytes through Django's storage API under a random name and writes
the row; ``attachment_delete`` removes both. Downloads are served by ``views_attachments``, always
as ``Content-Disposition: attachment``.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from actionplans.models import Attachment, Milestone
from agreements.models import Meeting
from tromsvekst.lib import uploads

# The default limit; ATTACHMENT_MAX_BYTES in the settings overrides it.
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# How much of a zip's [Content_Types].xml or mimetype entry is read to tell what it is.
ZIP_ENTRY_MAX_BYTES = 256 * 1024
NAME_MAX_CHARS = 200

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"

# Office Open XML: the main part's content type in [Content_Types].xml → (served type, suffixes).
OOXML = {
    b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ("docx",),
    ),
    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ("xlsx",),
    ),
    b"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ("pptx",),
    ),
}
# OpenDocument: the ``mimetype`` entry → suffixes.
ODF = {
    "application/vnd.oasis.opendocument.text": ("odt",),
    "application/vnd.oasis.opendocument.spreadsheet": ("ods",),
    "application/vnd.oasis.opendocument.presentation": ("odp",),
}
# Text that a browser would take for a page or a script if it were ever opened from disk.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
MARKUP_STARTS = ("<!doctype", "<html", "<svg", "<script", "<?xml", "<head", "<body", "<iframe")


@dataclass(frozen=True)
class Detected:
    content_type: str  # what the download is served as
    suffixes: tuple[str, ...]  # the file name endings this content may have


def max_bytes() -> int:
    limit: int = getattr(settings, "ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES)
    return limit


def allowed_types_text() -> str:
    return _("PDF, Word, Excel, PowerPoint, OpenDocument, PNG, JPEG, tekst eller CSV")


def _refuse(message: str) -> ValidationError:
    return ValidationError({"file": [message]})


def _zip_kind(data: bytes) -> Detected | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if "mimetype" in names[:1]:
                info = archive.getinfo("mimetype")
                if info.file_size <= ZIP_ENTRY_MAX_BYTES:
                    with archive.open(info) as entry:
                        mimetype = entry.read(ZIP_ENTRY_MAX_BYTES).decode("ascii", "replace")
                    if mimetype.strip() in ODF:
                        return Detected(mimetype.strip(), ODF[mimetype.strip()])
            if "[Content_Types].xml" in names:
                info = archive.getinfo("[Content_Types].xml")
                if info.file_size <= ZIP_ENTRY_MAX_BYTES:
                    with archive.open(info) as entry:
                        types = entry.read(ZIP_ENTRY_MAX_BYTES)
                    for main, (content_type, suffixes) in OOXML.items():
                        if main in types:
                            return Detected(content_type, suffixes)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, ValueError, EOFError):
        return None
    except NotImplementedError:  # a compression method zipfile cannot read
        return None
    return None


def _text_kind(data: bytes) -> Detected | None:
    if b"\x00" in data:
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            return None
    if CONTROL_CHARACTERS.search(text):
        return None
    head = text.lstrip()[:64].lower()
    if head.startswith(MARKUP_STARTS):
        return None
    return Detected("text/plain; charset=utf-8", ("txt", "csv"))


def detect(data: bytes) -> Detected | None:
    """What ``data`` is, by its content; None when it is none of the allowed types."""
    kind = uploads.sniff(data)
    if kind == "pdf":
        return Detected("application/pdf", ("pdf",))
    if kind == "zip":
        return _zip_kind(data)
    if kind == "ole2":
        return None
    if data.startswith(PNG_MAGIC):
        return Detected("image/png", ("png",))
    if data.startswith(JPEG_MAGIC):
        return Detected("image/jpeg", ("jpg", "jpeg"))
    if data:
        return _text_kind(data)
    return None


def clean_name(name: str) -> str:
    """The uploaded name without folders or control characters, at most NAME_MAX_CHARS long
    (the ending kept)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if c.isprintable()).strip().strip(".") or "dokument"
    if len(base) > NAME_MAX_CHARS:
        stem, dot, suffix = base.rpartition(".")
        if dot and len(suffix) <= 10:
            base = stem[: NAME_MAX_CHARS - len(suffix) - 1] + "." + suffix
        else:
            base = base[:NAME_MAX_CHARS]
    return base


def check_file(data: bytes, name: str) -> Detected:
    """The detected type of an upload, or ValidationError (on ``file``) saying what is wrong."""
    if not data:
        raise _refuse(_("Filen er tom."))
    if len(data) > max_bytes():
        raise _refuse(uploads.too_large_message(max_bytes(), len(data)))
    detected = detect(data)
    if detected is None:
        if uploads.sniff(data) == "ole2":
            raise _refuse(
                _(
                    "Filen er i et gammelt Office-format (.doc, .xls eller .ppt). Lagre den som "
                    ".docx, .xlsx, .pptx eller PDF og last den opp på nytt."
                )
            )
        raise _refuse(
            _("Denne filtypen kan ikke lastes opp. Tillatt er %(types)s.")
            % {"types": allowed_types_text()}
        )
    suffix = name.rpartition(".")[2].lower() if "." in name else ""
    if suffix not in detected.suffixes:
        raise _refuse(
            _(
                "Filnavnet slutter ikke som innholdet tilsier: innholdet er en %(ending)s-fil. "
                "Gi filen riktig endelse og last den opp på nytt."
            )
            % {"ending": "/".join("." + s for s in detected.suffixes)}
        )
    return detected


def attachment_add(
    *,
    user: User,
    data: bytes,
    name: str,
    meeting: Meeting | None = None,
    milestone: Milestone | None = None,
) -> Attachment:
    """Check ``data`` and attach it to ``meeting`` or ``milestone`` (exactly one)."""
    if (meeting is None) == (milestone is None):
        raise ValueError("an attachment belongs to exactly one meeting or milestone")
    name = clean_name(name)
    detected = check_file(data, name)
    if meeting is not None:
        agreement_id = meeting.agreement_id
    else:
        assert milestone is not None  # exactly one of the two (checked above)
        agreement_id = milestone.action.plan.agreement_id
    attachment = Attachment(
        agreement_id=agreement_id,
        meeting=meeting,
        milestone=milestone,
        original_name=name,
        size=len(data),
        content_type=detected.content_type,
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=user,
    )
    # The file is written first and removed again if the row cannot be saved, so no row ever
    # names a file that is not there.
    attachment.file.save(name, ContentFile(data), save=False)
    try:
        with transaction.atomic():
            attachment.save()
    except Exception:
        attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


def attachment_delete(attachment: Attachment) -> None:
    """Remove the row, and its file once the row's removal is committed (``post_delete`` in
    ``actionplans.models``, which also removes the files of a deleted meeting or milestone)."""
    attachment.delete()
