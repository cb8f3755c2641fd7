"""Carrying a plan over to the next period: actionplans:plan-carry-over."""

import datetime

import pytest
from django.urls import reverse

from actionplans.models import Action, ActionPlan, Milestone, Status
from agreements.models import Coordinator


@pytest.fixture
def filled_plan(plan, coordinator, make_action, make_milestone, log):
    """Plan 2025–2026 with four actions:

    1.1-1  one milestone done, one on track (40 %)  → carried, with the on-track milestone
    1.2-1  only a cancelled milestone                → not carried
    3.1-1  not started, at risk (30 %), delayed      → carried, all three
    4.1-1  only a done milestone                     → not carried
    """
    role = Coordinator.objects.get(user=coordinator)
    housing = make_action(plan, "1.1-1", sub_goal="1.1", strategies=2, responsible=[role])
    done = make_milestone(housing, "Kartlegging ferdig", due=datetime.date(2025, 4, 1))
    log(done, coordinator, Status.DONE, 100)
    on_track = make_milestone(
        housing, "Boligstrategi", due=datetime.date(2026, 10, 1), responsible=role, order=1
    )
    log(on_track, coordinator, Status.ON_TRACK, 40)

    school = make_action(plan, "1.2-1", sub_goal="1.2", strategies=1)
    dropped = make_milestone(school, "Fagskole i Harstad")
    log(dropped, coordinator, Status.CANCELLED, 0, "Ikke finansiert.")

    climate = make_action(plan, "3.1-1", sub_goal="3.1", strategies=3, responsible=[role])
    make_milestone(climate, "Klimaregnskap", due=datetime.date(2026, 12, 31))
    at_risk = make_milestone(climate, "Felles innkjøp", due=datetime.date(2025, 9, 1))
    log(at_risk, coordinator, Status.AT_RISK, 30, "Venter på kommunestyrene.")
    delayed = make_milestone(climate, "Ladeplan", due=datetime.date(2026, 5, 1))
    log(delayed, coordinator, Status.DELAYED, 10, "Nettkapasitet mangler.")

    defence = make_action(plan, "4.1-1", sub_goal="4.1", strategies=1)
    finished = make_milestone(defence, "Boligbehov kartlagt")
    log(finished, coordinator, Status.DONE, 100)
    return plan


def _carry_over(client, plan):
    return client.post(reverse("actionplans:plan-carry-over", args=[plan.pk]), follow=True)


def test_carry_over_makes_a_draft_of_the_next_plan(client_for, coordinator, filled_plan):
    response = _carry_over(client_for(coordinator), filled_plan)

    new_plan = ActionPlan.objects.get(agreement=filled_plan.agreement, start_year=2027)
    assert response.redirect_chain == [(new_plan.get_absolute_url(), 302)]
    assert (new_plan.start_year, new_plan.end_year) == (2027, 2028)
    assert new_plan.status == ActionPlan.PlanStatus.DRAFT
    assert new_plan.previous == filled_plan
    assert (
        "Handlingsplan 2027–2028 er laget som utkast, med 2 tiltak og 4 milepæler"
        in response.content.decode()
    )


def test_only_open_milestones_and_their_actions_are_copied(client_for, coordinator, filled_plan):
    _carry_over(client_for(coordinator), filled_plan)

    new_plan = ActionPlan.objects.get(start_year=2027)
    copies = {a.number: a for a in Action.objects.filter(plan=new_plan)}
    assert set(copies) == {"1.1-1", "3.1-1"}
    carried = Milestone.objects.in_plan(new_plan)
    assert sorted(m.title for m in carried) == [
        "Boligstrategi",
        "Felles innkjøp",
        "Klimaregnskap",
        "Ladeplan",
    ]
    for milestone in carried:
        original = milestone.carried_from
        assert original is not None
        assert original.action.plan == filled_plan
        assert original.title == milestone.title
        assert original.status not in (Status.DONE, Status.CANCELLED)
        assert milestone.action.carried_from == original.action


