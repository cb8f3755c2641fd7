"""Public pages describe themselves to search engines and link previews (issue 13).

Every page a visitor without an account can reach (and the list of agreements) has one
``<meta name="description">`` with a Norwegian sentence about the page.
"""

import re

import pytest
from django.urls import reverse

from evaluation.models import Evaluation
from evaluation.services import evaluation_create

DESCRIPTION = re.compile(r'<meta name="description" content="([^"]*)">')


@pytest.fixture
def public_pages(agreement, client):
    agreement.progress_is_public = True
    agreement.save(update_fields=["progress_is_public"])
    evaluation = evaluation_create(
        agreement=agreement, kind=Evaluation.Kind.MID_TERM, year=2026, plans=[]
    )
    evaluation.feedback_open = True
    evaluation.save(update_fields=["feedback_open"])
    return {
        "agreement-list": reverse("agreements:agreement-list"),
        "agreement": reverse("agreements:agreement-detail", args=[agreement.slug]),
        "public progress": reverse("actionplans:public-progress", args=[agreement.slug]),
        "login": reverse("login"),
        "accessibility": reverse("accessibility"),
        "feedback": reverse("evaluation:feedback-form", args=[evaluation.feedback_token]),
    }


def test_every_public_page_has_one_description(client, admin_user, public_pages, agreement):
    for name, url in public_pages.items():
        # The list of agreements is for signed-in people; the others are open to anyone.
        if name == "agreement-list":
            client.force_login(admin_user)
        response = client.get(url)
        client.logout()
        assert response.status_code == 200, (name, response.status_code)
        found = DESCRIPTION.findall(response.content.decode())
        assert len(found) == 1, (name, found)
        assert len(found[0]) >= 50, (name, found[0])
    agreement_page = client.get(public_pages["agreement"]).content.decode()
    assert f'content="{agreement.title}: overordnet mål' in agreement_page
