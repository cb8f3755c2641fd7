"""The meeting schedule (agreements:meeting-schedule), the §5.1 rule behind its warnings, and
"Planlegg året" (agreements:meeting-plan-year)."""

import datetime

import pytest
from django.urls import reverse

from agreements.models import Agreement, AgreementParty, Meeting, Party
from agreements.selectors import default_year, meeting_year_checks
from agreements.services import meeting_plan_year
from tests.agreements._meeting_helpers import assert_redirects_to_login, make_meeting, text_of
from tests.factories import OSLO, at

DIGITAL_MISSING = (
    "2026 mangler et digitalt møte (kapittel 5.1: to møter årlig, ett fysisk og ett digitalt)."
)
PHYSICAL_MISSING = (
    "2026 mangler et fysisk møte (kapittel 5.1: to møter årlig, ett fysisk og ett digitalt)."
)
BOTH_MISSING = (
    "2026 mangler et fysisk og et digitalt møte "
    "(kapittel 5.1: to møter årlig, ett fysisk og ett digitalt)."
)


def _check(agreement, year: int):
    return next(c for c in meeting_year_checks(agreement) if c.year == year)


def _schedule(agreement, year: int | None = None) -> str:
    url = reverse("agreements:meeting-schedule", args=[agreement.slug])
    return url + (f"?year={year}" if year else "")


# --- The rule (selectors.meeting_year_checks) ---------------------------------------------------


def test_one_check_per_year_of_the_agreement_period(agreement):
    checks = meeting_year_checks(agreement)

    assert [c.year for c in checks] == [2025, 2026, 2027, 2028]
    assert all(c.warning for c in checks)


def test_a_year_with_only_a_physical_meeting_lacks_a_digital_one(agreement):
    make_meeting(agreement, kind=Meeting.Kind.PHYSICAL, start=at(2026, 5, 5))

    check = _check(agreement, 2026)

    assert check.missing == [Meeting.Kind.DIGITAL]
    assert check.warning == DIGITAL_MISSING


def test_a_year_with_only_a_digital_meeting_lacks_a_physical_one(agreement):
    make_meeting(agreement, kind=Meeting.Kind.DIGITAL, start=at(2026, 10, 6))

    assert _check(agreement, 2026).warning == PHYSICAL_MISSING


def test_a_cancelled_meeting_does_not_count(agreement):
    make_meeting(agreement, kind=Meeting.Kind.PHYSICAL, start=at(2026, 5, 5))
    make_meeting(
        agreement,
        kind=Meeting.Kind.DIGITAL,
        start=at(2026, 10, 6),
        status=Meeting.Status.CANCELLED,
    )

    assert _check(agreement, 2026).warning == DIGITAL_MISSING


def test_an_empty_year_lacks_both(agreement):
    assert _check(agreement, 2026).warning == BOTH_MISSING


@pytest.mark.parametrize("status", ["planned", "held"])
def test_a_complete_year_has_no_warning(agreement, status):
    make_meeting(agreement, kind=Meeting.Kind.PHYSICAL, start=at(2026, 5, 5), status=status)
    make_meeting(agreement, kind=Meeting.Kind.DIGITAL, start=at(2026, 10, 6), status=status)

    check = _check(agreement, 2026)

    assert check.complete
    assert check.warning == ""
    assert not _check(agreement, 2027).complete  # the other years are still empty


def test_drafts_do_not_count_as_meetings(agreement):
    # Issue 11, finding 10: a draft is not a meeting that has been agreed on or held.
    make_meeting(agreement, kind=Meeting.Kind.PHYSICAL, start=at(2026, 5, 5), status="draft")
    make_meeting(agreement, kind=Meeting.Kind.DIGITAL, start=at(2026, 10, 6), status="held")

    check = _check(agreement, 2026)

    assert not check.complete
    assert check.missing == [Meeting.Kind.PHYSICAL]
    assert check.unplanned == []
    assert check.warning == (
        PHYSICAL_MISSING + " Et utkast teller ikke før det er satt til «Planlagt» eller «Avholdt»."
    )


def test_a_draft_on_the_schedule_page_is_shown_as_missing(client_for, coordinator, agreement):
    make_meeting(agreement, kind=Meeting.Kind.PHYSICAL, start=at(2026, 5, 5), status="draft")
    make_meeting(agreement, kind=Meeting.Kind.DIGITAL, start=at(2026, 10, 6), status="draft")

    page = text_of(client_for(coordinator).get(_schedule(agreement, 2026)))

    assert BOTH_MISSING + " Et utkast teller ikke" in page
    assert "Mangler (utkast finnes)" in page
    # Both kinds have a draft already, so there is nothing for «Planlegg året» to make.
    assert "Planlegg året 2026" not in page
    assert "«Planlegg året» lager utkast" not in page


