"""Long words and URLs in the evaluation report PDF (issue 11, finding 3).

A 300-character URL and a 300-character word in the places people write or paste them (the
summary, a sub-goal's assessment, a recommendation, a piece of feedback, a milestone's title
in the appendix table) must wrap inside the A4 page: ``pdftotext -bbox`` gives every word's
box, and every box must end inside the page's text area, with the appendix table's last
column ("Prosent") still there.
"""

import html
import re
import shutil
import subprocess

import pytest
from django.test import Client
from django.urls import reverse

from agreements.models import FocusArea
from evaluation.models import Feedback, Recommendation
from tests.factories import council_coordinator

from ._evaluation_helpers import assessment, build_history, new_evaluation

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed"),
]

LONG_URL = ("https://www.tromsfylke.no/" + "/".join(["dokumentarkiv-for-tromsvekst"] * 12))[:300]
LONG_WORD = ("Hålogalands" + "samarbeidsavtale" * 19)[:300]
TEXT = f"Se {LONG_URL} og {LONG_WORD}."
A4_WIDTH = 595.28  # points
RIGHT_MARGIN = 18 / 25.4 * 72  # static/css/report-pdf.css: @page margin 18 mm left and right


def _words(pdf: bytes) -> list[tuple[float, float, str]]:
    out = subprocess.run(
        ["pdftotext", "-bbox", "-enc", "UTF-8", "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [
        (float(x_min), float(x_max), html.unescape(text))
        for x_min, x_max, text in re.findall(
            r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', out
        )
    ]


def test_long_words_and_urls_wrap_inside_the_page(agreement):
    user = council_coordinator(agreement)
    history = build_history(agreement)
    milestone = history.ms["seminar"]
    milestone.title = LONG_WORD
    milestone.save(update_fields=["title"])
    evaluation = new_evaluation(agreement, [history.plan])
    evaluation.summary = TEXT
    evaluation.save()
    target = assessment(evaluation, "1.1")
    target.rating = 3
    target.narrative = TEXT
    target.save()
    Recommendation.objects.create(evaluation=evaluation, text=TEXT, order=1)
    Feedback.objects.create(
        evaluation=evaluation,
        stakeholder="Harstad kommune",
        stakeholder_kind="municipality",
        focus_area=FocusArea.objects.get(agreement=agreement, number=1),
        text=TEXT,
        rating=4,
    )
    client = Client()
    client.force_login(user)

    response = client.get(reverse("evaluation:evaluation-pdf", args=[evaluation.pk]))

    assert response.status_code == 200
    words = _words(response.content)
    limit = A4_WIDTH - RIGHT_MARGIN + 1
    past = [(round(x_max), text[:40]) for _x_min, x_max, text in words if x_max > limit]
    assert not past, f"words that end past {limit:.0f} pt of {A4_WIDTH:.0f}: {past[:10]}"
    joined = "".join(word for _x_min, _x_max, word in words)
    assert joined.count(LONG_URL) >= 4
    assert joined.count(LONG_WORD) >= 5
    assert "Prosent" in {word for _x_min, _x_max, word in words}
