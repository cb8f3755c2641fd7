"""The Excel import matches rows by the ids the exported file carries, shows a preview before
anything is saved, and «Bekreft import» saves exactly what was previewed (issue 11, finding 6).

The helpers (``exported``, ``edited``, ``set_cell``, ``preview``, ``digest_on``) are those of
tests/actionplans/test_excel_import.py.
"""

import datetime

from django.contrib.messages import get_messages
from django.urls import reverse

from actionplans.models import Action, Milestone, MilestoneDueDateChange, ProgressUpdate, Status
from tests.helpers.excel_import import (
    COL,
    confirm_url,
    db_state,
    digest_on,
    edited,
    exported,
    preview,
    row_of,
    set_cell,
)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_a_milestone_renamed_in_excel_is_renamed_not_duplicated(
    client_for, coordinator, excel_plan
):
    client = client_for(coordinator)
    survey = Milestone.objects.get(title="Kartlegge boligbehovet")
    count = Milestone.objects.count()

    page = preview(
        client,
        excel_plan,
        edited(
            exported(client, excel_plan),
            set_cell("Kartlegge boligbehovet", "Milepæl", "Kartlegge boligbehovet i regionen"),
        ),
    )
    response = client.post(confirm_url(excel_plan), {"digest": digest_on(page)})

    assert response.status_code == 302
    assert Milestone.objects.count() == count
    survey.refresh_from_db()
    assert survey.title == "Kartlegge boligbehovet i regionen"
    assert survey.updates.count() == 1  # its history stays with it
    assert "Milepæler: 0 nye, 1 endret og 3 uendret." in messages_of(response)[0]


def test_an_action_renumbered_in_excel_keeps_its_milestones(client_for, coordinator, excel_plan):
    client = client_for(coordinator)
    housing = Action.objects.get(plan=excel_plan, number="1.1-1")

    def renumber(ws):
        for row in range(2, ws.max_row + 1):
            if ws.cell(row, COL["Tiltak nr."]).value == "1.1-1":
                ws.cell(row, COL["Tiltak nr."]).value = "1.1-7"

    page = preview(client, excel_plan, edited(exported(client, excel_plan), renumber))
    client.post(confirm_url(excel_plan), {"digest": digest_on(page)})

    housing.refresh_from_db()
    assert housing.number == "1.1-7"
    assert housing.milestones.count() == 2
    assert Action.objects.filter(plan=excel_plan).count() == 3


def test_the_preview_shows_each_change_field_by_field_and_saves_nothing(
    client_for, coordinator, excel_plan
):
    client = client_for(coordinator)
    before = db_state()

    def change(ws):
        set_cell("Kartlegge boligbehovet", "Prosent", 55)(ws)
        set_cell("Kartlegge boligbehovet", "Milepæl", "Boligbehovet kartlagt")(ws)
        ws.append(
            [2, "2.1", "2.1-1", "Regional næringsarena", "2.1.1", "Hålogalandsrådet"]
            + ["Oppstartsmøte", "", datetime.datetime(2025, 11, 1), "I rute", 10]
        )

    response = preview(client, excel_plan, edited(exported(client, excel_plan), change))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Ingenting er lagret ennå." in page
    assert "Milepæler: 1 nye, 1 endres, 3 uendret." in page
    assert "ny milepæl «Oppstartsmøte» under tiltak 2.1-1, frist 01.11.2025, I rute, 10 %" in page
    assert "Milepæl «Boligbehovet kartlagt»" in page
    assert "<td>Kartlegge boligbehovet</td><td>Boligbehovet kartlagt</td>" in page
    assert "<td>40 %</td><td>55 %</td>" in page
    assert "Bekreft import" in page
    assert db_state() == before