def test_the_year_is_the_norwegian_one(agreement):
    # 00:30 on 1 January 2027 in Oslo is still 2026 in UTC: it counts for 2027.
    make_meeting(agreement, kind=Meeting.Kind.DIGITAL, start=at(2027, 1, 1, 0, 30), hours=1)

    assert _check(agreement, 2026).digital == 0
    assert _check(agreement, 2027).digital == 1


def test_meetings_outside_the_period_are_ignored(agreement):
    make_meeting(agreement, start=at(2029, 5, 1))

    assert sum(len(c.meetings) for c in meeting_year_checks(agreement)) == 0


def test_default_year_is_this_year_within_the_period(agreement):
    assert default_year(agreement, datetime.date(2026, 8, 1)) == 2026
    assert default_year(agreement, datetime.date(2024, 8, 1)) == 2025
    assert default_year(agreement, datetime.date(2031, 8, 1)) == 2028


# --- The schedule page --------------------------------------------------------------------------


def test_schedule_lists_the_year_with_norwegian_times(client_for, reader, agreement):
    make_meeting(
        agreement,
        kind=Meeting.Kind.PHYSICAL,
        start=at(2026, 3, 30, 10),
        title="Vårmøte i Harstad",
        place="Harstad rådhus",
    )
    make_meeting(agreement, kind=Meeting.Kind.DIGITAL, start=at(2027, 10, 5), title="Høstmøte 2027")

    response = client_for(reader).get(_schedule(agreement, 2026))

    page = text_of(response)
    assert response.status_code == 200
    assert "Møter i 2026" in page
    assert "Vårmøte i Harstad" in page
    assert "man 30. mars 10:00 – 14:00" in page  # Oslo time, not UTC (08:00)
    assert "Fysisk møte" in page
    assert "Planlagt" in page
    assert "Harstad rådhus" in page
    assert "Høstmøte 2027" not in page
    assert DIGITAL_MISSING in page
    content = response.content.decode()
    meeting = Meeting.objects.get(title="Vårmøte i Harstad")
    assert f'href="{meeting.get_absolute_url()}"' in content
    assert f'href="{reverse("actionplans:meeting-brief", args=[meeting.pk])}"' in content
    assert "Planlegg året" not in page  # a reader cannot plan


def test_schedule_shows_a_warning_for_every_incomplete_year(client_for, coordinator, agreement):
    for year in (2025, 2027, 2028):
        make_meeting(agreement, kind=Meeting.Kind.PHYSICAL, start=at(year, 5, 6))
        make_meeting(agreement, kind=Meeting.Kind.DIGITAL, start=at(year, 10, 7))
    make_meeting(agreement, kind=Meeting.Kind.PHYSICAL, start=at(2026, 5, 5))

    page = text_of(client_for(coordinator).get(_schedule(agreement, 2025)))

    assert DIGITAL_MISSING in page
    assert "2025 mangler" not in page
    assert "2027 mangler" not in page
    assert "Planlegg året 2026" in page


def test_a_complete_year_shows_no_warning(client_for, coordinator, agreement):
    for year in range(2025, 2029):
        make_meeting(agreement, kind=Meeting.Kind.PHYSICAL, start=at(year, 5, 6))
        make_meeting(agreement, kind=Meeting.Kind.DIGITAL, start=at(year, 10, 7))

    page = text_of(client_for(coordinator).get(_schedule(agreement, 2026)))

    assert "mangler" not in page
    assert "Planlegg året" not in page


@pytest.mark.parametrize("value", ["1999", "abc", "", "2030"])
def test_a_year_outside_the_period_shows_the_default_year(client_for, reader, agreement, value):
    response = client_for(reader).get(
        reverse("agreements:meeting-schedule", args=[agreement.slug]), {"year": value}
    )

    assert response.status_code == 200
    assert agreement.start_year <= response.context["year"] <= agreement.end_year


def test_schedule_query_count_is_pinned(
    client_for, reader, agreement, django_assert_max_num_queries
):
    for year in range(2025, 2029):
        make_meeting(agreement, kind=Meeting.Kind.PHYSICAL, start=at(year, 5, 6))
        make_meeting(agreement, kind=Meeting.Kind.DIGITAL, start=at(year, 10, 7))
    client = client_for(reader)
    client.get(_schedule(agreement, 2026))  # the first visit makes the calendar feed's token

    # the session, the user, the agreement, the role, the meetings and the calendar feed
    with django_assert_max_num_queries(6):
        response = client.get(_schedule(agreement, 2026))
    assert response.status_code == 200


