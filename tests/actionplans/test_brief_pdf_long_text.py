"""Long words and URLs in the meeting brief PDF (issue 11, finding 3).

A 300-character URL pasted into a progress comment pushed the brief's table of updates past
the A4 page's right edge, and its last column ("Hvem og når") was cut off. Here the comment,
an agenda item's title and description and a decision hold a 300-character URL and a
300-character word; the PDF is read back with poppler's ``pdftotext -bbox``, which gives every
word's box: every box must end inside the page's text area, the last column's header and its
words must be there, and the long URL and word must be there whole (wrapped over lines).
"""

import html
import re
import shutil
import subprocess

import pytest
from django.urls import reverse

from agreements.models import AgendaItem, Decision
from tests.factories import oslo

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler's pdftotext is not installed"
)

LONG_URL = ("https://www.tromsfylke.no/" + "/".join(["dokumentarkiv-for-tromsvekst"] * 12))[:300]
LONG_WORD = ("Hålogalands" + "samarbeidsavtale" * 19)[:300]
COMMENT = f"Se {LONG_URL} og {LONG_WORD}."
A4_WIDTH = 595.28  # points
RIGHT_MARGIN = 18 / 25.4 * 72  # static/css/pdf.css: @page margin 18 mm left and right


def _words(pdf: bytes) -> list[tuple[float, float, str]]:
    """Every word on every page as (xMin, xMax, text), from ``pdftotext -bbox``."""
    out = subprocess.run(
        ["pdftotext", "-bbox", "-enc", "UTF-8", "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout.decode()
    assert re.search(r'<page width="595\.\d+"', out), "the brief is not A4 portrait"
    return [
        (float(x_min), float(x_max), html.unescape(text))
        for x_min, x_max, text in re.findall(
            r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', out
        )
    ]


@pytest.fixture
def long_text_pdf(brief_history, log_at, coordinator, client_for, reader) -> bytes:
    """The PDF of «Høstmøte 2026» with the long URL and word in a comment since the last
    meeting, an agenda item and its decision."""
    log_at(
        brief_history.ms["hearing"],
        coordinator,
        "delayed",
        25,
        oslo(2026, 9, 1, 12),
        comment=COMMENT,
    )
    item = AgendaItem.objects.create(
        meeting=brief_history.m2, number=3, title=LONG_WORD, description=COMMENT
    )
    Decision.objects.create(agenda_item=item, text=COMMENT)
    response = client_for(reader).get(
        reverse("actionplans:meeting-brief-pdf", args=[brief_history.m2.pk])
    )
    assert response.status_code == 200
    return response.content


def test_no_word_goes_past_the_right_margin(long_text_pdf):
    words = _words(long_text_pdf)

    assert words, "pdftotext found no text"
    limit = A4_WIDTH - RIGHT_MARGIN + 1
    past = [(round(x_max), text[:40]) for _x_min, x_max, text in words if x_max > limit]
    assert not past, f"words that end past {limit:.0f} pt of {A4_WIDTH:.0f}: {past[:10]}"


def test_the_last_column_and_the_long_text_are_all_there(long_text_pdf):
    words = _words(long_text_pdf)
    text = " ".join(word for _x_min, _x_max, word in words)
    joined = "".join(word for _x_min, _x_max, word in words)

    # The table of updates keeps its last column: its header, and in that column who wrote
    # the long comment and when, inside the page.
    assert "Hvem og når" in text
    column = min(x_min for x_min, _x_max, word in words if word == "Hvem")
    limit = A4_WIDTH - RIGHT_MARGIN + 1
    in_column = {word for x_min, x_max, word in words if column - 1 <= x_min and x_max <= limit}
    assert {"Tone", "Koordinator,", "1.9.2026"} <= in_column
    # The long URL and word are there whole, wrapped over as many lines as they need.
    assert joined.count(LONG_URL) >= 2  # the comment, and the agenda item's description
    assert joined.count(LONG_WORD) >= 3  # the comment, the agenda item's title and decision
