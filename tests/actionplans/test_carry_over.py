"""Carrying a plan over to the next period: actionplans:plan-carry-over."""

import datetime
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from actionplans.models import Action, ActionPlan, Milestone, Status, rollup_aggregates
from agreements.models import Coordinator
from tests.agreements._meeting_helpers import text_of


@pytest.fixture
def filled_plan(plan, coordinator, make_action, make_milestone, log):
    """Plan 2025–2026 with four actions:

    1.1-1  one milestone done, one on track (40 %)  → carried, with the on-track milestone
    1.2-1  only a cancelled milestone                → not carried
    3.1-1  not started, at risk (30 %), delayed      → carried, all three
    4.1-1  only a done milestone                     → not carried
    """
    role = Coordinator.objects.get(user=coordinator)
    housing = make_action(plan, "1.1-1", sub_goal="1.1", strategies=2, responsible=[role])
    done = make_milestone(housing, "Kartlegging ferdig", due=datetime.date(2025, 4, 1))
    log(done, coordinator, Status.DONE, 100)
    on_track = make_milestone(
        housing, "Boligstrategi", due=datetime.date(2026, 10, 1), responsible=role, order=1
    )
    log(on_track, coordinator, Status.ON_TRACK, 40)

    school = make_action(plan, "1.2-1", sub_goal="1.2", strategies=1)
    dropped = make_milestone(school, "Fagskole i Harstad")
    log(dropped, coordinator, Status.CANCELLED, 0, "Ikke finansiert.")

    climate = make_action(plan, "3.1-1", sub_goal="3.1", strategies=3, responsible=[role])
    make_milestone(climate, "Klimaregnskap", due=datetime.date(2026, 12, 31))
    at_risk = make_milestone(climate, "Felles innkjøp", due=datetime.date(2025, 9, 1))
    log(at_risk, coordinator, Status.AT_RISK, 30, "Venter på kommunestyrene.")
    delayed = make_milestone(climate, "Ladeplan", due=datetime.date(2026, 5, 1))
    log(delayed, coordinator, Status.DELAYED, 10, "Nettkapasitet mangler.")

    defence = make_action(plan, "4.1-1", sub_goal="4.1", strategies=1)
    finished = make_milestone(defence, "Boligbehov kartlagt")
    log(finished, coordinator, Status.DONE, 100)
    return plan


def _carry_over(client, plan):
    return client.post(reverse("actionplans:plan-carry-over", args=[plan.pk]), follow=True)


def test_carry_over_makes_a_draft_of_the_next_plan(client_for, coordinator, filled_plan):
    response = _carry_over(client_for(coordinator), filled_plan)

    new_plan = ActionPlan.objects.get(agreement=filled_plan.agreement, start_year=2027)
    assert response.redirect_chain == [(new_plan.get_absolute_url(), 302)]
    assert (new_plan.start_year, new_plan.end_year) == (2027, 2028)
    assert new_plan.status == ActionPlan.PlanStatus.DRAFT
    assert new_plan.previous == filled_plan
    assert (
        "Handlingsplan 2027–2028 er laget som utkast, med 2 tiltak og 4 milepæler"
        in response.content.decode()
    )


def test_only_open_milestones_and_their_actions_are_copied(client_for, coordinator, filled_plan):
    _carry_over(client_for(coordinator), filled_plan)

    new_plan = ActionPlan.objects.get(start_year=2027)
    copies = {a.number: a for a in Action.objects.filter(plan=new_plan)}
    assert set(copies) == {"1.1-1", "3.1-1"}
    carried = Milestone.objects.in_plan(new_plan)
    assert sorted(m.title for m in carried) == [
        "Boligstrategi",
        "Felles innkjøp",
        "Klimaregnskap",
        "Ladeplan",
    ]
    for milestone in carried:
        original = milestone.carried_from
        assert original is not None
        assert original.action.plan == filled_plan
        assert original.title == milestone.title
        assert original.status not in (Status.DONE, Status.CANCELLED)
        assert milestone.action.carried_from == original.action


