"""Checks of a PDF against the rules of PDF/A and PDF/UA that matter for the portal's PDFs.

veraPDF (the reference PDF/A validator) cannot be installed on the machines the tests run on (it
is neither a Debian nor a PyPI/npm package), so these functions check its rules that the portal
can break by itself: the XMP identification (``pdfaid:part``/``conformance``), the document being
tagged (``/MarkInfo /Marked true``, a ``/StructTreeRoot``), its language (``/Lang``), a text
alternative (``/Alt``) on every ``/Figure`` structure element, and, through poppler's
``pdffonts``, that every font is embedded and is the portal's own Source Sans 3. ``qpdf --check``
checks the file's structure (cross-reference table, streams).
"""

import io
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

from django.test import override_settings
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

HAS_POPPLER = shutil.which("pdffonts") is not None
HAS_QPDF = shutil.which("qpdf") is not None

# The fonts the portal ships (static/vendor/fonts/source-sans-3), named by WeasyPrint after their
# CSS family ("Source-Sans-3-Semi-Bold", "Source-Sans-3-Symbols"), after the subset tag.
OWN_FONT = re.compile(r"^[A-Z]{6}\+Source-Sans-3(-Symbols)?([-,]|$)")


@dataclass
class PdfFont:
    name: str
    type: str
    embedded: bool
    subset: bool
    unicode: bool


def pdffonts(pdf: bytes) -> list[PdfFont]:
    """The fonts of the PDF as poppler's ``pdffonts`` lists them."""
    out = subprocess.run(
        ["pdffonts", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    lines = out.splitlines()
    rule = next(i for i, line in enumerate(lines) if line.startswith("---"))
    fonts = []
    for line in lines[rule + 1 :]:
        # A long name pushes the columns right, so read from both ends: the name has no spaces,
        # the last five columns are emb, sub, uni, object number, generation.
        words = line.split()
        emb, sub, uni = words[-5:-2]
        fonts.append(
            PdfFont(words[0], " ".join(words[1:-5]), emb == "yes", sub == "yes", uni == "yes")
        )
    return fonts


def foreign_fonts(pdf: bytes) -> list[PdfFont]:
    """Fonts that are not embedded or are not the portal's own (a system font that Pango fell
    back to, such as DejaVu)."""
    return [f for f in pdffonts(pdf) if not f.embedded or not OWN_FONT.match(f.name)]


def qpdf_check(pdf: bytes) -> str:
    """``qpdf --check``'s report; raises ``CalledProcessError`` (exit 2) on errors. Exit 3 is
    "warnings only", which counts as a failure here too."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:  # qpdf does not read stdin
        file.write(pdf)
        file.flush()
        result = subprocess.run(["qpdf", "--check", file.name], capture_output=True)
    report = (result.stdout + result.stderr).decode()
    assert result.returncode == 0, report
    return report


def xmp(reader: PdfReader) -> str:
    return reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()


def pdfa_identification(reader: PdfReader) -> tuple[str, str] | None:
    """(part, conformance) from the XMP ``pdfaid`` schema, in either of its spellings
    (attributes or elements), or None."""
    text = xmp(reader)
    part = re.search(r'pdfaid:part(?:="|>)\s*(\d)', text)
    conformance = re.search(r'pdfaid:conformance(?:="|>)\s*([ABU])', text)
    if not part or not conformance:
        return None
    return part[1], conformance[1]


def _resolve(obj):
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def struct_elements(reader: PdfReader):
    """Every structure element of the StructTreeRoot, depth first."""
    root = _resolve(reader.trailer["/Root"]["/StructTreeRoot"])
    stack = [root.get("/K")]
    seen = set()
    while stack:
        node = _resolve(stack.pop())
        if isinstance(node, ArrayObject):
            stack.extend(reversed(node))
        elif isinstance(node, DictionaryObject):
            if id(node) in seen:
                continue
            seen.add(id(node))
            if "/S" in node:  # a structure element (marked-content references have /MCID)
                yield node
                if "/K" in node:
                    stack.append(node["/K"])


def figures(reader: PdfReader) -> list[DictionaryObject]:
    return [e for e in struct_elements(reader) if e["/S"] == "/Figure"]


def figures_without_alt(reader: PdfReader) -> list[DictionaryObject]:
    return [f for f in figures(reader) if not str(f.get("/Alt", "")).strip()]


def reader_of(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


MANIFEST = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"


def production_settings(static_root):
    """The settings production runs with, as far as the PDFs are concerned."""
    return override_settings(
        DEBUG=False,
        STATIC_ROOT=str(static_root),
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": MANIFEST},
        },
    )
