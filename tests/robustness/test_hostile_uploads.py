"""Broken and hostile files sent to every upload (the action plan's Excel import, the indicator
import of CSV and JSON-stat 2): each gets a clear Norwegian message on the form, a 200 (413 for
a request body too large to read), never a server error, and nothing is saved.

Every file is made here, for real: workbooks with openpyxl, zip bombs with zipfile, the rest byte
by byte.
"""

import datetime
import io
import json
import re
import time
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from openpyxl import Workbook

from actionplans import excel
from actionplans.models import Action, ActionPlan, Milestone, ProgressUpdate
from agreements.models import Strategy, SubGoal
from evaluation.models import Indicator, IndicatorValue

NOT_SAVED = "ble ikke importert. Ingenting er lagret."
HEADERS = [str(column.header) for column in excel.COLUMNS]
NOT_XLSX = "Filen er ikke en gyldig Excel-arbeidsbok (.xlsx), eller den er skadet."
FORBIDDEN_XML = "Filen inneholder XML med egne definisjoner (DTD eller entiteter)"
MB = 1024 * 1024


# --------------------------------------------------------------------------------------------
# The action plan's Excel import


@pytest.fixture
def plan(agreement) -> ActionPlan:
    """Plan 2025–2026 with one action and one milestone, so that «nothing saved» means something."""
    plan = ActionPlan.objects.create(agreement=agreement, start_year=2025, end_year=2026)
    goal = SubGoal.objects.get(agreement=agreement, code="1.1")
    action = Action.objects.create(plan=plan, number="1", title="Boligstrategi", sub_goal=goal)
    action.strategies.set(Strategy.objects.filter(sub_goal=goal)[:1])
    Milestone.objects.create(action=action, title="Kartlegging", due_date=datetime.date(2025, 6, 1))
    return plan


@pytest.fixture
def coordinator_client(client_for, coordinator):
    return client_for(coordinator)


def plan_state() -> tuple:
    return (
        sorted(Action.objects.values_list("number", "title", "sub_goal_id", "lead_party_id")),
        sorted(
            Milestone.objects.values_list("title", "description", "due_date", "status", "percent")
        ),
        ProgressUpdate.objects.count(),
        Action.strategies.through.objects.count(),
    )


def upload_plan(client, plan, content: bytes, name: str = "plan.xlsx"):
    """Upload the file and, if it gets a preview with changes, press «Bekreft import»."""
    file = SimpleUploadedFile(name, content, content_type=excel.XLSX_CONTENT_TYPE)
    response = client.post(reverse("actionplans:plan-import", args=[plan.pk]), {"file": file})
    match = re.search(r'name="digest" value="([0-9a-f]{64})"', response.content.decode())
    if response.status_code != 200 or not match:
        return response
    return client.post(
        reverse("actionplans:plan-import-confirm", args=[plan.pk]), {"digest": match.group(1)}
    )


def assert_plan_refused(response, message: str, before: tuple) -> None:
    assert response.status_code == 200
    page = response.content.decode()
    assert NOT_SAVED in page
    assert message in page, f"{message!r} not on the page"
    assert '<input class="ds-input" type="file"' in page  # the form is shown again
    assert plan_state() == before


def workbook(*rows, headers=True) -> bytes:
    wb = Workbook()
    ws = wb.active
    if headers:
        ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def row(**cells) -> list:
    """A data row that imports, with ``cells`` (by column key) changed."""
    values = {
        "focus_area": 1,
        "sub_goal": "1.1",
        "action_number": "1",
        "action_title": "Boligstrategi",
        "strategies": "1.1.1",
        "lead_party": None,
        "milestone_title": "Ny milepæl",
        "description": "",
        "due_date": "01.06.2025",
        "status": "I rute",
        "percent": 10,
        "updated_at": None,
        "updated_by": None,
    } | cells
    return [values[column.key] for column in excel.COLUMNS]


