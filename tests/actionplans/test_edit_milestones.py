"""Creating, changing and deleting milestones: actionplans:milestone-create/-edit/-delete."""

import datetime

import pytest
from django.urls import reverse

from actionplans.models import Milestone, ProgressUpdate, Status
from actionplans.services import plan_carry_over
from agreements.models import Coordinator


@pytest.fixture
def action(plan, make_action):
    return make_action(plan, "1.1-1", title="Boligsamarbeid")


def _form_data(**overrides) -> dict:
    data = {
        "title": "Felles boligstrategi vedtatt",
        "description": "Strategien legges fram for regionrådet.",
        "due_date": "2026-03-31",
        "responsible": "",
        "order": 2,
    }
    data.update(overrides)
    return data


# --- create -------------------------------------------------------------------------------


def test_create_page(client_for, coordinator, reader, action):
    response = client_for(coordinator).get(
        reverse("actionplans:milestone-create", args=[action.pk])
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'type="date"' in page
    assert 'min="2025-01-01"' in page
    assert 'max="2026-12-31"' in page
    assert "En dato i planperioden, fra 1. januar 2025 til 31. desember 2026." in page
    assert "Tone Koordinator (Troms fylkeskommune)" in page
    assert "Per Politiker" not in page  # a reader cannot be responsible
    assert 'name="status"' not in page
    assert 'name="percent"' not in page


def test_create_saves_the_milestone(client_for, coordinator, action):
    role = Coordinator.objects.get(user=coordinator)
    data = _form_data(responsible=role.pk, status="done", percent="100")  # the last two ignored

    response = client_for(coordinator).post(
        reverse("actionplans:milestone-create", args=[action.pk]), data
    )

    milestone = Milestone.objects.get(action=action)
    assert response.status_code == 302
    assert response.url == action.plan.get_absolute_url() + f"#milepael-{milestone.pk}"
    assert milestone.title == "Felles boligstrategi vedtatt"
    assert milestone.due_date == datetime.date(2026, 3, 31)
    assert milestone.responsible == role
    assert milestone.order == 2
    assert milestone.status == Status.NOT_STARTED
    assert milestone.percent == 0
    assert milestone.version == 0
    assert not milestone.updates.exists()


@pytest.mark.parametrize("due", ["2024-12-31", "2027-01-01", "2028-06-30"])
def test_create_rejects_due_date_outside_the_plan(client_for, coordinator, action, due):
    response = client_for(coordinator).post(
        reverse("actionplans:milestone-create", args=[action.pk]), _form_data(due_date=due)
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert response.context["form"].errors["due_date"] == [
        "Fristen må ligge innenfor planperioden 2025–2026."
    ]
    assert 'href="#id_due_date">Frist: Fristen må ligge innenfor planperioden 2025–2026.' in page
    assert f'value="{due}"' in page  # what the user typed is still there
    assert not Milestone.objects.exists()


@pytest.mark.parametrize("due", ["2025-01-01", "2026-12-31"])
def test_create_accepts_the_first_and_last_day(client_for, coordinator, action, due):
    response = client_for(coordinator).post(
        reverse("actionplans:milestone-create", args=[action.pk]), _form_data(due_date=due)
    )

    assert response.status_code == 302
    assert Milestone.objects.get().due_date.isoformat() == due


def test_create_rejects_a_missing_or_malformed_date(client_for, coordinator, action):
    client = client_for(coordinator)
    url = reverse("actionplans:milestone-create", args=[action.pk])

    missing = client.post(url, _form_data(due_date=""))
    malformed = client.post(url, _form_data(due_date="31.13.2026"))

    assert missing.context["form"].errors["due_date"] == ["Skriv en frist."]
    assert malformed.context["form"].errors["due_date"] == [
        "Skriv fristen som en dato, for eksempel 2026-06-30."
    ]
    assert not Milestone.objects.exists()


def test_create_rejects_someone_from_another_agreement(client_for, coordinator, outsider, action):
    role = Coordinator.objects.get(user=outsider)

    response = client_for(coordinator).post(
        reverse("actionplans:milestone-create", args=[action.pk]),
        _form_data(responsible=role.pk),
    )

    assert response.context["form"].errors["responsible"] == [
        "Velg en koordinator for denne avtalen."
    ]
    assert not Milestone.objects.exists()


# --- edit ---------------------------------------------------------------------------------


def test_edit_changes_the_plan_fields_not_the_progress(
    client_for, coordinator, action, make_milestone, log
):
    milestone = make_milestone(action, "Gammel tittel")
    log(milestone, coordinator, Status.ON_TRACK, 40)

    response = client_for(coordinator).post(
        reverse("actionplans:milestone-edit", args=[milestone.pk]),
        _form_data(
            title="Ny tittel",
            due_date="2026-09-30",
            status="done",
            percent="100",
            reason="Venter på vedtak i kommunene.",
        ),
    )

    assert response.status_code == 302
    assert response.url == milestone.get_absolute_url()
    milestone.refresh_from_db()
    assert milestone.title == "Ny tittel"
    assert milestone.due_date == datetime.date(2026, 9, 30)
    assert milestone.status == Status.ON_TRACK
    assert milestone.percent == 40
    assert milestone.version == 1
    assert milestone.updates.count() == 1
    # The moved deadline is recorded (tests/actionplans/test_due_date_changes.py has the rest).
    [change] = milestone.due_date_changes.all()
    assert (change.old_due_date, change.new_due_date) == (
        datetime.date(2025, 6, 30),
        datetime.date(2026, 9, 30),
    )
    assert change.reason == "Venter på vedtak i kommunene."


def test_edit_page_shows_current_values_and_a_delete_link(
    client_for, coordinator, action, make_milestone
):
    milestone = make_milestone(action, "Rapport levert", due=datetime.date(2025, 11, 15))

    response = client_for(coordinator).get(
        reverse("actionplans:milestone-edit", args=[milestone.pk])
    )

    page = response.content.decode()
    assert 'value="Rapport levert"' in page
    assert 'value="2025-11-15"' in page
    assert reverse("actionplans:milestone-delete", args=[milestone.pk]) in page


def test_edit_rejects_due_date_outside_the_plan(client_for, coordinator, action, make_milestone):
    milestone = make_milestone(action, "Rapport levert", due=datetime.date(2025, 11, 15))

    response = client_for(coordinator).post(
        reverse("actionplans:milestone-edit", args=[milestone.pk]),
        _form_data(due_date="2027-02-01"),
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Fristen må ligge innenfor planperioden 2025–2026." in page
    assert 'value="Felles boligstrategi vedtatt"' in page  # what was typed, in the form
    assert ">Rapport levert</a></li>" in page  # what is saved, in the breadcrumbs
    milestone.refresh_from_db()
    assert milestone.due_date == datetime.date(2025, 11, 15)
    assert milestone.title == "Rapport levert"


# --- delete -------------------------------------------------------------------------------


def test_delete_asks_first(client_for, coordinator, action, make_milestone):
    milestone = make_milestone(action, "Kan slettes")

    response = client_for(coordinator).get(
        reverse("actionplans:milestone-delete", args=[milestone.pk])
    )

    assert response.status_code == 200
    assert "Ja, slett milepælen" in response.content.decode()
    assert Milestone.objects.filter(pk=milestone.pk).exists()


def test_delete_without_updates(client_for, coordinator, action, make_milestone):
    milestone = make_milestone(action, "Kan slettes")
    other = make_milestone(action, "Blir stående")

    response = client_for(coordinator).post(
        reverse("actionplans:milestone-delete", args=[milestone.pk]), follow=True
    )

    assert response.redirect_chain == [(action.plan.get_absolute_url(), 302)]
    assert "Milepælen «Kan slettes» er slettet." in response.content.decode()
    assert list(Milestone.objects.all()) == [other]


def test_delete_with_progress_asks_to_confirm_the_history(
    client_for, coordinator, action, make_milestone, log
):
    """A milestone with a history may be deleted (one made by mistake), but only with the box
    ticked; tests/actionplans/test_milestone_delete_history.py follows the history to the log."""
    milestone = make_milestone(action, "Har historikk")
    log(milestone, coordinator, Status.ON_TRACK, 10)
    client = client_for(coordinator)
    url = reverse("actionplans:milestone-delete", args=[milestone.pk])

    shown = client.get(url)
    refused = client.post(url)

    assert shown.status_code == 200
    page = shown.content.decode()
    assert "Den har 1 statusoppdatering." in page
    assert 'name="confirm_history"' in page
    assert "Ja, slett milepælen" in page
    assert refused.status_code == 400
    assert "Kryss av for at du forstår at historikken fjernes fra planen." in (
        refused.content.decode()
    )
    assert Milestone.objects.filter(pk=milestone.pk).exists()
    assert ProgressUpdate.objects.filter(milestone=milestone).count() == 1


def test_delete_refused_when_carried_over(client_for, coordinator, plan, action, make_milestone):
    milestone = make_milestone(action, "Videreført uten oppdateringer")
    plan_carry_over(plan=plan, user=coordinator)

    response = client_for(coordinator).post(
        reverse("actionplans:milestone-delete", args=[milestone.pk])
    )

    assert response.status_code == 409
    assert "videreført til en senere handlingsplan" in response.content.decode()
    assert Milestone.objects.filter(pk=milestone.pk).exists()
    assert Milestone.objects.filter(carried_from=milestone).exists()


# --- method and access --------------------------------------------------------------------


@pytest.fixture
def urls(action, make_milestone):
    milestone = make_milestone(action, "Uendret")
    return {
        "create": reverse("actionplans:milestone-create", args=[action.pk]),
        "edit": reverse("actionplans:milestone-edit", args=[milestone.pk]),
        "delete": reverse("actionplans:milestone-delete", args=[milestone.pk]),
    }


def _unchanged() -> bool:
    return list(Milestone.objects.values_list("title", flat=True)) == ["Uendret"]


@pytest.mark.parametrize("which", ["create", "edit", "delete"])
@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_wrong_method(client_for, coordinator, urls, which, method):
    response = getattr(client_for(coordinator), method)(urls[which])

    assert response.status_code == 405
    assert _unchanged()


@pytest.mark.parametrize("which", ["create", "edit", "delete"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_is_sent_to_login(client_for, urls, which, method):
    response = getattr(client_for(None), method)(urls[which], _form_data())

    assert response.status_code == 302
    assert response.url.startswith(reverse("login") + "?next=")
    assert _unchanged()


@pytest.mark.parametrize("which", ["create", "edit", "delete"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_outsider_gets_404(client_for, outsider, urls, which, method):
    response = getattr(client_for(outsider), method)(urls[which], _form_data())

    assert response.status_code == 404
    assert _unchanged()


@pytest.mark.parametrize("which", ["create", "edit", "delete"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_reader_gets_403(client_for, reader, urls, which, method):
    response = getattr(client_for(reader), method)(urls[which], _form_data())

    assert response.status_code == 403
    assert _unchanged()
