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
    text = _text(raw)
    other_regions: list[str] = []
    if text.lstrip().startswith(("{", "[")):
        observations, file_source, other_regions = _jsonstat_observations(
            text, listed=_listed(indicator)
        )
        file_format = "json-stat"
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
        other_regions=other_regions,
    )
    return ParsedFile(format=file_format, values=values, municipalities_left_out=left_out)


def _text(raw: bytes) -> str:
    """The file as text; IndicatorFileError if it is empty, a PDF, a workbook, not UTF-8 or
    holds a NUL."""
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
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise IndicatorFileError(
            [
                _(
                    "Filen er ikke lagret som UTF-8, så tegn som æ, ø og å kan ikke leses. "
                    "Lagre den som «CSV UTF-8» i Excel (eller velg tegnkoding UTF-8) og prøv "
                    "igjen."
                )
            ]
        ) from None
    if "\x00" in text:
        raise IndicatorFileError([_("Filen er ikke en tekstfil. Last opp en CSV- eller JSON-fil.")])
    return text