def test_confirm_saves_what_was_previewed(client_for, coordinator, excel_plan):
    client = client_for(coordinator)
    page = preview(
        client,
        excel_plan,
        edited(exported(client, excel_plan), set_cell("Evaluering", "Status", "Fullført")),
    )

    response = client.post(confirm_url(excel_plan), {"digest": digest_on(page)})

    assert response.status_code == 302
    assert response["Location"] == excel_plan.get_absolute_url()
    evaluation = Milestone.objects.get(title="Evaluering")
    assert (evaluation.status, evaluation.percent) == (Status.DONE, 100)
    assert evaluation.last_update.comment == "Importert fra Excel"
    # Confirmed once: the same confirmation again finds nothing waiting.
    again = client.post(confirm_url(excel_plan), {"digest": digest_on(page)})
    assert again["Location"] == f"/handlingsplaner/{excel_plan.pk}/import/"
    assert ProgressUpdate.objects.filter(milestone=evaluation).count() == 2


def test_a_plan_changed_between_preview_and_confirm_is_refused(
    client_for, coordinator, excel_plan, log
):
    client = client_for(coordinator)
    page = preview(
        client,
        excel_plan,
        edited(exported(client, excel_plan), set_cell("Evaluering", "Beskrivelse", "Fra Excel")),
    )
    # Someone logs progress on another milestone after the preview was made.
    log(Milestone.objects.get(title="Søknad sendt"), coordinator, Status.DONE, 100, "Igjen.")
    before = db_state()

    response = client.post(confirm_url(excel_plan), {"digest": digest_on(page)}, follow=True)

    assert db_state() == before
    assert Milestone.objects.get(title="Evaluering").description == ""
    assert any("Planen er endret siden du så forhåndsvisningen" in m for m in messages_of(response))
    assert "Planen er endret siden du så forhåndsvisningen" in response.content.decode()


def test_confirming_another_file_than_the_last_preview_is_refused(
    client_for, coordinator, excel_plan
):
    client = client_for(coordinator)
    content = exported(client, excel_plan)
    first = preview(client, excel_plan, edited(content, set_cell("Evaluering", "Prosent", 30)))
    preview(client, excel_plan, edited(content, set_cell("Evaluering", "Prosent", 60)))
    before = db_state()

    response = client.post(confirm_url(excel_plan), {"digest": digest_on(first)}, follow=True)

    assert db_state() == before
    assert "Du bekreftet en annen fil enn den du sist lastet opp" in response.content.decode()


def test_cancel_saves_nothing(client_for, coordinator, excel_plan):
    client = client_for(coordinator)
    page = preview(
        client,
        excel_plan,
        edited(exported(client, excel_plan), set_cell("Evaluering", "Prosent", 30)),
    )
    before = db_state()

    response = client.post(confirm_url(excel_plan), {"digest": digest_on(page), "avbryt": "1"})
    after_cancel = client.post(confirm_url(excel_plan), {"digest": digest_on(page)})

    assert response["Location"] == excel_plan.get_absolute_url()
    assert "Importen er avbrutt. Ingenting er lagret." in messages_of(response)
    assert after_cancel["Location"] == f"/handlingsplaner/{excel_plan.pk}/import/"
    assert db_state() == before


def test_a_copied_row_becomes_a_new_milestone(client_for, coordinator, excel_plan):
    """Copying a row in Excel copies its ids: the copy with a new title is a new milestone."""
    client = client_for(coordinator)
    survey = Milestone.objects.get(title="Kartlegge boligbehovet")

    def copy_row(ws):
        values = [cell.value for cell in ws[row_of(ws, "Kartlegge boligbehovet")]]
        values[COL["Milepæl"] - 1] = "Kartlegge tomtebehovet"
        ws.append(values)

    page = preview(client, excel_plan, edited(exported(client, excel_plan), copy_row))
    assert "har samme Milepæl-ID som rad" in page.content.decode()
    client.post(confirm_url(excel_plan), {"digest": digest_on(page)})

    assert Milestone.objects.get(pk=survey.pk).title == "Kartlegge boligbehovet"
    new = Milestone.objects.get(title="Kartlegge tomtebehovet")
    assert new.action_id == survey.action_id


