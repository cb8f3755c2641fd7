"""Import: opening the upload, with the hostile-file limits of the package docstring.

Every XML part is scanned before openpyxl parses it (``_scan_part``); while openpyxl reads the
sheet, the time budget is checked on every read.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Generator, Iterable
from typing import IO, Any

from defusedxml import DefusedXmlException
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from tromsvekst.lib import uploads

from .cells import PlanFileError, _blank, max_upload_bytes
from .layout import (
    ALL_COLUMNS,
    EXCEL_LAST_ROW,
    MAX_ROWS,
    MAX_UNPACKED_BYTES,
    MAX_ZIP_MEMBERS,
    logger,
)

# The main part of a workbook, as [Content_Types].xml names it: an .xlsx, an .xltx template, or
# an .xlsm saved under the wrong name (its macros are never run: only cell values are read).
WORKBOOK_CONTENT_TYPES = (
    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    b"application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
)
MAX_CONTENT_TYPES_BYTES = 1024 * 1024


def _not_xlsx_message(data: bytes) -> str:
    """Why the bytes are not a workbook, as precisely as their first bytes tell."""
    kind = uploads.sniff(data)
    if kind == "pdf":
        return _("Filen er en PDF, ikke en Excel-arbeidsbok. Last opp planen som .xlsx-fil.")
    if kind == "ole2":
        return _(
            "Filen er i det gamle Excel-formatet (.xls). Åpne den i Excel, lagre den som "
            "«Excel-arbeidsbok (.xlsx)» og prøv igjen."
        )
    return _(
        "Filen er ikke en gyldig Excel-arbeidsbok (.xlsx), eller den er skadet. Åpne den i Excel, "
        "lagre den som «Excel-arbeidsbok (.xlsx)» og prøv igjen."
    )


def _forbidden_xml(exc: BaseException | None) -> bool:
    """True if the failure (or what caused it) is defusedxml refusing a DTD or an entity."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, DefusedXmlException):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


FORBIDDEN_XML = gettext_lazy(
    "Filen inneholder XML med egne definisjoner (DTD eller entiteter), som en Excel-arbeidsbok "
    "aldri har. Den kan ikke importeres. Lagre planen på nytt i Excel og prøv igjen."
)
XML_EXTRAS = gettext_lazy(
    "Filen inneholder XML-kommentarer eller prosesseringsinstruksjoner, som en Excel-arbeidsbok "
    "ikke har. Den kan ikke importeres. Lagre planen på nytt i Excel og prøv igjen."
)
XML_TOO_COMPLEX = gettext_lazy(
    "Filen har XML-elementer som er altfor store eller altfor mange for en handlingsplan. Den "
    "kan ikke importeres. Lagre bare arket med handlingsplanen i en ny arbeidsbok og prøv igjen."
)

# The work expat does for one part is bounded before openpyxl parses it (expat 2.5 rescans an
# unfinished token on every 16 KB it is fed, so one 45 MB comment or attribute costs minutes):
# no comments, processing instructions or DTDs (Excel writes none), no start tag or other markup
# longer than MAX_XML_TOKEN, at most MAX_PART_BYTES unpacked in any member, at most MAX_XML_TAGS
# tags in all parts together (each costs openpyxl some Python), MAX_ROW_CELLS cells in a row and
# MAX_SHEET_CELLS in a sheet. While openpyxl reads the sheet, the time budget is checked on every
# 16 KB it reads (``_BudgetedArchive``), so no single row can outlast it.
MAX_PART_BYTES = 25 * 1024 * 1024
MAX_XML_TOKEN = 256 * 1024
MAX_XML_TAGS = 1_000_000
# openpyxl builds a whole row before it hands it over; Excel has at most 16,384 columns. A plan
# of 5,000 rows and its 15 columns has 75,000 cells.
MAX_ROW_CELLS = 20_000
MAX_SHEET_CELLS = 250_000
_SCAN_CHUNK = 1024 * 1024
_XML_DECLARATION = re.compile(rb"(?:\xef\xbb\xbf)?<\?xml[ \t\r\n][^<>]{0,300}\?>")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)")
_EXTRAS = re.compile(rb"<(?:!--|\?)")
_LONG_TOKEN = re.compile(rb"<[^<>]{%d}" % MAX_XML_TOKEN)


