"""The dashboard (``actionplans:dashboard``) and the home page that leads to it.

Every figure is checked against values worked out by hand from ``built`` below. "Now" is frozen
at Friday 15 May 2026, 12:00 in Europe/Oslo, so that the current plan is 2025–2026 and every
due date is fixed.

``built``: Handlingsplan 2025–2026 with eight milestones in two focus areas (1 and 2):

===  =======  ======================  ===========  ====  ==========  ===========================
     delmål   milepæl                 status       %     frist       notes
===  =======  ======================  ===========  ====  ==========  ===========================
m1   1.1      Boligbehov kartlagt     Fullført     100   2025-12-31  done 10 Dec 2025
m2   1.1      Boligstrategi vedtatt   I rute       60    2026-06-30  in 46 days: upcoming
m3   1.1      Tomtereserve avklart    Risiko       30    2026-05-14  yesterday: overdue; worse
m4   1.2      Fagbrev i regionen      Forsinket    20    2026-03-31  overdue
m5   1.2      Rekrutteringskampanje   Ikke startet 0     2026-05-15  today: not overdue; upcoming
m6   2.1      Arealplan for industri  I rute       50    2026-09-30  in 138 days: not upcoming
m7   2.1      Næringsarena            Avlyst       10    2026-07-15  cancelled: not upcoming
m8   2.1      Grønn industripark      Fullført     100   2026-07-01  done: not upcoming
===  =======  ======================  ===========  ====  ==========  ===========================

Tiltak 1.1-1 (m1–m3) is led by Troms fylkeskommune, 1.2-1 and 2.1-1 by Hålogalandsrådet.
The held meeting «Vårmøtet 2026» started 1 April 2026 10:00; the planned «Sommermøtet 2026»
starts 11 June 2026 10:00.
"""

import datetime
import re
import zoneinfo
from html import unescape

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actionplans.models import ActionPlan, Milestone
from agreements.models import (
    AgendaItem,
    Coordinator,
    Decision,
    FocusArea,
    FollowUpTask,
    Meeting,
    Party,
)
from tests.factories import at

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
NOW = datetime.datetime(2026, 5, 15, 12, 0, tzinfo=OSLO)
HELD = datetime.datetime(2026, 4, 1, 10, 0, tzinfo=OSLO)
NEXT = datetime.datetime(2026, 6, 11, 10, 0, tzinfo=OSLO)
NO_PLAN = "Avtalen har ingen handlingsplan ennå, så det er ingen fremdrift å vise."
NO_ACCESS = "Du har ikke fått tilgang til noen avtaler ennå."
# The number of queries the dashboard runs, whatever the amount of data (measured below).
# 20 since the filter form reads each select's options once (it was 24: a COUNT and a SELECT per
# select, and the plans read twice); 17 since the roll-ups are added up from one query; 19 since
# the headline sums up the changes since the last meeting (the status changes of every update
# in the window, not only the 50 listed) and lists the deadlines moved (two queries); 16 since
# the focus areas come from the filter form's options, the last and next meeting are one query
# and the central themes and long-term effects are one; 15 since «Kommende» lists the upcoming
# milestones from the roll-ups' rows; 14 since the sub-goals are read with the central themes and
# long-term effects.
DASHBOARD_QUERIES = 14


