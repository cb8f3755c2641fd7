"""The meeting brief as PDF (``actionplans:meeting-brief-pdf``): made with WeasyPrint from the
history in the ``brief_history`` fixture (see ``test_meeting_brief.py`` for what each section
must hold), read back with pypdf and poppler's ``pdftotext``.

Who may fetch it (anonymous, outsider, reader, POST) is tested with the page in
``test_meeting_brief.py``.
"""

import io
import re
import shutil
import subprocess
import sys
import types

import pytest
from django.urls import reverse
from pypdf import PdfReader

from agreements.models import AgendaItem, Decision
from tests.helpers.meeting_brief import M2_DUE_SOON, M2_OVERDUE, M2_UPDATES

# Glyphs the shipped Source Sans 3 (latin subset) lacks, which Pango takes from a system font.
KNOWN_FALLBACK_GLYPHS = {"→"}

HEADINGS = [
    "Sammendrag",
    "Saksliste",
    "Siden forrige møte",
    "Frist flyttet siden forrige møte",
    "Forfalte milepæler per 21. oktober 2026",
    "Frist før neste møte (til 21. april 2027)",
    "Åpne oppfølgingsoppgaver fra tidligere vedtak",
]

needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler's pdftotext is not installed"
)


def pdf_url(meeting) -> str:
    return reverse("actionplans:meeting-brief-pdf", args=[meeting.pk])


@pytest.fixture
def get_pdf(brief_history, client_for, reader):
    """``get_pdf(meeting)``: the PDF response, as the reader (a politician) gets it."""

    def get(meeting):
        response = client_for(reader).get(pdf_url(meeting))
        assert response.status_code == 200, response.content[:500]
        return response

    return get


def pdftotext(pdf: bytes, *, body_only: bool = False) -> str:
    """The PDF's text in reading order, whitespace collapsed. ``body_only`` crops away the
    running header and footer (the A4 page's top and bottom 22 mm margins)."""
    crop = ["-x", "0", "-y", "60", "-W", "596", "-H", "720"] if body_only else []
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *crop, "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return " ".join(out.split())


def split_sections(body: str) -> dict[str, str]:
    """The body text between one section heading and the next, by heading."""
    positions = [body.index(heading) for heading in HEADINGS]
    assert positions == sorted(positions), "the sections are not in the expected order"
    ends = positions[1:] + [len(body)]
    return {
        heading: body[start + len(heading) : end]
        for heading, start, end in zip(HEADINGS, positions, ends, strict=True)
    }


def fonts(reader: PdfReader) -> dict[str, dict]:
    """Every font used, by base name without the subset tag: whether its file is embedded and
    the characters it draws (from its ToUnicode map)."""
    found: dict[str, dict] = {}
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            name = str(font["/BaseFont"]).lstrip("/").split("+", 1)[-1]
            descriptor = (
                font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
                if "/DescendantFonts" in font
                else font["/FontDescriptor"]
            ).get_object()
            embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            chars = set()
            if "/ToUnicode" in font:
                cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
                for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
                    for target in re.findall(r"<[0-9A-Fa-f]+>\s*<([0-9A-Fa-f]+)>", block):
                        chars.add(bytes.fromhex(target).decode("utf-16-be"))
                for start, end, target in re.findall(
                    r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>",
                    "".join(re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S)),
                ):
                    first = ord(bytes.fromhex(target).decode("utf-16-be"))
                    chars.update(chr(first + i) for i in range(int(end, 16) - int(start, 16) + 1))
            entry = found.setdefault(name, {"embedded": True, "chars": set()})
            entry["embedded"] &= embedded
            entry["chars"] |= chars
    return found


def test_the_pdf_is_a_pdf_named_after_the_agreement_and_the_date(brief_history, get_pdf):
    response = get_pdf(brief_history.m2)

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'inline; filename="motebrief-halogaland-2026-10-21.pdf"'
    )
    assert response.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) >= 1
    assert "Høstmøte 2026" in reader.pages[0].extract_text()


def test_the_pdf_has_a_title_an_author_and_the_language_nb(brief_history, get_pdf):
    reader = PdfReader(io.BytesIO(get_pdf(brief_history.m2).content))

    assert reader.metadata.title == "Møtebrief: Høstmøte 2026"
    assert reader.metadata.author == "Tromsvekstavtalen for Hålogalandsregionen"
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "nb"
    if "/Metadata" in catalog:  # XMP, where WeasyPrint writes one (PDF/A, PDF/UA variants)
        xmp = catalog["/Metadata"].get_object().get_data().decode()
        assert "Høstmøte 2026" in xmp
    # Tagged (pdf_tags=True), so screen readers get headings, lists and tables.
    assert "/StructTreeRoot" in catalog
    assert catalog["/MarkInfo"]["/Marked"]


