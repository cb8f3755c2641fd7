"""Importing a plan from Excel (``actionplans:plan-import``): the round trip from the exported
file, updates that append to the history, every kind of bad file (each refused with a message
by row and column and nothing saved), hostile files, and who may import."""

import datetime
import io
import time
import zipfile

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from actionplans import excel
from actionplans.models import Action, ActionPlan, Milestone, ProgressUpdate, Status
from agreements.loader import agreement_load, read_agreement_file
from tests.factories import AGREEMENT_FILE
from tests.helpers.excel_import import (
    COL,
    FORMULA_TITLE,
    HEADERS,
    assert_refused,
    confirm_url,
    db_state,
    digest_on,
    edited,
    exported,
    import_url,
    plan_snapshot,
    preview,
    row_of,
    set_cell,
    upload,
)


@pytest.fixture
def copy_plan(db) -> ActionPlan:
    """An empty 2025–2026 plan of a second agreement with the same delmål and strategies."""
    data = read_agreement_file(AGREEMENT_FILE)
    data["slug"] = "halogaland-kopi"
    data["title"] = "Kopi av Tromsvekstavtalen for Hålogalandsregionen"
    agreement = agreement_load(data=data).agreement
    return ActionPlan.objects.create(agreement=agreement, start_year=2025, end_year=2026)


# --- The form ----------------------------------------------------------------------------


def test_form_explains_the_import(client_for, coordinator, excel_plan):
    response = client_for(coordinator).get(import_url(excel_plan))

    assert response.status_code == 200
    content = response.content.decode()
    assert 'enctype="multipart/form-data"' in content
    assert 'type="file"' in content
    assert reverse("actionplans:plan-export", args=[excel_plan.pk]) in content
    assert "Ingenting slettes." in content
    assert "«Importert fra Excel»" in content
    assert "«Milepæl-ID (ikke endre)»" in content


# --- Round trip --------------------------------------------------------------------------


def test_round_trip_into_another_agreements_empty_plan(
    client_for, coordinator, admin_user, excel_plan, copy_plan
):
    content = exported(client_for(coordinator), excel_plan)

    response = upload(client_for(admin_user), copy_plan, content)

    assert response.status_code == 302
    assert response["Location"] == copy_plan.get_absolute_url()
    assert plan_snapshot(copy_plan) == plan_snapshot(excel_plan)
    assert Action.objects.get(plan=copy_plan, number="1.1-1").sub_goal.agreement == (
        copy_plan.agreement
    )
    # The formula-looking title came back as the same text.
    assert Milestone.objects.filter(action__plan=copy_plan, title=FORMULA_TITLE).exists()
    # Each milestone that is not «Ikke startet» got its state through one progress update.
    updates = ProgressUpdate.objects.filter(milestone__action__plan=copy_plan)
    assert sorted(updates.values_list("milestone__title", "status", "percent", "comment")) == [
        ("Evaluering", "delayed", 20, "Importert fra Excel"),
        ("Kartlegge boligbehovet", "on_track", 40, "Importert fra Excel"),
        ("Søknad sendt", "done", 100, "Importert fra Excel"),
    ]
    assert set(updates.values_list("author__username", flat=True)) == {"ada.admin"}
    message = str(next(iter(get_messages(response.wsgi_request))))
    assert "Tiltak: 3 nye og 0 endret. Milepæler: 4 nye, 0 endret og 0 uendret." in message


def test_round_trip_into_the_same_plan_after_deleting_its_actions(
    client_for, coordinator, excel_plan
):
    client = client_for(coordinator)
    content = exported(client, excel_plan)
    before = plan_snapshot(excel_plan)
    Action.objects.filter(plan=excel_plan).delete()

    response = upload(client, excel_plan, content)

    assert response.status_code == 302
    assert plan_snapshot(excel_plan) == before


