"""«Personer og roller» (/fylket/personer/): who sees whom, and deactivating and reactivating
accounts (agreements/people.py, agreements/views_people.py). Who may open the pages at all is in
the permission matrix (tests/test_permission_matrix.py)."""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from agreements.models import Coordinator, Party
from tests.factories import COUNCIL, COUNTY, PASSWORD, council_coordinator, make_user
from tromsvekst.audit.models import AuditEntry

LIST = reverse("people:people-list")


def deactivate_url(user: User) -> str:
    return reverse("people:person-deactivate", args=[user.pk])


def reactivate_url(user: User) -> str:
    return reverse("people:person-reactivate", args=[user.pk])


@pytest.fixture
def kari(agreement) -> User:
    """Kari Rådet: the regional council's coordinator of ``agreement`` only."""
    return council_coordinator(agreement)


@pytest.fixture
def both(agreement, other_agreement) -> User:
    """Berit Begge: a reader of ``agreement`` and a coordinator of ``other_agreement``."""
    user = make_user("berit.begge", "Berit", "Begge")
    Coordinator.objects.create(
        agreement=agreement,
        user=user,
        party=Party.objects.get(slug=COUNCIL),
        role=Coordinator.Role.READER,
    )
    Coordinator.objects.create(
        agreement=other_agreement,
        user=user,
        party=Party.objects.get(slug="nord-troms-regionrad"),
        role=Coordinator.Role.COORDINATOR,
    )
    return user


def _logs_in(username: str) -> bool:
    """Whether the login form lets ``username`` in (a redirect) with the right password."""
    response = Client().post(reverse("login"), {"username": username, "password": PASSWORD})
    return response.status_code == 302


def _row_ids(response) -> set[int]:
    return {row.user.pk for row in response.context["rows"]}


# --- Who sees whom ------------------------------------------------------------------------------


def test_admin_sees_every_account_with_every_role(
    client_for, admin_user, coordinator, reader, outsider
):
    response = client_for(admin_user).get(LIST)
    assert response.status_code == 200
    assert _row_ids(response) == {admin_user.pk, coordinator.pk, reader.pk, outsider.pk}
    page = response.content.decode()
    assert "Personer og roller" in page
    assert "otto.utenfor@test.invalid" in page
    # Otto's role is in the other agreement, and the admin sees it.
    otto = next(r for r in response.context["rows"] if r.user == outsider)
    assert [c.agreement.slug for c in otto.appointments] == ["nord-troms"]
    # Every agreement has its own links to appoint people (the existing invitation page).
    assert reverse("agreements:coordinator-create", args=["nord-troms"]) in page


def test_county_coordinator_sees_only_the_people_of_their_agreements(
    client_for, coordinator, reader, outsider, both
):
    response = client_for(coordinator).get(LIST)
    assert response.status_code == 200
    assert _row_ids(response) == {coordinator.pk, reader.pk, both.pk}
    berit = next(r for r in response.context["rows"] if r.user == both)
    # Only her role in Tone's agreement is shown, not what she does in Nord-Troms.
    assert [c.role for c in berit.appointments] == [Coordinator.Role.READER]
    page = response.content.decode()
    assert "Nord-Troms" not in page
    assert "otto.utenfor" not in page


def test_the_list_shows_state_email_and_last_login(client_for, admin_user, coordinator, reader):
    reader.is_active = False
    reader.save(update_fields=["is_active"])
    assert _logs_in("tone.koordinator")
    response = client_for(admin_user).get(LIST)
    rows = {r.user.pk: r for r in response.context["rows"]}
    assert rows[coordinator.pk].user.last_login is not None
    page = response.content.decode()
    assert "Deaktivert" in page and "Aktiv" in page
    assert "Aldri" in page  # Per never logged in
    assert reactivate_url(reader) in page
    assert deactivate_url(coordinator) in page
    # Nobody gets a link to deactivate themself.
    assert deactivate_url(admin_user) not in page


def test_the_list_costs_the_same_queries_for_more_people(
    client_for, coordinator, agreement, django_assert_num_queries
):
    client = client_for(coordinator)
    client.get(LIST)  # sessions and content types warmed up
    with django_assert_num_queries(8) as few:
        client.get(LIST)
    county = Party.objects.get(slug=COUNTY)
    for i in range(12):
        Coordinator.objects.create(
            agreement=agreement,
            user=make_user(f"person{i}", "Person", str(i)),
            party=county,
            role=Coordinator.Role.READER,
        )
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(LIST)
    assert len(response.context["rows"]) == 13


