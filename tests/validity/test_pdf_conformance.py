"""Both PDFs against the rules of PDF/A-3b and of tagged PDF that matter for them (issue 13), as
production serves them (see ``conftest.py``).

veraPDF, the reference validator for PDF/A, cannot be installed here (it is not a Debian, PyPI
or npm package), so the rules it would check that the portal can break are checked one by one
(``_pdf_checks.py``): the XMP identification ``pdfaid:part="3"`` / ``conformance="B"``, a tagged
document (``/MarkInfo /Marked true`` and a ``/StructTreeRoot``), the language ``/Lang nb``, a text
alternative (``/Alt``) on every ``/Figure`` element of the structure tree, every font embedded and
one of the portal's own (``pdffonts``), and a sound file (``qpdf --check``).

Before the fix the brief was not PDF/A, none of the report's 93 figures (the brief's 53) had an
``/Alt``, and the brief's "→" came from DejaVu Sans.
"""

import pytest

from tromsvekst.lib.pdf import describe_figures

from ._pdf_checks import (
    HAS_POPPLER,
    HAS_QPDF,
    figures,
    figures_without_alt,
    foreign_fonts,
    pdfa_identification,
    pdffonts,
    qpdf_check,
    reader_of,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not HAS_POPPLER, reason="poppler's pdffonts is not installed"),
]

PDFS = ["report", "brief"]


@pytest.mark.parametrize("name", PDFS)
def test_the_xmp_metadata_identifies_pdf_a_3b(production, name):
    reader = reader_of(production[name][0])

    assert pdfa_identification(reader) == ("3", "B")
    # PDF/A also needs an output intent (WeasyPrint embeds sRGB) naming the colour space.
    (intent,) = reader.trailer["/Root"]["/OutputIntents"]
    assert intent.get_object()["/S"] == "/GTS_PDFA1"
    assert "/DestOutputProfile" in intent.get_object()


@pytest.mark.parametrize("name", PDFS)
def test_the_pdf_is_tagged_and_in_norwegian(production, name):
    root = reader_of(production[name][0]).trailer["/Root"]

    assert bool(root["/MarkInfo"]["/Marked"]) is True
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "nb"


@pytest.mark.parametrize("name", PDFS)
def test_every_figure_has_a_text_alternative(production, name):
    reader = reader_of(production[name][0])

    found = figures(reader)
    assert found, "no figures found: the structure tree walk is broken"
    assert figures_without_alt(reader) == []


def test_figures_say_what_they_show(production):
    report = {str(f["/Alt"]) for f in figures(reader_of(production["report"][0]))}
    brief = {str(f["/Alt"]) for f in figures(reader_of(production["brief"][0]))}

    # An indicator chart is described by its values, a bar by its figures, an icon by its label.
    assert any(alt.startswith("Fra ") and " i 20" in alt for alt in report), report
    assert any("%" in alt for alt in report), report
    assert {"Forsinket", "Risiko"} <= brief, brief


@pytest.mark.parametrize("name", PDFS)
def test_every_font_is_embedded_and_the_portals_own(production, name):
    pdf = production[name][0]

    assert pdffonts(pdf)
    assert foreign_fonts(pdf) == []
    # Every font maps its glyphs back to text (search, copy, screen readers).
    assert all(font.unicode for font in pdffonts(pdf))


def test_the_brief_draws_its_arrows_with_the_portals_font(production):
    names = {font.name.split("+", 1)[-1] for font in pdffonts(production["brief"][0])}

    assert "Source-Sans-3-Symbols" in names  # "→" between the old and the new status


@pytest.mark.skipif(not HAS_QPDF, reason="qpdf is not installed")
@pytest.mark.parametrize("name", PDFS)
def test_qpdf_finds_no_error_or_warning(production, name):
    report = qpdf_check(production[name][0])

    assert "No syntax or stream encoding errors found" in report


# --- describe_figures on its own -------------------------------------------------------------


def _svg_titles(html: str) -> list[str | None]:
    import tinyhtml5

    root = tinyhtml5.parse(html, namespace_html_elements=False)
    left = describe_figures(root)
    svgs = [e for e in root.iter() if e.tag == "{http://www.w3.org/2000/svg}svg"]
    titles = []
    for svg in svgs:
        title = svg.find("{http://www.w3.org/2000/svg}title")
        titles.append(None if title is None else title.text)
    assert len(left) == titles.count(None)
    return titles


def test_an_own_title_is_kept_and_an_aria_label_is_used():
    titles = _svg_titles(
        '<p><svg aria-hidden="true"><title>Eget</title></svg> tekst</p>'
        '<p><svg aria-label="Merket"></svg></p>'
    )

    assert titles == ["Eget", "Merket"]


def test_a_hidden_icon_is_described_by_the_text_beside_it_not_by_chart_labels():
    titles = _svg_titles(
        '<span class="status-badge"><svg aria-hidden="true"><path d="M0"/></svg>Forsinket</span>'
        '<figure><svg aria-hidden="true"><text>2024</text></svg>'
        "<figcaption>Fra 1 i 2024 til 2 i 2025.</figcaption></figure>"
    )

    assert titles == ["Forsinket", "Fra 1 i 2024 til 2 i 2025."]


def test_an_svg_with_nothing_to_go_by_is_reported():
    assert _svg_titles("<div><svg></svg></div>") == [None]
