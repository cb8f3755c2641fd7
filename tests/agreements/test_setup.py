"""Setting up an agreement in the portal (agreements/views_setup.py, agreements/setup.py):
a new agreement, its parties, the pasted text with its preview, the structure edited in place
and the revisions of an adopted agreement."""

import pytest
from django.urls import reverse

from actionplans.models import Action, ActionPlan
from agreements.models import (
    Agreement,
    AgreementParty,
    AgreementRevision,
    Coordinator,
    FocusArea,
    Party,
    Strategy,
    SubGoal,
)
from agreements.parse import count_texts, parse_agreement_text
from tests.factories import COUNTY, council_coordinator
from tests.helpers.agreement_setup import HALOGALAND_TEXT, structure_texts

NEW = {
    "title": "Tromsvekstavtalen for Prøveregionen",
    "short_title": "Prøveregionen",
    "slug": "proveregionen",
    "start_year": "2026",
    "end_year": "2029",
    "county": "",
    "is_example": "on",
}


@pytest.fixture
def county(agreement) -> Party:
    return Party.objects.get(slug=COUNTY)


def _create(client, county, **overrides):
    return client.post(
        reverse("agreements:setup-create"), {**NEW, "county": county.pk, **overrides}
    )


def _new_agreement(client, county) -> Agreement:
    response = _create(client, county)
    assert response.status_code == 302
    return Agreement.objects.get(slug="proveregionen")


# --- A new agreement ------------------------------------------------------------------------------


def test_a_county_coordinator_starts_a_draft_and_becomes_its_coordinator(
    client_for, coordinator, county
):
    response = _create(client_for(coordinator), county)
    agreement = Agreement.objects.get(slug="proveregionen")
    assert response["Location"] == reverse("agreements:setup", args=["proveregionen"])
    assert agreement.status == Agreement.Status.DRAFT and agreement.is_example
    assert (agreement.start_year, agreement.end_year) == (2026, 2029)
    assert list(agreement.memberships.values_list("party__slug", flat=True)) == [COUNTY]
    appointment = Coordinator.objects.get(agreement=agreement, user=coordinator)
    assert (appointment.role, appointment.party) == (Coordinator.Role.COORDINATOR, county)


def test_an_administrator_starts_one_without_a_role(client_for, admin_user, county):
    _new_agreement(client_for(admin_user), county)
    assert not Coordinator.objects.filter(user=admin_user).exists()


@pytest.mark.parametrize("who", ["reader", "outsider"])
def test_others_may_not_start_an_agreement(request, client_for, county, who):
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("agreements:setup-create")).status_code == 403
    assert _create(client, county).status_code == 403
    council = council_coordinator(Agreement.objects.get(slug="halogaland"))
    assert client_for(council).get(reverse("agreements:setup-create")).status_code == 403
    assert not Agreement.objects.filter(slug="proveregionen").exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"slug": "halogaland"},
            "slug",
            "Tromsvekstavtale med denne Kortnavn i adresser finnes allerede.",
        ),
        ({"slug": "ny"}, "slug", "Kortnavnet er allerede i bruk. Velg et annet."),
        ({"end_year": "2025"}, "end_year", "Siste år kan ikke være før første år."),
        ({"start_year": "99999"}, "start_year", "Verdien må være mindre enn eller lik 2100."),
        ({"title": ""}, "title", "Dette feltet er påkrevd."),
    ],
)
def test_bad_input_is_refused_in_norwegian_and_nothing_is_made(
    client_for, coordinator, county, overrides, field, message
):
    before = Agreement.objects.count()
    response = _create(client_for(coordinator), county, **overrides)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Agreement.objects.count() == before
    assert "Skjemaet er ikke lagret" in response.content.decode()