def test_copies_keep_strategies_responsible_status_and_percent(
    client_for, coordinator, filled_plan
):
    _carry_over(client_for(coordinator), filled_plan)

    new_plan = ActionPlan.objects.get(start_year=2027)
    for copy in Action.objects.filter(plan=new_plan):
        original = copy.carried_from
        assert original.plan == filled_plan
        assert copy.title == original.title
        assert copy.sub_goal == original.sub_goal
        assert copy.lead_party == original.lead_party
        assert set(copy.strategies.all()) == set(original.strategies.all())
        assert copy.strategies.exists()
        assert set(copy.responsible.all()) == set(original.responsible.all())
        assert copy.responsible.exists()
    by_title = {m.title: m for m in Milestone.objects.in_plan(new_plan)}
    expected = {
        "Boligstrategi": (Status.ON_TRACK, 40),
        "Felles innkjøp": (Status.AT_RISK, 30),
        "Ladeplan": (Status.DELAYED, 10),
        "Klimaregnskap": (Status.NOT_STARTED, 0),
    }
    for title, (status, percent) in expected.items():
        assert (by_title[title].status, by_title[title].percent) == (status, percent)
    assert by_title["Boligstrategi"].responsible == Coordinator.objects.get(user=coordinator)
    # Issue 11, finding 8: no invented deadline (it used to be 1 January 2027) and no progress
    # update in the clicker's name: the milestones wait for a new deadline, and their history
    # is the earlier milestone's.
    for milestone in by_title.values():
        assert milestone.due_date is None
        assert milestone.needs_due_date
        assert not milestone.updates.exists()
        assert milestone.last_update is None
        assert milestone.version == 0


def test_the_old_plan_is_left_as_it_was(client_for, coordinator, filled_plan):
    before = sorted(
        Milestone.objects.in_plan(filled_plan).values_list("title", "status", "percent", "version")
    )

    _carry_over(client_for(coordinator), filled_plan)

    after = sorted(
        Milestone.objects.in_plan(filled_plan).values_list("title", "status", "percent", "version")
    )
    assert after == before
    assert Action.objects.filter(plan=filled_plan).count() == 4


def test_a_second_carry_over_is_refused(client_for, coordinator, filled_plan):
    client = client_for(coordinator)
    _carry_over(client, filled_plan)

    response = _carry_over(client, filled_plan)

    assert response.redirect_chain == [(filled_plan.get_absolute_url(), 302)]
    assert "Handlingsplanen for 2027–2028 finnes allerede." in response.content.decode()
    assert ActionPlan.objects.filter(agreement=filled_plan.agreement).count() == 2
    assert Action.objects.filter(plan__start_year=2027).count() == 2


def test_the_last_plan_cannot_be_carried_over(client_for, coordinator, filled_plan):
    client = client_for(coordinator)
    _carry_over(client, filled_plan)
    last = ActionPlan.objects.get(start_year=2027)

    response = _carry_over(client, last)

    assert response.redirect_chain == [(last.get_absolute_url(), 302)]
    assert (
        "Avtalen varer bare til 2028, så det kan ikke lages en plan for 2029–2030."
        in response.content.decode()
    )
    assert not ActionPlan.objects.filter(start_year=2029).exists()
    assert ActionPlan.objects.count() == 2


def test_wrong_method(client_for, coordinator, filled_plan):
    client = client_for(coordinator)
    url = reverse("actionplans:plan-carry-over", args=[filled_plan.pk])

    for method in ("put", "delete"):
        assert getattr(client, method)(url).status_code == 405
    assert ActionPlan.objects.count() == 1


# --- the confirmation page (issue 11, finding 8) ------------------------------------------------


def test_get_asks_for_confirmation_and_lists_what_will_be_carried(
    client_for, coordinator, filled_plan
):
    url = reverse("actionplans:plan-carry-over", args=[filled_plan.pk])

    response = client_for(coordinator).get(url)

    assert response.status_code == 200
    assert ActionPlan.objects.count() == 1  # a GET changes nothing
    page = text_of(response)
    content = response.content.decode()
    assert "Lag handlingsplan 2027–2028" in page
    assert "Dette blir med: 2 tiltak og 4 milepæler" in page
    assert "3 milepæler er fullført eller avlyst og blir ikke med." in page
    for carried in ("Tiltak 1.1-1", "Tiltak 3.1-1", "Boligstrategi", "Felles innkjøp", "Ladeplan"):
        assert carried in page
    for left in ("Kartlegging ferdig", "Fagskole i Harstad", "Boligbehov kartlagt", "1.2-1"):
        assert left not in page
    assert "Milepælene får ingen frist" in page
    assert "Det lages ingen statusoppdatering i ditt navn." in page
    # A real form: POST to the same address, with the CSRF token, works without JavaScript.
    assert f'<form method="post" action="{url}"' in content
    assert 'name="csrfmiddlewaretoken"' in content
    assert "Ja, lag handlingsplan 2027–2028" in page


