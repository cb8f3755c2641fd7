"""Who may appoint whom to which role (issue 12, finding 3): one rule, ``rules.may_appoint``,
checked for every pair of roles, and the same rule behind the forms, the views and the services.

The finding: ``koordinator.halogaland`` (a coordinator for Hålogalandsrådet) changed their own
party to Troms fylkeskommune on the coordinators page and then finalised the evaluation, which
only the county's coordinators may do.

The rule, as a table (``EXPECTED``): nobody changes their own role or party; administrators and
the county's coordinators appoint for every party of the agreement; a coordinator of another
party appoints only for their own party, and only people who are not the county's; readers,
outsiders and anonymous visitors appoint nobody.
"""

import itertools

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.urls import reverse

from agreements import rules, services
from agreements.models import Coordinator, Invitation, Party
from tests.factories import COUNCIL, COUNTY, make_user

ACTORS = ["admin", "county", "council", "reader", "outsider", "anonymous"]
# Who the appointment is for: someone new (an invitation), or someone who has this role now.
TARGETS = [None, "county-coordinator", "county-reader", "council-coordinator", "council-reader"]
REQUESTS = [
    (COUNTY, Coordinator.Role.COORDINATOR),
    (COUNTY, Coordinator.Role.READER),
    (COUNCIL, Coordinator.Role.COORDINATOR),
    (COUNCIL, Coordinator.Role.READER),
]

ALL_PARTIES = {COUNTY, COUNCIL}
# For each actor: the parties they may appoint for, and whose roles (by their party now) they
# may change. The rule written out by hand, not computed from the code under test.
EXPECTED = {
    "admin": (ALL_PARTIES, {None, COUNTY, COUNCIL}),
    "county": (ALL_PARTIES, {None, COUNTY, COUNCIL}),
    "council": ({COUNCIL}, {None, COUNCIL}),
    "reader": (set(), set()),
    "outsider": (set(), set()),
    "anonymous": (set(), set()),
}


def _appoint(agreement, user, party_slug, role):
    return Coordinator.objects.create(
        agreement=agreement, user=user, party=Party.objects.get(slug=party_slug), role=role
    )


@pytest.fixture
def people(agreement, admin_user, coordinator, reader, outsider):
    council_coordinator = make_user("koordinator.halogaland", "Hanna", "Hålogaland")
    _appoint(agreement, council_coordinator, COUNCIL, Coordinator.Role.COORDINATOR)
    actors = {
        "admin": admin_user,
        "county": coordinator,
        "council": council_coordinator,
        "reader": reader,
        "outsider": outsider,
        "anonymous": AnonymousUser(),
    }
    targets = {}
    for name in TARGETS[1:]:
        party, role = name.split("-")
        user = make_user(f"mål.{name}", "Mål", name)
        _appoint(agreement, user, COUNTY if party == "county" else COUNCIL, role)
        targets[name] = user
    return actors, targets


def _fresh(user):
    # The rules keep a user's roles on the object for the request; a new test step starts anew.
    if hasattr(user, "_agreement_appointments"):
        del user._agreement_appointments
    return user


@pytest.mark.django_db
def test_every_role_pair_against_the_table(agreement, people):
    actors, targets = people
    parties = {slug: Party.objects.get(slug=slug) for slug in ALL_PARTIES}
    wrong = []
    for actor_name, target_name, (party_slug, role) in itertools.product(ACTORS, TARGETS, REQUESTS):
        actor = _fresh(actors[actor_name])
        target = targets.get(target_name)
        may_parties, may_targets = EXPECTED[actor_name]
        current_party = target_name.split("-")[0] if target_name else None
        current_party = {"county": COUNTY, "council": COUNCIL}.get(current_party)
        expected = party_slug in may_parties and current_party in may_targets
        got = rules.may_appoint(
            actor, agreement, party=parties[party_slug], role=role, target=target
        )
        if got != expected:
            wrong.append((actor_name, target_name, party_slug, role, got))
    assert wrong == []


@pytest.mark.django_db
@pytest.mark.parametrize("actor_name", ACTORS)
def test_nobody_changes_their_own_role_or_party(agreement, people, actor_name):
    actors, _targets = people
    actor = actors[actor_name]
    own = Coordinator.objects.filter(agreement=agreement, user_id=actor.pk).first()
    for party_slug, role in REQUESTS:
        party = Party.objects.get(slug=party_slug)
        unchanged = own is not None and (own.party_id, own.role) == (party.pk, role)
        may = rules.may_appoint(_fresh(actor), agreement, party=party, role=role, target=actor)
        # Keeping one's own role as it is (e.g. a new phone number) is fine for those who edit.
        assert may == (unchanged and rules.can_edit_agreement(actor, agreement)), (
            party_slug,
            role,
        )


@pytest.mark.django_db
def test_removal_follows_the_same_rule(agreement, people):
    actors, targets = people
    for actor_name in ACTORS:
        _may_parties, may_targets = EXPECTED[actor_name]
        for target_name, user in targets.items():
            appointment = Coordinator.objects.get(agreement=agreement, user=user)
            current = COUNTY if target_name.startswith("county") else COUNCIL
            assert rules.may_remove(_fresh(actors[actor_name]), appointment) == (
                current in may_targets
            ), (actor_name, target_name)


@pytest.mark.django_db
def test_a_party_outside_the_agreement_is_never_allowed(agreement, other_agreement, people):
    actors, _targets = people
    outside = Party.objects.get(slug="nord-troms-regionrad")
    for actor_name in ACTORS:
        assert not rules.may_appoint(
            _fresh(actors[actor_name]), agreement, party=outside, role="reader", target=None
        )