def test_a_party_is_added_new_or_known_with_its_adoption(client_for, admin_user, county):
    client = client_for(admin_user)
    agreement = _new_agreement(client, county)
    url = reverse("agreements:setup-party-add", args=[agreement.slug])
    response = client.post(
        url,
        {
            "new_name": "Prøve  regionråd",
            "new_kind": "regional_council",
            "adopted_by": "Prøve regionråd",
            "adopted_on": "2026-03-01",
            "case_number": "26/00123",
        },
    )
    assert response.status_code == 302
    membership = agreement.memberships.select_related("party").get(order=2)
    assert membership.party.name == "Prøve regionråd"
    assert membership.party.slug == "prove-regionrad"
    assert (membership.adopted_by, str(membership.adopted_on), membership.case_number) == (
        "Prøve regionråd",
        "2026-03-01",
        "26/00123",
    )
    page = client.get(agreement.get_absolute_url()).content.decode()
    assert "Saksnummer" in page and "26/00123" in page
    # Neither a known party nor a name: refused, nothing added.
    response = client.post(url, {"new_kind": "regional_council"})
    assert response.status_code == 200 and agreement.memberships.count() == 2
    # The county is a party already and is not offered again.
    response = client.post(url, {"party": county.pk, "new_kind": "other"})
    assert response.status_code == 200 and agreement.memberships.count() == 2


# --- Pasting the text -----------------------------------------------------------------------------


def _with_council(client, county) -> Agreement:
    agreement = _new_agreement(client, county)
    client.post(
        reverse("agreements:setup-party-add", args=[agreement.slug]),
        {"party": Party.objects.get(slug="halogalandsradet").pk, "new_kind": "other"},
    )
    return agreement


def test_pasting_shows_a_preview_and_saves_nothing(client_for, coordinator, county):
    client = client_for(coordinator)
    agreement = _with_council(client, county)
    url = reverse("agreements:setup-paste", args=[agreement.slug])
    assert client.get(url).status_code == 200
    response = client.post(url, {"source": HALOGALAND_TEXT})
    assert response.status_code == 200
    form = response.context["form"]
    assert response.context["count"] == 59
    assert form["goal-0-1"].initial.startswith("Sikre tilstrekkelig og kvalifisert arbeidskraft")
    assert not agreement.focus_areas.exists()


def test_saving_the_preview_with_one_delmal_corrected(client_for, coordinator, county):
    client = client_for(coordinator)
    agreement = _with_council(client, county)
    url = reverse("agreements:setup-paste", args=[agreement.slug])
    form = client.post(url, {"source": HALOGALAND_TEXT}).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data["goal-0-0"] = "Styrke Prøveregionen som bo- og arbeidsmarkedsregion."
    data["lagre"] = "1"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    goal = SubGoal.objects.get(agreement=agreement, code="1.1")
    assert goal.text == "Styrke Prøveregionen som bo- og arbeidsmarkedsregion."
    expected = parse_agreement_text(HALOGALAND_TEXT).data
    expected["focus_areas"][0]["sub_goals"][0]["text"] = goal.text
    assert structure_texts(agreement) == structure_texts(expected)
    assert count_texts(expected) == 59
    agreement.refresh_from_db()
    assert agreement.title == NEW["title"]  # the agreement's own, not the text's
    assert agreement.overall_goal.startswith("Skape samhandling for Hålogalandsregionen")
    assert list(agreement.signatories.values_list("party__slug", "name")) == [
        (COUNTY, "Kristina Torbergsen"),
        ("halogalandsradet", "Rune Edvardsen"),
    ]
    assert not agreement.revisions.exists()  # a draft: no revisions


