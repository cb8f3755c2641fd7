"""Creating and changing actions (tiltak): actionplans:action-create and actionplans:action-edit."""

import pytest
from django.urls import reverse

from actionplans.forms import ActionForm
from actionplans.models import Action, ActionPlan
from agreements.models import Coordinator, Party, Strategy, SubGoal


def _strategies(agreement, code):
    return list(Strategy.objects.filter(sub_goal__agreement=agreement, sub_goal__code=code))


def _form_data(agreement, **overrides) -> dict:
    goal = SubGoal.objects.get(agreement=agreement, code="1.2")
    strategies = _strategies(agreement, "1.2")
    data = {
        "number": "1.2-1",
        "title": "Fleksibel fagskole i Hålogaland",
        "description": "Desentralisert fagskoletilbud i samarbeid med kommunene.",
        "sub_goal": goal.pk,
        "strategies": [strategies[0].pk, strategies[1].pk],
        "lead_party": Party.objects.get(slug="troms-fylkeskommune").pk,
        "responsible": list(
            Coordinator.objects.filter(agreement=agreement, role="coordinator").values_list(
                "pk", flat=True
            )
        ),
        "partners": "Fagskolen i Nord, kommunene",
        "order": 3,
    }
    data.update(overrides)
    return data


# --- create -------------------------------------------------------------------------------


