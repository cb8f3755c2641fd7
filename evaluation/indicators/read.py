"""Reading an indicator file: the first step of the package docstring (nothing is written)."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from evaluation.models import Indicator
from tromsvekst.lib import uploads

from .common import IndicatorFileError, ParsedFile
from .csv import _csv_observations
from .jsonstat import _jsonstat_observations
from .municipalities import reforms
from .regions import _per_year
from .values import _listed, max_upload_bytes


def read_indicator_file(
    *,
    indicator: Indicator,
    upload: UploadedFile,
    source_note: str = "",
    choices: Mapping[str, str] | None = None,
) -> ParsedFile:
    """Every value in the file, checked and summed per year. Writes nothing.

    ``source_note`` (typed on the import page) is stored with every value; without it, the rows'
    «kilde» (CSV) or the file's source and table number (JSON-stat) are.
    ``choices`` ({dimension id: category code}) picks one series of a JSON-stat file with more
    than one: ChoiceNeeded (not an IndicatorFileError) lists the dimensions to choose in when a
    choice is missing; an unknown dimension or category is an IndicatorFileError.
    Raises IndicatorFileError with every problem found.
    """
    try:
        raw = uploads.read_limited(upload, max_upload_bytes())
    except uploads.FileTooLarge as exc:
        raise IndicatorFileError([exc.message]) from None
    text, notes = _text(raw)
    read = None
    if text.lstrip().startswith(("{", "[")):
        listed = [reforms().current(code) for code in _listed(indicator)]
        read = _jsonstat_observations(text, listed=listed, choices=choices)
        observations, file_source, file_format = read.observations, read.source, "json-stat"
        notes.extend(read.notes)
    else:
        observations = _csv_observations(text)
        file_source = _("Importert fra «%(name)s»") % {
            "name": uploads.excerpt(upload.name or "fil")
        }
        file_format = "csv"
    values, left_out = _per_year(
        observations,
        indicator=indicator,
        file_format=file_format,
        file_source=file_source,
        source_note=source_note.strip(),
        other_regions=read.other_regions if read else [],
        notes=notes,
    )
    return ParsedFile(
        format=file_format,
        values=values,
        municipalities_left_out=left_out,
        notes=notes,
        chosen=read.chosen if read else {},
    )


def _text(raw: bytes) -> tuple[str, list[str]]:
    """The file as text, and a note if it was not UTF-8; IndicatorFileError if it is empty, a
    PDF, a workbook, or not text.

    UTF-8 (with or without a BOM) first; else Windows-1252, what Excel writes for «CSV
    (semikolondelt)» with Norwegian settings. Bytes with NUL (UTF-16, a binary file) or bytes
    Windows-1252 does not have are refused."""
    if not raw.strip():
        raise IndicatorFileError([_("Filen er tom.")])
    kind = uploads.sniff(raw)
    if kind == "pdf":
        raise IndicatorFileError([_("Filen er en PDF. Last opp en CSV- eller JSON-fil.")])
    # An .xlsx (a zip) or an old .xls (an OLE2 compound file).
    if kind in ("zip", "ole2"):
        raise IndicatorFileError(
            [
                _(
                    "Filen ser ut til å være en Excel-arbeidsbok. Lagre den som «CSV UTF-8 "
                    "(kommadelt)» i Excel, eller hent tabellen som JSON-stat 2, og last opp "
                    "den filen."
                )
            ]
        )
    notes: list[str] = []
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = _windows_1252(raw)
        notes.append(_("Filen er lest som Windows-1252 (slik Excel lagrer «CSV (semikolondelt)»)."))
    if "\x00" in text:
        raise IndicatorFileError([_("Filen er ikke en tekstfil. Last opp en CSV- eller JSON-fil.")])
    return text, notes


def _windows_1252(raw: bytes) -> str:
    """The file as Windows-1252; IndicatorFileError (not UTF-8 either) if it cannot be."""
    try:
        # NUL: UTF-16 or a binary file. A UTF-8 BOM says the file is UTF-8, so it is broken.
        if b"\x00" in raw or raw.startswith(b"\xef\xbb\xbf"):
            raise UnicodeDecodeError("cp1252", raw, 0, 1, "not Windows-1252")
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        raise IndicatorFileError(
            [
                _(
                    "Filen er ikke lagret som UTF-8 (eller Windows-1252), så tegn som æ, ø og å "
                    "kan ikke leses. Lagre den som «CSV UTF-8» i Excel (eller velg tegnkoding UTF-8) og "
                    "prøv igjen."
                )
            ]
        ) from None
