"""Meetings in calendar programs: the secret-URL feed (agreements:calendar-feed), retiring its URL
(agreements:calendar-rotate), one meeting as .ics (agreements:meeting-ics), and the box on the
meeting schedule page that shows the feed URL (agreements/_calendar_box.html)."""

import datetime
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from icalendar import Calendar

from agreements import calendar
from agreements.models import CalendarFeed, Meeting
from tests.agreements._meeting_helpers import assert_redirects_to_login, make_meeting
from tests.factories import at

UTC = datetime.UTC


def _feed_path(agreement) -> str:
    return reverse("agreements:calendar-feed", args=[calendar.feed_for(agreement).token])


def _rotate_path(agreement) -> str:
    return reverse("agreements:calendar-rotate", args=[agreement.slug])


def _events(response) -> dict[str, object]:
    """The feed's VEVENTs by SUMMARY."""
    parsed = Calendar.from_ical(response.content)
    return {str(event["SUMMARY"]): event for event in parsed.walk("VEVENT")}


@pytest.fixture
def meetings(agreement, other_agreement):
    """Five meetings of ``agreement`` around the 2026 changes of summer time, and one elsewhere.

    Summer time starts on 29 March 2026 and ends on 25 October 2026.
    """
    spring = make_meeting(agreement, start=at(2026, 3, 30, 10), title="Vårmøte i Harstad")
    autumn = make_meeting(
        agreement,
        kind=Meeting.Kind.DIGITAL,
        start=at(2026, 10, 26, 10),
        title="Høstmøte på Teams",
        video_link="https://teams.example/host",
    )
    held = make_meeting(
        agreement, status=Meeting.Status.HELD, start=at(2025, 5, 6), title="Vårmøte 2025"
    )
    cancelled = make_meeting(
        agreement,
        status=Meeting.Status.CANCELLED,
        start=at(2026, 6, 10),
        title="Sommermøte",
    )
    draft = make_meeting(
        agreement, status=Meeting.Status.DRAFT, start=at(2027, 5, 4), title="Utkast 2027"
    )
    elsewhere = make_meeting(other_agreement, start=at(2026, 6, 15), title="Nord-Troms-møte")
    return {
        "spring": spring,
        "autumn": autumn,
        "held": held,
        "cancelled": cancelled,
        "draft": draft,
        "elsewhere": elsewhere,
    }


# --- the feed -----------------------------------------------------------------------------------


def test_feed_needs_no_login_and_is_icalendar(client, agreement, meetings):
    response = client.get(_feed_path(agreement))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    parsed = Calendar.from_ical(response.content)
    assert str(parsed["VERSION"]) == "2.0"
    assert str(parsed["X-WR-CALNAME"]) == f"Møter: {agreement.short_title or agreement.title}"
    assert [tz["TZID"] for tz in parsed.walk("VTIMEZONE")] == ["Europe/Oslo"]
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT6H" in response.content.decode()


def test_feed_has_the_agreements_meetings_but_not_drafts(client, agreement, meetings):
    events = _events(client.get(_feed_path(agreement)))

    assert set(events) == {
        "Vårmøte i Harstad",
        "Høstmøte på Teams",
        "Vårmøte 2025",
        "Avlyst: Sommermøte",
    }
    assert str(events["Avlyst: Sommermøte"]["STATUS"]) == "CANCELLED"
    assert str(events["Vårmøte i Harstad"]["STATUS"]) == "CONFIRMED"
    assert str(events["Vårmøte 2025"]["STATUS"]) == "CONFIRMED"


def test_feed_times_are_in_oslo_time_on_both_sides_of_summer_time(client, agreement, meetings):
    response = client.get(_feed_path(agreement))
    events = _events(response)
    body = response.content.decode()

    spring, autumn = events["Vårmøte i Harstad"], events["Høstmøte på Teams"]
    assert spring["DTSTART"].params["TZID"] == "Europe/Oslo"
    assert autumn["DTEND"].params["TZID"] == "Europe/Oslo"
    assert "DTSTART;TZID=Europe/Oslo:20260330T100000" in body
    assert "DTSTART;TZID=Europe/Oslo:20261026T100000" in body
    # 30 March is the day after summer time starts (UTC+2), 26 October the day after it ends.
    assert spring.decoded("DTSTART").astimezone(UTC) == datetime.datetime(
        2026, 3, 30, 8, tzinfo=UTC
    )
    assert autumn.decoded("DTSTART").astimezone(UTC) == datetime.datetime(
        2026, 10, 26, 9, tzinfo=UTC
    )
    assert autumn.decoded("DTEND").astimezone(UTC) == datetime.datetime(
        2026, 10, 26, 13, tzinfo=UTC
    )