def _scan_part(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, budget: uploads.ParseBudget
) -> tuple[str, int]:
    """Check one member before openpyxl may parse it; returns its root element's local name
    and the number of tags in it ("", 0 for a member that is not XML).

    Raises PlanFileError. A member that is not XML (an image) is left alone: expat stops at its
    first byte. Read in chunks, so a member costs at most a chunk of memory."""
    with archive.open(member) as stream:
        data = stream.read(_SCAN_CHUNK)
        head = data[:4]
        if head[:2] in (b"\xff\xfe", b"\xfe\xff", b"\x00<", b"<\x00"):
            # UTF-16: Excel writes UTF-8 only, and the checks below read bytes.
            raise PlanFileError([_not_xlsx_message(b"")])
        if not re.match(rb"(?:\xef\xbb\xbf)?[ \t\r\n]*(?:<|$)", data[:4096]):
            return "", 0
        declaration = _XML_DECLARATION.match(data)
        start = declaration.end() if declaration else 0
        root_match = _ROOT.match(data, start)
        root = root_match.group(1).decode("ascii") if root_match else ""
        carry = b""
        tags = 0
        row_cells = -1  # -1: no row seen yet (styles have «<c…» tags that are no cells)
        cells = 0
        while data:
            budget.check()
            tags += data.count(b"<")
            counts = [piece.count(b"<c") for piece in data.split(b"<row")]
            if row_cells >= 0:
                row_cells += counts[0]
                cells += counts[0]
            for count in counts[1:]:
                if row_cells > MAX_ROW_CELLS:
                    break
                row_cells = count
                cells += count
            if row_cells > MAX_ROW_CELLS or cells > MAX_SHEET_CELLS:
                raise PlanFileError([str(XML_TOO_COMPLEX)])
            buffer = carry + data if carry else data
            if _DTD.search(buffer, start):
                raise PlanFileError([str(FORBIDDEN_XML)])
            if _EXTRAS.search(buffer, start):
                raise PlanFileError([str(XML_EXTRAS)])
            if _LONG_TOKEN.search(buffer, start):
                raise PlanFileError([str(XML_TOO_COMPLEX)])
            # Keep what the next chunk may complete: an open tag, or a marker cut in two.
            opened, closed = buffer.rfind(b"<"), buffer.rfind(b">")
            carry = buffer[opened:] if opened > closed else buffer[-8:]
            start = 0
            data = stream.read(_SCAN_CHUNK)
    return root, tags


