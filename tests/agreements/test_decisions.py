"""Decisions and follow-up tasks: agreements:decision-create, -task-create, -task-toggle, and the
open tasks on meeting pages."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from agreements.models import Decision, FollowUpTask, Meeting
from agreements.services import decision_create, decision_refusal, follow_up_task_set_done
from tests.agreements._meeting_helpers import (
    assert_redirects_to_login,
    make_item,
    make_meeting,
    make_task,
    text_of,
)
from tests.factories import at
from tromsvekst.audit.models import AuditEntry


@pytest.fixture
def meeting(agreement):
    return make_meeting(agreement, start=at(2026, 5, 5), title="Vårmøte 2026")


@pytest.fixture
def item(meeting):
    return make_item(meeting, 1, title="Evenes lufthavn")


@pytest.fixture
def decision(item):
    return Decision.objects.create(agenda_item=item, text="Rådet støtter utvidelsen.")


# --- decisions ----------------------------------------------------------------------------------


def test_create_decision(client_for, coordinator, item):
    url = reverse("agreements:decision-create", args=[item.pk])
    client = client_for(coordinator)

    page = text_of(client.get(url))
    response = client.post(url, {"text": "Rådet ber fylkeskommunen om en utredning."})

    decision = Decision.objects.get(agenda_item=item)
    assert "Nytt vedtak i sak 1" in page
    assert response.status_code == 302
    assert response.url == item.meeting.get_absolute_url() + f"#sak-{item.pk}"
    assert decision.text == "Rådet ber fylkeskommunen om en utredning."


def test_decision_needs_text(client_for, coordinator, item):
    response = client_for(coordinator).post(
        reverse("agreements:decision-create", args=[item.pk]), {"text": ""}
    )

    assert response.context["form"].errors["text"] == ["Skriv vedtaket."]
    assert not Decision.objects.exists()


def test_decision_create_access(client_for, item, reader, outsider):
    url = reverse("agreements:decision-create", args=[item.pk])
    data = {"text": "Vedtak"}

    assert_redirects_to_login(client_for(None).post(url, data), url)
    assert client_for(outsider).post(url, data).status_code == 404
    assert client_for(reader).get(url).status_code == 403
    assert client_for(reader).post(url, data).status_code == 403
    assert client_for(reader).put(url).status_code == 405
    assert not Decision.objects.exists()


# --- decisions only on meetings that have taken place (issue 11, finding 10) ---------------------


@pytest.mark.parametrize(
    ("status", "start", "message"),
    [
        (
            "draft",
            at(2026, 5, 5),
            "Møtet er bare et utkast. Vedtak kan registreres når møtet er planlagt og holdt.",
        ),
        ("cancelled", at(2026, 5, 5), "Møtet er avlyst, så det kan ikke registreres vedtak i det."),
        (
            "planned",
            at(2026, 6, 2, 10),
            "Møtet har ikke funnet sted ennå (det starter 2.6.2026 kl. 10:00). "
            "Vedtak kan registreres fra møtet har startet.",
        ),
    ],
)
def test_no_decision_on_a_meeting_that_has_not_taken_place(
    client_for, coordinator, agreement, status, start, message
):
    now = at(2026, 6, 1, 12)
    meeting = make_meeting(agreement, status=status, start=start)
    item = make_item(meeting)
    url = reverse("agreements:decision-create", args=[item.pk])
    client = client_for(coordinator)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: now)
        page = client.get(url)
        response = client.post(url, {"text": "Rådet støtter utvidelsen."})
        detail = text_of(client.get(meeting.get_absolute_url()))

    assert page.status_code == 200
    assert message in text_of(page)
    assert 'name="text"' not in page.content.decode()  # no form to fill in
    assert response.status_code == 409
    assert message in text_of(response)
    assert not Decision.objects.exists()
    # The meeting page says why instead of offering «Nytt vedtak».
    assert message in detail
    assert reverse("agreements:decision-create", args=[item.pk]) not in detail
    with pytest.raises(ValidationError) as refused:
        decision_create(agenda_item=item, text="Vedtak", now=now)
    assert refused.value.messages == [message]


def test_decisions_once_the_meeting_has_started_or_is_marked_held(agreement):
    started = make_meeting(agreement, status="planned", start=at(2026, 6, 1, 10))
    held_early = make_meeting(agreement, status="held", start=at(2026, 6, 3, 10))
    now = at(2026, 6, 1, 10, 30)

    assert decision_refusal(meeting=started, now=now) == ""
    assert decision_refusal(meeting=held_early, now=now) == ""
    assert decision_create(agenda_item=make_item(started), text="Vedtatt.", now=now).pk


def test_decision_create_is_refused_when_the_meeting_is_made_a_draft_meanwhile(
    client_for, coordinator, item
):
    url = reverse("agreements:decision-create", args=[item.pk])
    client = client_for(coordinator)
    assert client.get(url).status_code == 200
    Meeting.objects.filter(pk=item.meeting_id).update(status=Meeting.Status.DRAFT)

    response = client.post(url, {"text": "Vedtak"})

    assert response.status_code == 409
    assert not Decision.objects.exists()


# --- editing a decision -------------------------------------------------------------------------


def test_edit_decision_is_saved_and_audited(client_for, coordinator, decision):
    url = reverse("agreements:decision-edit", args=[decision.pk])
    client = client_for(coordinator)

    page = client.get(url)
    response = client.post(
        url, {"text": "Rådet støtter utvidelsen, med forbehold om finansiering."}
    )

    assert "Endre vedtak i sak 1" in text_of(page)
    assert "Rådet støtter utvidelsen." in page.content.decode()  # the current text to start from
    assert response.status_code == 302
    assert (
        response.url == decision.agenda_item.meeting.get_absolute_url() + f"#vedtak-{decision.pk}"
    )
    decision.refresh_from_db()
    assert decision.text == "Rådet støtter utvidelsen, med forbehold om finansiering."
    entry = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Decision),
        object_id=decision.pk,
        action=AuditEntry.Action.CHANGED,
    ).get()
    assert entry.username == coordinator.get_username()
    assert entry.changes["text"] == {
        "før": "Rådet støtter utvidelsen.",
        "etter": "Rådet støtter utvidelsen, med forbehold om finansiering.",
    }


def test_edit_decision_needs_text_and_changes_nothing(client_for, coordinator, decision):
    response = client_for(coordinator).post(
        reverse("agreements:decision-edit", args=[decision.pk]), {"text": "  "}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["text"] == ["Skriv vedtaket."]
    decision.refresh_from_db()
    assert decision.text == "Rådet støtter utvidelsen."


def test_edit_decision_link_is_shown_to_coordinators_only(
    client_for, coordinator, reader, decision
):
    url = reverse("agreements:decision-edit", args=[decision.pk])
    meeting_url = decision.agenda_item.meeting.get_absolute_url()

    assert f'href="{url}"' in client_for(coordinator).get(meeting_url).content.decode()
    assert f'href="{url}"' not in client_for(reader).get(meeting_url).content.decode()


def test_decision_edit_access(client_for, decision, reader, outsider, admin_user):
    url = reverse("agreements:decision-edit", args=[decision.pk])
    data = {"text": "Endret"}

    assert_redirects_to_login(client_for(None).post(url, data), url)
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(outsider).post(url, data).status_code == 404
    assert client_for(reader).get(url).status_code == 403
    assert client_for(reader).post(url, data).status_code == 403
    assert client_for(admin_user).put(url).status_code == 405
    decision.refresh_from_db()
    assert decision.text == "Rådet støtter utvidelsen."


def test_decision_is_shown_on_the_meeting(client_for, reader, meeting, decision):
    page = text_of(client_for(reader).get(meeting.get_absolute_url()))

    assert "Vedtak Rådet støtter utvidelsen." in page


# --- tasks --------------------------------------------------------------------------------------


def _task_data(person, **overrides) -> dict:
    data = {"title": "Utrede rullebanen", "responsible": person.pk, "due_date": "2026-09-01"}
    data.update(overrides)
    return data


def test_create_task(client_for, coordinator, reader, decision):
    url = reverse("agreements:task-create", args=[decision.pk])
    client = client_for(coordinator)

    page = text_of(client.get(url))
    response = client.post(url, _task_data(reader))

    task = FollowUpTask.objects.get(decision=decision)
    assert "Rådet støtter utvidelsen." in page
    assert "Per Politiker" in page
    assert response.status_code == 302
    assert task.title == "Utrede rullebanen"
    assert task.responsible == reader
    assert task.due_date == datetime.date(2026, 9, 1)
    assert not task.done


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"title": ""}, "title", "Skriv hva som skal gjøres."),
        ({"due_date": ""}, "due_date", "Skriv en frist."),
        (
            {"due_date": "1. sept"},
            "due_date",
            "Skriv fristen som en dato, for eksempel 2026-06-30.",
        ),
        ({"responsible": ""}, "responsible", "Velg hvem som er ansvarlig."),
    ],
)
def test_task_rejects_invalid_input(client_for, coordinator, decision, overrides, field, message):
    response = client_for(coordinator).post(
        reverse("agreements:task-create", args=[decision.pk]),
        _task_data(coordinator, **overrides),
    )

    assert response.context["form"].errors[field] == [message]
    assert not FollowUpTask.objects.exists()


def test_task_responsible_must_have_a_role_in_the_agreement(
    client_for, coordinator, outsider, decision
):
    response = client_for(coordinator).post(
        reverse("agreements:task-create", args=[decision.pk]), _task_data(outsider)
    )

    assert response.context["form"].errors["responsible"] == [
        "Velg en person som har en rolle i denne avtalen."
    ]
    assert not FollowUpTask.objects.exists()


def test_task_create_access(client_for, decision, reader, outsider):
    url = reverse("agreements:task-create", args=[decision.pk])
    data = _task_data(reader)

    assert_redirects_to_login(client_for(None).post(url, data), url)
    assert client_for(outsider).post(url, data).status_code == 404
    assert client_for(reader).get(url).status_code == 403
    assert client_for(reader).post(url, data).status_code == 403
    assert client_for(reader).put(url).status_code == 405
    assert not FollowUpTask.objects.exists()


# --- marking tasks done -------------------------------------------------------------------------


def test_toggle_marks_done_today_in_norway_and_back(client_for, coordinator, reader, meeting):
    task = make_task(meeting, title="Utrede rullebanen", responsible=reader)
    url = reverse("agreements:task-toggle", args=[task.pk])
    client = client_for(coordinator)

    done = client.post(url, {"done": "1"})
    task.refresh_from_db()
    assert done.status_code == 302
    assert done.url == meeting.get_absolute_url() + f"#oppgave-{task.pk}"
    assert task.done
    assert task.done_on == timezone.localdate()

    client.post(url, {"done": "0"})
    task.refresh_from_db()
    assert not task.done
    assert task.done_on is None


def test_toggle_is_safe_to_repeat(client_for, coordinator, reader, meeting):
    task = make_task(meeting, title="Utrede rullebanen", responsible=reader)
    url = reverse("agreements:task-toggle", args=[task.pk])
    client = client_for(coordinator)

    client.post(url, {"done": "1"})
    client.post(url, {"done": "1"})  # a double click

    task.refresh_from_db()
    assert task.done


def test_done_on_is_the_norwegian_date(meeting, reader):
    task = make_task(meeting, title="Utrede rullebanen", responsible=reader)

    follow_up_task_set_done(task=task, done=True, today=datetime.date(2026, 12, 31))

    task.refresh_from_db()
    assert task.done_on == datetime.date(2026, 12, 31)


def test_toggle_goes_back_to_a_local_next_only(client_for, coordinator, reader, meeting):
    task = make_task(meeting, title="Utrede rullebanen", responsible=reader)
    url = reverse("agreements:task-toggle", args=[task.pk])
    client = client_for(coordinator)

    local = client.post(url, {"done": "1", "next": "/moter/99/#apen-oppgave-1"})
    foreign = client.post(url, {"done": "0", "next": "https://evil.example/"})

    assert local.url == "/moter/99/#apen-oppgave-1"
    assert foreign.url == meeting.get_absolute_url() + f"#oppgave-{task.pk}"


def test_toggle_access(client_for, meeting, reader, outsider, admin_user):
    task = make_task(meeting, title="Utrede rullebanen", responsible=reader)
    url = reverse("agreements:task-toggle", args=[task.pk])

    assert client_for(admin_user).get(url).status_code == 405
    assert_redirects_to_login(client_for(None).post(url, {"done": "1"}), url)
    assert client_for(outsider).post(url, {"done": "1"}).status_code == 404
    assert client_for(reader).post(url, {"done": "1"}).status_code == 403
    task.refresh_from_db()
    assert not task.done
    assert client_for(admin_user).post(url, {"done": "1"}).status_code == 302
    task.refresh_from_db()
    assert task.done


# --- open tasks on meeting pages ----------------------------------------------------------------


def test_open_tasks_from_earlier_meetings_are_listed_until_done(
    client_for, coordinator, reader, agreement, meeting
):
    earlier = make_meeting(agreement, start=at(2025, 10, 7), kind="digital", title="Høstmøte 2025")
    open_task = make_task(earlier, title="Kartlegge kraftbehovet", responsible=coordinator)
    make_task(earlier, title="Sende høringssvar", responsible=coordinator, done=True, number=2)
    later = make_meeting(agreement, start=at(2026, 10, 6), kind="digital", title="Høstmøte 2026")

    for page_meeting in (meeting, later):
        page = text_of(client_for(reader).get(page_meeting.get_absolute_url()))
        section = page[page.index("Åpne oppfølgingsoppgaver i avtalen") :]
        assert (
            "Kartlegge kraftbehovet Tone Koordinator 1. september 2026 Høstmøte 2025, sak 1"
            in section
        )
        assert "Sende høringssvar" not in section

    client_for(coordinator).post(
        reverse("agreements:task-toggle", args=[open_task.pk]), {"done": "1"}
    )

    page = text_of(client_for(reader).get(later.get_absolute_url()))
    section = page[page.index("Åpne oppfølgingsoppgaver i avtalen") :]
    assert "Kartlegge kraftbehovet" not in section
    assert "Ingen åpne oppfølgingsoppgaver." in section
    # On its own meeting the task is still shown, as done (with text, not only a colour).
    own = text_of(client_for(reader).get(earlier.get_absolute_url()))
    assert (
        f"Kartlegge kraftbehovet Tone Koordinator 1. september 2026 Utført {timezone.localdate():%-d.%-m.%Y}"
        in own
    )


def test_open_tasks_of_other_agreements_are_not_listed(
    client_for, reader, agreement, other_agreement, outsider, meeting
):
    theirs = make_meeting(other_agreement, start=at(2026, 4, 1))
    make_task(theirs, title="Nord-Troms sin oppgave", responsible=outsider)

    page = text_of(client_for(reader).get(meeting.get_absolute_url()))

    assert "Nord-Troms sin oppgave" not in page


def test_overdue_task_says_so_in_words(client_for, reader, meeting):
    make_task(meeting, title="Gammel oppgave", responsible=reader, due=datetime.date(2020, 1, 1))

    page = text_of(client_for(reader).get(meeting.get_absolute_url()))

    assert "Gammel oppgave Per Politiker 1. januar 2020 Åpen, forfalt" in page
