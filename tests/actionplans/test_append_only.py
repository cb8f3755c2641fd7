"""Progress updates are append-only: never changed or deleted, in code or in the admin. An
administrator corrects a mistake by adding a correcting update, which becomes the current state."""

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse

from actionplans.models import ProgressUpdate, Status


@pytest.fixture
def update(open_milestone, log, coordinator) -> ProgressUpdate:
    return log(open_milestone, coordinator, Status.ON_TRACK, 40, "Godt i gang.")


def as_stored(update: ProgressUpdate) -> tuple:
    update = ProgressUpdate.objects.get(pk=update.pk)
    return (update.status, update.percent, update.comment, update.author_id)


# --- In code ----------------------------------------------------------------------------------


def test_saving_an_existing_update_again_is_refused(update):
    stored = as_stored(update)
    update.percent = 90
    update.comment = "Skrevet om i ettertid."

    with pytest.raises(ValidationError, match="kan ikke endres"):
        update.save()

    assert as_stored(update) == stored


def test_deleting_an_update_is_refused(update):
    with pytest.raises(ValidationError, match="kan ikke slettes"):
        update.delete()

    assert ProgressUpdate.objects.filter(pk=update.pk).exists()


def test_a_new_update_follows_the_old_one_instead(update, open_milestone, log, coordinator):
    newer = log(open_milestone, coordinator, Status.ON_TRACK, 60, "Videre.")

    assert ProgressUpdate.objects.count() == 2
    assert newer.previous_percent == 40
    assert as_stored(update) == (Status.ON_TRACK, 40, "Godt i gang.", coordinator.pk)


# --- In the admin -----------------------------------------------------------------------------


def model_admin():
    return admin.site._registry[ProgressUpdate]


def test_the_admin_grants_no_change_or_delete(admin_user, update):
    request = RequestFactory().get("/admin/")
    request.user = admin_user

    assert model_admin().has_change_permission(request) is False
    assert model_admin().has_change_permission(request, update) is False
    assert model_admin().has_delete_permission(request) is False
    assert model_admin().has_delete_permission(request, update) is False
    assert model_admin().has_add_permission(request) is True


def test_the_admin_shows_an_update_read_only(client_for, admin_user, update):
    url = reverse("admin:actionplans_progressupdate_change", args=[update.pk])

    response = client_for(admin_user).get(url)

    assert response.status_code == 200
    body = response.content.decode()
    assert "Godt i gang." in body
    assert 'name="comment"' not in body  # no editable field
    assert 'name="_save"' not in body
    assert reverse("admin:actionplans_progressupdate_delete", args=[update.pk]) not in body


def test_posting_an_edit_to_the_admin_is_refused(client_for, admin_user, update, open_milestone):
    url = reverse("admin:actionplans_progressupdate_change", args=[update.pk])
    stored = as_stored(update)

    response = client_for(admin_user).post(
        url,
        {
            "milestone": open_milestone.pk,
            "status": Status.DONE,
            "percent": "100",
            "comment": "Skrevet om.",
            "evidence_url": "",
        },
    )

    assert response.status_code == 403
    assert as_stored(update) == stored
    assert ProgressUpdate.objects.count() == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_deleting_in_the_admin_is_refused(client_for, admin_user, update, method):
    url = reverse("admin:actionplans_progressupdate_delete", args=[update.pk])

    response = getattr(client_for(admin_user), method)(url, {"post": "yes"})

    assert response.status_code == 403
    assert ProgressUpdate.objects.filter(pk=update.pk).exists()


def test_the_admin_list_offers_no_bulk_delete(client_for, admin_user, update):
    changelist = reverse("admin:actionplans_progressupdate_changelist")
    client = client_for(admin_user)

    page = client.get(changelist)
    response = client.post(
        changelist, {"action": "delete_selected", "_selected_action": [update.pk], "post": "yes"}
    )

    assert page.status_code == 200
    assert "delete_selected" not in page.content.decode()
    assert response.status_code in (200, 302)
    assert ProgressUpdate.objects.filter(pk=update.pk).exists()


def test_adding_in_the_admin_makes_a_correcting_update_the_current_state(
    client_for, admin_user, coordinator, update, open_milestone
):
    response = client_for(admin_user).post(
        reverse("admin:actionplans_progressupdate_add"),
        {
            "milestone": open_milestone.pk,
            "status": Status.ON_TRACK,
            "percent": "30",
            "comment": "Rettet: 40 % var feilført, riktig er 30 %.",
            "evidence_url": "",
        },
    )

    assert response.status_code == 302
    assert ProgressUpdate.objects.count() == 2
    correction = ProgressUpdate.objects.exclude(pk=update.pk).get()
    assert correction.is_correction is True
    assert correction.author == admin_user
    assert (correction.status, correction.percent) == (Status.ON_TRACK, 30)
    assert (correction.previous_status, correction.previous_percent) == (Status.ON_TRACK, 40)
    open_milestone.refresh_from_db()
    assert open_milestone.last_update == correction
    assert (open_milestone.status, open_milestone.percent, open_milestone.version) == (
        Status.ON_TRACK,
        30,
        2,
    )
    # The original stays as it was.
    assert as_stored(update) == (Status.ON_TRACK, 40, "Godt i gang.", coordinator.pk)


def test_the_correction_shows_on_the_milestone_page(client_for, admin_user, update, open_milestone):
    client_for(admin_user).post(
        reverse("admin:actionplans_progressupdate_add"),
        {
            "milestone": open_milestone.pk,
            "status": Status.DONE,
            "percent": "50",
            "comment": "Var egentlig fullført i mai.",
            "evidence_url": "",
        },
    )

    body = client_for(admin_user).get(open_milestone.get_absolute_url()).content.decode()

    assert "Rettelse" in body
    assert "Var egentlig fullført i mai." in body
    open_milestone.refresh_from_db()
    assert (open_milestone.status, open_milestone.percent) == (Status.DONE, 100)


def test_a_correction_follows_the_same_rules(client_for, admin_user, update, open_milestone):
    response = client_for(admin_user).post(
        reverse("admin:actionplans_progressupdate_add"),
        {
            "milestone": open_milestone.pk,
            "status": Status.AT_RISK,
            "percent": "40",
            "comment": "",
            "evidence_url": "",
        },
    )

    assert response.status_code == 200
    assert "Skriv en kommentar som forklarer hvorfor milepælen er «Risiko»." in (
        response.content.decode()
    )
    assert ProgressUpdate.objects.count() == 1
    open_milestone.refresh_from_db()
    assert open_milestone.version == 1


def test_only_staff_reach_the_admin(client_for, coordinator, update):
    response = client_for(coordinator).post(
        reverse("admin:actionplans_progressupdate_add"),
        {"milestone": update.milestone_id, "status": Status.DONE, "percent": "100"},
    )

    assert response.status_code == 302
    assert ProgressUpdate.objects.count() == 1