def test_the_admin_list_costs_the_same_queries_for_more_people(
    client_for, admin_user, agreement, other_agreement, django_assert_num_queries
):
    client = client_for(admin_user)
    client.get(LIST)
    with django_assert_num_queries(7) as few:
        client.get(LIST)
    for i, target in enumerate([agreement, other_agreement] * 5):
        Coordinator.objects.create(
            agreement=target,
            user=make_user(f"person{i}", "Person", str(i)),
            party=Party.objects.get(slug=COUNTY),
            role=Coordinator.Role.READER,
        )
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(LIST)
    assert len(response.context["rows"]) == 11


# --- Deactivating -------------------------------------------------------------------------------


def test_admin_deactivates_an_account_after_confirming(client_for, admin_user, coordinator):
    client = client_for(admin_user)
    page = client.get(deactivate_url(coordinator))
    assert page.status_code == 200
    assert "Ja, deaktiver kontoen" in page.content.decode()
    coordinator.refresh_from_db()
    assert coordinator.is_active  # the page alone changes nothing

    response = client.post(deactivate_url(coordinator))
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}#person-{coordinator.pk}"
    coordinator.refresh_from_db()
    assert not coordinator.is_active
    # Her role stays, so that reactivating gives it back.
    assert Coordinator.objects.filter(user=coordinator).count() == 1
    entry = AuditEntry.objects.get(
        content_type__model="user", object_id=coordinator.pk, action=AuditEntry.Action.CHANGED
    )
    assert entry.username == "ada.admin"
    assert entry.changes == {"is_active": {"før": True, "etter": False}}


def test_deactivating_withdraws_the_invitations_waiting_at_the_address(
    client_for, admin_user, coordinator, agreement, other_agreement
):
    from agreements.models import Invitation

    council = Party.objects.get(slug=COUNCIL)
    for target, party in ((agreement, council), (other_agreement, council)):
        Invitation.objects.create(
            agreement=target,
            party=party,
            role=Coordinator.Role.READER,
            name="Tone",
            email="TONE.koordinator@test.invalid",
            invited_by=admin_user,
        )
    other = Invitation.objects.create(
        agreement=agreement,
        party=council,
        role=Coordinator.Role.READER,
        name="Ola",
        email="ola@test.invalid",
        invited_by=admin_user,
    )
    client = client_for(admin_user)
    page = client.get(deactivate_url(coordinator)).content.decode()
    assert "2 invitasjoner til e-postadressen venter på svar. De trekkes tilbake." in page
    client.post(deactivate_url(coordinator))
    assert list(Invitation.objects.all()) == [other]
    assert (
        AuditEntry.objects.filter(
            content_type__model="invitation", action=AuditEntry.Action.DELETED
        ).count()
        == 2
    )


def test_a_deactivated_account_is_logged_out_and_cannot_log_in(
    client_for, admin_user, coordinator, agreement
):
    her = client_for(coordinator)
    assert her.get(reverse("actionplans:plan-list", args=[agreement.slug])).status_code == 200
    client_for(admin_user).post(deactivate_url(coordinator))
    # Her open session no longer counts, and the login form refuses her.
    assert her.get(reverse("actionplans:plan-list", args=[agreement.slug])).status_code == 302
    assert not _logs_in("tone.koordinator")


def test_reactivating_gives_back_the_same_roles(client_for, admin_user, coordinator, agreement):
    client = client_for(admin_user)
    client.post(deactivate_url(coordinator))
    assert "Ja, aktiver kontoen" in client.get(reactivate_url(coordinator)).content.decode()
    response = client.post(reactivate_url(coordinator))
    assert response.status_code == 302
    coordinator.refresh_from_db()
    assert coordinator.is_active
    assert _logs_in("tone.koordinator")
    her = client_for(coordinator)
    assert her.get(reverse("actionplans:plan-list", args=[agreement.slug])).status_code == 200
    entries = AuditEntry.objects.filter(content_type__model="user", object_id=coordinator.pk)
    assert [e.changes["is_active"]["etter"] for e in entries.order_by("pk")] == [False, True]


