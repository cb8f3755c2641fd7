"""«Ny handlingsplan» (actionplans:plan-create): a coordinator makes a draft plan for a period
within the agreement's; a taken or impossible period is refused and nothing is made."""

import pytest
from django.urls import reverse

from actionplans.models import ActionPlan


def _url(agreement) -> str:
    return reverse("actionplans:plan-create", args=[agreement.slug])


def test_a_coordinator_makes_the_first_plan(client_for, coordinator, agreement):
    client = client_for(coordinator)
    page = client.get(_url(agreement))
    assert page.context["form"].initial == {"start_year": 2025, "end_year": 2026}
    response = client.post(_url(agreement), {"start_year": "2025", "end_year": "2026"})
    plan = ActionPlan.objects.get(agreement=agreement)
    assert response["Location"] == plan.get_absolute_url()
    assert (plan.start_year, plan.end_year, plan.status) == (2025, 2026, "draft")
    # The next one is offered after it.
    assert client.get(_url(agreement)).context["form"].initial == {
        "start_year": 2027,
        "end_year": 2028,
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"start_year": "2025", "end_year": "2026"}, "allerede en handlingsplan"),
        ({"start_year": "2024", "end_year": "2025"}, "større enn eller lik 2025"),
        ({"start_year": "2027", "end_year": "2026"}, "Siste år kan ikke være før første år."),
        ({"start_year": "tjue", "end_year": ""}, "Oppgi et heltall."),
    ],
)
def test_bad_periods_are_refused_and_nothing_is_made(
    client_for, coordinator, agreement, data, message
):
    ActionPlan.objects.create(agreement=agreement, start_year=2025, end_year=2026)
    response = client_for(coordinator).post(_url(agreement), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert ActionPlan.objects.filter(agreement=agreement).count() == 1


def test_a_reader_may_not(client_for, reader, agreement):
    response = client_for(reader).post(_url(agreement), {"start_year": "2025", "end_year": "2026"})
    assert response.status_code == 403
    assert not ActionPlan.objects.exists()