# Parts openpyxl parses as a whole tree (fromstring) whatever their root element: their tags
# cost memory and time at once, so they get MAX_PART_TAGS. Only a worksheet and the shared
# strings are streamed (read-only mode) and may hold up to MAX_XML_TAGS.
_WHOLE_TREE_PARTS = {
    "[Content_Types].xml",
    "xl/styles.xml",
    "docProps/core.xml",
    "docProps/custom.xml",
}
_STREAMED_ROOTS = {"worksheet", "sst"}
_ROOT = re.compile(rb"(?:\xef\xbb\xbf)?\s*<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
_MAIN_PART = re.compile(
    rb'<Override\b[^>]*?PartName="/?([^"]+)"[^>]*?ContentType="[^"]*\.main\+xml"'
    rb'|<Override\b[^>]*?ContentType="[^"]*\.main\+xml"[^>]*?PartName="/?([^"]+)"'
)
_RELATIONSHIP = re.compile(rb"<(?:[\w.-]+:)?Relationship\b[^>]*>")
_TARGET = re.compile(rb'Target="([^"]*)"')
MAX_PART_TAGS = 50_000


def _whole_tree_names(
    archive: zipfile.ZipFile, members: Iterable[zipfile.ZipInfo], content_types: bytes
) -> set[str]:
    """The parts openpyxl parses as a whole tree: the fixed ones, the workbook part, every
    relationship list, and what a relationship other than a worksheet or the shared strings
    points at (a chartsheet, the core properties)."""
    names = set(_WHOLE_TREE_PARTS)
    for match in _MAIN_PART.finditer(content_types):
        names.add((match.group(1) or match.group(2)).decode("utf-8", "replace"))
    for member in members:
        if not member.filename.endswith(".rels"):
            continue
        names.add(member.filename)
        if member.file_size > MAX_CONTENT_TYPES_BYTES:
            raise PlanFileError([str(XML_TOO_COMPLEX)])
        # «xl/_rels/workbook.xml.rels» speaks of targets relative to «xl/».
        base = posixpath.dirname(posixpath.dirname(member.filename))
        for relationship in _RELATIONSHIP.findall(archive.read(member)):
            if b'/worksheet"' in relationship or b'/sharedStrings"' in relationship:
                continue
            target = _TARGET.search(relationship)
            if target:
                path = target.group(1).decode("utf-8", "replace")
                path = path[1:] if path.startswith("/") else posixpath.join(base, path)
                names.add(posixpath.normpath(path))
    return names


def _open_workbook(upload: UploadedFile, budget: uploads.ParseBudget) -> Workbook:
    """Check the upload and open it with openpyxl; PlanFileError if it is not a usable .xlsx.

    Everything that costs is checked before openpyxl sees the file: its size, that it is a zip
    whose [Content_Types].xml names a workbook, what its members hold when unpacked (the sizes
    in the zip directory bound what Python's zipfile will unpack: a member that unpacks to more
    than its stated size fails its CRC check instead), and the XML of every member
    (``_scan_part``).
    """
    data = _read_upload(upload)
    not_xlsx = _not_xlsx_message(data)
    if not data.startswith(b"PK"):
        raise PlanFileError([not_xlsx])
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_archive(archive, budget, not_xlsx)
    except PlanFileError:
        raise
    except uploads.ParseTooSlow as exc:
        raise PlanFileError([exc.message]) from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, ValueError, EOFError):
        raise PlanFileError([not_xlsx]) from None
    except Exception:  # a damaged zip can fail in ways zipfile does not document
        logger.info("Excel import: the zip could not be read", exc_info=True)
        raise PlanFileError([not_xlsx]) from None
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        logger.info("Excel import: the file could not be opened", exc_info=True)
        raise PlanFileError([str(FORBIDDEN_XML) if _forbidden_xml(exc) else not_xlsx]) from None
    # openpyxl reads each sheet (read-only mode) through ``workbook._archive.open``.
    workbook._archive = _BudgetedArchive(workbook._archive, budget)
    return workbook


def _read_upload(upload: UploadedFile) -> bytes:
    """The upload's bytes, if its name is an .xlsx and its size within the limit."""
    name = upload.name or ""
    limit = max_upload_bytes()
    if not name.lower().endswith(".xlsx"):
        hint = ""
        if name.lower().endswith((".xls", ".csv", ".ods", ".xlsm", ".xlsb")):
            hint = " " + _("Åpne filen i Excel og lagre den som «Excel-arbeidsbok (.xlsx)».")
        raise PlanFileError(
            [
                _("Filen må være en Excel-arbeidsbok (.xlsx). «%(name)s» er ikke det.")
                % {"name": uploads.excerpt(name)}
                + hint
            ]
        )
    try:
        data = uploads.read_limited(upload, limit)
    except uploads.FileTooLarge as exc:
        raise PlanFileError([exc.message]) from None
    if not data:
        raise PlanFileError([_("Filen er tom.")])
    return data