def test_importing_the_unchanged_export_changes_nothing(client_for, coordinator, excel_plan):
    client = client_for(coordinator)
    content = exported(client, excel_plan)
    before = db_state()

    response = upload(client, excel_plan, content)

    assert response.status_code == 200
    assert db_state() == before
    page = response.content.decode()
    assert "Filen gir ingen endringer i planen." in page
    assert "Milepæler: 0 nye, 0 endres, 4 uendret." in page
    assert "Bekreft import" not in page


# --- Updates -----------------------------------------------------------------------------


def test_changed_status_is_appended_to_the_history(client_for, coordinator, excel_plan):
    client = client_for(coordinator)
    survey = Milestone.objects.get(title="Kartlegge boligbehovet")
    first_update = survey.last_update

    def change(ws):
        set_cell("Kartlegge boligbehovet", "Status", "Risiko")(ws)
        set_cell("Kartlegge boligbehovet", "Prosent", 55)(ws)
        set_cell("Kartlegge boligbehovet", "Frist", datetime.datetime(2025, 8, 15))(ws)
        set_cell("Kartlegge boligbehovet", "Beskrivelse", "Ny beskrivelse.")(ws)

    response = upload(client, excel_plan, edited(exported(client, excel_plan), change))

    assert response.status_code == 302
    survey.refresh_from_db()
    assert (survey.status, survey.percent) == (Status.AT_RISK, 55)
    assert survey.due_date == datetime.date(2025, 8, 15)
    assert survey.description == "Ny beskrivelse."
    history = list(survey.updates.order_by("created_at", "pk"))
    assert history[0] == first_update  # the earlier update is kept as it was
    assert (history[0].status, history[0].percent) == (Status.ON_TRACK, 40)
    latest = history[-1]
    assert (latest.status, latest.percent, latest.comment) == ("at_risk", 55, "Importert fra Excel")
    assert (latest.previous_status, latest.previous_percent) == ("on_track", 40)
    assert latest.author == coordinator
    assert survey.last_update == latest
    assert survey.version == 2
    message = str(next(iter(get_messages(response.wsgi_request))))
    assert "Milepæler: 0 nye, 1 endret og 3 uendret." in message


def test_new_rows_and_changed_action_title(client_for, coordinator, excel_plan):
    client = client_for(coordinator)

    def change(ws):
        for row in range(2, ws.max_row + 1):
            if ws.cell(row, COL["Tiltak nr."]).value == "2.1-1":
                ws.cell(row, COL["Tiltak"]).value = "Regional næringsarena Hålogaland"
        new = [
            2,
            "2.1",
            "2.1-1",
            "Regional næringsarena Hålogaland",
            "2.1.1",
            "Hålogalandsrådet",
            "Oppstartsmøte",
            "",
            datetime.datetime(2025, 11, 1),
            "I rute",
            10,
            None,
            None,
        ]
        fresh = [
            4,
            "4.1",
            "4.1-1",
            "Nytt tiltak",
            "4.1.1; 4.1.3",
            "",
            "Første milepæl",
            "",
            "01.02.2026",
            "Ikke startet",
            0,
            None,
            None,
        ]
        ws.append(new)
        ws.append(fresh)

    response = upload(client, excel_plan, edited(exported(client, excel_plan), change))

    assert response.status_code == 302
    arena = Action.objects.get(plan=excel_plan, number="2.1-1")
    assert arena.title == "Regional næringsarena Hålogaland"
    start = arena.milestones.get(title="Oppstartsmøte")
    assert (start.status, start.percent, start.due_date) == (
        "on_track",
        10,
        datetime.date(2025, 11, 1),
    )
    assert start.updates.get().comment == "Importert fra Excel"
    fresh = Action.objects.get(plan=excel_plan, number="4.1-1")
    assert excel.strategy_labels(fresh.strategies.select_related("sub_goal")) == "4.1.1; 4.1.3"
    assert fresh.lead_party is None
    first = fresh.milestones.get()
    assert (first.status, first.percent, first.due_date) == (
        "not_started",
        0,
        datetime.date(2026, 2, 1),
    )
    assert not first.updates.exists()  # nothing to log for «Ikke startet», 0 %
    message = str(next(iter(get_messages(response.wsgi_request))))
    assert "Tiltak: 1 nye og 1 endret. Milepæler: 2 nye, 0 endret og 4 uendret." in message