def test_the_pdf_embeds_the_shipped_source_sans_3(brief_history, get_pdf):
    used = fonts(PdfReader(io.BytesIO(get_pdf(brief_history.m2).content)))

    assert all(font["embedded"] for font in used.values()), used
    ours = {name for name in used if name.startswith("Source-Sans-3")}
    assert len(ours) >= 3  # regular, semibold (headings, badges), bold
    # Whatever else Pango picked from the system draws only glyphs the latin subset lacks.
    # (Pango draws the spaces next to such a glyph with the same font.)
    fallback = set().union(*(font["chars"] for name, font in used.items() if name not in ours))
    fallback = {char for char in fallback if not char.isspace()}
    assert fallback <= KNOWN_FALLBACK_GLYPHS, {n: f["chars"] for n, f in used.items()}
    drawn = set().union(*(used[name]["chars"] for name in ours))
    assert set("HøstmøteÅØæ–·") <= drawn


@needs_pdftotext
def test_the_pdf_holds_every_section_of_the_brief(brief_history, get_pdf):
    pdf = get_pdf(brief_history.m2).content
    full = pdftotext(pdf)
    body = pdftotext(pdf, body_only=True)
    section = split_sections(body)

    assert "Høstmøte 2026" in body
    assert "Side 1 av " in full
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    assert f"Side {pages} av {pages}" in full

    agenda = section["Saksliste"]
    assert "Sak 1: Status i handlingsplanen" in agenda
    assert "Vedtak: Statusrapporten tas til orientering." in agenda
    assert "Sak 2: Harstad/Narvik lufthavn Evenes" in agenda
    assert "Vedtak: Rådet ber om et møte med Avinor." in agenda
    assert "Boligstrategi for regionen" not in body

    since = section["Siden forrige møte"]
    assert "5 statusoppdateringer" in since
    assert {c for c in brief_history.updates if c in since} == M2_UPDATES
    assert "Kartlegge boligbehovet: I rute → Forsinket (forverring)" in since
    assert since.count("(forverring)") == 1

    def titles(text: str) -> set[str]:
        return {title for title in M2_OVERDUE | M2_DUE_SOON if title in text}

    overdue = section["Forfalte milepæler per 21. oktober 2026"]
    soon = section["Frist før neste møte (til 21. april 2027)"]
    assert titles(overdue) == M2_OVERDUE
    assert titles(soon) == M2_DUE_SOON
    for left_out in ("Felles messestand", "Boligseminar holdt", "Sluttrapport om kraft og nett"):
        assert left_out not in body

    tasks = section["Åpne oppfølgingsoppgaver fra tidligere vedtak"]
    assert "Utrede felles tomteselskap" in tasks
    assert "Oppfølging etter høstmøtet" not in body
    assert "Sende høringssvar om boligpolitikk" not in body


@needs_pdftotext
def test_the_first_meetings_pdf_says_it_is_the_first(brief_history, get_pdf):
    body = pdftotext(get_pdf(brief_history.m1).content, body_only=True)

    assert "Dette er avtalens første møte" in body
    assert "Sak 1: Boligstrategi for regionen" in body
    assert "Kartleggingen er i gang." in body  # logged in September 2025


@needs_pdftotext
def test_markup_typed_by_users_is_literal_text_in_the_pdf(brief_history, get_pdf):
    item = AgendaItem.objects.create(
        meeting=brief_history.m2, number=3, title="<script>alert(1)</script> Kraft & nett"
    )
    Decision.objects.create(agenda_item=item, text='<img src="https://example.com/x.png"> & <b>')

    response = get_pdf(brief_history.m2)
    body = pdftotext(response.content, body_only=True)

    assert "Sak 3: <script>alert(1)</script> Kraft & nett" in body
    assert 'Vedtak: <img src="https://example.com/x.png"> & <b>' in body
    assert "Åpne oppfølgingsoppgaver fra tidligere vedtak" in body  # the rest still renders


class _PangoMissing(types.ModuleType):
    """Stands in for ``weasyprint`` where its system libraries cannot be loaded."""

    def __getattr__(self, name):
        raise OSError("cannot load library 'libpango-1.0-0': libpango-1.0-0: not found")


@pytest.mark.parametrize(
    "weasyprint", [_PangoMissing("weasyprint"), None], ids=["pango-missing", "weasyprint-missing"]
)
def test_without_weasyprint_the_pdf_link_answers_503_in_norwegian(
    brief_history, client_for, reader, monkeypatch, weasyprint
):
    # None in sys.modules makes "from weasyprint import HTML" raise ImportError.
    monkeypatch.setitem(sys.modules, "weasyprint", weasyprint)

    response = client_for(reader).get(pdf_url(brief_history.m2))

    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert "PDF kan ikke lages på denne serveren akkurat nå." in body
    assert 'role="alert"' in body
    assert "Status i handlingsplanen" in body  # the brief itself is still there to read