def test_copies_keep_strategies_responsible_status_and_percent(
    client_for, coordinator, filled_plan
):
    _carry_over(client_for(coordinator), filled_plan)

    new_plan = ActionPlan.objects.get(start_year=2027)
    for copy in Action.objects.filter(plan=new_plan):
        original = copy.carried_from
        assert original.plan == filled_plan
        assert copy.title == original.title
        assert copy.sub_goal == original.sub_goal
        assert copy.lead_party == original.lead_party
        assert set(copy.strategies.all()) == set(original.strategies.all())
        assert copy.strategies.exists()
        assert set(copy.responsible.all()) == set(original.responsible.all())
        assert copy.responsible.exists()
    by_title = {m.title: m for m in Milestone.objects.in_plan(new_plan)}
    expected = {
        "Boligstrategi": (Status.ON_TRACK, 40),
        "Felles innkjøp": (Status.AT_RISK, 30),
        "Ladeplan": (Status.DELAYED, 10),
        "Klimaregnskap": (Status.NOT_STARTED, 0),
    }
    for title, (status, percent) in expected.items():
        assert (by_title[title].status, by_title[title].percent) == (status, percent)
    assert by_title["Boligstrategi"].responsible == Coordinator.objects.get(user=coordinator)
    # Due dates before the new period move to its first day; every one lies within it.
    assert by_title["Felles innkjøp"].due_date == datetime.date(2027, 1, 1)
    for milestone in by_title.values():
        assert new_plan.first_day <= milestone.due_date <= new_plan.last_day


def test_the_old_plan_is_left_as_it_was(client_for, coordinator, filled_plan):
    before = sorted(
        Milestone.objects.in_plan(filled_plan).values_list("title", "status", "percent", "version")
    )

    _carry_over(client_for(coordinator), filled_plan)

    after = sorted(
        Milestone.objects.in_plan(filled_plan).values_list("title", "status", "percent", "version")
    )
    assert after == before
    assert Action.objects.filter(plan=filled_plan).count() == 4


def test_a_second_carry_over_is_refused(client_for, coordinator, filled_plan):
    client = client_for(coordinator)
    _carry_over(client, filled_plan)

    response = _carry_over(client, filled_plan)

    assert response.redirect_chain == [(filled_plan.get_absolute_url(), 302)]
    assert "Handlingsplanen for 2027–2028 finnes allerede." in response.content.decode()
    assert ActionPlan.objects.filter(agreement=filled_plan.agreement).count() == 2
    assert Action.objects.filter(plan__start_year=2027).count() == 2


def test_the_last_plan_cannot_be_carried_over(client_for, coordinator, filled_plan):
    client = client_for(coordinator)
    _carry_over(client, filled_plan)
    last = ActionPlan.objects.get(start_year=2027)

    response = _carry_over(client, last)

    assert response.redirect_chain == [(last.get_absolute_url(), 302)]
    assert (
        "Avtalen varer bare til 2028, så det kan ikke lages en plan for 2029–2030."
        in response.content.decode()
    )
    assert not ActionPlan.objects.filter(start_year=2029).exists()
    assert ActionPlan.objects.count() == 2


def test_wrong_method(client_for, coordinator, filled_plan):
    client = client_for(coordinator)
    url = reverse("actionplans:plan-carry-over", args=[filled_plan.pk])

    for method in ("get", "put", "delete"):
        assert getattr(client, method)(url).status_code == 405
    assert ActionPlan.objects.count() == 1


def test_anonymous_is_sent_to_login(client_for, filled_plan):
    response = client_for(None).post(reverse("actionplans:plan-carry-over", args=[filled_plan.pk]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login") + "?next=")
    assert ActionPlan.objects.count() == 1


def test_outsider_gets_404(client_for, outsider, filled_plan):
    response = client_for(outsider).post(
        reverse("actionplans:plan-carry-over", args=[filled_plan.pk])
    )

    assert response.status_code == 404
    assert ActionPlan.objects.count() == 1


def test_reader_gets_403(client_for, reader, filled_plan):
    response = client_for(reader).post(
        reverse("actionplans:plan-carry-over", args=[filled_plan.pk])
    )

    assert response.status_code == 403
    assert ActionPlan.objects.count() == 1