def test_nobody_deactivates_themself(client_for, admin_user, coordinator):
    make_user("anne.admin", "Anne", "Admin", is_superuser=True, is_staff=True)
    for user in (admin_user, coordinator):
        client = client_for(user)
        page = client.get(deactivate_url(user))
        assert "Du kan ikke deaktivere din egen konto." in page.content.decode()
        assert "Ja, deaktiver kontoen" not in page.content.decode()
        response = client.post(deactivate_url(user))
        assert response.status_code == 200
        assert "Du kan ikke deaktivere din egen konto." in response.content.decode()
        user.refresh_from_db()
        assert user.is_active
    assert not AuditEntry.objects.filter(content_type__model="user").exists()


def test_one_administrator_deactivates_another_but_not_the_last(client_for, admin_user):
    anne = make_user("anne.admin", "Anne", "Admin", is_superuser=True, is_staff=True)
    client = client_for(admin_user)
    assert client.post(deactivate_url(anne)).status_code == 302
    anne.refresh_from_db()
    assert not anne.is_active
    # Ada is the last active administrator now: only she could deactivate herself, and may not.
    page = client.get(LIST).content.decode()
    assert deactivate_url(admin_user) not in page
    assert client.post(deactivate_url(admin_user)).status_code == 200
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_the_service_refuses_the_last_administrator(admin_user):
    from django.core.exceptions import ValidationError

    from agreements.people import account_set_active

    other = make_user("anne.admin", "Anne", "Admin", is_superuser=True, is_staff=True)
    account_set_active(user=admin_user, active=False, by=other)
    admin_user.refresh_from_db()
    assert not admin_user.is_active
    # Anne is the last active administrator; an administrator account that is not active
    # (Ada's, say, still in memory) cannot take her away.
    with pytest.raises(ValidationError, match="siste aktive administratoren"):
        account_set_active(user=other, active=False, by=make_admin_in_memory())
    other.refresh_from_db()
    assert other.is_active


def make_admin_in_memory() -> User:
    """An administrator object that passes ``rules.is_admin`` but is not the last one: another
    active administrator would be counted, so this one is created inactive and set active in
    memory only."""
    user = make_user("mem.admin", "Mem", "Admin", is_superuser=True, is_staff=True, is_active=False)
    user.is_active = True
    return user


def test_county_coordinator_deactivates_someone_of_their_agreement(client_for, coordinator, kari):
    response = client_for(coordinator).post(deactivate_url(kari))
    assert response.status_code == 302
    kari.refresh_from_db()
    assert not kari.is_active


def test_county_coordinator_may_not_deactivate_an_administrator(
    client_for, coordinator, admin_user, agreement
):
    Coordinator.objects.create(
        agreement=agreement,
        user=admin_user,
        party=Party.objects.get(slug=COUNCIL),
        role=Coordinator.Role.READER,
    )
    client = client_for(coordinator)
    page = client.get(deactivate_url(admin_user)).content.decode()
    assert "Bare en administrator kan endre en administrators konto." in page
    assert client.post(deactivate_url(admin_user)).status_code == 200
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_county_coordinator_leaves_people_of_other_agreements_alone(
    client_for, coordinator, both, outsider
):
    client = client_for(coordinator)
    # Berit also works in Nord-Troms, which Tone does not follow.
    page = client.get(deactivate_url(both)).content.decode()
    assert "også roller i avtaler du ikke er koordinator for fylkeskommunen i" in page
    assert client.post(deactivate_url(both)).status_code == 200
    both.refresh_from_db()
    assert both.is_active
    # Otto is not on her list at all.
    assert client.get(deactivate_url(outsider)).status_code == 404
    assert client.post(deactivate_url(outsider)).status_code == 404
    outsider.refresh_from_db()
    assert outsider.is_active


def test_an_unknown_account_is_404(client_for, admin_user):
    assert (
        client_for(admin_user).get(reverse("people:person-deactivate", args=[999999])).status_code
        == 404
    )


def test_deactivating_twice_changes_nothing_more(client_for, admin_user, coordinator):
    client = client_for(admin_user)
    client.post(deactivate_url(coordinator))
    page = client.get(deactivate_url(coordinator)).content.decode()
    assert "Kontoen er allerede deaktivert." in page
    response = client.post(deactivate_url(coordinator), follow=True)
    assert "er allerede deaktivert" in response.content.decode()
    assert AuditEntry.objects.filter(content_type__model="user").count() == 1
