"""Creating, changing and reading meetings (agreements:meeting-create/-edit/-detail) and their
agenda items (actionplans:agenda-item-create/-edit)."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from actionplans.models import Action, ActionPlan, Milestone
from agreements.models import AgendaItem, Meeting, Party
from tests.agreements._meeting_helpers import (
    assert_redirects_to_login,
    make_item,
    make_meeting,
    make_task,
    text_of,
)
from tests.factories import at

UTC = datetime.UTC


def _create_url(agreement) -> str:
    return reverse("agreements:meeting-create", args=[agreement.slug])


def _form_data(**overrides) -> dict:
    data = {
        "title": "Vårmøte i Harstad",
        "kind": "physical",
        "status": "planned",
        "date": "2026-03-30",
        "start_time": "10:00",
        "end_time": "14:00",
        "place": "Harstad rådhus",
        "video_link": "",
        "inviting_party": Party.objects.get(slug="halogalandsradet").pk,
    }
    data.update(overrides)
    return data


# --- create -------------------------------------------------------------------------------------


def test_create_page(client_for, coordinator, reader, outsider, agreement):
    response = client_for(coordinator).get(_create_url(agreement))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'type="date"' in page
    assert 'type="time"' in page
    assert "Tone Koordinator" in page
    assert "Per Politiker" in page  # readers (politicians) take part in meetings
    assert "Otto Utenfor" not in page
    assert response.context["form"]["inviting_party"].value() == (
        Party.objects.get(slug="halogalandsradet").pk
    )
    assert 'name="minutes"' not in page  # the minutes come after the meeting


def test_create_saves_the_meeting(client_for, coordinator, reader, agreement):
    response = client_for(coordinator).post(
        _create_url(agreement), _form_data(participants=[coordinator.pk, reader.pk])
    )

    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response.url == meeting.get_absolute_url()
    assert meeting.agreement == agreement
    assert meeting.title == "Vårmøte i Harstad"
    assert meeting.kind == Meeting.Kind.PHYSICAL
    assert meeting.status == Meeting.Status.PLANNED
    assert meeting.place == "Harstad rådhus"
    assert meeting.inviting_party.slug == "halogalandsradet"
    assert set(meeting.participants.all()) == {coordinator, reader}
    assert meeting.sequence == 0


def test_times_are_norwegian_time_across_the_summer_time_change(client_for, coordinator, agreement):
    client = client_for(coordinator)

    client.post(_create_url(agreement), _form_data(title="Etter", date="2026-03-30"))
    client.post(_create_url(agreement), _form_data(title="Før", date="2026-03-27"))

    after = Meeting.objects.get(title="Etter")
    before = Meeting.objects.get(title="Før")
    # 29 March 2026 is the change to summer time (UTC+2); the Friday before is UTC+1.
    assert after.start == datetime.datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
    assert after.end == datetime.datetime(2026, 3, 30, 12, 0, tzinfo=UTC)
    assert before.start == datetime.datetime(2026, 3, 27, 9, 0, tzinfo=UTC)


def test_create_digital_meeting_needs_only_a_link(client_for, coordinator, agreement):
    response = client_for(coordinator).post(
        _create_url(agreement),
        _form_data(kind="digital", place="", video_link="teams.example/møte-1"),
    )

    assert response.status_code == 302
    assert Meeting.objects.get().video_link == "https://teams.example/møte-1"


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        (
            {"start_time": "14:00", "end_time": "10:00"},
            "end_time",
            "Møtet må slutte etter at det starter.",
        ),
        (
            {"start_time": "10:00", "end_time": "10:00"},
            "end_time",
            "Møtet må slutte etter at det starter.",
        ),
        ({"place": "  "}, "place", "Skriv hvor det fysiske møtet holdes."),
        (
            {"kind": "digital", "place": "", "video_link": ""},
            "video_link",
            "Skriv lenken til det digitale møtet.",
        ),
        (
            {"kind": "digital", "video_link": "ikke en lenke"},
            "video_link",
            "Skriv en gyldig nettadresse, som https://…",
        ),
        ({"date": ""}, "date", "Skriv datoen for møtet."),
        ({"date": "30.13.2026"}, "date", "Skriv datoen som for eksempel 2026-03-30."),
        ({"start_time": "25:00"}, "start_time", "Skriv klokkeslettet som for eksempel 10:00."),
        (
            {"date": "2026-03-29", "start_time": "02:30", "end_time": "04:00"},
            "start_time",
            "Klokkeslettet finnes ikke denne dagen (overgang til sommertid).",
        ),
        ({"kind": ""}, "kind", "Velg fysisk eller digitalt møte."),
        ({"title": ""}, "title", "Skriv en tittel for møtet."),
    ],
)
def test_create_rejects_invalid_input(
    client_for, coordinator, agreement, overrides, field, message
):
    response = client_for(coordinator).post(_create_url(agreement), _form_data(**overrides))

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    page = response.content.decode()
    assert "Skjemaet er ikke lagret" in page
    assert f"{message}</a>" in page  # in the error summary, linked to the field
    assert not Meeting.objects.exists()


def test_a_draft_may_lack_place_and_link(client_for, coordinator, agreement):
    client = client_for(coordinator)

    client.post(_create_url(agreement), _form_data(status="draft", place=""))
    client.post(
        _create_url(agreement), _form_data(status="draft", kind="digital", title="Digitalt")
    )

    assert Meeting.objects.filter(status="draft").count() == 2


def test_create_rejects_a_party_and_people_outside_the_agreement(
    client_for, coordinator, outsider, agreement
):
    other_party = Party.objects.get(slug="nord-troms-regionrad")

    response = client_for(coordinator).post(
        _create_url(agreement),
        _form_data(inviting_party=other_party.pk, participants=[outsider.pk]),
    )

    errors = response.context["form"].errors
    assert errors["inviting_party"] == ["Velg en av avtalens parter."]
    assert errors["participants"] == ["Velg bare personer som har en rolle i denne avtalen."]
    assert not Meeting.objects.exists()


def test_create_access(client_for, agreement, reader, outsider, admin_user):
    url = _create_url(agreement)

    assert_redirects_to_login(client_for(None).get(url), url)
    assert_redirects_to_login(client_for(None).post(url, _form_data()), url)
    assert client_for(outsider).post(url, _form_data()).status_code == 404
    assert client_for(reader).get(url).status_code == 403
    assert client_for(reader).post(url, _form_data()).status_code == 403
    assert client_for(admin_user).put(url).status_code == 405
    assert not Meeting.objects.exists()
    assert client_for(admin_user).post(url, _form_data()).status_code == 302


# --- edit ---------------------------------------------------------------------------------------


@pytest.fixture
def meeting(agreement):
    return make_meeting(agreement, start=at(2026, 3, 30, 10), title="Vårmøte")


def _edit_url(meeting) -> str:
    return reverse("agreements:meeting-edit", args=[meeting.pk])


def test_edit_page_shows_norwegian_time(client_for, coordinator, meeting):
    response = client_for(coordinator).get(_edit_url(meeting))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="2026-03-30"' in page
    assert 'value="10:00"' in page
    assert 'value="14:00"' in page
    assert 'name="minutes"' in page


def test_edit_moving_the_meeting_raises_the_sequence(client_for, coordinator, meeting):
    response = client_for(coordinator).post(
        _edit_url(meeting), _form_data(title="Vårmøte", start_time="11:00", minutes="")
    )

    meeting.refresh_from_db()
    assert response.status_code == 302
    assert meeting.start == datetime.datetime(2026, 3, 30, 9, 0, tzinfo=UTC)
    assert meeting.sequence == 1


@pytest.mark.parametrize(
    "overrides",
    [{"place": "Evenes flyplass"}, {"status": "cancelled"}, {"date": "2026-04-01"}],
)
def test_edit_place_status_or_date_raises_the_sequence(client_for, coordinator, meeting, overrides):
    client_for(coordinator).post(_edit_url(meeting), _form_data(title="Vårmøte", **overrides))

    meeting.refresh_from_db()
    assert meeting.sequence == 1


def test_edit_minutes_only_keeps_the_sequence(client_for, coordinator, meeting):
    client_for(coordinator).post(
        _edit_url(meeting), _form_data(title="Vårmøte", minutes="Alle var til stede.")
    )

    meeting.refresh_from_db()
    assert meeting.minutes == "Alle var til stede."
    assert meeting.sequence == 0


def test_edit_rejects_end_before_start(client_for, coordinator, meeting):
    response = client_for(coordinator).post(
        _edit_url(meeting), _form_data(start_time="15:00", end_time="09:00")
    )

    assert response.context["form"].errors["end_time"] == ["Møtet må slutte etter at det starter."]
    meeting.refresh_from_db()
    assert meeting.start == at(2026, 3, 30, 10)


def test_edit_access(client_for, meeting, reader, outsider):
    url = _edit_url(meeting)

    assert_redirects_to_login(client_for(None).get(url), url)
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(reader).get(url).status_code == 403
    assert client_for(reader).post(url, _form_data(place="Tromsø")).status_code == 403
    assert client_for(reader).delete(url).status_code == 405
    meeting.refresh_from_db()
    assert meeting.place == "Harstad rådhus"


# --- detail -------------------------------------------------------------------------------------


@pytest.fixture
def linked(agreement, meeting):
    """An agenda item on ``meeting`` about delmål 1.1, the first central theme, an action and a
    milestone."""
    plan = ActionPlan.objects.create(agreement=agreement, start_year=2025, end_year=2026)
    sub_goal = agreement.sub_goals.get(code="1.1")
    action = Action.objects.create(
        plan=plan, number="1.1-1", title="Boligsamarbeid", sub_goal=sub_goal
    )
    milestone = Milestone.objects.create(
        action=action, title="Kartlegge boligbehovet", due_date=datetime.date(2026, 6, 30)
    )
    item = AgendaItem.objects.create(
        meeting=meeting,
        number=1,
        title="Boliger for fagfolk",
        description="Status for boligsamarbeidet.",
        sub_goal=sub_goal,
        central_theme=agreement.central_themes.first(),
    )
    item.actions.add(action)
    item.milestones.add(milestone)
    return {"item": item, "action": action, "milestone": milestone}


def test_detail_shows_the_meeting_and_its_agenda(client_for, reader, coordinator, meeting, linked):
    meeting.participants.add(reader)

    response = client_for(reader).get(meeting.get_absolute_url())

    page = text_of(response)
    content = response.content.decode()
    assert response.status_code == 200
    assert "Vårmøte" in page
    assert "mandag 30. mars 2026 kl. 10:00 – 14:00 (norsk tid)" in page
    assert "Fysisk møte" in page
    assert "Planlagt" in page
    assert "Harstad rådhus" in page
    assert "Hålogalandsrådet" in page
    assert "Per Politiker" in page
    assert "Sak 1: Boliger for fagfolk" in page
    assert "Status for boligsamarbeidet." in page
    assert f'href="{linked["milestone"].get_absolute_url()}"' in content
    assert f'href="{linked["action"].get_absolute_url()}"' in content
    assert "1.1-1 Boligsamarbeid" in page
    assert f'href="{reverse("agreements:meeting-ics", args=[meeting.pk])}"' in content
    assert f'href="{reverse("actionplans:meeting-brief", args=[meeting.pk])}"' in content
    assert linked["item"].central_theme.text in page
    # A reader sees no edit links.
    assert _edit_url(meeting) not in content
    assert reverse("actionplans:agenda-item-create", args=[meeting.pk]) not in content


def test_detail_shows_edit_links_to_coordinators(client_for, coordinator, meeting, linked):
    content = client_for(coordinator).get(meeting.get_absolute_url()).content.decode()

    assert f'href="{_edit_url(meeting)}"' in content
    assert f'href="{reverse("actionplans:agenda-item-create", args=[meeting.pk])}"' in content
    assert f'href="{reverse("actionplans:agenda-item-edit", args=[linked["item"].pk])}"' in content
    assert f'href="{reverse("agreements:decision-create", args=[linked["item"].pk])}"' in content


def test_detail_access(client_for, meeting, outsider, admin_user):
    url = meeting.get_absolute_url()

    assert_redirects_to_login(client_for(None).get(url), url)
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(admin_user).get(url).status_code == 200
    assert client_for(admin_user).post(url).status_code == 405


def test_detail_query_count_is_pinned(
    client_for, coordinator, reader, meeting, linked, django_assert_max_num_queries
):
    for number in range(2, 6):
        item = make_item(meeting, number, title=f"Sak {number}")
        make_task(meeting, title=f"Oppgave {number}", responsible=reader, number=item.number)
    earlier = make_meeting(meeting.agreement, start=at(2025, 10, 7), kind="digital")
    for n in range(3):
        make_task(earlier, title=f"Eldre oppgave {n}", responsible=coordinator)
    client = client_for(coordinator)

    # One of them: the meeting's attached documents (issue #16).
    with django_assert_max_num_queries(12):
        response = client.get(meeting.get_absolute_url())
    assert response.status_code == 200


# --- agenda items -------------------------------------------------------------------------------


def _item_data(**overrides) -> dict:
    data = {"number": 1, "title": "Evenes lufthavn", "description": "", "sub_goal": ""}
    data.update(overrides)
    return data


def test_new_agenda_item_gets_the_next_free_number(client_for, coordinator, meeting):
    make_item(meeting, 1)
    make_item(meeting, 4, title="Eventuelt")

    response = client_for(coordinator).get(
        reverse("actionplans:agenda-item-create", args=[meeting.pk])
    )

    assert response.context["form"]["number"].value() == 5


def test_create_agenda_item_with_links(client_for, coordinator, agreement, meeting, linked):
    theme = agreement.central_themes.last()
    response = client_for(coordinator).post(
        reverse("actionplans:agenda-item-create", args=[meeting.pk]),
        _item_data(
            number=2,
            title="Kraft og nett",
            sub_goal=agreement.sub_goals.get(code="2.1").pk,
            central_theme=theme.pk,
            milestones=[linked["milestone"].pk],
            actions=[linked["action"].pk],
        ),
    )

    item = AgendaItem.objects.get(meeting=meeting, number=2)
    assert response.status_code == 302
    assert response.url == meeting.get_absolute_url() + f"#sak-{item.pk}"
    assert item.title == "Kraft og nett"
    assert item.sub_goal.code == "2.1"
    assert item.central_theme == theme
    assert list(item.milestones.all()) == [linked["milestone"]]
    assert list(item.actions.all()) == [linked["action"]]


def test_agenda_item_number_must_be_free(client_for, coordinator, meeting):
    make_item(meeting, 1)

    response = client_for(coordinator).post(
        reverse("actionplans:agenda-item-create", args=[meeting.pk]), _item_data(number=1)
    )

    assert response.context["form"].errors["number"] == ["Møtet har allerede en sak med nummer 1."]
    assert AgendaItem.objects.count() == 1


def test_agenda_item_rejects_another_agreements_sub_goal(
    client_for, coordinator, meeting, other_agreement
):
    response = client_for(coordinator).post(
        reverse("actionplans:agenda-item-create", args=[meeting.pk]),
        _item_data(sub_goal=other_agreement.sub_goals.get().pk),
    )

    assert response.context["form"].errors["sub_goal"] == ["Velg et delmål fra denne avtalen."]
    assert not AgendaItem.objects.exists()


def test_edit_agenda_item(client_for, coordinator, meeting, linked):
    item = linked["item"]
    url = reverse("actionplans:agenda-item-edit", args=[item.pk])
    client = client_for(coordinator)

    page = client.get(url).content.decode()
    response = client.post(url, _item_data(number=3, title="Boliger", milestones=[]))

    item.refresh_from_db()
    assert 'value="Boliger for fagfolk"' in page
    assert response.status_code == 302
    assert item.number == 3
    assert item.title == "Boliger"
    assert item.sub_goal is None
    assert not item.milestones.exists()
    assert not item.actions.exists()


@pytest.mark.parametrize("name", ["agenda-item-create", "agenda-item-edit"])
def test_agenda_item_access(client_for, meeting, reader, outsider, name):
    target = meeting.pk if name == "agenda-item-create" else make_item(meeting, 9).pk
    url = reverse(f"actionplans:{name}", args=[target])

    assert_redirects_to_login(client_for(None).post(url, _item_data(number=2)), url)
    assert client_for(outsider).post(url, _item_data(number=2)).status_code == 404
    assert client_for(reader).get(url).status_code == 403
    assert client_for(reader).post(url, _item_data(number=2)).status_code == 403
    assert client_for(reader).put(url).status_code == 405
    assert not AgendaItem.objects.filter(number=2).exists()


def test_no_user_without_role_is_offered_as_participant(client_for, coordinator, agreement):
    User.objects.create(username="ingen.rolle", first_name="Ingen", last_name="Rolle")

    page = client_for(coordinator).get(_create_url(agreement)).content.decode()

    assert "Ingen Rolle" not in page