def test_feed_event_fields(client, agreement, meetings):
    spring = meetings["spring"]
    Meeting.objects.filter(pk=spring.pk).update(sequence=3)

    events = _events(client.get(_feed_path(agreement)))

    event = events["Vårmøte i Harstad"]
    page = f"http://testserver/avtaler/moter/{spring.pk}/"
    assert str(event["UID"]) == f"meeting-{spring.pk}@{calendar.uid_domain()}"
    assert int(event["SEQUENCE"]) == 3
    assert event.decoded("DTSTAMP").tzinfo is not None
    assert str(event["LOCATION"]) == "Harstad rådhus"
    assert str(event["URL"]) == page
    description = str(event["DESCRIPTION"])
    assert "Fysisk møte" in description
    assert "Inviterer: Hålogalandsrådet" in description
    assert page in description
    digital = events["Høstmøte på Teams"]
    assert str(digital["LOCATION"]) == "https://teams.example/host"
    assert "Digitalt møte" in str(digital["DESCRIPTION"])


def test_feed_uid_stays_when_a_meeting_moves(client, agreement, meetings):
    spring = meetings["spring"]
    before = _events(client.get(_feed_path(agreement)))["Vårmøte i Harstad"]["UID"]
    Meeting.objects.filter(pk=spring.pk).update(
        start=at(2026, 4, 1, 9), end=at(2026, 4, 1, 12), sequence=1
    )

    after = _events(client.get(_feed_path(agreement)))["Vårmøte i Harstad"]

    assert after["UID"] == before
    assert int(after["SEQUENCE"]) == 1


def test_feed_row_is_made_on_first_need(client, agreement):
    assert not CalendarFeed.objects.filter(agreement=agreement).exists()

    path = _feed_path(agreement)
    response = client.get(path)

    assert CalendarFeed.objects.filter(agreement=agreement).count() == 1
    assert response.status_code == 200
    assert Calendar.from_ical(response.content).walk("VEVENT") == []
    assert _feed_path(agreement) == path  # the same token the next time


def test_unknown_token_is_404(client, agreement, meetings):
    assert client.get(reverse("agreements:calendar-feed", args=["gjettet"])).status_code == 404


def test_feed_post_is_405(client, agreement):
    assert client.post(_feed_path(agreement)).status_code == 405


# --- rotating the secret URL --------------------------------------------------------------------


def test_coordinator_rotates_the_url(client_for, coordinator, agreement, meetings):
    old = _feed_path(agreement)
    client = client_for(coordinator)

    response = client.post(_rotate_path(agreement), follow=True)

    new = _feed_path(agreement)
    assert new != old
    assert response.redirect_chain == [
        (reverse("agreements:meeting-schedule", args=[agreement.slug]), 302)
    ]
    assert "Kalenderen har fått en ny lenke" in response.content.decode()
    assert client_for(None).get(old).status_code == 404
    assert client_for(None).get(new).status_code == 200


def test_rotate_goes_back_to_a_local_next(client_for, coordinator, agreement):
    back = reverse("agreements:meeting-schedule", args=[agreement.slug]) + "?year=2027#kalender"
    response = client_for(coordinator).post(_rotate_path(agreement), {"next": back})

    assert response.status_code == 302
    assert response["Location"] == back


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:x"])
def test_rotate_ignores_a_foreign_next(client_for, coordinator, agreement, target):
    response = client_for(coordinator).post(_rotate_path(agreement), {"next": target})

    assert response["Location"] == reverse("agreements:meeting-schedule", args=[agreement.slug])


def test_admin_may_rotate(client_for, admin_user, agreement):
    old = _feed_path(agreement)

    response = client_for(admin_user).post(_rotate_path(agreement))

    assert response.status_code == 302
    assert _feed_path(agreement) != old


