"""«Fylkets oversikt» (/fylket/oversikt/): every agreement side by side (evaluation/county.py,
evaluation/views_county.py, evaluation/county_excel.py). The figures are checked against data
counted by hand; who may open the page is in the permission matrix."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from actionplans.models import Status
from agreements.models import Agreement, AgreementParty, Coordinator, Meeting, Party
from evaluation import county
from evaluation.models import Evaluation
from evaluation.services import evaluation_create
from tests.factories import COUNCIL, COUNTY, at, make_action, make_milestone, make_plan
from tromsvekst.audit.models import AuditEntry
from tromsvekst.lib.dates import local_today

OVERVIEW = reverse("county:overview")
EXCEL = reverse("county:overview-excel")
TODAY = datetime.date(2026, 3, 1)
NOW = at(2026, 3, 1, 12)


def meeting(agreement: Agreement, start: datetime.datetime, kind: str, status: str) -> Meeting:
    return Meeting.objects.create(
        agreement=agreement,
        title=f"Møte {start:%d.%m.%Y}",
        kind=kind,
        status=status,
        start=start,
        end=start + datetime.timedelta(hours=2),
        inviting_party=Party.objects.get(slug=COUNCIL),
    )


@pytest.fixture
def counted(agreement, other_agreement, coordinator):
    """Hålogaland: plan 2025–2026 with five milestones (as of 1 March 2026: two overdue, one
    done, one at risk, one cancelled; mean percent of the four not cancelled 45) and plan
    2027–2028 with one; meetings held in October 2025 (physical) and February 2026 (digital), a
    cancelled one in April and a planned physical one in May 2026; a mid-term evaluation 2026.
    Nord-Troms: nothing but its text."""
    plan = make_plan(agreement, 2025, 2026)
    action = make_action(plan, "1.1-1")
    make_milestone(action, "Forfalt ikke startet", datetime.date(2025, 6, 30), "not_started", 0)
    make_milestone(action, "Forfalt i rute", datetime.date(2025, 12, 1), "on_track", 50)
    make_milestone(action, "Risiko i juni", datetime.date(2026, 6, 1), "at_risk", 30)
    make_milestone(action, "Fullført i mai", datetime.date(2025, 5, 1), "done", 100)
    make_milestone(action, "Avlyst i mai", datetime.date(2025, 5, 1), "cancelled", 0)
    later = make_plan(agreement, 2027, 2028)
    make_milestone(make_action(later, "1.1-1"), "Neste plan", datetime.date(2027, 6, 1))
    meeting(agreement, at(2025, 10, 1), Meeting.Kind.PHYSICAL, Meeting.Status.HELD)
    meeting(agreement, at(2026, 2, 1), Meeting.Kind.DIGITAL, Meeting.Status.HELD)
    meeting(agreement, at(2026, 4, 1), Meeting.Kind.DIGITAL, Meeting.Status.CANCELLED)
    meeting(agreement, at(2026, 5, 4), Meeting.Kind.PHYSICAL, Meeting.Status.PLANNED)
    evaluation_create(agreement=agreement, kind=Evaluation.Kind.MID_TERM, year=2026, plans=[plan])
    return {"plan": plan, "later": later}


def rows_by_slug(rows) -> dict[str, county.CountyRow]:
    return {row.agreement.slug: row for row in rows}


def test_figures_match_the_hand_count(counted, agreement, other_agreement):
    rows = county.county_overview(Agreement.objects.all(), today=TODAY, now=NOW)
    assert [row.agreement.slug for row in rows] == [agreement.slug, "nord-troms"]  # by title
    h = rows_by_slug(rows)[agreement.slug]
    assert [f.plan.period for f in h.plans] == ["2025–2026", "2027–2028"]
    first, second = h.plans
    assert (first.total, first.done, first.overdue, first.at_risk, first.delayed) == (5, 1, 2, 1, 0)
    assert first.percent == 45
    assert first.count(Status.CANCELLED) == 1
    assert (second.total, second.overdue, second.percent) == (1, 0, 0)
    assert h.current is first
    assert h.overdue == 2
    assert h.last_meeting.start == at(2026, 2, 1)
    assert h.next_meeting.start == at(2026, 5, 4)
    assert h.year_check.year == 2026 and h.year_check.complete
    assert h.evaluation.kind == Evaluation.Kind.MID_TERM and h.evaluation.year == 2026
    newest = AuditEntry.objects.filter(agreement_pk=agreement.pk).latest("when").when
    assert h.last_activity == newest

    n = rows_by_slug(rows)["nord-troms"]
    assert n.plans == [] and n.current is None and n.overdue == 0
    assert n.last_meeting is None and n.next_meeting is None and n.evaluation is None
    assert n.year_check.year == 2026 and n.year_check.missing == ["physical", "digital"]


def test_the_meeting_rule_as_the_schedule_checks_it(agreement):
    """§5.1 as implemented: one physical and one digital meeting, planned or held; a draft or a
    cancelled meeting does not count, and a year outside the period is not judged."""
    meeting(agreement, at(2026, 9, 1), Meeting.Kind.PHYSICAL, Meeting.Status.HELD)
    meeting(agreement, at(2026, 10, 1), Meeting.Kind.DIGITAL, Meeting.Status.DRAFT)
    meeting(agreement, at(2026, 11, 1), Meeting.Kind.DIGITAL, Meeting.Status.CANCELLED)
    (row,) = county.county_overview(Agreement.objects.filter(pk=agreement.pk), today=TODAY)
    assert not row.year_check.complete and row.year_check.missing == ["digital"]
    (later,) = county.county_overview(
        Agreement.objects.filter(pk=agreement.pk), today=datetime.date(2030, 1, 1)
    )
    assert later.year_check is None


def test_overdue_is_counted_on_the_given_day(counted, agreement):
    rows = county.county_overview(
        Agreement.objects.filter(pk=agreement.pk), today=datetime.date(2026, 6, 2)
    )
    assert rows[0].plans[0].overdue == 3  # the at-risk milestone of 1 June too


def test_the_county_coordinator_sees_their_agreements_and_the_admin_all(
    counted, client_for, coordinator, admin_user, agreement
):
    response = client_for(coordinator).get(OVERVIEW)
    assert response.status_code == 200
    assert [row.agreement.slug for row in response.context["rows"]] == [agreement.slug]
    response = client_for(admin_user).get(OVERVIEW)
    assert [row.agreement.slug for row in response.context["rows"]] == [
        agreement.slug,
        "nord-troms",
    ]


def _order(response) -> list[str]:
    return re.findall(r'<tbody id="avtale-(\d+)"', response.content.decode())


def test_sorting_by_links_without_javascript(counted, client_for, admin_user, agreement):
    client = client_for(admin_user)
    h, n = str(agreement.pk), str(Agreement.objects.get(slug="nord-troms").pk)
    assert _order(client.get(OVERVIEW)) == [h, n]
    page = client.get(OVERVIEW, {"sort": "forfalt"})
    assert _order(page) == [n, h]
    html = page.content.decode()
    # The sorted column says so, and its link now sorts the other way.
    assert 'aria-sort="ascending"' in html and f'href="{OVERVIEW}?sort=-forfalt"' in html
    assert _order(client.get(OVERVIEW, {"sort": "-forfalt"})) == [h, n]
    # No next meeting sorts last in either direction.
    assert _order(client.get(OVERVIEW, {"sort": "neste-mote"})) == [h, n]
    assert _order(client.get(OVERVIEW, {"sort": "-neste-mote"})) == [h, n]
    assert _order(client.get(OVERVIEW, {"sort": "-avtale"})) == [n, h]
    # Anything else: the default order, no error.
    for junk in ("drop table", "-", "--forfalt", "\x00", "x" * 5000):
        response = client.get(OVERVIEW, {"sort": junk})
        assert response.status_code == 200 and _order(response) == [h, n]


def test_each_number_links_to_exactly_those_milestones(counted, client_for, coordinator):
    plan = counted["plan"]
    plan_url = reverse("actionplans:plan-detail", args=[plan.pk])
    client = client_for(coordinator)
    html = client.get(OVERVIEW).content.decode()
    overdue_link = f"{plan_url}?overdue=on"
    done_link = f"{plan_url}?status=done"
    assert f'href="{overdue_link}"' in html and f'href="{done_link}"' in html
    today = local_today()
    overdue_page = client.get(overdue_link).content.decode()
    # The hand count above is as of 1 March 2026; the page counts as of today (later).
    for title in ("Forfalt ikke startet", "Forfalt i rute"):
        assert title in overdue_page
    for title in ("Fullført i mai", "Avlyst i mai"):
        assert title not in overdue_page
    assert ("Risiko i juni" in overdue_page) == (today > datetime.date(2026, 6, 1))
    done_page = client.get(done_link).content.decode()
    assert "Fullført i mai" in done_page and "Forfalt i rute" not in done_page


def test_meetings_and_evaluation_link_to_their_pages(counted, client_for, coordinator, agreement):
    html = client_for(coordinator).get(OVERVIEW).content.decode()
    evaluation = Evaluation.objects.get(agreement=agreement)
    assert reverse("evaluation:evaluation-detail", args=[evaluation.pk]) in html
    schedule = reverse("agreements:meeting-schedule", args=[agreement.slug])
    assert f"{schedule}?year={local_today().year}" in html


def test_the_query_count_does_not_grow_with_the_agreements(
    counted, client_for, admin_user, django_assert_num_queries
):
    client = client_for(admin_user)
    client.get(OVERVIEW)
    # The session, the user; the agreements, plans with roll-ups, meetings, evaluations and
    # the audit log's newest entries.
    with django_assert_num_queries(7) as few:
        client.get(OVERVIEW)
    county_party = Party.objects.get(slug=COUNTY)
    for i in range(4):
        extra = Agreement.objects.create(
            slug=f"ekstra-{i}",
            title=f"Ekstra {i}",
            start_year=2025,
            end_year=2028,
            overall_goal="Mål",
        )
        AgreementParty.objects.create(agreement=extra, party=county_party)
        plan = make_plan(extra, 2025, 2026)
        Coordinator.objects.create(
            agreement=extra, user=admin_user, party=county_party, role="coordinator"
        )
        meeting(extra, at(2026, 2, 1), Meeting.Kind.DIGITAL, Meeting.Status.HELD)
        evaluation_create(agreement=extra, kind=Evaluation.Kind.MID_TERM, year=2026, plans=[plan])
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(OVERVIEW)
    assert len(response.context["rows"]) == 6


def test_the_county_coordinator_costs_one_query_more_and_no_more_per_agreement(
    counted, client_for, coordinator, other_agreement, django_assert_num_queries
):
    client = client_for(coordinator)
    client.get(OVERVIEW)
    # As for an administrator, and the county check (which agreements she is the county's
    # coordinator in).
    with django_assert_num_queries(8):
        response = client.get(OVERVIEW)
    assert len(response.context["rows"]) == 1
    Coordinator.objects.create(
        agreement=other_agreement,
        user=coordinator,
        party=Party.objects.get(slug=COUNTY),
        role=Coordinator.Role.COORDINATOR,
    )
    with django_assert_num_queries(8):
        response = client.get(OVERVIEW)
    assert len(response.context["rows"]) == 2


def test_the_excel_export_opens_back(counted, client_for, admin_user, agreement):
    response = client_for(admin_user).get(EXCEL)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="tromsvekst-fylkets')
    assert response["Cache-Control"] == "private, no-store"
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:8] == [
        "Avtale",
        "Handlingsplan",
        "Milepæler",
        "Fullført",
        "Risiko",
        "Forsinket",
        "Forfalt",
        "Fremdrift (%)",
    ]
    assert len(values) == 4  # the header, Hålogaland's two plans, Nord-Troms without a plan
    h1, h2, n = values[1:]
    assert h1[0] == h2[0] == agreement.title
    assert h1[1:4] == ["Handlingsplan 2025–2026", 5, 1]
    assert h1[4] == 1 and h1[5] == 0
    # Overdue and percent as of today: two or three overdue (the at-risk one is due 1 June).
    assert h1[6] == (3 if local_today() > datetime.date(2026, 6, 1) else 2)
    assert h2[1:3] == ["Handlingsplan 2027–2028", 1]
    assert h1[8] == datetime.datetime(2026, 2, 1, 10, 0)  # the last meeting, Oslo time
    assert h1[11] == "Midtveisevaluering 2026: Utkast"
    assert n[0] == "Tromsvekstavtalen for Nord-Troms (test)"
    assert n[1] == "Ingen handlingsplan" and n[2] is None
    assert n[11] == "Ingen ennå"


def test_excel_text_is_never_a_formula(agreement, client_for, admin_user):
    agreement.title = '=HYPERLINK("http://example.invalid","x")'
    agreement.save(update_fields=["title"])
    response = client_for(admin_user).get(EXCEL)
    cell = load_workbook(io.BytesIO(response.content)).active["A2"]
    assert cell.value == '=HYPERLINK("http://example.invalid","x")'
    assert cell.data_type == "s" and cell.quotePrefix
