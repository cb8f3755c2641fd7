"""Both PDFs as production makes them (issue 11, finding 1): ``DEBUG=False`` and static files
collected by ``collectstatic`` into ``STATIC_ROOT`` with the manifest storage, whose names carry a
content hash (``css/report-pdf.3f2a….css``, and the fonts that stylesheet points to).

Before the fix the URL fetcher looked only for unhashed names, refused the stylesheet, and the
evaluation report and the meeting brief came out unstyled in DejaVu Serif (17 pages instead of
13); finalising froze that. Now each PDF must come out the same as in development: the same
number of pages, only the portal's own fonts (checked with poppler's ``pdffonts``), and nothing
refused or left unloaded in WeasyPrint's log. Finalising refuses to freeze a PDF whose stylesheet
or fonts could not be loaded.

The PDFs come from the fixtures in ``conftest.py`` (the demo data, rendered once per
configuration).
"""

import pytest
from django.urls import reverse

from evaluation import services
from evaluation.models import Evaluation
from tromsvekst.lib import pdf as pdf_module
from tromsvekst.lib.pdf import PdfIncomplete

from ._pdf_checks import HAS_POPPLER, foreign_fonts, pdffonts, production_settings, reader_of

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not HAS_POPPLER, reason="poppler's pdffonts is not installed"),
]


@pytest.mark.parametrize("name", ["report", "brief"])
def test_only_the_portals_own_fonts_are_embedded_in_production(production, name):
    pdf, _log = production[name]

    assert foreign_fonts(pdf) == []
    names = {font.name.split("+", 1)[-1] for font in pdffonts(pdf)}
    assert {"Source-Sans-3,", "Source-Sans-3-Semi-Bold", "Source-Sans-3-Bold"} <= names, names


@pytest.mark.parametrize("name", ["report", "brief"])
def test_production_gives_the_same_pages_as_development(development, production, name):
    dev_pdf, _ = development[name]
    prod_pdf, _ = production[name]

    assert len(reader_of(prod_pdf).pages) == len(reader_of(dev_pdf).pages)
    assert foreign_fonts(dev_pdf) == []


@pytest.mark.parametrize("name", ["report", "brief"])
def test_nothing_is_refused_or_left_unloaded_in_production(production, name):
    _pdf, log = production[name]

    assert not [m for m in log if "Refusing" in m or "Failed to load" in m], log
    assert not [m for m in log if "cannot be loaded" in m], log


def test_static_file_finds_hashed_and_plain_names(static_root):
    with production_settings(static_root):
        from django.contrib.staticfiles.storage import staticfiles_storage

        hashed = staticfiles_storage.url(
            "vendor/fonts/source-sans-3/source-sans-3-latin-400-normal.woff2"
        )
        plain = "/static/css/report-pdf.css"
        assert pdf_module.static_file("https://pdf.invalid" + hashed).is_file()
        assert pdf_module.static_file(plain).is_file()
        assert pdf_module.static_file("/static/css/nope.0123456789ab.css") is None
        assert pdf_module.static_file("/static/../tromsvekst/settings.py") is None
        assert pdf_module.static_file("https://example.com/x.png") is None


def test_static_files_on_another_host_are_still_read_from_disk(settings):
    """With STATIC_URL on a CDN, templates name that host; the file is read from disk anyway."""
    settings.STATIC_URL = "https://cdn.example.no/tromsvekst-static/"

    assert pdf_module.base_url() == "https://pdf.invalid/tromsvekst-static/"
    found = pdf_module.static_file("https://cdn.example.no/tromsvekst-static/css/pdf.css")
    assert found is not None and found.name == "pdf.css"
    assert pdf_module.static_file("https://cdn.example.no/static/css/pdf.css") is None


# --- Finalising never freezes a broken PDF --------------------------------------------------


def _without(fragment: str):
    """A ``static_file`` that cannot find URLs containing ``fragment``."""
    real = pdf_module.static_file

    def lookup(url):
        return None if fragment in url else real(url)

    return lookup


@pytest.mark.parametrize("fragment", ["report-pdf", "source-sans-3-latin-600"], ids=["css", "font"])
def test_finalising_refuses_a_pdf_whose_stylesheet_or_font_failed(
    agreement, coordinator, client_for, monkeypatch, fragment
):
    from tests.evaluation._evaluation_helpers import new_evaluation, rate_all

    evaluation = new_evaluation(agreement, [], kind="final", year=2028)
    rate_all(evaluation)
    monkeypatch.setattr(pdf_module, "static_file", _without(fragment))

    with pytest.raises(PdfIncomplete) as error:
        services.evaluation_finalise(evaluation=evaluation, user=coordinator)

    assert any(fragment in missing for missing in error.value.missing)
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.DRAFT
    assert not evaluation.final_pdf

    response = client_for(coordinator).post(
        reverse("evaluation:evaluation-finalise", args=[evaluation.pk]),
        {"confirm": "on"},
        follow=True,
    )
    assert "PDF kan ikke lages på denne serveren akkurat nå" in response.content.decode()
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.DRAFT