def test_done_is_always_100_percent(client_for, coordinator, excel_plan):
    client = client_for(coordinator)
    change = set_cell("Kartlegge boligbehovet", "Status", "Fullført")

    upload(client, excel_plan, edited(exported(client, excel_plan), change))

    survey = Milestone.objects.get(title="Kartlegge boligbehovet")
    assert (survey.status, survey.percent) == ("done", 100)


def test_milestones_missing_from_the_file_are_kept(client_for, coordinator, excel_plan):
    client = client_for(coordinator)

    def change(ws):
        ws.delete_rows(row_of(ws, "Evaluering"))

    def change_too(ws):
        change(ws)
        set_cell("Søknad sendt", "Beskrivelse", "Endret")(ws)

    page = preview(client, excel_plan, edited(exported(client, excel_plan), change_too))
    response = client.post(confirm_url(excel_plan), {"digest": digest_on(page)})

    assert "1 milepæl i planen står ikke i filen. Den blir stående som den er." in (
        page.content.decode()
    )
    assert response.status_code == 302
    assert Milestone.objects.filter(title="Evaluering", status="delayed").exists()
    message = str(next(iter(get_messages(response.wsgi_request))))
    assert "1 milepæler i planen sto ikke i filen. De er ikke endret eller slettet." in message


def test_a_file_written_by_hand_with_typed_values(client_for, coordinator, plan):
    """A sheet made from scratch: numbers typed as numbers, dates as text, a percent sign."""
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    ws.append(
        [
            None,
            "1.3",
            7,
            "Skrevet for hånd",
            "1.3.1,1.3.2",
            "hålogalandsrådet",
            "Milepæl",
            None,
            "2026-05-31",
            "i rute",
            "30 %",
            None,
            None,
        ]
    )
    out = io.BytesIO()
    wb.save(out)

    response = upload(client_for(coordinator), plan, out.getvalue())

    assert response.status_code == 302
    action = Action.objects.get(plan=plan)
    assert (action.number, action.sub_goal.code, action.lead_party.slug) == (
        "7",
        "1.3",
        "halogalandsradet",
    )
    milestone = action.milestones.get()
    assert (milestone.due_date, milestone.status, milestone.percent) == (
        datetime.date(2026, 5, 31),
        "on_track",
        30,
    )


# --- Bad files: a message by row and column, and nothing saved ----------------------------