def test_the_plan_page_links_to_the_confirmation_instead_of_posting(
    client_for, coordinator, filled_plan
):
    url = reverse("actionplans:plan-carry-over", args=[filled_plan.pk])

    content = client_for(coordinator).get(filled_plan.get_absolute_url()).content.decode()

    assert f'href="{url}"' in content
    assert f'action="{url}"' not in content


def test_confirmation_page_says_why_when_there_can_be_no_next_plan(
    client_for, coordinator, filled_plan
):
    client = client_for(coordinator)
    _carry_over(client, filled_plan)
    url = reverse("actionplans:plan-carry-over", args=[filled_plan.pk])

    response = client.get(url)

    assert response.status_code == 200
    page = text_of(response)
    assert "Handlingsplanen for 2027–2028 finnes allerede." in page
    assert "Ja, lag handlingsplan" not in page
    assert "Tilbake til handlingsplanen" in page


def test_reader_and_outsider_cannot_see_the_confirmation(client_for, reader, outsider, filled_plan):
    url = reverse("actionplans:plan-carry-over", args=[filled_plan.pk])

    assert client_for(reader).get(url).status_code == 403
    assert client_for(outsider).get(url).status_code == 404


# --- the carried milestones: history, no deadline, not overdue, reminders -----------------------


def _carried(client_for, coordinator, filled_plan, title: str) -> Milestone:
    _carry_over(client_for(coordinator), filled_plan)
    return Milestone.objects.get(action__plan__start_year=2027, title=title)


def test_carried_milestone_page_shows_the_earlier_history(
    client_for, coordinator, reader, filled_plan
):
    carried = _carried(client_for, coordinator, filled_plan, "Felles innkjøp")
    earlier = carried.carried_from

    response = client_for(reader).get(carried.get_absolute_url())

    page = text_of(response)
    assert "Frist Ny frist mangler" in page
    assert "Historikk fra forrige plan" in page
    assert "Milepælen ble overført fra handlingsplan 2025–2026 med status «Risiko» og 30 %" in page
    assert "Venter på kommunestyrene." in page  # the earlier update's comment
    assert "Tone Koordinator" in page  # who wrote it there
    assert f'href="{earlier.get_absolute_url()}"' in response.content.decode()
    assert "Se milepælen i handlingsplan 2025–2026" in page
    # The new milestone's own history is empty: nobody has reported on it in the new plan.
    assert "Ingen statusoppdateringer ennå." in page


def test_carried_milestones_are_not_overdue_and_say_they_need_a_deadline(
    client_for, coordinator, filled_plan
):
    carried = _carried(client_for, coordinator, filled_plan, "Felles innkjøp")
    new_plan = carried.action.plan

    assert (
        not Milestone.objects.overdue(today=datetime.date(2028, 12, 31))
        .filter(action__plan=new_plan)
        .exists()
    )
    assert Milestone.objects.needing_due_date().filter(action__plan=new_plan).count() == 4
    assert not carried.is_overdue(datetime.date(2028, 12, 31))
    figures = Milestone.objects.in_plan(new_plan).aggregate(
        **rollup_aggregates(today=datetime.date(2028, 12, 31))
    )
    assert (figures["total"], figures["overdue"]) == (4, 0)
    response = client_for(coordinator).get(new_plan.get_absolute_url())
    assert response.status_code == 200
    page = text_of(response)
    assert page.count("Frist: Ny frist mangler") == 4
    assert "Forfalt" not in page.split("Filtrer milepælene", 1)[1]