# --- The finding, through the page --------------------------------------------------------------


def _edit_url(user, agreement) -> str:
    pk = Coordinator.objects.get(agreement=agreement, user=user).pk
    return reverse("agreements:coordinator-edit", args=[pk])


@pytest.mark.django_db
def test_a_council_coordinator_cannot_make_themself_county_coordinator(
    client_for, agreement, people
):
    from evaluation.models import Evaluation
    from evaluation.services import evaluation_create

    actors, _targets = people
    me = actors["council"]
    county = Party.objects.get(slug=COUNTY)
    client = client_for(me)

    form = client.get(_edit_url(me, agreement))
    client.post(_edit_url(me, agreement), {"party": county.pk, "role": "coordinator"})

    role = Coordinator.objects.get(agreement=agreement, user=me)
    assert role.party.slug == COUNCIL
    assert "Du kan ikke endre din egen rolle eller part." in form.text
    evaluation = evaluation_create(
        agreement=agreement, kind=Evaluation.Kind.MID_TERM, year=2026, plans=[]
    )
    assert not rules.can_finalise_evaluation(_fresh(me), agreement)
    finalise = client.post(
        reverse("evaluation:evaluation-finalise", args=[evaluation.pk]), {"confirm": "on"}
    )
    assert finalise.status_code == 403


@pytest.mark.django_db
def test_a_council_coordinator_cannot_appoint_for_the_county(client_for, agreement, people):
    actors, targets = people
    client = client_for(actors["council"])
    county = Party.objects.get(slug=COUNTY)
    reader_role = Coordinator.objects.get(user=targets["council-reader"])

    # Moving their own party's reader to the county, as coordinator:
    moved = client.post(
        _edit_url(targets["council-reader"], agreement),
        {"party": county.pk, "role": "coordinator"},
    )
    # Inviting someone as the county's coordinator:
    invited = client.post(
        reverse("agreements:coordinator-create", args=[agreement.slug]),
        {
            "name": "Medsammensvoren",
            "email": "venn@eksempel.no",
            "party": county.pk,
            "role": "coordinator",
        },
    )
    # Changing or removing the county's own people:
    county_role = Coordinator.objects.get(user=targets["county-coordinator"])
    change = client.post(
        _edit_url(targets["county-coordinator"], agreement),
        {"party": county_role.party_id, "role": "reader"},
    )
    remove = client.post(reverse("agreements:coordinator-delete", args=[county_role.pk]))

    assert moved.status_code == 200
    assert moved.context["form"].errors["party"] == ["Velg en av avtalens parter."]
    assert invited.status_code == 200
    assert not Invitation.objects.exists()
    assert change.status_code == 403
    assert remove.status_code == 403
    reader_role.refresh_from_db()
    county_role.refresh_from_db()
    assert (reader_role.party.slug, reader_role.role) == (COUNCIL, "reader")
    assert (county_role.party.slug, county_role.role) == (COUNTY, "coordinator")


@pytest.mark.django_db
def test_the_council_coordinator_sees_only_what_they_may_do(client_for, agreement, people):
    actors, targets = people
    page = client_for(actors["council"]).get(
        reverse("agreements:coordinator-list", args=[agreement.slug])
    )
    county_role = Coordinator.objects.get(user=targets["county-coordinator"])
    council_role = Coordinator.objects.get(user=targets["council-reader"])
    assert reverse("agreements:coordinator-edit", args=[county_role.pk]) not in page.text
    assert reverse("agreements:coordinator-delete", args=[county_role.pk]) not in page.text
    assert reverse("agreements:coordinator-edit", args=[council_role.pk]) in page.text
    form = client_for(actors["council"]).get(
        reverse("agreements:coordinator-create", args=[agreement.slug])
    )
    assert list(form.context["form"].fields["party"].queryset) == [Party.objects.get(slug=COUNCIL)]


@pytest.mark.django_db
@pytest.mark.parametrize("actor_name", ["council", "county", "admin"])
def test_the_services_refuse_a_change_of_ones_own_role(agreement, people, actor_name):
    actors, _targets = people
    actor = actors[actor_name]
    if actor_name == "admin":
        _appoint(agreement, actor, COUNCIL, Coordinator.Role.READER)
    own = Coordinator.objects.get(agreement=agreement, user=actor)
    other = Party.objects.get(slug=COUNTY if own.party.slug == COUNCIL else COUNCIL)
    with pytest.raises(ValidationError) as caught:
        services.coordinator_change(
            coordinator=own, party=other, role="coordinator", title="", phone="", by=actor
        )
    assert caught.value.code == "own_role"
    own.refresh_from_db()
    assert own.party.slug != other.slug


@pytest.mark.django_db
def test_the_service_refuses_what_the_rule_refuses(agreement, people):
    actors, targets = people
    county = Party.objects.get(slug=COUNTY)
    newcomer = User.objects.create(username="ny.person", email="ny@eksempel.no")
    with pytest.raises(ValidationError):
        services.coordinator_appoint(
            agreement=agreement,
            party=county,
            role="coordinator",
            user=newcomer,
            by=actors["council"],
        )
    with pytest.raises(ValidationError):
        services.coordinator_remove(
            coordinator=Coordinator.objects.get(user=targets["county-reader"]),
            by=actors["council"],
        )
    assert not Coordinator.objects.filter(user=newcomer).exists()
    assert Coordinator.objects.filter(user=targets["county-reader"]).exists()