def test_schedule_access(client_for, agreement, outsider, admin_user):
    url = _schedule(agreement)

    assert_redirects_to_login(client_for(None).get(url), url)
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(admin_user).get(url).status_code == 200
    assert client_for(admin_user).post(url).status_code == 405


# --- Planlegg året (services.meeting_plan_year and the view) -------------------------------------


def test_plan_year_makes_both_meetings_as_drafts(agreement):
    created = meeting_plan_year(agreement=agreement, year=2026)

    assert [m.kind for m in created] == [Meeting.Kind.PHYSICAL, Meeting.Kind.DIGITAL]
    physical, digital = created
    assert all(m.status == Meeting.Status.DRAFT for m in created)
    assert all(m.inviting_party.slug == "halogalandsradet" for m in created)
    # First Tuesday of May (spring) and of October (autumn), 10:00 Norwegian time.
    assert physical.start == at(2026, 5, 5, 10)
    assert physical.end == at(2026, 5, 5, 14)
    assert digital.start == at(2026, 10, 6, 10)
    assert digital.start.astimezone(OSLO).weekday() == 1
    # Drafts: the year still lacks its meetings until they are planned, but has nothing unplanned.
    check = _check(agreement, 2026)
    assert not check.complete
    assert check.unplanned == []


def test_plan_year_makes_only_what_is_missing_and_is_idempotent(agreement):
    existing = make_meeting(agreement, kind=Meeting.Kind.PHYSICAL, start=at(2026, 9, 1))

    first = meeting_plan_year(agreement=agreement, year=2026)
    second = meeting_plan_year(agreement=agreement, year=2026)

    assert [m.kind for m in first] == [Meeting.Kind.DIGITAL]
    assert second == []
    assert Meeting.objects.filter(agreement=agreement).count() == 2
    assert Meeting.objects.filter(kind=Meeting.Kind.PHYSICAL).get() == existing


def test_plan_year_replaces_a_cancelled_meeting(agreement):
    make_meeting(agreement, kind=Meeting.Kind.DIGITAL, start=at(2026, 10, 6), status="cancelled")

    created = meeting_plan_year(agreement=agreement, year=2026)

    assert sorted(m.kind for m in created) == ["digital", "physical"]


def test_plan_year_invites_from_the_first_party_without_a_regional_council(db):
    county, _ = Party.objects.get_or_create(
        slug="troms-fylkeskommune",
        defaults={"name": "Troms fylkeskommune", "kind": Party.Kind.COUNTY},
    )
    municipality = Party.objects.create(slug="tromso", name="Tromsø kommune", kind="municipality")
    small = Agreement.objects.create(
        slug="liten", title="Liten avtale", start_year=2026, end_year=2026, overall_goal="Mål."
    )
    AgreementParty.objects.create(agreement=small, party=municipality, order=1)
    AgreementParty.objects.create(agreement=small, party=county, order=2)

    created = meeting_plan_year(agreement=small, year=2026)

    assert {m.inviting_party for m in created} == {municipality}


def test_plan_year_view_creates_the_drafts_and_redirects(client_for, coordinator, agreement):
    url = reverse("agreements:meeting-plan-year", args=[agreement.slug, 2026])

    response = client_for(coordinator).post(url, follow=True)

    assert response.redirect_chain == [(_schedule(agreement, 2026), 302)]
    assert Meeting.objects.filter(agreement=agreement, status="draft").count() == 2
    page = text_of(response)
    assert "Laget utkast for 2026: Fysisk møte våren 2026, Digitalt møte høsten 2026." in page
    assert "Planlegg året 2026" not in page

    again = client_for(coordinator).post(url, follow=True)

    assert Meeting.objects.filter(agreement=agreement).count() == 2
    assert (
        "2026 har allerede både et fysisk og et digitalt møte (planlagt, avholdt eller som utkast). Ingenting ble laget."
        in text_of(again)
    )


def test_plan_year_view_refuses_a_year_outside_the_period(client_for, coordinator, agreement):
    url = reverse("agreements:meeting-plan-year", args=[agreement.slug, 2031])

    assert client_for(coordinator).post(url).status_code == 404
    assert not Meeting.objects.exists()


def test_plan_year_view_access(client_for, agreement, reader, outsider, admin_user):
    url = reverse("agreements:meeting-plan-year", args=[agreement.slug, 2026])

    assert client_for(admin_user).get(url).status_code == 405
    assert_redirects_to_login(client_for(None).post(url), url)
    assert client_for(outsider).post(url).status_code == 404
    assert client_for(reader).post(url).status_code == 403
    assert not Meeting.objects.exists()
    assert client_for(admin_user).post(url).status_code == 302
    assert Meeting.objects.count() == 2