def test_two_rows_with_the_same_id_and_new_titles_are_refused(client_for, coordinator, excel_plan):
    client = client_for(coordinator)
    before = db_state()

    def copy_row(ws):
        row = row_of(ws, "Kartlegge boligbehovet")
        values = [cell.value for cell in ws[row]]
        ws.cell(row, COL["Milepæl"]).value = "Første navn"
        values[COL["Milepæl"] - 1] = "Andre navn"
        ws.append(values)

    response = preview(client, excel_plan, edited(exported(client, excel_plan), copy_row))

    assert "ble ikke importert. Ingenting er lagret." in response.content.decode()
    assert "står på flere rader" in response.content.decode()
    assert db_state() == before


def test_ids_of_another_plan_are_matched_by_name(client_for, coordinator, excel_plan):
    """The round trip into a plan whose milestones are gone (or another plan): by name, or new."""
    client = client_for(coordinator)
    content = exported(client, excel_plan)
    Action.objects.filter(plan=excel_plan).delete()

    page = preview(client, excel_plan, content)

    assert "finnes ikke i denne handlingsplanen" in page.content.decode()
    response = client.post(confirm_url(excel_plan), {"digest": digest_on(page)})
    assert response.status_code == 302
    assert Milestone.objects.filter(action__plan=excel_plan).count() == 4


def test_a_moved_due_date_is_recorded_with_the_reason(client_for, coordinator, excel_plan):
    """The milestone has progress updates, so moving its due date must be explained."""
    client = client_for(coordinator)
    survey = Milestone.objects.get(title="Kartlegge boligbehovet")
    page = preview(
        client,
        excel_plan,
        edited(
            exported(client, excel_plan),
            set_cell("Kartlegge boligbehovet", "Frist", datetime.datetime(2025, 9, 15)),
        ),
    )
    assert 'name="reason"' in page.content.decode()
    assert "<td>30.06.2025</td><td>15.09.2025</td>" in page.content.decode()

    without = client.post(confirm_url(excel_plan), {"digest": digest_on(page)}, follow=True)
    survey.refresh_from_db()
    assert survey.due_date == datetime.date(2025, 6, 30)
    assert "skriv hvorfor fristene flyttes" in without.content.decode()

    page = preview(
        client,
        excel_plan,
        edited(
            exported(client, excel_plan),
            set_cell("Kartlegge boligbehovet", "Frist", datetime.datetime(2025, 9, 15)),
        ),
    )
    client.post(
        confirm_url(excel_plan), {"digest": digest_on(page), "reason": "Kommunene trenger tid."}
    )

    survey.refresh_from_db()
    assert survey.due_date == datetime.date(2025, 9, 15)
    change = MilestoneDueDateChange.objects.get(milestone=survey)
    assert (change.old_due_date, change.new_due_date) == (
        datetime.date(2025, 6, 30),
        datetime.date(2025, 9, 15),
    )
    assert change.reason == "Kommunene trenger tid."
    assert change.source == MilestoneDueDateChange.Source.EXCEL
    assert change.author == coordinator


def test_confirm_without_a_preview_says_so(client_for, coordinator, excel_plan):
    response = client_for(coordinator).post(confirm_url(excel_plan), {"digest": "0" * 64})

    assert response.status_code == 302
    assert "Ingen import av denne planen venter på bekreftelse." in messages_of(response)[0]


def test_confirm_is_post_only_and_for_editors(client_for, coordinator, reader, excel_plan):
    assert client_for(coordinator).get(confirm_url(excel_plan)).status_code == 405
    assert client_for(reader).post(confirm_url(excel_plan), {}).status_code == 403


def test_the_preview_and_the_delete_page_are_valid_html(
    client_for, coordinator, excel_plan, make_milestone
):
    from tests.helpers.html_checker import as_document, check_html, require_checker

    require_checker()
    client = client_for(coordinator)

    def change(ws):
        set_cell("Kartlegge boligbehovet", "Frist", datetime.datetime(2025, 9, 15))(ws)
        set_cell("Evaluering", "Milepæl", "Evaluering av arenaen")(ws)
        ws.append(
            [4, "4.1", "4.1-1", "Nytt tiltak", "4.1.1", ""]
            + ["Første milepæl", "", "01.02.2026", "Ikke startet", 0]
        )

    preview_page = preview(client, excel_plan, edited(exported(client, excel_plan), change))
    survey = Milestone.objects.get(title="Kartlegge boligbehovet")
    delete_page = client.get(reverse("actionplans:milestone-delete", args=[survey.pk]))
    refused = client.post(reverse("actionplans:milestone-delete", args=[survey.pk]))

    documents = {
        "preview": as_document(preview_page.content.decode()),
        "delete with history": as_document(delete_page.content.decode()),
        "delete refused": as_document(refused.content.decode()),
    }
    assert check_html(documents) == []