@pytest.mark.parametrize(("who", "status"), [("reader", 403), ("outsider", 404)])
def test_only_coordinators_may_rotate(request, client_for, agreement, who, status):
    user: User = request.getfixturevalue(who)
    old = _feed_path(agreement)

    response = client_for(user).post(_rotate_path(agreement))

    assert response.status_code == status
    assert _feed_path(agreement) == old


def test_rotate_sends_anonymous_to_login(client_for, agreement):
    old = _feed_path(agreement)

    response = client_for(None).post(_rotate_path(agreement))

    assert_redirects_to_login(response, _rotate_path(agreement))
    assert _feed_path(agreement) == old


def test_rotate_is_post_only(client_for, coordinator, agreement):
    old = _feed_path(agreement)

    assert client_for(coordinator).get(_rotate_path(agreement)).status_code == 405
    assert _feed_path(agreement) == old


def test_rotate_unknown_agreement_is_404(client_for, coordinator):
    path = reverse("agreements:calendar-rotate", args=["finnes-ikke"])
    assert client_for(coordinator).post(path).status_code == 404


# --- one meeting as .ics ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["coordinator", "reader", "admin_user"])
def test_meeting_ics_for_those_who_may_read(request, client_for, meetings, who):
    user: User = request.getfixturevalue(who)
    meeting = meetings["spring"]

    response = client_for(user).get(reverse("agreements:meeting-ics", args=[meeting.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="varmote-i-harstad-2026-03-30.ics"'
    )
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert [str(event["UID"]) for event in events] == [
        f"meeting-{meeting.pk}@{calendar.uid_domain()}"
    ]
    assert events[0].decoded("DTSTART").astimezone(UTC) == datetime.datetime(
        2026, 3, 30, 8, tzinfo=UTC
    )
    assert Calendar.from_ical(response.content).walk("VTIMEZONE")


def test_meeting_ics_of_a_draft_is_tentative(client_for, coordinator, meetings):
    meeting = meetings["draft"]

    response = client_for(coordinator).get(reverse("agreements:meeting-ics", args=[meeting.pk]))

    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["STATUS"]) == "TENTATIVE"


def test_meeting_ics_is_404_for_outsiders(client_for, outsider, meetings):
    client = client_for(outsider)

    theirs = reverse("agreements:meeting-ics", args=[meetings["spring"].pk])
    assert client.get(theirs).status_code == 404
    # …but he may have his own agreement's meetings.
    own = reverse("agreements:meeting-ics", args=[meetings["elsewhere"].pk])
    assert client.get(own).status_code == 200


def test_meeting_ics_sends_anonymous_to_login(client_for, meetings):
    path = reverse("agreements:meeting-ics", args=[meetings["spring"].pk])

    assert_redirects_to_login(client_for(None).get(path), path)


def test_meeting_ics_unknown_meeting_is_404(client_for, coordinator):
    path = reverse("agreements:meeting-ics", args=[999999])
    assert client_for(coordinator).get(path).status_code == 404


def test_meeting_ics_post_is_405(client_for, coordinator, meetings):
    path = reverse("agreements:meeting-ics", args=[meetings["spring"].pk])
    assert client_for(coordinator).post(path).status_code == 405


# --- the box on the meeting schedule page -------------------------------------------------------


@pytest.mark.parametrize("can_edit", [True, False])
def test_calendar_box(agreement, can_edit):
    request = RequestFactory().get("/avtaler/halogaland/moter/?year=2026")
    feed_url = calendar.feed_url(request, agreement)

    html = render_to_string(
        "agreements/_calendar_box.html",
        {"agreement": agreement, "feed_url": feed_url, "can_edit": can_edit},
        request=request,
    )

    assert feed_url.startswith("http://testserver/avtaler/kalender/")
    assert f'value="{feed_url}"' in html
    assert "readonly" in html
    assert 'for="kalender-lenke"' in html
    assert (_rotate_path(agreement) in html) is can_edit
    assert ("Lag ny lenke" in html) is can_edit


# --- the same times in independent parsers (issue 13) -------------------------------------------
#
# The feed and each meeting's .ics are read by icalendar, vobject and ical.js (through node), each
# using the file's own VTIMEZONE, across both changes of summer time: every parser must give the
# UTC start stored in the database. A VTIMEZONE that listed several dates on one RDATE line made
# ical.js and vobject read only the first one, and put 3 of 6 meetings an hour late.

ICAL_STARTS = Path(__file__).resolve().parents[1] / "tools" / "ical_starts.mjs"
ICAL_JS = ICAL_STARTS.parent / "node_modules" / "ical.js"
HAS_ICAL_JS = shutil.which("node") is not None and ICAL_JS.is_dir()
needs_ical_js = pytest.mark.skipif(
    not HAS_ICAL_JS and os.environ.get("CI") != "true",
    reason="node or tests/tools/node_modules/ical.js is missing (make test installs it)",
)


def starts_by_icalendar(ics: bytes) -> dict[str, str]:
    return {
        str(event["UID"]): _utc(event.decoded("DTSTART"))
        for event in Calendar.from_ical(ics).walk("VEVENT")
    }


def starts_by_vobject(ics: bytes) -> dict[str, str]:
    import vobject

    parsed = vobject.readOne(ics.decode())
    return {event.uid.value: _utc(event.dtstart.value) for event in parsed.vevent_list}


def starts_by_ical_js(ics: bytes) -> dict[str, str]:
    out = subprocess.run(
        ["node", str(ICAL_STARTS)], input=ics, capture_output=True, check=True, timeout=60
    )
    return json.loads(out.stdout)


def _utc(moment: datetime.datetime) -> str:
    assert moment.tzinfo is not None, moment
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# Local (Oslo) start times: winter and summer, the days around each change, the change days
# themselves (before and after the change at night) and a year after, so a rule that only covers
# the first year shows.
DST_STARTS = [
    (2025, 10, 25, 10, 0),  # Saturday before summer time ends 26 Oct 2025: UTC+2
    (2025, 10, 27, 10, 0),  # Monday after: UTC+1
    (2026, 1, 20, 9, 30),  # winter
    (2026, 3, 28, 10, 0),  # Saturday before summer time starts 29 Mar 2026: UTC+1
    (2026, 3, 29, 1, 30),  # the night of the change, before 02:00: UTC+1
    (2026, 3, 29, 10, 0),  # the same day, after: UTC+2
    (2026, 7, 1, 12, 0),  # summer
    (2026, 10, 24, 18, 0),  # Saturday before summer time ends 25 Oct 2026: UTC+2
    (2026, 10, 25, 10, 0),  # the day it ends, after 03:00: UTC+1
    (2027, 3, 28, 10, 0),  # summer time starts 28 Mar 2027: UTC+2
    (2027, 10, 31, 10, 0),  # and ends 31 Oct 2027: UTC+1
    (2028, 6, 6, 10, 0),  # summer, three years on
]


@pytest.fixture
def dst_meetings(agreement):
    return [
        make_meeting(agreement, start=at(*start), hours=2, title=f"Møte {i}")
        for i, start in enumerate(DST_STARTS, start=1)
    ]


def _expected(meetings) -> dict[str, str]:
    return {calendar.meeting_uid(m): _utc(m.start) for m in meetings}


def test_the_expected_offsets_are_the_real_ones(dst_meetings):
    utc_hours = [m.start.astimezone(UTC).hour for m in dst_meetings]

    assert utc_hours == [8, 9, 8, 9, 0, 8, 10, 16, 9, 8, 9, 8]


@pytest.mark.parametrize(
    "parser",
    [starts_by_icalendar, starts_by_vobject, pytest.param(starts_by_ical_js, marks=needs_ical_js)],
    ids=["icalendar", "vobject", "ical.js"],
)
def test_the_feed_gives_the_stored_start_times_in_every_parser(
    client, agreement, dst_meetings, parser
):
    body = client.get(_feed_path(agreement)).content

    assert parser(body) == _expected(dst_meetings)


@pytest.mark.parametrize(
    "parser",
    [starts_by_icalendar, starts_by_vobject, pytest.param(starts_by_ical_js, marks=needs_ical_js)],
    ids=["icalendar", "vobject", "ical.js"],
)
def test_each_meeting_ics_gives_the_stored_start_time_in_every_parser(
    client_for, coordinator, dst_meetings, parser
):
    client = client_for(coordinator)
    for meeting in dst_meetings:
        body = client.get(reverse("agreements:meeting-ics", args=[meeting.pk])).content

        assert parser(body) == _expected([meeting]), meeting.start


def test_the_vtimezone_has_yearly_rules_and_no_list_of_dates(client, agreement, dst_meetings):
    body = client.get(_feed_path(agreement)).content.decode()
    (vtimezone,) = Calendar.from_ical(body).walk("VTIMEZONE")
    unfolded = body.replace("\r\n ", "")

    daylight, standard = vtimezone.walk("DAYLIGHT"), vtimezone.walk("STANDARD")
    assert len(daylight) == len(standard) == 1
    assert daylight[0]["RRULE"] == {"FREQ": ["YEARLY"], "BYMONTH": [3], "BYDAY": ["-1SU"]}
    assert standard[0]["RRULE"] == {"FREQ": ["YEARLY"], "BYMONTH": [10], "BYDAY": ["-1SU"]}
    # RFC 5545: the onset is in the local time before the change (02:00 CET, 03:00 CEST).
    assert daylight[0].decoded("DTSTART").time() == datetime.time(2, 0)
    assert standard[0].decoded("DTSTART").time() == datetime.time(3, 0)
    assert not [line for line in unfolded.splitlines() if line.startswith("RDATE") and "," in line]


def test_a_zone_whose_rules_change_gets_one_rdate_line_per_change():
    from zoneinfo import ZoneInfo

    # Brazil ended summer time in 2019, and its dates moved from year to year before that.
    ics = calendar.vtimezone(ZoneInfo("America/Sao_Paulo"), "America/Sao_Paulo", 2016, 2020)
    text = ics.to_ical().decode()

    assert "RRULE" not in text
    rdates = [line for line in text.splitlines() if line.startswith("RDATE")]
    assert rdates and all("," not in line for line in rdates)
    changes = calendar.transitions(ZoneInfo("America/Sao_Paulo"), 2016, 2020)
    assert len(rdates) + 2 == len(changes)  # each observance's first change is its DTSTART


def test_uids_carry_the_sites_domain(client, agreement, settings, dst_meetings):
    settings.SITE_URL = "https://tromsvekst.example.no"

    uids = set(starts_by_icalendar(client.get(_feed_path(agreement)).content))

    assert uids == {f"meeting-{m.pk}@tromsvekst.example.no" for m in dst_meetings}


# --- SEQUENCE rises on every change a calendar shows ---------------------------------------------


def _update(meeting, **changes):
    from agreements import services

    values = {
        "title": meeting.title,
        "kind": meeting.kind,
        "status": meeting.status,
        "start": meeting.start,
        "end": meeting.end,
        "place": meeting.place,
        "video_link": meeting.video_link,
        "inviting_party": meeting.inviting_party,
        "participants": list(meeting.participants.all()),
        "minutes": meeting.minutes,
    }
    return services.meeting_update(meeting=meeting, **(values | changes))


def _feed_sequence(client, agreement, meeting) -> int:
    events = Calendar.from_ical(client.get(_feed_path(agreement)).content).walk("VEVENT")
    (event,) = [e for e in events if str(e["UID"]) == calendar.meeting_uid(meeting)]
    return int(event["SEQUENCE"])


def test_sequence_rises_on_every_change_the_calendar_shows(client, agreement):
    from agreements.models import Party

    meeting = make_meeting(agreement, start=at(2026, 5, 5), title="Vårmøte")
    other_party = Party.objects.filter(agreements=agreement).exclude(pk=meeting.inviting_party_id)[
        0
    ]
    seen = [_feed_sequence(client, agreement, meeting)]
    for changes in [
        {"title": "Vårmøte i Harstad"},
        {"start": at(2026, 5, 5, 11), "end": at(2026, 5, 5, 15)},
        {"place": "Narvik rådhus"},
        {"inviting_party": other_party},  # "Inviterer: …" in the description
        {"kind": Meeting.Kind.DIGITAL, "video_link": "https://teams.example/mote"},
        {"video_link": "https://teams.example/nytt-mote"},
        {"status": Meeting.Status.CANCELLED},
    ]:
        meeting = _update(meeting, **changes)
        seen.append(_feed_sequence(client, agreement, meeting))

    assert seen == sorted(set(seen)), seen  # strictly rising


def test_sequence_stays_when_nothing_the_calendar_shows_changes(client, agreement):
    meeting = make_meeting(agreement, start=at(2026, 5, 5))
    before = _feed_sequence(client, agreement, meeting)

    meeting = _update(meeting, minutes="Referat skrevet etter møtet.")

    assert _feed_sequence(client, agreement, meeting) == before