def text(fragment: str) -> str:
    """What a reader sees (screen-reader-only text included), whitespace collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", "", fragment)).split())


def figures(html: str) -> dict[str, int]:
    return {name: int(value) for name, value in re.findall(r'data-figure="(\w+)">(\d+)<', html)}


OPEN_STATUSES = ("not_started", "on_track", "at_risk", "delayed")


def expected(total: int = 0, overdue: int = 0, late: dict | None = None, **counts) -> dict:
    """The headline's figures: a count for each of the six statuses (0 unless given), the
    total, "hvorav forfalt" in all and per open status (``late``)."""
    out = (
        dict.fromkeys(["not_started", "on_track", "at_risk", "delayed", "done", "cancelled"], 0)
        | counts
    )
    out |= {f"overdue_{s}": (late or {}).get(s, 0) for s in OPEN_STATUSES}
    out |= {"total": total, "overdue": overdue}
    return out


def headline_percent(html: str) -> str:
    return text(re.search(r'id="headline-percent">(.*?)</span>', html).group(1))


def section(html: str, heading_id: str) -> str:
    match = re.search(rf'<section[^>]*aria-labelledby="{heading_id}".*?</section>', html, re.S)
    assert match, f"no section labelled by #{heading_id}"
    return match.group(0)


def table_rows(html: str) -> dict[str, list[str]]:
    """The progress table's body: row header -> the other cells, in page order."""
    body = re.search(r"<tbody>(.*?)</tbody>", section(html, "areas-h"), re.S).group(1)
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = [text(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        rows[cells[0]] = cells[1:]
    return rows


def row(rows: dict[str, list[str]], start: str) -> list[str]:
    (match,) = [cells for header, cells in rows.items() if header.startswith(start)]
    return match


def change_groups(html: str) -> list[tuple[str, list[str]]]:
    """ "Siden forrige møte": (delmål heading, [one line per update]) in page order."""
    body = section(html, "since-h").split('id="frist-flyttet-h"')[0]
    groups = []
    for heading, items in re.findall(r"<h3[^>]*>(.*?)</h3>\s*<ul[^>]*>(.*?)</ul>", body, re.S):
        groups.append((text(heading), [text(li) for li in re.findall(r"<li.*?</li>", items, re.S)]))
    return groups


def list_items(fragment: str) -> list[str]:
    return [text(li) for li in re.findall(r"<li.*?</li>", fragment, re.S)]


def selected(html: str, name: str) -> list[str]:
    """The labels of the selected options of the filter form's <select name=...>."""
    select = re.search(rf'<select[^>]*name="{name}".*?</select>', html, re.S).group(0)
    return [text(o) for o in re.findall(r"<option[^>]*\bselected>(.*?)</option>", select)]


def url(agreement, **params) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return reverse("actionplans:dashboard", args=[agreement.slug]) + (f"?{query}" if query else "")


@pytest.fixture
def now(freeze_now):
    freeze_now(NOW)
    return NOW


@pytest.fixture
def built(now, plan, make_action, make_milestone, log_at, coordinator, admin_user, add_meeting):
    """The plan of the module docstring, its updates, meetings and follow-up tasks."""
    housing = make_action(plan, "1.1-1", sub_goal="1.1", lead_party="troms-fylkeskommune")
    skills = make_action(plan, "1.2-1", sub_goal="1.2")
    land = make_action(plan, "2.1-1", sub_goal="2.1")
    m = {
        "m1": make_milestone(housing, "Boligbehov kartlagt", due=datetime.date(2025, 12, 31)),
        "m2": make_milestone(housing, "Boligstrategi vedtatt", due=datetime.date(2026, 6, 30)),
        "m3": make_milestone(housing, "Tomtereserve avklart", due=datetime.date(2026, 5, 14)),
        "m4": make_milestone(skills, "Fagbrev i regionen", due=datetime.date(2026, 3, 31)),
        "m5": make_milestone(skills, "Rekrutteringskampanje", due=datetime.date(2026, 5, 15)),
        "m6": make_milestone(land, "Arealplan for industri", due=datetime.date(2026, 9, 30)),
        "m7": make_milestone(land, "Næringsarena", due=datetime.date(2026, 7, 15)),
        "m8": make_milestone(land, "Grønn industripark", due=datetime.date(2026, 7, 1)),
    }
    log_at(m["m1"], coordinator, "done", 100, at(2025, 12, 10, 12))
    log_at(m["m3"], coordinator, "on_track", 50, at(2026, 2, 1, 12))
    log_at(
        m["m4"], coordinator, "delayed", 20, at(2026, 3, 1, 12), comment="Mangler lærebedrifter."
    )
    log_at(m["m7"], coordinator, "cancelled", 10, at(2026, 1, 15, 12))
    # After the held meeting:
    log_at(m["m8"], admin_user, "done", 100, at(2026, 4, 2, 12))
    log_at(m["m2"], coordinator, "on_track", 60, at(2026, 4, 20, 12))
    log_at(m["m3"], coordinator, "at_risk", 30, at(2026, 5, 5, 12), comment="Grunneier sier nei.")
    log_at(m["m6"], admin_user, "on_track", 50, at(2026, 5, 10, 12))

    held = add_meeting("Vårmøtet 2026", HELD, status=Meeting.Status.HELD, kind="digital")
    add_meeting("Avlyst ekstramøte", at(2026, 5, 20, 12), status=Meeting.Status.CANCELLED)
    add_meeting("Sommermøtet 2026", NEXT)
    item = AgendaItem.objects.create(meeting=held, number=1, title="Regional transportplan")
    decision = Decision.objects.create(agenda_item=item, text="Partene gir felles innspill.")
    FollowUpTask.objects.create(
        decision=decision,
        title="Sende innspill til RTP",
        responsible=coordinator,
        due_date=datetime.date(2026, 6, 1),
    )
    FollowUpTask.objects.create(
        decision=decision,
        title="Invitere Forsvaret",
        responsible=coordinator,
        due_date=datetime.date(2026, 4, 15),
        done=True,
        done_on=datetime.date(2026, 4, 10),
    )
    return m


# --- Figures ---


def test_headline_figures_match_the_hand_count(built, reader, client_for, agreement):
    html = client_for(reader).get(url(agreement)).content.decode()

    # Not cancelled: 100 + 60 + 30 + 20 + 0 + 50 + 100 = 360 over 7 milestones = 51.4 %.
    assert headline_percent(html) == "51 %"
    assert figures(html) == expected(
        total=8,
        done=2,  # m1, m8
        on_track=2,  # m2, m6
        at_risk=1,  # m3
        delayed=1,  # m4
        not_started=1,  # m5
        cancelled=1,  # m7
        overdue=2,  # m3 (yesterday), m4; not m5 (today) nor m7 (cancelled)
        late={"at_risk": 1, "delayed": 1},
    )
    assert "Handlingsplan 2025–2026" in text(section(html, "headline-h"))


def test_each_focus_area_and_delmal_has_its_own_figures(built, reader, client_for, agreement):
    rows = table_rows(client_for(reader).get(url(agreement)).content.decode())

    # Focus area 1: m1–m5, (100 + 60 + 30 + 20 + 0) / 5 = 42 %.
    assert row(rows, "1. Befolkningsutvikling") == [
        "Fremdrift: 42 %",
        "Statusfordeling: 1 Fullført, 1 I rute, 1 Ikke startet, 1 Risiko, 1 Forsinket",
        "2",
        "5. mai 2026",
    ]
    # 1.1: m1–m3, (100 + 60 + 30) / 3 = 63.3 %; 1.2: m4, m5, (20 + 0) / 2 = 10 %.
    assert row(rows, "Delmål 1.1") == [
        "Fremdrift: 63 %",
        "Statusfordeling: 1 Fullført, 1 I rute, 1 Risiko",
        "1",
        "5. mai 2026",
    ]
    assert row(rows, "Delmål 1.2") == [
        "Fremdrift: 10 %",
        "Statusfordeling: 1 Ikke startet, 1 Forsinket",
        "1",
        "1. mars 2026",
    ]
    # Focus area 2 = delmål 2.1: m6–m8, cancelled m7 left out of the average: (50 + 100) / 2.
    for start in ("2. Styrket samfunns- og arealplanarbeid", "Delmål 2.1"):
        assert row(rows, start) == [
            "Fremdrift: 75 %",
            "Statusfordeling: 1 Fullført, 1 I rute, 1 Avlyst",
            "0",
            "10. mai 2026",
        ]
    for empty in ("Delmål 1.3", "3. Grønn omstilling", "Delmål 3.1", "4. Forsvaret", "Delmål 4.1"):
        assert row(rows, empty) == ["Ingen milepæler"]


def test_an_empty_plan_shows_zeros(now, plan, reader, client_for, agreement):
    response = client_for(reader).get(url(agreement))

    assert response.status_code == 200
    html = response.content.decode()
    assert headline_percent(html) == "0 %"
    assert figures(html) == expected()
    assert set(map(tuple, table_rows(html).values())) == {("Ingen milepæler",)}
    assert "Ingen milepæler har frist i perioden." in html
    assert "Ingen statusoppdateringer i perioden." in html


def test_an_agreement_without_a_plan_says_so(now, reader, client_for, agreement):
    response = client_for(reader).get(url(agreement))

    assert response.status_code == 200
    html = response.content.decode()
    assert NO_PLAN in html
    assert "headline-percent" not in html
    assert figures(html) == {}


def test_a_plan_with_everything_done_is_at_100_percent(
    now, plan, make_action, make_milestone, log_at, coordinator, reader, client_for, agreement
):
    action = make_action(plan, "1.1-1")
    for title in ("Første", "Andre", "Tredje"):
        milestone = make_milestone(action, title, due=datetime.date(2025, 9, 1))
        log_at(milestone, coordinator, "done", 100, at(2025, 8, 20, 12))

    html = client_for(reader).get(url(agreement)).content.decode()

    assert headline_percent(html) == "100 %"
    assert figures(html) == expected(total=3, done=3)


def test_due_yesterday_in_oslo_is_overdue_and_due_today_is_not(
    freeze_now, plan, make_action, make_milestone, reader, client_for, agreement
):
    # 23:30 UTC on 10 March is 00:30 on 11 March in Oslo: "today" is the 11th there.
    freeze_now(datetime.datetime(2026, 3, 10, 23, 30, tzinfo=datetime.UTC))
    action = make_action(plan, "1.1-1")
    make_milestone(action, "Frist i går", due=datetime.date(2026, 3, 10))
    make_milestone(action, "Frist i dag", due=datetime.date(2026, 3, 11))

    html = client_for(reader).get(url(agreement)).content.decode()

    assert figures(html)["overdue"] == 1
    assert row(table_rows(html), "Delmål 1.1")[2] == "1"
    coming = list_items(section(html, "coming-h"))
    assert coming[0].startswith("11. mars 2026: Frist i dag")
    assert not any("Frist i går" in item for item in coming)


# --- Home: where a user lands ---


def test_a_user_with_one_agreement_lands_on_its_dashboard(reader, client_for, agreement):
    response = client_for(reader).get("/")

    assert response.status_code == 302
    assert response.url == url(agreement)


def test_a_user_with_two_agreements_picks_from_the_list(
    coordinator, other_agreement, client_for, agreement
):
    Coordinator.objects.create(
        agreement=other_agreement,
        user=coordinator,
        party=Party.objects.get(slug="nord-troms-regionrad"),
        role=Coordinator.Role.READER,
    )

    response = client_for(coordinator).get("/", follow=True)

    assert response.redirect_chain == [(reverse("agreements:agreement-list"), 302)]
    html = response.content.decode()
    assert agreement.title in html
    assert other_agreement.title in html


def test_a_user_without_any_agreement_is_told_so(other_agreement, client_for):
    # No public agreement exists here, and the user has no role anywhere.
    nobody = User.objects.create_user("nina.ingen", first_name="Nina", last_name="Ingen")
    client = client_for(nobody)

    response = client.get("/", follow=True)

    assert response.redirect_chain == [(reverse("agreements:agreement-list"), 302)]
    assert NO_ACCESS in response.content.decode()
    assert client.get(url(other_agreement)).status_code == 404


def test_someone_elses_dashboard_is_not_found_even_for_a_public_agreement(
    outsider, client_for, agreement
):
    assert agreement.is_public
    assert client_for(outsider).get(url(agreement)).status_code == 404


def test_anonymous_is_sent_to_log_in(client_for, agreement):
    for path in ("/", url(agreement)):
        response = client_for(None).get(path)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_post_is_not_allowed(reader, client_for, agreement):
    assert client_for(reader).post(url(agreement)).status_code == 405


# --- Plan switching and filters ---


def test_another_plan_can_be_chosen(built, reader, client_for, agreement, make_action):
    later = ActionPlan.objects.create(agreement=agreement, start_year=2027, end_year=2028)
    action = make_action(later, "4.1-1", sub_goal="4.1")
    Milestone.objects.create(
        action=action,
        title="Forsvarsnæring",
        due_date=datetime.date(2027, 6, 30),
        status="on_track",
        percent=30,
    )
    Milestone.objects.create(action=action, title="Kompetanse", due_date=datetime.date(2028, 3, 1))
    client = client_for(reader)

    html = client.get(url(agreement, plan=later.pk)).content.decode()

    assert "Handlingsplan 2027–2028" in text(section(html, "headline-h"))
    assert headline_percent(html) == "15 %"  # (30 + 0) / 2
    assert figures(html) == expected(total=2, on_track=1, not_started=1)
    assert row(table_rows(html), "Delmål 4.1")[0] == "Fremdrift: 15 %"
    assert row(table_rows(html), "Delmål 1.1") == ["Ingen milepæler"]
    assert selected(html, "plan") == ["2027–2028"]
    # Without a choice the dashboard shows the plan of the current year.
    default = client.get(url(agreement)).content.decode()
    assert selected(default, "plan") == ["2025–2026"]
    assert headline_percent(default) == "51 %"


def test_filter_by_lead_party(built, reader, client_for, agreement):
    county = Party.objects.get(slug="troms-fylkeskommune")

    html = client_for(reader).get(url(agreement, party=county.pk)).content.decode()

    # Only tiltak 1.1-1: m1–m3.
    assert headline_percent(html) == "63 %"
    assert figures(html) == expected(
        total=3, done=1, on_track=1, at_risk=1, overdue=1, late={"at_risk": 1}
    )
    assert row(table_rows(html), "Delmål 1.2") == ["Ingen milepæler"]
    assert selected(html, "party") == ["Troms fylkeskommune"]
    assert selected(html, "focus_area") == ["Alle"]


def test_filter_by_focus_area(built, reader, client_for, agreement):
    area = FocusArea.objects.get(agreement=agreement, number=2)

    html = client_for(reader).get(url(agreement, focus_area=area.pk)).content.decode()

    assert headline_percent(html) == "75 %"
    assert figures(html) == expected(total=3, done=1, on_track=1, cancelled=1)
    rows = table_rows(html)
    assert [header[:10] for header in rows] == ["2. Styrket", "Delmål 2.1"]
    assert selected(html, "focus_area") == [f"2. {area.title}"]
    # The other sections follow the filter: m6 is due beyond 90 days, m7 and m8 are closed.
    assert "Ingen milepæler har frist i perioden." in section(html, "coming-h")
    assert [heading for heading, _ in change_groups(html)] == ["Delmål 2.1"]


@pytest.mark.parametrize(
    "query",
    [
        {"plan": 999999},
        {"plan": "x"},
        {"party": 999999},
        {"focus_area": "abc"},
        {"since": "garbage"},
        {"since": "2026-02-30"},
    ],
)
def test_a_bad_value_in_the_url_is_ignored(built, reader, client_for, agreement, query):
    response = client_for(reader).get(url(agreement, **query))

    assert response.status_code == 200
    html = response.content.decode()
    assert headline_percent(html) == "51 %"
    assert figures(html)["total"] == 8
    assert "Endringer siden Vårmøtet 2026 (1. april 2026)." in html


# --- Siden forrige møte ---


def test_changes_since_the_last_held_meeting(built, reader, client_for, agreement):
    html = client_for(reader).get(url(agreement)).content.decode()

    assert "Endringer siden Vårmøtet 2026 (1. april 2026)." in section(html, "since-h")
    assert change_groups(html) == [
        (
            "Delmål 1.1",
            [
                "Forverret: Tomtereserve avklart: I rute → Risiko 30 % – Tone Koordinator, "
                "5. mai 2026",
                "Boligstrategi vedtatt: Ikke startet → I rute 60 % – Tone Koordinator, "
                "20. april 2026",
            ],
        ),
        (
            "Delmål 2.1",
            [
                "Arealplan for industri: Ikke startet → I rute 50 % – Ada Admin, 10. mai 2026",
                "Grønn industripark: Ikke startet → Fullført 100 % – Ada Admin, 2. april 2026",
            ],
        ),
    ]


def test_only_the_newest_changes_are_listed_when_there_are_many(
    now,
    plan,
    make_action,
    make_milestone,
    log_at,
    coordinator,
    add_meeting,
    reader,
    client_for,
    agreement,
):
    from actionplans.views_dashboard import CHANGES_SHOWN

    add_meeting("Vårmøtet 2026", HELD, status=Meeting.Status.HELD)
    action = make_action(plan, "1.1-1", sub_goal="1.1")
    milestone = make_milestone(action, "Ukentlig rapport", due=datetime.date(2026, 12, 1))
    for i in range(CHANGES_SHOWN + 5):
        log_at(milestone, coordinator, "on_track", i, HELD + datetime.timedelta(hours=i + 1))

    html = client_for(reader).get(url(agreement)).content.decode()

    (group,) = change_groups(html)
    assert len(group[1]) == CHANGES_SHOWN
    # The newest first; the oldest five are left out.
    assert group[1][0].startswith(f"Ukentlig rapport: I rute {CHANGES_SHOWN + 4} %")
    assert group[1][-1].startswith("Ukentlig rapport: I rute 5 %")
    assert f"Viser de {CHANGES_SHOWN} nyeste statusoppdateringene." in text(
        section(html, "since-h")
    )


def test_all_changes_are_listed_when_they_are_few(built, reader, client_for, agreement):
    html = client_for(reader).get(url(agreement)).content.decode()

    assert "nyeste statusoppdateringene" not in html


def test_a_chosen_date_overrides_the_last_meeting(built, reader, client_for, agreement):
    html = client_for(reader).get(url(agreement, since="2026-05-01")).content.decode()

    body = section(html, "since-h")
    assert "Endringer siden 1. mai 2026." in text(body)
    lines = [line for _, lines in change_groups(html) for line in lines]
    assert [line.split(":")[0] for line in lines] == ["Forverret", "Arealplan for industri"]
    assert 'value="2026-05-01"' in html


def test_without_a_held_meeting_changes_start_at_the_agreement(
    built, reader, client_for, agreement
):
    Meeting.objects.filter(status=Meeting.Status.HELD).update(status=Meeting.Status.CANCELLED)

    html = client_for(reader).get(url(agreement)).content.decode()

    assert "Endringer siden 1. januar 2025." in text(section(html, "since-h"))
    groups = dict(change_groups(html))
    assert list(groups) == ["Delmål 1.1", "Delmål 1.2", "Delmål 2.1"]
    # m3's two updates, newest first; m1's from December 2025 is there too.
    assert [line.split(" – ")[0] for line in groups["Delmål 1.1"]] == [
        "Forverret: Tomtereserve avklart: I rute → Risiko 30 %",
        "Boligstrategi vedtatt: Ikke startet → I rute 60 %",
        "Tomtereserve avklart: Ikke startet → I rute 50 %",
        "Boligbehov kartlagt: Ikke startet → Fullført 100 %",
    ]
    assert groups["Delmål 1.2"] == [
        "Forverret: Fagbrev i regionen: Ikke startet → Forsinket 20 % – Tone Koordinator, "
        "1. mars 2026"
    ]


# --- Kommende ---


def test_coming_milestones_and_open_tasks(built, reader, client_for, agreement):
    body = section(client_for(reader).get(url(agreement)).content.decode(), "coming-h")

    assert "Milepæler med frist de neste 90 dagene" in text(body)
    milestones, tasks = re.split(r"Åpne oppfølgingsoppgaver", body)
    assert list_items(milestones) == [
        "15. mai 2026: Rekrutteringskampanje (delmål 1.2) Ikke startet",
        "30. juni 2026: Boligstrategi vedtatt (delmål 1.1) I rute",
    ]
    assert list_items(tasks) == [
        "Sende innspill til RTP – ansvarlig Tone Koordinator, frist 1. juni 2026"
    ]
    assert "Invitere Forsvaret" not in body


def test_coming_milestones_stop_after_90_days(
    now, plan, make_action, make_milestone, reader, client_for, agreement
):
    action = make_action(plan, "1.1-1")
    make_milestone(action, "Dag 90", due=NOW.date() + datetime.timedelta(days=90))
    make_milestone(action, "Dag 91", due=NOW.date() + datetime.timedelta(days=91))

    body = section(client_for(reader).get(url(agreement)).content.decode(), "coming-h")

    assert "Dag 90" in body
    assert "Dag 91" not in body


def test_the_next_meeting_is_shown_with_a_link_to_its_brief(built, reader, client_for, agreement):
    html = client_for(reader).get(url(agreement)).content.decode()

    meeting = Meeting.objects.get(title="Sommermøtet 2026")
    headline = section(html, "headline-h")
    assert "torsdag 11. juni 2026, 10:00 · Fysisk møte" in text(headline)
    brief = reverse("actionplans:meeting-brief", args=[meeting.pk])
    assert f'href="{brief}"' in headline
    assert "Avlyst ekstramøte" not in html


def test_without_a_planned_meeting_none_is_shown(now, plan, reader, client_for, agreement):
    html = client_for(reader).get(url(agreement)).content.decode()

    assert "Ingen møter er planlagt." in text(section(html, "headline-h"))


# --- Query count ---


def _add_a_lot(plan, make_action, make_milestone, log_at, coordinator, add_meeting):
    """37 more milestones (40 with the three already there) in every delmål, two updates
    each, responsible coordinators, meetings with decisions and tasks."""
    responsible = Coordinator.objects.get(user=coordinator, agreement=plan.agreement)
    codes = ["1.1", "1.2", "1.3", "2.1", "3.1", "4.1"]
    actions = [
        make_action(plan, f"{code}-9", sub_goal=code, responsible=[responsible]) for code in codes
    ]
    for i in range(37):
        milestone = make_milestone(
            actions[i % len(actions)],
            f"Milepæl {i}",
            due=datetime.date(2026, 1, 1) + datetime.timedelta(days=7 * i),
            responsible=responsible,
        )
        log_at(milestone, coordinator, "on_track", 40, at(2026, 4, 1 + i % 28, 12))
        log_at(milestone, coordinator, "delayed", 10, at(2026, 5, 1 + i % 14, 12), comment="Sent.")
    for month in (2, 3, 4):
        held = add_meeting(f"Møte {month}", at(2026, month, 3, 12), status=Meeting.Status.HELD)
        item = AgendaItem.objects.create(meeting=held, number=1, title="Sak")
        decision = Decision.objects.create(agenda_item=item, text="Vedtak.")
        for n in range(3):
            FollowUpTask.objects.create(
                decision=decision,
                title=f"Oppgave {month}-{n}",
                responsible=coordinator,
                due_date=datetime.date(2026, 6, n + 1),
            )
    for month in (7, 9):
        add_meeting(f"Planlagt {month}", at(2026, month, 3, 12))


def test_the_number_of_queries_does_not_grow_with_the_data(
    now,
    plan,
    make_action,
    make_milestone,
    log_at,
    coordinator,
    add_meeting,
    client_for,
    agreement,
    django_assert_max_num_queries,
):
    action = make_action(plan, "1.1-1")
    for i, status in enumerate(["on_track", "done", "at_risk"]):
        milestone = make_milestone(action, f"Liten {i}", due=datetime.date(2026, 6, 1 + i))
        log_at(milestone, coordinator, status, 50, at(2026, 5, 2 + i, 12), comment="Kommentar.")
    client = client_for(coordinator)
    client.get(url(agreement))  # warm the process-wide caches (content types, translations)

    with CaptureQueriesContext(connection) as small:
        assert client.get(url(agreement)).status_code == 200
    _add_a_lot(plan, make_action, make_milestone, log_at, coordinator, add_meeting)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url(agreement))

    assert figures(response.content.decode())["total"] == 40
    assert len(large) == len(small), "\n".join(q["sql"] for q in large.captured_queries)
    assert len(small) == DASHBOARD_QUERIES
    with django_assert_max_num_queries(DASHBOARD_QUERIES):
        client.get(url(agreement))
    # Filtered, and with values that are not among the choices: the form checks them against
    # the plans, parties and focus areas the page has read (no query each).
    area = action.sub_goal.focus_area
    for query in (
        f"?plan={plan.pk}&party={coordinator.appointments.get().party_id}"
        f"&focus_area={area.pk}&since=2026-01-01",
        "?plan=99999&party=abc&focus_area=99999999999999999999999&since=9999-99-99",
    ):
        with django_assert_max_num_queries(DASHBOARD_QUERIES):
            assert client.get(url(agreement) + query).status_code == 200