def rezipped(content: bytes, change: dict[str, bytes]) -> bytes:
    """The zip with some members' bytes replaced (or added)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in source.namelist():
            archive.writestr(name, change.pop(name, source.read(name)))
        for name, data in change.items():
            archive.writestr(name, data)
    return out.getvalue()


def sheet_xml(content: bytes) -> bytes:
    return zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")


LAUGHS = b"".join(
    b'<!ENTITY lol%d "%s">' % (level, (b"&lol%d;" % (level - 1)) * 10) for level in range(1, 10)
)
BILLION_LAUGHS_DTD = b'<!DOCTYPE worksheet [<!ENTITY lol0 "lol">' + LAUGHS + b"]>"


def test_defusedxml_is_what_openpyxl_parses_with():
    assert openpyxl.DEFUSEDXML is True


def test_a_valid_workbook_imports(coordinator_client, plan):
    """The baseline for the refusals below: the same kind of file, unharmed, is imported."""
    response = upload_plan(coordinator_client, plan, workbook(row()))

    assert response.status_code == 302
    assert Milestone.objects.filter(title="Ny milepæl", percent=10).exists()


def test_billion_laughs_is_refused_without_expanding(coordinator_client, plan):
    content = workbook(row(milestone_title="LATTER"))
    xml = sheet_xml(content)
    assert xml.startswith(b"<worksheet")  # openpyxl writes no XML declaration
    xml = BILLION_LAUGHS_DTD + xml.replace(b"LATTER", b"&lol9;")
    before = plan_state()

    started = time.monotonic()
    response = upload_plan(
        coordinator_client, plan, rezipped(content, {"xl/worksheets/sheet1.xml": xml})
    )

    assert time.monotonic() - started < 5
    assert_plan_refused(response, FORBIDDEN_XML, before)
    assert b"lollol" not in response.content


def test_external_entity_is_not_read(coordinator_client, plan):
    content = workbook(row(milestone_title="HEMMELIG"))
    dtd = b'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    xml = dtd + sheet_xml(content).replace(b"HEMMELIG", b"&xxe;")
    before = plan_state()

    response = upload_plan(
        coordinator_client, plan, rezipped(content, {"xl/worksheets/sheet1.xml": xml})
    )

    assert_plan_refused(response, FORBIDDEN_XML, before)
    assert b"root:" not in response.content


def test_dtd_in_the_content_types_is_refused(coordinator_client, plan):
    content = workbook(row())
    types = zipfile.ZipFile(io.BytesIO(content)).read("[Content_Types].xml")
    before = plan_state()

    response = upload_plan(
        coordinator_client,
        plan,
        rezipped(content, {"[Content_Types].xml": BILLION_LAUGHS_DTD + types}),
    )

    assert_plan_refused(response, FORBIDDEN_XML, before)


def test_zip_bomb_of_many_members_is_refused(coordinator_client, plan):
    members = {f"xl/media/image{n}.png": b"" for n in range(1100)}
    before = plan_state()

    response = upload_plan(coordinator_client, plan, rezipped(workbook(row()), members))

    assert_plan_refused(response, "Filen er for stor når den pakkes ut.", before)


def test_zip_bomb_of_one_huge_member_is_refused_without_unpacking(coordinator_client, plan):
    content = rezipped(workbook(row()), {"xl/worksheets/sheet2.xml": b"<" * (80 * MB)})
    assert len(content) < MB
    before = plan_state()

    started = time.monotonic()
    response = upload_plan(coordinator_client, plan, content)

    assert time.monotonic() - started < 5
    assert_plan_refused(response, "Filen er for stor når den pakkes ut.", before)


def test_zip_that_understates_its_unpacked_size_is_refused(coordinator_client, plan):
    """A directory that claims a small size: zipfile stops there and the CRC check fails."""
    xml = sheet_xml(workbook(row()))
    padded = xml.replace(b"</worksheet>", b"<!--" + b" " * (60 * MB) + b"--></worksheet>")
    content = rezipped(workbook(row()), {"xl/worksheets/sheet1.xml": padded})
    true_size = len(padded).to_bytes(4, "little")
    assert content.count(true_size) == 2  # in the local header and in the directory
    content = content.replace(true_size, len(xml).to_bytes(4, "little"))
    before = plan_state()

    started = time.monotonic()
    response = upload_plan(coordinator_client, plan, content)

    assert time.monotonic() - started < 10
    assert response.status_code == 200
    page = response.content.decode()
    assert NOT_SAVED in page
    assert NOT_XLSX in page or "Filen kunne ikke leses." in page
    assert plan_state() == before


RENAMED_XLSX = {
    "pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "Filen er en PDF"),
    "old xls": (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512,
        "det gamle Excel-formatet (.xls)",
    ),
    "png": (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, NOT_XLSX),
    "csv": ("Tiltak;Milepæl\n1;Kartlegging\n".encode(), NOT_XLSX),
    "empty zip": (b"PK\x05\x06" + b"\0" * 18, NOT_XLSX),
    "nul bytes": (b"\0" * 1000, NOT_XLSX),
}


def test_other_files_renamed_xlsx_are_refused_by_their_content(coordinator_client, plan, subtests):
    for name, (content, message) in RENAMED_XLSX.items():
        with subtests.test(name):
            before = plan_state()

            response = upload_plan(coordinator_client, plan, content, name="plan.xlsx")

            assert_plan_refused(response, message, before)


def test_word_document_renamed_xlsx_is_refused(coordinator_client, plan):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr("word/document.xml", "<document/>")
    before = plan_state()

    response = upload_plan(coordinator_client, plan, out.getvalue())

    assert_plan_refused(response, NOT_XLSX, before)


def test_truncated_workbooks_are_refused(coordinator_client, plan, subtests):
    content = workbook(row())
    for cut in (0.1, 0.5, 0.9, 0.99):
        with subtests.test(cut=cut):
            before = plan_state()

            response = upload_plan(coordinator_client, plan, content[: int(len(content) * cut)])

            assert_plan_refused(response, NOT_XLSX, before)


def test_nul_character_reference_in_a_cell_is_refused(coordinator_client, plan):
    content = workbook(row(milestone_title="NULTEGN"))
    xml = sheet_xml(content).replace(b"NULTEGN", b"a&#0;b")
    before = plan_state()

    response = upload_plan(
        coordinator_client, plan, rezipped(content, {"xl/worksheets/sheet1.xml": xml})
    )

    assert response.status_code == 200
    assert NOT_SAVED in response.content.decode()
    assert plan_state() == before


HOSTILE_CELLS = [
    ({"percent": 10**30}, "Prosent må være et helt tall fra 0 til 100"),
    ({"percent": -1}, "Prosent må være et helt tall fra 0 til 100"),
    ({"percent": 1e308}, "Prosent må være et helt tall fra 0 til 100"),
    ({"percent": "NaN"}, "Prosent må være et helt tall fra 0 til 100"),
    ({"percent": "Infinity"}, "Prosent må være et helt tall fra 0 til 100"),
    ({"percent": 50.5}, "Prosent må være et helt tall fra 0 til 100"),
    ({"focus_area": 10**30}, "Delmål 1.1 hører til innsatsområde 1"),
    ({"action_number": 10**40}, "Teksten er for lang"),
    ({"due_date": "31.12.9999"}, "ligger utenfor planperioden"),
    ({"due_date": "00.00.0000"}, "Skriv fristen som en dato"),
    ({"due_date": "30.02.2026"}, "Skriv fristen som en dato"),
    ({"due_date": datetime.datetime(1900, 1, 1)}, "ligger utenfor planperioden"),
    ({"due_date": 1e20}, "Skriv fristen som en dato"),
    ({"action_title": "x" * 20_000}, "Teksten er for lang (20000 tegn)"),
    ({"milestone_title": "\u202e\u200b" * 200}, "Teksten er for lang (400 tegn)"),
    ({"status": "\x7f"}, "er ikke en status"),
]


def test_hostile_cell_values_are_refused_by_row_and_column(coordinator_client, plan, subtests):
    for cells, message in HOSTILE_CELLS:
        with subtests.test(str(cells)[:40]):
            before = plan_state()

            response = upload_plan(coordinator_client, plan, workbook(row(**cells)))

            assert_plan_refused(response, "Rad 2, kolonne", before)
            assert message in response.content.decode()


def test_a_date_cell_beyond_year_9999_is_refused(coordinator_client, plan):
    """A number formatted as a date that no calendar has (Excel's serial 10**7)."""
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    ws.append(row(due_date=10**7))
    ws.cell(2, excel.COLUMN_INDEX["due_date"] + 1).number_format = "dd.mm.yyyy"
    out = io.BytesIO()
    wb.save(out)
    before = plan_state()

    response = upload_plan(coordinator_client, plan, out.getvalue())

    assert response.status_code == 200
    assert NOT_SAVED in response.content.decode()
    assert plan_state() == before


def test_one_bad_row_among_many_saves_nothing(coordinator_client, plan):
    rows = [row(milestone_title=f"Milepæl {n}") for n in range(300)]
    rows[250] = row(milestone_title="Feil", percent="mye")
    before = plan_state()

    response = upload_plan(coordinator_client, plan, workbook(*rows))

    assert_plan_refused(response, "Rad 252, kolonne «Prosent»", before)


def test_very_wide_rows_are_read_by_their_first_columns(coordinator_client, plan):
    """A cell in the last Excel column (XFD) costs nothing: only the plan's columns are read."""
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    ws.append(row(milestone_title="Bred rad"))
    ws.cell(2, 16_384).value = "helt til høyre"
    out = io.BytesIO()
    wb.save(out)

    started = time.monotonic()
    response = upload_plan(coordinator_client, plan, out.getvalue())

    assert time.monotonic() - started < 5
    assert response.status_code == 302
    assert Milestone.objects.filter(title="Bred rad").exists()


def test_file_over_the_limit_is_refused_with_the_limit(coordinator_client, plan):
    before = plan_state()

    response = upload_plan(coordinator_client, plan, b"PK" + b"\0" * (5 * MB))

    assert_plan_refused(response, "Filen er for stor (5,1 MB). Den kan være høyst 5 MB.", before)


def test_request_body_far_over_the_limit_is_refused_before_it_is_parsed(coordinator_client, plan):
    before = plan_state()

    response = upload_plan(coordinator_client, plan, b"\0" * (6 * MB))

    assert response.status_code == 413
    page = response.content.decode()
    assert "Filen er for stor. Den kan være høyst 5 MB." in page
    assert '<input class="ds-input" type="file"' in page
    assert plan_state() == before


@override_settings(PLAN_IMPORT_MAX_BYTES=MB // 2)
def test_the_limit_comes_from_the_settings(coordinator_client, plan):
    before = plan_state()

    page = coordinator_client.get(reverse("actionplans:plan-import", args=[plan.pk]))
    response = upload_plan(coordinator_client, plan, b"PK" + b"\0" * (MB // 2))

    assert "Høyst 0,5 MB og 5000 rader." in page.content.decode()
    assert_plan_refused(response, "Den kan være høyst 0,5 MB.", before)


# --------------------------------------------------------------------------------------------
# Indicator values from CSV and JSON-stat 2


@pytest.fixture
def indicator(agreement) -> Indicator:
    """One series (no municipalities), with 2022 already stored."""
    effect = agreement.long_term_effects.order_by("pk").first()
    indicator = Indicator.objects.create(
        agreement=agreement,
        long_term_effect=effect,
        name="Andel i arbeid",
        unit="prosent",
        source="SSB",
    )
    IndicatorValue.objects.create(indicator=indicator, year=2022, value=Decimal("70.5"))
    return indicator


def values() -> list[tuple]:
    return sorted(
        IndicatorValue.objects.values_list("indicator_id", "year", "value", "source_note")
    )


def upload_values(client, indicator, content: bytes, name: str = "data.csv"):
    file = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    return client.post(reverse("evaluation:indicator-import", args=[indicator.pk]), {"file": file})


def dataset(value=None, **changes) -> dict:
    data = {
        "version": "2.0",
        "class": "dataset",
        "source": "Statistisk sentralbyrå",
        "id": ["Tid"],
        "size": [1],
        "dimension": {"Tid": {"category": {"index": {"2024": 0}}}},
        "value": [12] if value is None else value,
    }
    return data | changes


def assert_values_refused(response, message: str, before: list) -> None:
    assert response.status_code == 200
    page = response.content.decode()
    assert NOT_SAVED in page
    assert message in page, f"{message!r} not on the page"
    assert '<input class="ds-input" type="file"' in page
    assert values() == before


def test_a_valid_csv_and_json_stat_import(coordinator_client, indicator):
    """The baseline for the refusals below."""
    response = upload_values(coordinator_client, indicator, "år;verdi\n2023;71,5\n".encode())
    assert response.status_code == 302
    response = upload_values(
        coordinator_client, indicator, json.dumps(dataset()).encode(), "x.json"
    )
    assert response.status_code == 302
    assert {v.year for v in indicator.values.all()} == {2022, 2023, 2024}


JSON_HOSTILE = {
    "infinity": (b'{"version": "2.0", "value": [Infinity]}', "Filen er ikke gyldig JSON"),
    "minus infinity": (b'{"version": "2.0", "value": [-Infinity]}', "Filen er ikke gyldig JSON"),
    "huge exponent": (
        json.dumps(dataset(["REPLACE"])).replace('"REPLACE"', "1e999999999").encode(),
        "Verdi nr. 1 («1E+999999999») er for stor til å lagres",
    ),
    "tiny exponent": (
        json.dumps(dataset(["REPLACE"])).replace('"REPLACE"', "1e-999999999").encode(),
        None,  # zero when rounded to øre: imported (see test below)
    ),
    "huge integer": (
        json.dumps(dataset(["REPLACE"])).replace('"REPLACE"', "9" * 5000).encode(),
        "Filen er ikke gyldig JSON: den har tall eller nøsting som ikke kan leses.",
    ),
    "13 digits": (
        json.dumps(dataset([10**13])).encode(),
        "Verdi nr. 1 («10000000000000») er for stor til å lagres",
    ),
    "nul in source": (
        json.dumps(dataset(source="SSB\u0000")).encode(),
        "Filen har tekst med tegn som ikke kan lagres",
    ),
    "lone surrogate in a code": (
        json.dumps(dataset(id=["Tid\ud800"])).encode(),
        "Filen har tekst med tegn som ikke kan lagres",
    ),
    "lone surrogate in version": (
        b'{"version": "\\udfff"}',
        "Filen har tekst med tegn som ikke kan lagres",
    ),
    "nested 50 deep": (
        json.dumps(dataset(extension={"x": json.loads("[" * 50 + "]" * 50)})).encode(),
        "Filen er nøstet dypere enn 20 nivåer",
    ),
    "nested 100000 deep": (
        b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        "Filen er ikke gyldig JSON",
    ),
    "truncated": (json.dumps(dataset())[:-20].encode(), "Filen er ikke gyldig JSON: feil på linje"),
    "string values": (json.dumps(dataset(["12"])).encode(), "Verdi nr. 1 («12») er ikke et tall."),
    "negative size": (
        json.dumps(dataset(size=[-1])).encode(),
        "Feltet «size» mangler eller er ikke en liste med hele tall.",
    ),
    "year out of range": (
        json.dumps(dataset(dimension={"Tid": {"category": {"index": {"99999": 0}}}})).encode(),
        "tider som ikke er årstall",
    ),
    "utf-16": (json.dumps(dataset()).encode("utf-16"), "Filen er ikke lagret som UTF-8"),
}


def test_hostile_json_stat_is_refused(coordinator_client, indicator, subtests):
    for name, (content, message) in JSON_HOSTILE.items():
        if message is None:
            continue
        with subtests.test(name):
            before = values()

            response = upload_values(coordinator_client, indicator, content, "x.json")

            assert_values_refused(response, message, before)


def test_a_tiny_number_is_rounded_to_zero_not_refused(coordinator_client, indicator):
    response = upload_values(coordinator_client, indicator, JSON_HOSTILE["tiny exponent"][0])

    assert response.status_code == 302
    assert indicator.values.get(year=2024).value == 0


CSV_HOSTILE = {
    "nan": ("år;verdi\n2024;NaN\n", "«NaN» i kolonnen «verdi» er ikke et tall."),
    "infinity": ("år;verdi\n2024;Infinity\n", "«Infinity» i kolonnen «verdi» er ikke et tall."),
    "minus inf": ("år;verdi\n2024;-inf\n", "«-inf» i kolonnen «verdi» er ikke et tall."),
    "exponent": ("år;verdi\n2024;1e5\n", "«1e5» i kolonnen «verdi» er ikke et tall."),
    "huge": ("år;verdi\n2024;" + "9" * 100_000 + "\n", "2024: verdien er for stor til å lagres"),
    "year 0": ("år;verdi\n0000;1\n", "«0000» i kolonnen «år» er ikke et årstall"),
    "year 99999": ("år;verdi\n99999;1\n", "«99999» i kolonnen «år» er ikke et årstall"),
    "negative year": ("år;verdi\n-2024;1\n", "«-2024» i kolonnen «år» er ikke et årstall"),
    "date for year": ("år;verdi\n2024-01-01;1\n", "«2024-01-01» i kolonnen «år»"),
    "field too long": ('år;verdi\n2024;"' + "1" * 200_000 + '"\n', "raden kan ikke leses som CSV"),
    "too many rows": (
        "år;verdi\n" + "2024;1\n" * 10_001,
        "Filen har mer enn 10000 rader.",
    ),
    "wide header": (
        "år;verdi;" + ";".join(["x"] * 20_000) + "\n2024;1\n",
        "kolonnen «x» er ukjent",
    ),
    "header only": ("år;verdi\n", "Filen har ingen rader under kolonneoverskriftene."),
}


def test_hostile_csv_is_refused(coordinator_client, indicator, subtests):
    for name, (content, message) in CSV_HOSTILE.items():
        with subtests.test(name):
            before = values()

            response = upload_values(coordinator_client, indicator, content.encode())

            assert_values_refused(response, message, before)


ENCODINGS_AND_BINARIES = {
    # Windows-1252 is read since issue #15; the broken third row is what is refused.
    "cp1252": (
        "år;verdi\n2024;1\n".encode("cp1252") + b"\xe6\xf8\xe5",
        "Rad 3: «æøå» i kolonnen «år» er ikke et årstall",
    ),
    "utf-16": ("år;verdi\n2024;1\n".encode("utf-16"), "Filen er ikke lagret som UTF-8"),
    "bom, then broken": (b"\xef\xbb\xbf\xc3(;verdi\n", "Filen er ikke lagret som UTF-8"),
    "nul": ("år;verdi\n2024;1\0\n".encode(), "Filen er ikke en tekstfil."),
    "pdf": (b"%PDF-1.4\n1 0 obj\n", "Filen er en PDF."),
    "old xls": (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
        "ser ut til å være en Excel-arbeidsbok",
    ),
    "xlsx": (b"PK\x03\x04" + b"\0" * 100, "ser ut til å være en Excel-arbeidsbok"),
}


def test_wrong_encodings_and_binary_files_are_refused(coordinator_client, indicator, subtests):
    for name, (content, message) in ENCODINGS_AND_BINARIES.items():
        with subtests.test(name):
            before = values()

            response = upload_values(coordinator_client, indicator, content)

            assert_values_refused(response, message, before)


def test_an_empty_file_is_refused(coordinator_client, indicator):
    before = values()

    response = upload_values(coordinator_client, indicator, b"")

    assert response.status_code == 200
    assert "Filen er tom." in response.content.decode()
    assert values() == before


def test_utf8_with_bom_is_read(coordinator_client, indicator):
    response = upload_values(coordinator_client, indicator, "\ufeffår;verdi\n2024;3\n".encode())

    assert response.status_code == 302
    assert indicator.values.get(year=2024).value == 3


def test_values_file_over_the_limit_is_refused_with_the_limit(coordinator_client, indicator):
    before = values()

    response = upload_values(coordinator_client, indicator, b"1" * (2 * MB + 1))

    assert_values_refused(response, "Filen er for stor (2,1 MB). Den kan være høyst 2 MB.", before)


def test_values_request_far_over_the_limit_is_refused_before_it_is_parsed(
    coordinator_client, indicator
):
    before = values()

    response = upload_values(coordinator_client, indicator, b"1" * (3 * MB))

    assert response.status_code == 413
    page = response.content.decode()
    assert "Filen er for stor. Den kan være høyst 2 MB." in page
    assert '<input class="ds-input" type="file"' in page
    assert values() == before


@override_settings(INDICATOR_IMPORT_MAX_BYTES=100 * 1024)
def test_the_values_limit_comes_from_the_settings(coordinator_client, indicator):
    before = values()

    page = coordinator_client.get(reverse("evaluation:indicator-import", args=[indicator.pk]))
    response = upload_values(coordinator_client, indicator, b"1" * (100 * 1024 + 1))

    assert "Høyst 0,1 MB. CSV slik Excel lagrer den" in page.content.decode()
    assert_values_refused(response, "Den kan være høyst 0,1 MB.", before)
