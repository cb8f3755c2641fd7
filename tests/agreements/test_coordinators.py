"""The people of an agreement: agreements:coordinator-list/-create/-edit/-delete."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from agreements.models import Coordinator, Invitation, Party
from agreements.services import coordinator_appoint
from tests.agreements._meeting_helpers import assert_redirects_to_login, text_of

ROLE_TAKEN = (
    "Per Politiker har allerede en rolle i denne avtalen (leser). "
    "Endre den rollen i stedet for å legge til personen på nytt."
)
LAST_COORDINATOR = (
    "Du er den siste koordinatoren for avtalen og kan ikke fjerne deg selv. "
    "Legg til en annen koordinator først."
)


def _party(slug: str = "halogalandsradet") -> Party:
    return Party.objects.get(slug=slug)


def _list_url(agreement) -> str:
    return reverse("agreements:coordinator-list", args=[agreement.slug])


def _create_url(agreement) -> str:
    return reverse("agreements:coordinator-create", args=[agreement.slug])


def _data(**overrides) -> dict:
    data = {
        "user": "",
        "name": "",
        "email": "",
        "party": _party().pk,
        "role": "coordinator",
        "title": "Daglig leder",
        "phone": "+47 900 00 000",
    }
    data.update(overrides)
    return data


@pytest.fixture
def kari(db) -> User:
    """A user with no role anywhere yet."""
    return User.objects.create(
        username="kari.nordmann",
        first_name="Kari",
        last_name="Nordmann",
        email="kari@halogaland.test",
    )


# --- list ---------------------------------------------------------------------------------------


def test_list_groups_people_by_party(client_for, reader, coordinator, agreement):
    role = Coordinator.objects.get(user=coordinator)
    role.phone = "77 00 00 00"
    role.save()

    response = client_for(reader).get(_list_url(agreement))

    page = text_of(response)
    assert response.status_code == 200
    county = page.index("Troms fylkeskommune Koordinatorer og lesere for")
    council = page.index("Hålogalandsrådet Koordinatorer og lesere for")
    tone, per = page.index("Tone Koordinator"), page.index("Per Politiker (deg)")
    assert county < tone < council < per
    assert "Tone Koordinator Koordinator Rådgiver tone.koordinator@test.invalid 77 00 00 00" in page
    assert "Per Politiker (deg) Leser" in page
    content = response.content.decode()
    assert 'href="mailto:tone.koordinator@test.invalid"' in content
    assert 'href="tel:77000000"' in content
    assert _create_url(agreement) not in content  # a reader cannot add people


def test_list_shows_edit_links_to_coordinators(client_for, coordinator, reader, agreement):
    role = Coordinator.objects.get(user=reader)

    content = client_for(coordinator).get(_list_url(agreement)).content.decode()

    assert f'href="{_create_url(agreement)}"' in content
    assert f'href="{reverse("agreements:coordinator-edit", args=[role.pk])}"' in content
    assert f'href="{reverse("agreements:coordinator-delete", args=[role.pk])}"' in content


def test_list_query_count_is_pinned(
    client_for, coordinator, reader, agreement, django_assert_max_num_queries
):
    for n in range(5):
        coordinator_appoint(
            agreement=agreement,
            party=_party(),
            role="reader",
            name=f"Leser {n}",
            email=f"l{n}@x.test",
            by=None,
        )
    client = client_for(reader)

    with django_assert_max_num_queries(6):
        response = client.get(_list_url(agreement))
    assert response.status_code == 200


def test_list_access(client_for, agreement, outsider, admin_user):
    url = _list_url(agreement)

    assert_redirects_to_login(client_for(None).get(url), url)
    assert client_for(outsider).get(url).status_code == 404  # public agreement, private names
    assert client_for(admin_user).get(url).status_code == 200
    assert client_for(admin_user).post(url).status_code == 405


# --- create: an invitation (the answer is tested in tests/security/test_invitations.py) --------


def test_adding_a_person_sends_an_invitation(client_for, coordinator, agreement):
    response = client_for(coordinator).post(
        _create_url(agreement),
        _data(name="Ola Johan  Nordmann", email="Ola@Halogaland.test", role="reader"),
        follow=True,
    )

    invitation = Invitation.objects.get()
    assert response.redirect_chain == [(_list_url(agreement), 302)]
    assert (invitation.name, invitation.email) == ("Ola Johan Nordmann", "Ola@halogaland.test")
    assert (invitation.party, invitation.role) == (_party(), "reader")
    assert (invitation.title, invitation.phone) == ("Daglig leder", "+47 900 00 000")
    assert invitation.invited_by == coordinator
    assert (
        "Ola Johan Nordmann er invitert som leser for Hålogalandsrådet. Invitasjonen sendes til "
        "Ola@halogaland.test, og personen får rollen når invitasjonen er godtatt."
    ) in text_of(response)
    assert "Ola Johan Nordmann Ola@halogaland.test Leser Hålogalandsrådet" in text_of(response)
    assert not User.objects.filter(email__iexact="ola@halogaland.test").exists()


def test_someone_with_a_role_cannot_be_invited_again(client_for, coordinator, reader, agreement):
    response = client_for(coordinator).post(
        _create_url(agreement), _data(name="Per", email="PER.politiker@test.invalid")
    )

    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [
        "Noen med e-postadressen PER.politiker@test.invalid har allerede en rolle i denne "
        "avtalen. Endre den rollen i stedet for å invitere på nytt."
    ]
    assert not Invitation.objects.exists()


def test_the_service_refuses_a_second_role_too(agreement, reader):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        coordinator_appoint(
            agreement=agreement, party=_party(), role="coordinator", user=reader, by=None
        )

    assert caught.value.message_dict == {"user": [ROLE_TAKEN]}


def test_a_party_outside_the_agreement_is_refused(
    client_for, coordinator, agreement, other_agreement
):
    outside = _party("nord-troms-regionrad")

    response = client_for(coordinator).post(
        _create_url(agreement), _data(name="Kari", email="kari@x.test", party=outside.pk)
    )

    assert response.context["form"].errors["party"] == ["Velg en av avtalens parter."]
    assert not Invitation.objects.exists()


def test_the_service_refuses_a_party_outside_the_agreement(agreement, other_agreement, kari):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        coordinator_appoint(
            agreement=agreement,
            party=_party("nord-troms-regionrad"),
            role="reader",
            user=kari,
            by=None,
        )

    assert caught.value.message_dict == {"party": ["Velg en av avtalens parter."]}


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"email": "ola@halogaland.test"}, "name", "Skriv navnet til personen."),
        ({"name": "Ola Nordmann"}, "email", "Skriv e-postadressen til personen."),
        (
            {"name": "Ola", "email": "ikke-epost"},
            "email",
            "Skriv en gyldig e-postadresse, som navn@eksempel.no.",
        ),
        ({"name": "Ola", "email": "ola@x.test", "role": ""}, "role", "Velg en rolle."),
        (
            {"name": "Ola", "email": "ola@x.test", "party": ""},
            "party",
            "Velg hvilken part personen representerer.",
        ),
    ],
)
def test_create_rejects_invalid_input(
    client_for, coordinator, agreement, overrides, field, message
):
    before = User.objects.count()

    response = client_for(coordinator).post(_create_url(agreement), _data(**overrides))

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert User.objects.count() == before
    assert not Invitation.objects.exists()


def test_create_access(client_for, agreement, reader, outsider):
    url = _create_url(agreement)
    data = _data(name="Kari", email="kari@x.test")

    assert_redirects_to_login(client_for(None).post(url, data), url)
    assert client_for(outsider).post(url, data).status_code == 404
    assert client_for(reader).get(url).status_code == 403
    assert client_for(reader).post(url, data).status_code == 403
    assert client_for(reader).put(url).status_code == 405
    assert not Invitation.objects.exists()


# --- edit ---------------------------------------------------------------------------------------


def test_edit_changes_party_role_title_and_phone(client_for, coordinator, reader, agreement):
    role = Coordinator.objects.get(user=reader)
    url = reverse("agreements:coordinator-edit", args=[role.pk])

    response = client_for(coordinator).post(
        url,
        {"party": _party("troms-fylkeskommune").pk, "role": "coordinator", "title": "Rådgiver"},
    )

    role.refresh_from_db()
    assert response.status_code == 302
    assert role.party.slug == "troms-fylkeskommune"
    assert role.role == Coordinator.Role.COORDINATOR
    assert role.title == "Rådgiver"
    assert role.phone == ""


def test_a_coordinator_cannot_change_their_own_role_only_title_and_phone(
    client_for, coordinator, agreement
):
    role = Coordinator.objects.get(user=coordinator)
    url = reverse("agreements:coordinator-edit", args=[role.pk])
    client = client_for(coordinator)

    page = client.get(url)
    response = client.post(
        url, {"party": _party().pk, "role": "reader", "title": "Seniorrådgiver", "phone": "1"}
    )

    assert "Du kan ikke endre din egen rolle eller part." in text_of(page)
    assert page.context["form"].fields["role"].disabled
    assert response.status_code == 302
    role.refresh_from_db()
    assert (role.party.slug, role.role) == ("troms-fylkeskommune", Coordinator.Role.COORDINATOR)
    assert (role.title, role.phone) == ("Seniorrådgiver", "1")


def test_edit_rejects_a_party_outside_the_agreement(
    client_for, coordinator, reader, agreement, other_agreement
):
    role = Coordinator.objects.get(user=reader)

    response = client_for(coordinator).post(
        reverse("agreements:coordinator-edit", args=[role.pk]),
        {"party": _party("nord-troms-regionrad").pk, "role": "reader"},
    )

    assert response.context["form"].errors["party"] == ["Velg en av avtalens parter."]
    role.refresh_from_db()
    assert role.party.slug == "halogalandsradet"


def test_edit_access(client_for, coordinator, reader, outsider):
    role = Coordinator.objects.get(user=coordinator)
    url = reverse("agreements:coordinator-edit", args=[role.pk])
    data = {"party": role.party_id, "role": "reader"}

    assert_redirects_to_login(client_for(None).post(url, data), url)
    assert client_for(outsider).post(url, data).status_code == 404
    assert client_for(reader).get(url).status_code == 403
    assert client_for(reader).post(url, data).status_code == 403
    assert client_for(reader).put(url).status_code == 405
    role.refresh_from_db()
    assert role.role == Coordinator.Role.COORDINATOR


# --- delete -------------------------------------------------------------------------------------


def test_remove_a_reader(client_for, coordinator, reader, agreement):
    role = Coordinator.objects.get(user=reader)
    url = reverse("agreements:coordinator-delete", args=[role.pk])
    client = client_for(coordinator)

    page = text_of(client.get(url))
    response = client.post(url)

    assert "Fjern Per Politiker fra avtalen" in page
    assert response.status_code == 302
    assert response.url == _list_url(agreement)
    assert not Coordinator.objects.filter(pk=role.pk).exists()
    assert User.objects.filter(pk=reader.pk).exists()  # the user account stays


def test_the_last_coordinator_cannot_remove_themself(client_for, coordinator, agreement):
    role = Coordinator.objects.get(user=coordinator)
    url = reverse("agreements:coordinator-delete", args=[role.pk])
    client = client_for(coordinator)

    shown = client.get(url)
    response = client.post(url)

    assert LAST_COORDINATOR in text_of(shown)
    assert "Ja, fjern rollen" not in text_of(shown)
    assert response.status_code == 200
    assert LAST_COORDINATOR in text_of(response)
    assert Coordinator.objects.filter(pk=role.pk).exists()


def test_a_coordinator_with_a_colleague_may_remove_themself(
    client_for, coordinator, agreement, kari
):
    coordinator_appoint(
        agreement=agreement, party=_party(), role=Coordinator.Role.COORDINATOR, user=kari, by=None
    )
    role = Coordinator.objects.get(user=coordinator)

    response = client_for(coordinator).post(
        reverse("agreements:coordinator-delete", args=[role.pk])
    )

    assert response.status_code == 302
    assert response.url == reverse("agreements:agreement-list")  # the list is closed to them now
    assert not Coordinator.objects.filter(pk=role.pk).exists()


def test_an_admin_may_remove_the_last_coordinator(client_for, coordinator, admin_user, agreement):
    role = Coordinator.objects.get(user=coordinator)

    response = client_for(admin_user).post(reverse("agreements:coordinator-delete", args=[role.pk]))

    assert response.status_code == 302
    assert not Coordinator.objects.filter(pk=role.pk).exists()


def test_delete_access(client_for, coordinator, reader, outsider):
    role = Coordinator.objects.get(user=reader)
    url = reverse("agreements:coordinator-delete", args=[role.pk])

    assert_redirects_to_login(client_for(None).post(url), url)
    assert client_for(outsider).post(url).status_code == 404
    assert client_for(reader).get(url).status_code == 403
    assert client_for(reader).post(url).status_code == 403
    assert client_for(coordinator).put(url).status_code == 405
    assert Coordinator.objects.filter(pk=role.pk).exists()


def test_list_query_count_for_a_coordinator_is_pinned(
    client_for, coordinator, agreement, django_assert_max_num_queries
):
    from agreements.invitations import invitation_create

    for n in range(5):
        coordinator_appoint(
            agreement=agreement,
            party=_party(),
            role="reader",
            name=f"L {n}",
            email=f"l{n}@x.test",
            by=None,
        )
        invitation_create(
            agreement=agreement,
            party=_party(),
            role="reader",
            name=f"I {n}",
            email=f"i{n}@x.test",
            by=coordinator,
        )
    client = client_for(coordinator)

    with django_assert_max_num_queries(8):
        response = client.get(_list_url(agreement))
    assert response.status_code == 200
    assert response.text.count("Trekk tilbake") == 5