@pytest.mark.parametrize(
    ("header", "value", "message"),
    [
        (
            "Status",
            "Ferdig",
            "Rad {row}, kolonne «Status»: «Ferdig» er ikke en status. Bruk en av: «Ikke startet», «I rute», «Risiko», «Forsinket», «Fullført», «Avlyst».",
        ),
        ("Status", None, "Rad {row}, kolonne «Status»: Skriv en status."),
        (
            "Prosent",
            150,
            "Rad {row}, kolonne «Prosent»: Prosent må være et helt tall fra 0 til 100, ikke «150».",
        ),
        (
            "Prosent",
            12.5,
            "Rad {row}, kolonne «Prosent»: Prosent må være et helt tall fra 0 til 100",
        ),
        (
            "Prosent",
            "mye",
            "Rad {row}, kolonne «Prosent»: Prosent må være et helt tall fra 0 til 100",
        ),
        (
            "Frist",
            datetime.datetime(2027, 1, 15),
            "Rad {row}, kolonne «Frist»: Fristen 15.01.2027 ligger utenfor planperioden 2025–2026.",
        ),
        (
            "Frist",
            datetime.datetime(2024, 12, 31),
            "Rad {row}, kolonne «Frist»: Fristen 31.12.2024 ligger utenfor planperioden 2025–2026.",
        ),
        (
            "Frist",
            "snart",
            "Rad {row}, kolonne «Frist»: Skriv fristen som en dato, for eksempel 31.12.2026.",
        ),
        ("Frist", None, "Rad {row}, kolonne «Frist»: Skriv en frist."),
        (
            "Delmål",
            "9.9",
            "Rad {row}, kolonne «Delmål»: Delmålet «9.9» finnes ikke i avtalen. Avtalens delmål er 1.1, 1.2, 1.3, 2.1, 3.1, 4.1.",
        ),
        (
            "Delmål",
            datetime.datetime(2025, 2, 1),
            "Rad {row}, kolonne «Delmål»: Excel har gjort verdien om til en dato.",
        ),
        (
            "Innsatsområde",
            3,
            "Rad {row}, kolonne «Innsatsområde»: Delmål 1.1 hører til innsatsområde 1, ikke 3.",
        ),
        (
            "Strategier",
            "1.1.1; 1.1.9",
            "Rad {row}, kolonne «Strategier»: Strategien «1.1.9» finnes ikke i avtalen.",
        ),
        ("Strategier", "", "Rad {row}, kolonne «Strategier»: Skriv minst én strategi"),
        (
            "Ansvarlig part",
            "Nordland fylkeskommune",
            "Rad {row}, kolonne «Ansvarlig part»: «Nordland fylkeskommune» er ikke en part i avtalen.",
        ),
        (
            "Milepæl",
            "x" * 301,
            "Rad {row}, kolonne «Milepæl»: Teksten er for lang (301 tegn). Den kan være høyst 300 tegn.",
        ),
        ("Tiltak nr.", None, "Rad {row}, kolonne «Tiltak nr.»: Skriv tiltakets nummer."),
    ],
)
def test_bad_cell_is_refused_by_row_and_column(
    client_for, coordinator, excel_plan, header, value, message
):
    client = client_for(coordinator)
    content = exported(client, excel_plan)
    row = row_of(load_workbook(io.BytesIO(content)).worksheets[0], "Kartlegge boligbehovet")
    before = db_state()

    def change(ws):
        set_cell("Kartlegge boligbehovet", header, value)(ws)
        # A valid change elsewhere in the same file must not be saved either.
        set_cell("Søknad sendt", "Beskrivelse", "Endret i samme fil")(ws)

    response = upload(client, excel_plan, edited(content, change))

    assert_refused(response, message.format(row=row))
    assert db_state() == before


def test_wrong_header_is_refused(client_for, coordinator, excel_plan):
    client = client_for(coordinator)
    before = db_state()

    def change(ws):
        ws["D1"] = "Tittel"
        set_cell("Kartlegge boligbehovet", "Status", "Fullført")(ws)

    response = upload(client, excel_plan, edited(exported(client, excel_plan), change))

    assert_refused(response, "Rad 1, kolonne D: overskriften skal være «Tiltak», men er «Tittel».")
    assert db_state() == before


def test_every_error_in_the_file_is_listed_at_once(client_for, coordinator, excel_plan):
    client = client_for(coordinator)
    content = exported(client, excel_plan)
    ws = load_workbook(io.BytesIO(content)).worksheets[0]
    survey, evaluation = row_of(ws, "Kartlegge boligbehovet"), row_of(ws, "Evaluering")

    def change(ws):
        set_cell("Kartlegge boligbehovet", "Prosent", 150)(ws)
        set_cell("Evaluering", "Status", "Ferdig")(ws)
        set_cell("Evaluering", "Delmål", "9.9")(ws)

    response = upload(client, excel_plan, edited(content, change))

    assert_refused(
        response,
        f"Rad {survey}, kolonne «Prosent»",
        f"Rad {evaluation}, kolonne «Status»",
        f"Rad {evaluation}, kolonne «Delmål»",
    )


