"""The two import views check the request's size before Django reads the body, so they are
exempt from the CSRF middleware and check the token themselves: a POST without a valid token is
still refused, and nothing is imported."""

import io

import pytest
from django.test import Client
from django.urls import reverse

from actionplans.models import Action, ActionPlan
from evaluation.models import Indicator, IndicatorValue

pytestmark = pytest.mark.django_db


@pytest.fixture
def urls(agreement):
    plan = ActionPlan.objects.create(agreement=agreement, start_year=2025, end_year=2026)
    indicator = Indicator.objects.create(
        agreement=agreement,
        long_term_effect=agreement.long_term_effects.get(order=2),
        name="Folketall",
        unit="personer",
        source="SSB",
    )
    return {
        "plan": reverse("actionplans:plan-import", args=[plan.pk]),
        "indicator": reverse("evaluation:indicator-import", args=[indicator.pk]),
    }


def csv_file() -> io.BytesIO:
    data = io.BytesIO("kommune;år;verdi\n5501;2024;1000\n".encode())
    data.name = "folketall.csv"
    return data


@pytest.mark.parametrize("which", ["plan", "indicator"])
def test_a_post_without_the_csrf_token_is_refused(coordinator, urls, which):
    client = Client(enforce_csrf_checks=True)
    client.force_login(coordinator)

    response = client.post(urls[which], {"file": csv_file()})

    assert response.status_code == 403
    assert "Skjemaet er utløpt" in response.text
    assert not Action.objects.exists()
    assert not IndicatorValue.objects.exists()


@pytest.mark.parametrize("which", ["plan", "indicator"])
def test_with_the_token_from_the_page_the_form_is_read(coordinator, urls, which):
    client = Client(enforce_csrf_checks=True)
    client.force_login(coordinator)
    page = client.get(urls[which])
    token = page.text.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]

    response = client.post(urls[which], {"file": csv_file(), "csrfmiddlewaretoken": token})

    # Past the CSRF check: the form answers (this file is not a valid plan or indicator table,
    # so it is shown again with a message).
    assert response.status_code in {200, 302}
    assert "Skjemaet er utløpt" not in response.text
