"""The headline the dashboard and the meeting brief open with (``selectors.plan_headline``):
six status counts that add up to the total, "Forfalt" as its own dimension, every figure a link
to exactly the milestones behind it, and the terms explained on the page.

"Now" is frozen at Friday 15 May 2026, 12:00 in Europe/Oslo.
"""

import datetime
import io
import random
import re
import zoneinfo
from html import unescape
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from actionplans.models import ActionPlan, Milestone, Status
from actionplans.selectors import meeting_brief, plan_headline
from agreements.models import Party

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
NOW = datetime.datetime(2026, 5, 15, 12, 0, tzinfo=OSLO)
TODAY = NOW.date()
STATUSES = [s.value for s in Status]
OPEN = ["not_started", "on_track", "at_risk", "delayed"]


def dashboard_url(agreement, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("actionplans:dashboard", args=[agreement.slug]) + (f"?{query}" if query else "")


def figures(html: str) -> dict[str, int]:
    return {name: int(value) for name, value in re.findall(r'data-figure="(\w+)">(\d+)<', html)}


def figure_links(html: str) -> dict[str, str]:
    """figure name -> the URL its count links to."""
    return {
        name: unescape(href)
        for href, name in re.findall(
            r'<a class="ds-link" href="([^"]+)" data-figure="(\w+)">', html
        )
    }


def plan_page_ids(client, url: str) -> set[int]:
    """The milestones the plan page lists at ``url``."""
    response = client.get(url)
    assert response.status_code == 200, url
    return {int(pk) for pk in re.findall(r'id="milepael-(\d+)"', response.content.decode())}


def text(fragment: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def check_adds_up(found: dict[str, int]) -> None:
    assert sum(found[s] for s in STATUSES) == found["total"]
    assert sum(found[f"overdue_{s}"] for s in OPEN) == found["overdue"]


@pytest.fixture
def now(freeze_now):
    freeze_now(NOW)
    return NOW


@pytest.fixture
def mixed(now, plan, make_action, make_milestone, set_milestone_state):
    """Every status, each with one milestone due yesterday and one due next month; tiltak 1.1-1
    is led by Troms fylkeskommune, 2.1-1 by Hålogalandsrådet."""
    county = make_action(plan, "1.1-1", sub_goal="1.1", lead_party="troms-fylkeskommune")
    council = make_action(plan, "2.1-1", sub_goal="2.1")
    made = {}
    for i, status in enumerate(STATUSES):
        for when, due in (
            ("late", TODAY - datetime.timedelta(days=1)),
            ("soon", TODAY + datetime.timedelta(days=30)),
        ):
            action = county if i % 2 == 0 else council
            milestone = make_milestone(action, f"{status} {when}", due=due)
            set_milestone_state(milestone, status, 100 if status == "done" else 40)
            made[(status, when)] = milestone
    return made


# --- The figures add up ---


def test_the_six_status_counts_add_up_to_the_total(mixed, reader, client_for, agreement):
    html = client_for(reader).get(dashboard_url(agreement)).content.decode()
    found = figures(html)

    assert {s: found[s] for s in STATUSES} == dict.fromkeys(STATUSES, 2)
    assert found["total"] == 12
    # Forfalt: due yesterday and open; the done and cancelled ones never are.
    assert {s: found[f"overdue_{s}"] for s in OPEN} == dict.fromkeys(OPEN, 1)
    assert found["overdue"] == 4
    check_adds_up(found)
    headline = text(re.search(r'<section class="headline".*?</section>', html, re.S).group(0))
    for label in ("Ikke startet", "I rute", "Risiko", "Forsinket", "Fullført", "Avlyst"):
        assert label in headline
    assert "4 av 12 milepæler er forfalt" in headline


@pytest.mark.parametrize("seed", range(5))
def test_constructed_plans_add_up(
    seed, now, plan, make_action, make_milestone, set_milestone_state
):
    rng = random.Random(seed)
    actions = [make_action(plan, f"1.1-{n}") for n in range(3)]
    made = []
    for n in range(rng.randint(0, 40)):
        due = datetime.date(2025, 1, 1) + datetime.timedelta(days=rng.randint(0, 729))
        milestone = make_milestone(rng.choice(actions), f"M{n}", due=due)
        made.append(set_milestone_state(milestone, rng.choice(STATUSES), rng.randint(0, 100)))

    headline = plan_headline(plan)

    assert headline.total == len(made) == headline.counted
    for row in headline.rows:
        assert row.count == sum(1 for m in made if m.status == row.value)
        assert row.overdue == sum(1 for m in made if m.status == row.value and m.is_overdue(TODAY))
    assert headline.overdue == sum(row.overdue for row in headline.rows)
    assert headline.overdue == Milestone.objects.in_plan(plan).overdue(TODAY).count()


def test_the_demo_data_adds_up(db, client_for, settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]
    call_command("load_agreement", stdout=StringIO())
    call_command("load_demo", stdout=StringIO())
    plan = ActionPlan.objects.get(agreement__slug="halogaland", start_year=2025)
    user = User.objects.get(username="koordinator.troms")

    html = client_for(user).get(dashboard_url(plan.agreement, plan=plan.pk)).content.decode()
    found = figures(html)

    check_adds_up(found)
    milestones = Milestone.objects.in_plan(plan)
    assert found["total"] == milestones.count()
    assert found["overdue"] == milestones.overdue().count()
    for status in STATUSES:
        assert found[status] == milestones.filter(status=status).count()


# --- "I rute" and overdue at once ---


def test_a_milestone_on_track_past_its_deadline_stays_on_track_and_is_counted_overdue(
    now, plan, make_action, make_milestone, set_milestone_state, reader, client_for, agreement
):
    action = make_action(plan, "1.1-1")
    late = set_milestone_state(
        make_milestone(
            action, "Meldt i rute, fristen passert", due=TODAY - datetime.timedelta(days=3)
        ),
        "on_track",
        70,
    )
    client = client_for(reader)

    html = client.get(dashboard_url(agreement)).content.decode()

    found = figures(html)
    assert (found["on_track"], found["overdue_on_track"], found["overdue"], found["total"]) == (
        1,
        1,
        1,
        1,
    )
    assert "De er telt under sin status over: 1 I rute." in text(html)
    # The terms say how it is read.
    assert "står milepælen fortsatt som «I rute», men den merkes «Forfalt»" in text(html)
    page = text(client.get(late.get_absolute_url()).content.decode())
    assert "I rute" in page and "Forfalt" in page
    assert (
        "Fristen har passert, og milepælen er verken fullført eller avlyst: den telles som "
        "forfalt. Statusen «I rute» er den koordinatoren sist meldte." in page
    )


# --- Every figure leads to exactly its milestones ---


@pytest.mark.parametrize("scope", ["all", "party", "focus_area"])
def test_every_count_links_to_exactly_the_milestones_behind_it(
    scope, mixed, plan, reader, client_for, agreement
):
    client = client_for(reader)
    params, milestones = {}, Milestone.objects.in_plan(plan)
    if scope == "party":
        county = Party.objects.get(slug="troms-fylkeskommune")
        params, milestones = {"party": county.pk}, milestones.filter(action__lead_party=county)
    elif scope == "focus_area":
        area = agreement.focus_areas.get(number=2)
        params = {"focus_area": area.pk}
        milestones = milestones.filter(action__sub_goal__focus_area=area)
    html = client.get(dashboard_url(agreement, **params)).content.decode()
    links = figure_links(html)
    found = figures(html)

    expected = {"total": set(milestones.values_list("pk", flat=True))}
    expected["overdue"] = set(milestones.overdue(TODAY).values_list("pk", flat=True))
    for status in STATUSES:
        expected[status] = set(milestones.filter(status=status).values_list("pk", flat=True))
    for status in OPEN:
        expected[f"overdue_{status}"] = set(
            milestones.overdue(TODAY).filter(status=status).values_list("pk", flat=True)
        )
    for name, ids in expected.items():
        assert found[name] == len(ids), name
        if ids:
            assert plan_page_ids(client, links[name]) == ids, name
        else:
            assert name not in links  # a zero is not a link to an empty list
    assert links["overdue"].startswith(plan.get_absolute_url())


def test_the_terms_are_explained_on_the_page(mixed, reader, client_for, agreement):
    html = client_for(reader).get(dashboard_url(agreement)).content.decode()

    terms = re.search(r'<details class="ds-details headline-terms">.*?</details>', html, re.S)
    assert terms, "no explanation of the figures"
    explained = text(terms.group(0))
    assert explained.startswith("Slik leses tallene")
    for term in ("Ikke startet", "I rute", "Risiko", "Forsinket", "Fullført", "Avlyst", "Forfalt"):
        assert f" {term} " in f" {explained} "
    assert "Fristen har passert, og milepælen er verken fullført eller avlyst." in explained


# --- The meeting brief opens with the same figures ---


def brief_sections(html: str) -> list[str]:
    return re.findall(r'<section class="brief-section" aria-labelledby="brief-(\w+)-h">', html)


def test_the_brief_opens_with_the_headline_and_the_changes(brief_history, reader, client_for):
    html = (
        client_for(reader)
        .get(reverse("actionplans:meeting-brief", args=[brief_history.m2.pk]))
        .content.decode()
    )

    assert brief_sections(html)[0] == "summary"
    summary = re.search(r'aria-labelledby="brief-summary-h">(.*?)</section>', html, re.S).group(1)
    found = figures(summary)
    check_adds_up(found)
    brief = meeting_brief(brief_history.m2)
    # The plan in force on the meeting's date, overdue as of that date: the dashboard's figures.
    same = plan_headline(brief.headline.plan, today=datetime.date(2026, 10, 21))
    assert found["total"] == same.total == 8
    assert found["overdue"] == same.overdue == len(brief.overdue) == 3
    assert {s: found[s] for s in STATUSES} == {row.value: row.count for row in same.rows}
    # Overdue leads to the brief's own list; a status to the plan page.
    links = figure_links(summary)
    assert links["overdue"] == "#brief-overdue-h"
    assert links["on_track"] == f"{brief.headline.plan.get_absolute_url()}?status=on_track"
    said = text(summary)
    assert "Endringer siden forrige møte (Vårmøte 2026, 22. april 2026)" in said
    assert "5 statusoppdateringer; 3 statusendringer, 1 ble fullført, 1 ble forverret." in said
    assert "Ingen frister er flyttet." in said
    assert "Slik leses tallene" in said


def test_the_brief_pdf_starts_with_the_summary(brief_history, reader, client_for):
    response = client_for(reader).get(
        reverse("actionplans:meeting-brief-pdf", args=[brief_history.m2.pk])
    )
    first = " ".join(PdfReader(io.BytesIO(response.content)).pages[0].extract_text().split())

    assert "Sammendrag" in first
    assert "Milepæler i alt" in first
    assert "Hvorav forfalt" in first
    assert "3 av 8 milepæler er forfalt" in first
    assert "Endringer siden forrige møte" in first
    if "Saksliste" in first:
        assert first.index("Sammendrag") < first.index("Saksliste")


def test_a_brief_without_a_plan_says_so(agreement, add_meeting, reader, client_for):
    meeting = add_meeting("Møte uten plan", datetime.datetime(2026, 4, 1, 10, tzinfo=OSLO))

    html = (
        client_for(reader)
        .get(reverse("actionplans:meeting-brief", args=[meeting.pk]))
        .content.decode()
    )

    assert brief_sections(html)[0] == "summary"
    assert "Avtalen har ingen handlingsplan ennå" in text(html)


def test_overdue_in_an_earlier_plan_not_carried_over_is_listed_apart(
    brief_history, reader, client_for
):
    """Vårmøte 2027 falls in plan 2027–2028: its headline counts that plan; the milestones of
    2025–2026 still open past their deadline, and not carried over, have a heading of their own."""
    # One of them was carried into the new plan: it is followed up there.
    kickoff = brief_history.ms["kickoff"]
    Milestone.objects.create(
        action=brief_history.ms["power"].action,
        title="Oppstartsmøte (videreført)",
        due_date=datetime.date(2027, 6, 1),
        carried_from=kickoff,
    )

    brief = meeting_brief(brief_history.m3)

    assert brief.headline.plan.start_year == 2027
    assert [m.title for m in brief.overdue] == ["Kraftbehov kartlagt"]
    assert {m.title for m in brief.overdue_elsewhere} == {
        "Kartlegge boligbehovet",
        "Utkast til boligstrategi",
        "Regionalt næringsforum",
        "Høringssvar til regional plan",
    }
    html = (
        client_for(reader)
        .get(reverse("actionplans:meeting-brief", args=[brief_history.m3.pk]))
        .content.decode()
    )
    assert "Forfalt i tidligere handlingsplaner (ikke videreført)" in html
    assert figures(html)["overdue"] == 1