def test_same_action_number_must_have_the_same_title(client_for, coordinator, excel_plan):
    client = client_for(coordinator)
    content = exported(client, excel_plan)
    ws = load_workbook(io.BytesIO(content)).worksheets[0]
    first, second = sorted([row_of(ws, "Kartlegge boligbehovet"), row_of(ws, FORMULA_TITLE)])
    before = db_state()

    def change(ws):
        ws.cell(second, COL["Tiltak"]).value = "Et annet navn"

    response = upload(client, excel_plan, edited(content, change))

    assert_refused(
        response,
        f"Rad {second}, kolonne «Tiltak»: Tiltak 1.1-1 har «Et annet navn» her, men "
        f"«Felles boligstrategi» på rad {first}.",
    )
    assert db_state() == before


def test_same_milestone_twice_is_refused(client_for, coordinator, excel_plan):
    client = client_for(coordinator)
    content = exported(client, excel_plan)
    before = db_state()

    def change(ws):
        row = row_of(ws, "Evaluering")
        ws.append([cell.value for cell in ws[row]])

    response = upload(client, excel_plan, edited(content, change))

    assert_refused(response, "kolonne «Milepæl»: Milepælen «Evaluering» står allerede på rad")
    assert db_state() == before


def test_not_an_xlsx_is_refused(client_for, coordinator, excel_plan):
    before = db_state()

    response = upload(
        client_for(coordinator), excel_plan, "Tiltak;Milepæl\n1;2\n".encode(), name="plan.xlsx"
    )

    assert_refused(
        response, "Filen er ikke en gyldig Excel-arbeidsbok (.xlsx), eller den er skadet."
    )
    assert db_state() == before


def test_wrong_file_type_is_refused(client_for, coordinator, excel_plan):
    response = upload(client_for(coordinator), excel_plan, b"a;b\n", name="plan.csv")

    assert_refused(
        response,
        "Filen må være en Excel-arbeidsbok (.xlsx). «plan.csv» er ikke det.",
        "lagre den som «Excel-arbeidsbok (.xlsx)»",
    )