def test_create_page_offers_only_this_agreements_choices(
    client_for, coordinator, reader, outsider, plan, other_agreement
):
    response = client_for(coordinator).get(reverse("actionplans:action-create", args=[plan.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    form = response.context["form"]
    assert set(form.fields["strategies"].queryset) == set(
        Strategy.objects.filter(sub_goal__agreement=plan.agreement)
    )
    assert form.fields["sub_goal"].queryset.count() == 6
    assert "Samarbeide om næringsarealer." not in page  # the other agreement's strategy
    assert "Nord-Troms regionråd" not in page
    # Only coordinators may be responsible: not the reader, not the other agreement's people.
    assert "Tone Koordinator (Troms fylkeskommune)" in page
    assert "Per Politiker" not in page
    assert "Otto Utenfor" not in page
    # Strategies are a checkbox list labelled "code: text", inside a fieldset with a legend.
    first = _strategies(plan.agreement, "1.1")[0]
    assert f'value="{first.pk}"' in page
    assert f"1.1: {first.text}" in page
    assert '<legend class="ds-label">Strategier tiltaket følger opp' in page
    assert '<label class="ds-label" for="id_number">Nummer' in page


def test_create_saves_the_action(client_for, coordinator, plan):
    data = _form_data(plan.agreement)

    response = client_for(coordinator).post(
        reverse("actionplans:action-create", args=[plan.pk]), data
    )

    action = Action.objects.get(plan=plan, number="1.2-1")
    assert response.status_code == 302
    assert response.url == reverse("actionplans:milestone-create", args=[action.pk])
    assert action.title == "Fleksibel fagskole i Hålogaland"
    assert action.sub_goal.code == "1.2"
    assert sorted(s.pk for s in action.strategies.all()) == sorted(data["strategies"])
    assert action.lead_party.slug == "troms-fylkeskommune"
    assert [c.user for c in action.responsible.all()] == [coordinator]
    assert action.partners == "Fagskolen i Nord, kommunene"
    assert action.order == 3
    assert action.carried_from is None


def test_create_then_the_success_message_is_shown(client_for, coordinator, plan):
    response = client_for(coordinator).post(
        reverse("actionplans:action-create", args=[plan.pk]),
        _form_data(plan.agreement),
        follow=True,
    )

    assert "Tiltak 1.2-1 er lagret." in response.content.decode()


def test_create_rejects_strategy_from_another_agreement(
    client_for, coordinator, plan, other_agreement
):
    foreign = Strategy.objects.get(sub_goal__agreement=other_agreement)
    own = _strategies(plan.agreement, "1.2")[0]
    data = _form_data(plan.agreement, strategies=[own.pk, foreign.pk])

    response = client_for(coordinator).post(
        reverse("actionplans:action-create", args=[plan.pk]), data
    )

    assert response.status_code == 200
    assert response.context["form"].errors["strategies"] == [
        "Velg bare strategier fra denne avtalen."
    ]
    assert "Velg bare strategier fra denne avtalen." in response.content.decode()
    assert not Action.objects.exists()


def test_create_rejects_sub_goal_from_another_agreement(
    client_for, coordinator, plan, other_agreement
):
    foreign = SubGoal.objects.get(agreement=other_agreement)

    response = client_for(coordinator).post(
        reverse("actionplans:action-create", args=[plan.pk]),
        _form_data(plan.agreement, sub_goal=foreign.pk),
    )

    assert response.status_code == 200
    assert response.context["form"].errors["sub_goal"] == ["Velg et delmål fra avtalen."]
    assert not Action.objects.exists()


def test_create_rejects_a_reader_as_responsible(client_for, coordinator, reader, plan):
    reader_role = Coordinator.objects.get(user=reader)

    response = client_for(coordinator).post(
        reverse("actionplans:action-create", args=[plan.pk]),
        _form_data(plan.agreement, responsible=[reader_role.pk]),
    )

    assert response.status_code == 200
    assert "responsible" in response.context["form"].errors
    assert not Action.objects.exists()


def test_create_needs_at_least_one_strategy(client_for, coordinator, plan):
    data = _form_data(plan.agreement)
    del data["strategies"]

    response = client_for(coordinator).post(
        reverse("actionplans:action-create", args=[plan.pk]), data
    )

    assert response.status_code == 200
    assert response.context["form"].errors["strategies"] == [
        "Velg minst én strategi tiltaket følger opp."
    ]
    assert not Action.objects.exists()


def test_create_rejects_duplicate_number(client_for, coordinator, plan, make_action):
    make_action(plan, "1.2-1", sub_goal="1.2")

    response = client_for(coordinator).post(
        reverse("actionplans:action-create", args=[plan.pk]),
        _form_data(plan.agreement, title="Et annet tiltak"),
    )

    assert response.status_code == 200
    assert response.context["form"].errors["number"] == [
        "Planen har allerede et tiltak med nummeret «1.2-1». Velg et annet nummer."
    ]
    assert Action.objects.filter(plan=plan).count() == 1
    assert not Action.objects.filter(title="Et annet tiltak").exists()


def test_duplicate_number_saved_at_the_same_moment_is_a_form_error(
    client_for, coordinator, plan, make_action, monkeypatch
):
    # Two coordinators pass the form check at once; the database's constraint decides.
    make_action(plan, "1.2-1", sub_goal="1.2")
    monkeypatch.setattr(ActionForm, "clean_number", lambda form: form.cleaned_data["number"])

    response = client_for(coordinator).post(
        reverse("actionplans:action-create", args=[plan.pk]),
        _form_data(plan.agreement, title="Et annet tiltak"),
    )

    assert response.status_code == 200
    assert response.context["form"].errors["number"] == [
        "Planen har allerede et tiltak med dette nummeret. Velg et annet nummer."
    ]
    assert Action.objects.filter(plan=plan).count() == 1


def test_same_number_is_fine_in_another_plan(client_for, coordinator, plan, make_action):
    later = ActionPlan.objects.create(agreement=plan.agreement, start_year=2027, end_year=2028)
    make_action(later, "1.2-1", sub_goal="1.2")

    response = client_for(coordinator).post(
        reverse("actionplans:action-create", args=[plan.pk]), _form_data(plan.agreement)
    )

    assert response.status_code == 302
    assert Action.objects.filter(number="1.2-1").count() == 2


def test_invalid_form_keeps_what_was_typed_and_summarises_errors(client_for, coordinator, plan):
    data = _form_data(plan.agreement, number="", title="Mitt tiltak med særnorske tegn æøå")

    response = client_for(coordinator).post(
        reverse("actionplans:action-create", args=[plan.pk]), data
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="Mitt tiltak med særnorske tegn æøå"' in page
    assert "Desentralisert fagskoletilbud i samarbeid med kommunene." in page
    # The summary at the top links to the field; the field points to its message.
    assert 'class="ds-error-summary"' in page
    assert 'href="#id_number">Nummer: Skriv et nummer for tiltaket.</a>' in page
    assert 'aria-describedby="id_number_helptext id_number_error"' in page
    assert 'aria-invalid="true"' in page
    assert 'id="id_number_error">Skriv et nummer for tiltaket.</p>' in page
    assert "<title>Feil: " in page


def test_admin_may_create(client_for, admin_user, coordinator, plan):
    response = client_for(admin_user).post(
        reverse("actionplans:action-create", args=[plan.pk]), _form_data(plan.agreement)
    )

    assert response.status_code == 302
    assert Action.objects.filter(plan=plan).count() == 1


# --- edit ---------------------------------------------------------------------------------


def test_edit_page_shows_current_values(client_for, coordinator, plan, make_action):
    action = make_action(plan, "3.1-2", sub_goal="3.1", title="Næringsprosjekt i Harstad")

    response = client_for(coordinator).get(reverse("actionplans:action-edit", args=[action.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="3.1-2"' in page
    assert 'value="Næringsprosjekt i Harstad"' in page
    for strategy in action.strategies.all():
        assert f'value="{strategy.pk}" class="ds-input" id="id_strategies_' in page


def test_edit_page_query_count_does_not_grow_with_choices(
    client_for, coordinator, reader, plan, make_action, django_assert_max_num_queries
):
    action = make_action(plan, "3.1-2", sub_goal="3.1", strategies=4)
    client = client_for(coordinator)
    url = reverse("actionplans:action-edit", args=[action.pk])
    client.get(url)  # the session and last-login writes happen here, not below

    with django_assert_max_num_queries(10):
        response = client.get(url)

    assert response.status_code == 200


def test_edit_saves_changes(client_for, coordinator, plan, make_action):
    action = make_action(plan, "3.1-2", sub_goal="3.1", strategies=1)
    strategies = _strategies(plan.agreement, "3.1")
    data = _form_data(
        plan.agreement,
        number="3.1-2",
        title="Nytt navn",
        sub_goal=action.sub_goal.pk,
        strategies=[strategies[2].pk, strategies[3].pk],
        lead_party="",
        responsible=[],
    )

    response = client_for(coordinator).post(
        reverse("actionplans:action-edit", args=[action.pk]), data
    )

    assert response.status_code == 302
    assert response.url == action.get_absolute_url()
    action.refresh_from_db()
    assert action.title == "Nytt navn"
    assert action.number == "3.1-2"  # keeping its own number is not a duplicate
    assert set(action.strategies.all()) == {strategies[2], strategies[3]}
    assert action.lead_party is None
    assert not action.responsible.exists()
    assert action.plan == plan


def test_edit_rejects_another_actions_number(client_for, coordinator, plan, make_action):
    make_action(plan, "1.1-1")
    action = make_action(plan, "1.1-2")

    response = client_for(coordinator).post(
        reverse("actionplans:action-edit", args=[action.pk]),
        _form_data(plan.agreement, number="1.1-1"),
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Planen har allerede et tiltak med nummeret «1.1-1»." in page
    assert '<h1 class="ds-heading" data-size="lg">Endre tiltak 1.1-2</h1>' in page
    action.refresh_from_db()
    assert action.number == "1.1-2"


def test_edit_rejects_strategy_from_another_agreement(
    client_for, coordinator, plan, make_action, other_agreement
):
    action = make_action(plan, "1.1-1")
    before = set(action.strategies.all())
    foreign = Strategy.objects.get(sub_goal__agreement=other_agreement)

    response = client_for(coordinator).post(
        reverse("actionplans:action-edit", args=[action.pk]),
        _form_data(plan.agreement, number="1.1-1", strategies=[foreign.pk]),
    )

    assert response.status_code == 200
    assert "strategies" in response.context["form"].errors
    assert set(action.strategies.all()) == before


# --- method and access --------------------------------------------------------------------


@pytest.fixture
def urls(plan, make_action):
    action = make_action(plan, "1.1-1", title="Uendret")
    return {
        "create": reverse("actionplans:action-create", args=[plan.pk]),
        "edit": reverse("actionplans:action-edit", args=[action.pk]),
    }


@pytest.mark.parametrize("which", ["create", "edit"])
@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_wrong_method(client_for, coordinator, urls, which, method):
    response = getattr(client_for(coordinator), method)(urls[which])

    assert response.status_code == 405


@pytest.mark.parametrize("which", ["create", "edit"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_is_sent_to_login(client_for, plan, urls, which, method):
    response = getattr(client_for(None), method)(urls[which], _form_data(plan.agreement))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login") + "?next=")
    assert Action.objects.filter(plan=plan).count() == 1


@pytest.mark.parametrize("which", ["create", "edit"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_outsider_gets_404(client_for, outsider, coordinator, plan, urls, which, method):
    response = getattr(client_for(outsider), method)(urls[which], _form_data(plan.agreement))

    assert response.status_code == 404
    assert list(Action.objects.values_list("title", flat=True)) == ["Uendret"]


@pytest.mark.parametrize("which", ["create", "edit"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_reader_gets_403(client_for, reader, coordinator, plan, urls, which, method):
    response = getattr(client_for(reader), method)(urls[which], _form_data(plan.agreement))

    assert response.status_code == 403
    assert list(Action.objects.values_list("title", flat=True)) == ["Uendret"]