def _check_archive(archive: zipfile.ZipFile, budget: uploads.ParseBudget, not_xlsx: str) -> None:
    """The zip directory's sizes, the [Content_Types].xml naming a workbook, and the XML of
    every member (``_scan_part``), before openpyxl opens any of it."""
    members = archive.infolist()
    if (
        len(members) > MAX_ZIP_MEMBERS
        or sum(member.file_size for member in members) > MAX_UNPACKED_BYTES
        or any(member.file_size > MAX_PART_BYTES for member in members)
    ):
        raise PlanFileError(
            [
                _(
                    "Filen er for stor når den pakkes ut. Den kan ikke importeres. "
                    "Lagre bare arket med handlingsplanen i en ny arbeidsbok og prøv "
                    "igjen."
                )
            ]
        )
    types = archive.getinfo("[Content_Types].xml")
    if types.file_size > MAX_CONTENT_TYPES_BYTES:
        raise PlanFileError([not_xlsx])
    content_types = archive.read(types)
    if not any(kind in content_types for kind in WORKBOOK_CONTENT_TYPES):
        raise PlanFileError([not_xlsx])
    whole_tree = _whole_tree_names(archive, members, content_types)
    tags = 0
    for member in members:
        root, part_tags = _scan_part(archive, member, budget)
        tags += part_tags
        streamed = root in _STREAMED_ROOTS and member.filename not in whole_tree
        if tags > MAX_XML_TAGS or (part_tags > MAX_PART_TAGS and not streamed):
            raise PlanFileError([str(XML_TOO_COMPLEX)])


class _BudgetedArchive:
    """The workbook's zip, whose members check the time budget on every read."""

    def __init__(self, archive: zipfile.ZipFile, budget: uploads.ParseBudget):
        self._archive = archive
        self._budget = budget

    def open(self, *args: Any, **kwargs: Any) -> _BudgetedStream:
        return _BudgetedStream(self._archive.open(*args, **kwargs), self._budget)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._archive, name)


class _BudgetedStream:
    def __init__(self, stream: IO[bytes], budget: uploads.ParseBudget):
        self._stream = stream
        self._budget = budget

    def read(self, size: int = -1) -> bytes:
        self._budget.check()
        return self._stream.read(size)

    def close(self) -> None:
        self._stream.close()

    def __enter__(self) -> _BudgetedStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _sheet_rows(
    upload: UploadedFile, budget: uploads.ParseBudget
) -> Generator[tuple[int, tuple[Any, ...]]]:
    """The header row and the non-empty rows of the first sheet, as (row number, values),
    read as they are asked for: an importer that stops early reads no further."""
    workbook = _open_workbook(upload, budget)
    width = len(ALL_COLUMNS)
    try:
        if not workbook.worksheets:
            raise PlanFileError([_("Filen har ingen regneark.")])
        sheet = workbook.worksheets[0]
        cells = sheet.iter_rows(min_row=1, max_row=EXCEL_LAST_ROW, max_col=width, values_only=True)
        for row_number, values in enumerate(cells, start=1):
            budget.check()
            # (count(None) first: gaps in a sheet come as rows of None, maybe a million.)
            if values.count(None) == len(values) or all(_blank(value) for value in values):
                continue
            if row_number > MAX_ROWS + 1:
                raise PlanFileError(
                    [
                        _(
                            "Filen har flere enn %(max)s rader. Del den opp i mindre filer og "
                            "importer dem hver for seg."
                        )
                        % {"max": MAX_ROWS}
                    ]
                )
            values = tuple(values)[:width]
            yield row_number, values + (None,) * (width - len(values))
    except PlanFileError:
        raise
    except uploads.ParseTooSlow as exc:
        raise PlanFileError([exc.message]) from None
    except GeneratorExit:
        raise
    except Exception as exc:
        logger.info("Excel import: the sheet could not be read", exc_info=True)
        if _forbidden_xml(exc):
            raise PlanFileError([str(FORBIDDEN_XML)]) from None
        raise PlanFileError(
            [
                _(
                    "Filen kunne ikke leses. Den kan være skadet. Lagre den på nytt i Excel og prøv igjen."
                )
            ]
        ) from None
    finally:
        workbook.close()