def test_a_milestone_waiting_for_its_first_deadline_may_stay_without_one(
    client_for, coordinator, excel_plan
):
    """Carried over to a new plan without a deadline (issue 11, finding 8): its blank «Frist»
    imports as it is, and a date typed in Excel becomes its first deadline."""
    action = Action.objects.get(plan=excel_plan, number="1.2-1")
    waiting = Milestone.objects.create(action=action, title="Venter på frist", due_date=None)
    client = client_for(coordinator)
    content = exported(client, excel_plan)

    unchanged = preview(client, excel_plan, content)
    page = preview(
        client,
        excel_plan,
        edited(content, set_cell("Venter på frist", "Frist", datetime.datetime(2026, 4, 1))),
    )
    client.post(confirm_url(excel_plan), {"digest": digest_on(page)})

    assert "Filen gir ingen endringer i planen." in unchanged.content.decode()
    waiting.refresh_from_db()
    assert waiting.due_date == datetime.date(2026, 4, 1)
    assert not MilestoneDueDateChange.objects.filter(milestone=waiting).exists()


def test_a_new_milestone_needs_a_deadline(client_for, coordinator, excel_plan):
    client = client_for(coordinator)

    def add(ws):
        ws.append(
            [4, "4.1", "4.1-1", "Nytt tiltak", "4.1.1", "", "Uten frist", "", None, "I rute", 0]
        )

    response = preview(client, excel_plan, edited(exported(client, excel_plan), add))

    assert "kolonne «Frist»: Skriv en frist." in response.content.decode()
    assert "ble ikke importert. Ingenting er lagret." in response.content.decode()


def test_two_actions_may_swap_numbers(client_for, coordinator, excel_plan):
    """Numbers are unique in a plan: a swap goes through a temporary number."""
    client = client_for(coordinator)
    housing = Action.objects.get(plan=excel_plan, number="1.1-1")
    arena = Action.objects.get(plan=excel_plan, number="2.1-1")

    def swap(ws):
        for row in range(2, ws.max_row + 1):
            cell = ws.cell(row, COL["Tiltak nr."])
            cell.value = {"1.1-1": "2.1-1", "2.1-1": "1.1-1"}.get(cell.value, cell.value)

    page = preview(client, excel_plan, edited(exported(client, excel_plan), swap))
    response = client.post(confirm_url(excel_plan), {"digest": digest_on(page)})

    assert response.status_code == 302
    housing.refresh_from_db()
    arena.refresh_from_db()
    assert (housing.number, arena.number) == ("2.1-1", "1.1-1")
    assert housing.milestones.count() == 2


def test_a_number_taken_by_an_action_not_in_the_file_is_refused(
    client_for, coordinator, excel_plan
):
    client = client_for(coordinator)
    before = db_state()

    def renumber(ws):
        for row in range(2, ws.max_row + 1):
            if ws.cell(row, COL["Tiltak nr."]).value == "1.2-1":
                ws.delete_rows(row)
                break
        for row in range(2, ws.max_row + 1):
            if ws.cell(row, COL["Tiltak nr."]).value == "2.1-1":
                ws.cell(row, COL["Tiltak nr."]).value = "1.2-1"

    response = preview(client, excel_plan, edited(exported(client, excel_plan), renumber))

    assert "Tiltak nr. 1.2-1 brukes allerede av tiltaket «Fagarbeiderløftet» i planen" in (
        response.content.decode()
    )
    assert db_state() == before
