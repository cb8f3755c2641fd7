"""The report as PDF (``evaluation:evaluation-pdf``) for a draft: rendered on the fly with
WeasyPrint as tagged PDF/A-3b from the same content templates as the page, read back with pypdf
and poppler's ``pdftotext``.

Rendering takes a few seconds, so the PDF is made once for this module (the data is built in a
transaction that is rolled back afterwards) and every test reads the same bytes. The final PDF
(stored once, served unchanged) is tested in ``test_finalise.py``.
"""

import io
import re
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from agreements.loader import agreement_load, read_agreement_file
from agreements.models import FocusArea, LongTermEffect, SubGoal
from evaluation.models import Feedback, Indicator, IndicatorValue, Recommendation
from tests.factories import AGREEMENT_FILE, council_coordinator

from ._evaluation_helpers import (
    HAS_PDFTOTEXT,
    XSS,
    assessment,
    build_history,
    new_evaluation,
    pdftotext,
)

# Every test is marked, so that pytest-django sets the test database up before the module
# fixture below uses it (it sets up only the databases that marked tests ask for).
pytestmark = pytest.mark.django_db

needs_pdftotext = pytest.mark.skipif(not HAS_PDFTOTEXT, reason="pdftotext is not installed")

TITLE = "Midtveisevaluering 2026 – Tromsvekstavtalen for Hålogalandsregionen"


@pytest.fixture(scope="module")
def draft(django_db_setup, django_db_blocker):
    """(response, sub-goal texts by code) for the draft report PDF as a coordinator gets it."""
    with django_db_blocker.unblock(), transaction.atomic():
        name = connection.settings_dict["NAME"]
        assert "memory" in name or "test" in name, f"not a test database: {name}"
        agreement = agreement_load(data=read_agreement_file(AGREEMENT_FILE)).agreement
        user = council_coordinator(agreement)
        history = build_history(agreement)
        evaluation = new_evaluation(agreement, [history.plan])
        evaluation.summary = "Samarbeidet er godt i gang."
        evaluation.save()
        target = assessment(evaluation, "1.1")
        target.rating = 3
        target.narrative = f"Brukertekst: {XSS}"
        target.save()
        recommendation = Recommendation.objects.create(
            evaluation=evaluation, text="Samle boligtiltakene.", order=1
        )
        recommendation.actions.set([history.next_action])
        indicator = Indicator.objects.create(
            agreement=agreement,
            long_term_effect=LongTermEffect.objects.filter(agreement=agreement).first(),
            name="Folketall i regionen",
            unit="personer",
            source="SSB",
            baseline_year=2024,
            baseline_value=Decimal("131250"),
        )
        IndicatorValue.objects.create(indicator=indicator, year=2024, value=Decimal("131250"))
        IndicatorValue.objects.create(indicator=indicator, year=2025, value=Decimal("131420"))
        Feedback.objects.create(
            evaluation=evaluation,
            stakeholder="Harstad kommune",
            stakeholder_kind="municipality",
            focus_area=FocusArea.objects.get(agreement=agreement, number=1),
            text="Godt samarbeid.",
            rating=4,
        )
        goals = dict(SubGoal.objects.filter(agreement=agreement).values_list("code", "text"))
        client = Client()
        client.force_login(user)
        response = client.get(reverse("evaluation:evaluation-pdf", args=[evaluation.pk]))
        transaction.set_rollback(True)
    return response, goals


@pytest.fixture(scope="module")
def pdf(draft) -> bytes:
    response, _goals = draft
    assert response.status_code == 200, response.content[:500]
    return response.content


@pytest.fixture(scope="module")
def reader(pdf) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


@pytest.fixture(scope="module")
def pages(pdf) -> list[str]:
    if not HAS_PDFTOTEXT:
        pytest.skip("pdftotext is not installed")
    return pdftotext(pdf).split("\f")[:-1]


def test_it_is_served_as_a_pdf_that_is_not_cached(draft):
    response, _goals = draft

    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert "midtveisevaluering-2026-halogaland-utkast.pdf" in response["Content-Disposition"]


def test_it_opens_and_has_a_sensible_number_of_pages(reader):
    assert 5 <= len(reader.pages) <= 60


def test_the_metadata_says_pdf_a_3b_and_the_document_is_tagged(reader):
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode()

    assert 'pdfaid:part="3"' in xmp
    assert 'pdfaid:conformance="B"' in xmp
    assert bool(root["/MarkInfo"]["/Marked"]) is True
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "nb"


def test_title_and_author_come_from_the_template(reader):
    assert reader.metadata.title == TITLE
    assert reader.metadata.author == "Troms fylkeskommune"


def test_every_font_is_the_shipped_one_and_embedded(reader):
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            descriptor = (
                font.get("/FontDescriptor")
                or font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            )
            descriptor = descriptor.get_object()
            assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            fonts.add(str(font["/BaseFont"]))
    # No glyph fell back to a system font (the shipped Latin subset covers the whole report).
    assert fonts and all("Source-Sans-3" in name for name in fonts), fonts


@needs_pdftotext
def test_every_page_says_utkast(pages):
    assert all("UTKAST" in page for page in pages)


@needs_pdftotext
def test_every_page_has_side_x_av_y(pages):
    total = len(pages)
    for number, page in enumerate(pages, start=1):
        assert f"Side {number} av {total}" in page


@needs_pdftotext
def test_every_sub_goal_is_there_with_its_code_and_title(draft, pages):
    _response, goals = draft
    body = " ".join(pages)

    assert len(goals) == 6
    for code, goal_text in goals.items():
        assert f"Delmål {code} {goal_text}" in body


@needs_pdftotext
def test_user_text_appears_literally(pages):
    assert f"Brukertekst: {XSS}" in " ".join(pages)


@needs_pdftotext
def test_the_contents_give_the_right_page_numbers(pages):
    toc = next(page for page in pages if page.split("UTKAST")[-1].lstrip().startswith("Innhold"))
    for chapter in ["1 Sammendrag", "4 Tilbakemeldinger", "5 Anbefalinger og oppfølging"]:
        listed = int(re.search(re.escape(chapter) + r"[ .]*?(\d+)", toc).group(1))
        page = pages[listed - 1]
        assert chapter in page, f"{chapter} is not on page {listed}"
        assert page.index(chapter) < page.index(f"Side {listed} av")


@needs_pdftotext
def test_the_running_header_names_the_chapter(pages):
    appendix = [page for page in pages if "Milepæler i handlingsplan 2025–2026" in page]

    assert appendix
    assert all(page.count("Vedlegg: Status for alle milepæler") >= 1 for page in appendix)


@needs_pdftotext
def test_the_report_has_every_part(pages):
    body = " ".join(pages)

    for part in [
        "Samarbeidet er godt i gang.",
        "I stor grad oppnådd (3 av 4)",
        "Folketall i regionen",
        "131 420",
        "Godt samarbeid.",
        "Samle boligtiltakene.",
        "1.1-9 Boligprogram",
        "Boligseminar",
    ]:
        assert part in body, part