def test_an_emptied_text_in_the_preview_is_refused(client_for, coordinator, county):
    client = client_for(coordinator)
    agreement = _with_council(client, county)
    url = reverse("agreements:setup-paste", args=[agreement.slug])
    form = client.post(url, {"source": HALOGALAND_TEXT}).context["form"]
    data = {name: form[name].value() for name in form.fields} | {"goal-0-0": "  ", "lagre": "1"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "goal-0-0" in response.context["form"].errors
    assert not agreement.focus_areas.exists()


def test_a_text_without_structure_cannot_be_saved(client_for, coordinator, county):
    client = client_for(coordinator)
    agreement = _with_council(client, county)
    url = reverse("agreements:setup-paste", args=[agreement.slug])
    response = client.post(url, {"source": "Bare et avsnitt.", "lagre": "1", "overall_goal": "x"})
    assert response.status_code == 200
    assert response.context["unplaced"] == ["Bare et avsnitt."]
    assert response.context["form"].non_field_errors()
    assert not agreement.focus_areas.exists()


# --- The structure edited in place ----------------------------------------------------------------


def test_moving_an_innsatsomrade_renumbers_it_and_its_delmal(client_for, admin_user, agreement):
    client = client_for(admin_user)
    second = FocusArea.objects.get(agreement=agreement, number=2)
    goal = second.sub_goals.get()
    response = client.post(
        reverse("agreements:setup-item-move", args=["innsatsomrade", second.pk]), {"retning": "opp"}
    )
    assert response.status_code == 302
    second.refresh_from_db()
    goal.refresh_from_db()
    assert second.number == 1 and goal.code == "1.1"
    first = FocusArea.objects.get(agreement=agreement, title="Befolkningsutvikling")
    assert first.number == 2
    assert list(first.sub_goals.values_list("code", flat=True)) == ["2.1", "2.2", "2.3"]
    # The first cannot move further up.
    client.post(
        reverse("agreements:setup-item-move", args=["innsatsomrade", second.pk]), {"retning": "opp"}
    )
    second.refresh_from_db()
    assert second.number == 1


def test_moving_and_removing_a_strategy(client_for, coordinator, agreement):
    client = client_for(coordinator)
    goal = SubGoal.objects.get(agreement=agreement, code="1.2")
    texts = list(goal.strategies.values_list("text", flat=True))
    third = goal.strategies.get(order=3)
    client.post(
        reverse("agreements:setup-item-move", args=["strategi", third.pk]), {"retning": "ned"}
    )
    assert list(goal.strategies.values_list("text", flat=True)) == [*texts[:2], texts[3], texts[2]]
    url = reverse("agreements:setup-item-delete", args=["strategi", third.pk])
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 302
    assert list(goal.strategies.values_list("order", "text")) == [
        (1, texts[0]),
        (2, texts[1]),
        (3, texts[3]),
    ]


def test_a_delmal_in_use_is_not_removed(client_for, coordinator, agreement):
    goal = SubGoal.objects.get(agreement=agreement, code="1.1")
    plan = ActionPlan.objects.create(agreement=agreement, start_year=2025, end_year=2026)
    Action.objects.create(plan=plan, number="1.1-1", title="Bolig", sub_goal=goal)
    url = reverse("agreements:setup-item-delete", args=["delmal", goal.pk])
    response = client_for(coordinator).post(url)
    assert response.status_code == 200
    assert "kan ikke fjernes" in response.content.decode()
    assert SubGoal.objects.filter(pk=goal.pk).exists()
    assert goal.strategies.count() == 2


def test_adding_a_delmal_gives_it_the_next_code(client_for, coordinator, agreement):
    area = FocusArea.objects.get(agreement=agreement, number=2)
    url = reverse("agreements:setup-item-add", args=[agreement.slug, "delmal"])
    client = client_for(coordinator)
    assert client.get(url).status_code == 404  # no ?under=
    assert client.get(f"{url}?under=99999999").status_code == 404
    response = client.post(f"{url}?under={area.pk}", {"text": "Et nytt delmål."})
    assert response.status_code == 302
    assert SubGoal.objects.get(agreement=agreement, code="2.2").text == "Et nytt delmål."


def test_an_unknown_kind_is_404(client_for, coordinator, agreement):
    goal = SubGoal.objects.get(agreement=agreement, code="1.1")
    client = client_for(coordinator)
    assert (
        client.get(reverse("agreements:setup-item-edit", args=["tull", goal.pk])).status_code == 404
    )
    # A pk of another kind is that kind's, or 404.
    assert (
        client.get(reverse("agreements:setup-item-edit", args=["tema", 99999])).status_code == 404
    )


def test_a_regional_coordinator_may_not_set_up(client_for, agreement):
    council = council_coordinator(agreement)
    goal = SubGoal.objects.get(agreement=agreement, code="1.1")
    client = client_for(council)
    assert client.get(reverse("agreements:setup", args=[agreement.slug])).status_code == 403
    url = reverse("agreements:setup-item-edit", args=["delmal", goal.pk])
    assert client.post(url, {"text": "Endret"}).status_code == 403
    goal.refresh_from_db()
    assert goal.text.startswith("Styrke Hålogaland")


# --- Revisions ------------------------------------------------------------------------------------


def test_a_change_to_an_adopted_agreement_is_kept_and_shown(
    client_for, coordinator, reader, agreement
):
    goal = SubGoal.objects.get(agreement=agreement, code="1.1")
    old = goal.text
    url = reverse("agreements:setup-item-edit", args=["delmal", goal.pk])
    response = client_for(coordinator).post(url, {"text": "Styrke Hålogaland som region."})
    assert response.status_code == 302
    revision = AgreementRevision.objects.get(agreement=agreement)
    assert (revision.subject, revision.field) == ("Delmål 1.1", "delmål")
    assert (revision.old_text, revision.new_text) == (old, "Styrke Hålogaland som region.")
    assert revision.user == coordinator
    page = reverse("agreements:revision-list", args=[agreement.slug])
    body = client_for(reader).get(page).content.decode()
    assert "Styrke Hålogaland som region." in body and "Tone Koordinator" in body
    # A public agreement: anyone reads the revisions, without the names.
    anonymous = client_for(None).get(page)
    assert anonymous.status_code == 200
    assert "Styrke Hålogaland som region." in anonymous.content.decode()
    assert "Tone Koordinator" not in anonymous.content.decode()


def test_the_revisions_of_a_private_agreement_are_not_for_outsiders(
    client_for, private_agreement, outsider
):
    page = reverse("agreements:revision-list", args=[private_agreement.slug])
    assert client_for(outsider).get(page).status_code == 404
    assert client_for(None).get(page).status_code == 302


def test_an_unchanged_save_keeps_no_revision(client_for, coordinator, agreement):
    area = FocusArea.objects.get(agreement=agreement, number=4)
    url = reverse("agreements:setup-item-edit", args=["innsatsomrade", area.pk])
    client_for(coordinator).post(url, {"title": area.title})
    assert not AgreementRevision.objects.exists()


def test_removing_from_an_adopted_agreement_is_kept(client_for, coordinator, agreement):
    theme = agreement.central_themes.get(order=5)
    client_for(coordinator).post(reverse("agreements:setup-item-delete", args=["tema", theme.pk]))
    revision = AgreementRevision.objects.get(agreement=agreement, field="tekst")
    assert (revision.old_text, revision.new_text) == ("Reiselivsutviklingen.", "")


def test_pasting_over_an_adopted_agreement_keeps_one_revision_per_changed_text(
    client_for, coordinator, agreement
):
    client = client_for(coordinator)
    url = reverse("agreements:setup-paste", args=[agreement.slug])
    form = client.post(url, {"source": HALOGALAND_TEXT}).context["form"]
    data = {name: form[name].value() for name in form.fields} | {"lagre": "1"}
    data["strategy-3-0-1"] = "Bidra til at kommunene er gode vertskap."
    assert client.post(url, data).status_code == 302
    revision = AgreementRevision.objects.get(agreement=agreement)
    assert revision.subject == "Strategi 4.1.2"
    assert revision.new_text == "Bidra til at kommunene er gode vertskap."
    assert Strategy.objects.filter(sub_goal__agreement=agreement).count() == 20
    assert AgreementParty.objects.filter(agreement=agreement).count() == 2


def test_a_party_with_people_in_the_agreement_is_not_removed(client_for, admin_user, agreement):
    membership = agreement.memberships.get(party__slug=COUNTY)
    url = reverse("agreements:setup-item-delete", args=["part", membership.pk])
    response = client_for(admin_user).post(url)
    assert response.status_code == 200
    assert "Parten har personer, underskrivere" in response.content.decode()
    assert agreement.memberships.count() == 2


def test_a_party_without_anything_in_the_agreement_is_removed(client_for, admin_user, county):
    client = client_for(admin_user)
    agreement = _with_council(client, county)
    membership = agreement.memberships.get(order=2)
    url = reverse("agreements:setup-item-delete", args=["part", membership.pk])
    assert client.post(url).status_code == 302
    assert list(agreement.memberships.values_list("party__slug", "order")) == [(COUNTY, 1)]
    assert Party.objects.filter(slug="halogalandsradet").exists()  # the party itself stays


def test_a_text_whose_numbering_breaks_the_rules_is_not_saved(client_for, coordinator, county):
    client = client_for(coordinator)
    agreement = _with_council(client, county)
    url = reverse("agreements:setup-paste", args=[agreement.slug])
    source = HALOGALAND_TEXT.replace("Delmål 1.3:", "Delmål 2.3:")
    preview = client.post(url, {"source": source})
    assert "Delmål 2.3 står under innsatsområde 1" in preview.content.decode()
    assert "Lagre teksten i avtalen" not in preview.content.decode()
    form = preview.context["form"]
    data = {name: form[name].value() for name in form.fields} | {"lagre": "1"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert not agreement.focus_areas.exists()