def test_truncated_xlsx_is_refused(client_for, coordinator, excel_plan):
    client = client_for(coordinator)
    content = exported(client, excel_plan)

    response = upload(client, excel_plan, content[: len(content) // 2])

    assert_refused(response, "Filen er ikke en gyldig Excel-arbeidsbok (.xlsx)")


def test_zip_that_is_not_a_workbook_is_refused(client_for, coordinator, excel_plan):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    response = upload(client_for(coordinator), excel_plan, out.getvalue())

    assert_refused(response, "Filen er ikke en gyldig Excel-arbeidsbok (.xlsx)")


def test_empty_file_is_refused(client_for, coordinator, excel_plan):
    before = db_state()

    response = upload(client_for(coordinator), excel_plan, b"")

    assert response.status_code == 200
    assert "Filen er tom." in response.content.decode()
    assert db_state() == before


def test_workbook_without_rows_is_refused(client_for, coordinator, plan):
    client = client_for(coordinator)

    response = upload(client, plan, exported(client, plan))  # the empty plan's export

    assert_refused(response, "Filen har ingen rader under kolonneoverskriftene.")


def test_blank_workbook_is_refused(client_for, coordinator, plan):
    out = io.BytesIO()
    Workbook().save(out)

    response = upload(client_for(coordinator), plan, out.getvalue())

    assert_refused(response, "Første rad i det første arket må være kolonneoverskriftene")


def test_missing_file_is_refused(client_for, coordinator, excel_plan):
    response = client_for(coordinator).post(import_url(excel_plan), {})

    assert response.status_code == 200
    assert "Velg en fil å laste opp." in response.content.decode()


# --- Hostile files -----------------------------------------------------------------------


def test_file_over_5_mb_is_refused(client_for, coordinator, excel_plan):
    response = upload(client_for(coordinator), excel_plan, b"0" * (5 * 1024 * 1024 + 1))

    assert_refused(response, "Filen er for stor (5,1 MB). Den kan være høyst 5 MB.")


def test_zip_bomb_is_refused_without_unpacking(client_for, coordinator, excel_plan):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    assert len(out.getvalue()) < 1024 * 1024

    response = upload(client_for(coordinator), excel_plan, out.getvalue())

    assert_refused(response, "Filen er for stor når den pakkes ut.")


def test_more_than_5000_rows_is_refused(client_for, coordinator, excel_plan):
    client = client_for(coordinator)

    def change(ws):
        ws.cell(5002, COL["Milepæl"]).value = "For langt ned"

    response = upload(client, excel_plan, edited(exported(client, excel_plan), change))

    assert_refused(response, "Filen har flere enn 5000 rader.")


def test_cell_in_the_last_excel_row_is_refused_quickly(client_for, coordinator, excel_plan):
    client = client_for(coordinator)

    def change(ws):
        ws.cell(1_048_576, COL["Milepæl"]).value = "Helt nederst"

    content = edited(exported(client, excel_plan), change)
    started = time.monotonic()
    response = upload(client, excel_plan, content)

    assert_refused(response, "Filen har flere enn 5000 rader.")
    assert time.monotonic() - started < 10


def test_sheet_claiming_a_huge_size_is_read_by_its_real_cells(client_for, coordinator, excel_plan):
    """A sheet that says it spans A1:XFD1048576 is read by its real cells, not its claim."""
    client = client_for(coordinator)
    content = exported(client, excel_plan)
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<dimension ref="A1:O6"', b'<dimension ref="A1:XFD1048576"')
                assert b"XFD1048576" in data
            archive.writestr(item, data)

    response = upload(client, excel_plan, out.getvalue())

    assert response.status_code == 200
    assert "Filen gir ingen endringer i planen." in response.content.decode()


def test_formula_without_a_cached_value_counts_as_empty(client_for, coordinator, plan):
    """openpyxl writes no cached results, so a formula arrives empty and is reported missing."""
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    ws.append(
        [1, "1.1", "1", "=1+1", "1.1.1", None, "M", None, "01.06.2025", "I rute", 5, None, None]
    )
    out = io.BytesIO()
    wb.save(out)

    response = upload(client_for(coordinator), plan, out.getvalue())

    assert_refused(response, "Rad 2, kolonne «Tiltak»: Skriv tiltakets tittel.")
    assert not Action.objects.filter(plan=plan).exists()


# --- Who may import ----------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client_for, excel_plan):
    response = client_for(None).get(import_url(excel_plan))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_outsider_gets_404(client_for, coordinator, outsider, excel_plan):
    content = exported(client_for(coordinator), excel_plan)
    before = db_state()

    assert client_for(outsider).get(import_url(excel_plan)).status_code == 404
    assert upload(client_for(outsider), excel_plan, content).status_code == 404
    assert db_state() == before


def test_reader_may_not_import(client_for, reader, excel_plan):
    client = client_for(reader)
    change = set_cell("Kartlegge boligbehovet", "Status", "Fullført")
    content = edited(exported(client, excel_plan), change)  # a reader may export
    before = db_state()

    assert client.get(import_url(excel_plan)).status_code == 403
    assert upload(client, excel_plan, content).status_code == 403
    assert db_state() == before


def test_admin_may_import(client_for, admin_user, coordinator, excel_plan):
    change = set_cell("Kartlegge boligbehovet", "Status", "Fullført")
    content = edited(exported(client_for(coordinator), excel_plan), change)
    assert upload(client_for(admin_user), excel_plan, content).status_code == 302
    assert Milestone.objects.get(title="Kartlegge boligbehovet").status == Status.DONE


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_wrong_method_gives_405(client_for, coordinator, excel_plan, method):
    before = db_state()
    response = getattr(client_for(coordinator), method)(import_url(excel_plan))
    assert response.status_code == 405
    assert db_state() == before