def test_pages_and_files_that_show_due_dates_take_a_missing_one(
    client_for, coordinator, reader, filled_plan
):
    carried = _carried(client_for, coordinator, filled_plan, "Ladeplan")
    new_plan = carried.action.plan
    client = client_for(reader)

    dashboard = client.get(
        reverse("actionplans:dashboard", args=[new_plan.agreement.slug]), {"plan": new_plan.pk}
    )
    export = client.get(reverse("actionplans:plan-export", args=[new_plan.pk]))
    progress = client_for(coordinator).get(reverse("actionplans:progress-log", args=[carried.pk]))

    assert dashboard.status_code == 200
    # The terms under the headline say what «Ny frist mangler» means for the counts.
    assert "Ny frist mangler Milepælen er videreført fra forrige handlingsplan" in text_of(
        dashboard
    )
    assert export.status_code == 200
    assert progress.status_code == 200
    assert "Frist Ny frist mangler" in text_of(progress)
    delete_page = client_for(coordinator).get(
        reverse("actionplans:milestone-delete", args=[carried.pk])
    )
    assert "Frist Ny frist mangler" in text_of(delete_page)
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    rows = [
        dict(zip(header, (cell.value for cell in row), strict=False))
        for row in sheet.iter_rows(min_row=2)
    ]
    (row,) = [r for r in rows if "Ladeplan" in r.values()]
    assert row["Frist"] is None


def test_setting_the_new_deadline_is_an_ordinary_edit(client_for, coordinator, filled_plan):
    carried = _carried(client_for, coordinator, filled_plan, "Ladeplan")
    url = reverse("actionplans:milestone-edit", args=[carried.pk])
    client = client_for(coordinator)
    data = {"title": carried.title, "description": "", "responsible": "", "order": 0}

    page = client.get(url)
    missing = client.post(url, data | {"due_date": ""})
    saved = client.post(url, data | {"due_date": "2027-06-30"})

    assert page.status_code == 200
    assert missing.status_code == 200
    assert "Skriv en frist." in text_of(missing)
    assert saved.status_code == 302
    carried.refresh_from_db()
    assert carried.due_date == datetime.date(2027, 6, 30)
    assert not carried.needs_due_date


def test_the_responsible_coordinator_is_reminded_to_set_a_deadline(
    client_for, coordinator, filled_plan, mailoutbox, settings
):
    settings.SITE_URL = "https://tromsvekst.example.no"
    carried = _carried(client_for, coordinator, filled_plan, "Boligstrategi")
    Milestone.objects.filter(action__plan=carried.action.plan).update(
        created_at=timezone.make_aware(datetime.datetime(2026, 12, 1, 9))
    )

    call_command("send_reminders", "--today", "2026-12-02", stdout=io.StringIO())

    (mail,) = [m for m in mailoutbox if "Boligstrategi" in m.body]
    assert "Frist: Ny frist mangler." in mail.body
    assert (
        "Milepælen er videreført til handlingsplan 2027–2028 og trenger en ny frist." in mail.body
    )
    assert (
        f"Sett ny frist: https://tromsvekst.example.no/milepaeler/{carried.pk}/endre/" in mail.body
    )
    # Only the milestones with a responsible coordinator: «Boligstrategi» is Tone's.
    assert "Felles innkjøp" not in mail.body
    mailoutbox.clear()
    call_command("send_reminders", "--today", "2026-12-03", stdout=io.StringIO())
    assert not [m for m in mailoutbox if "Boligstrategi" in m.body]  # not the same news twice


def test_anonymous_is_sent_to_login(client_for, filled_plan):
    response = client_for(None).post(reverse("actionplans:plan-carry-over", args=[filled_plan.pk]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login") + "?next=")
    assert ActionPlan.objects.count() == 1


def test_outsider_gets_404(client_for, outsider, filled_plan):
    response = client_for(outsider).post(
        reverse("actionplans:plan-carry-over", args=[filled_plan.pk])
    )

    assert response.status_code == 404
    assert ActionPlan.objects.count() == 1


def test_reader_gets_403(client_for, reader, filled_plan):
    response = client_for(reader).post(
        reverse("actionplans:plan-carry-over", args=[filled_plan.pk])
    )

    assert response.status_code == 403
    assert ActionPlan.objects.count() == 1
