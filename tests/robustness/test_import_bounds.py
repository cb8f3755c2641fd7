"""What an upload may cost is bounded by the import's limits, never by what the file holds
(issue 12, findings 1, 2 and 9). The rule lives in ``tromsvekst.lib.uploads`` and holds for every
importer: the plan's Excel import, the indicator import of CSV and of JSON-stat 2.

- Error texts quote at most ``uploads.EXCERPT_CHARS`` characters of the file.
- At most ``uploads.MAX_ERRORS`` errors are collected; then reading stops and the page says so.
- Reading has a wall-clock budget (``uploads.PARSE_SECONDS``).
- An Excel file's XML parts are scanned before they are parsed: no comments, processing
  instructions or DTDs, no markup token over 256 KB, at most 25 MB unpacked per part.

Peak memory is measured with tracemalloc around the import itself; every hostile file here made
a worker use hundreds of megabytes (or gigabytes) or tens of seconds before the fix.
"""

import io
import json
import time
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from actionplans import excel
from actionplans.models import ActionPlan
from evaluation import indicators
from evaluation.models import Indicator
from tromsvekst.lib import uploads

MB = 1024 * 1024
MEMORY_BOUND = 50 * MB
HUGE = "Å" * 100_000  # one shared string of 100 KB (200 KB as UTF-8)
HEADERS = [str(column.header) for column in excel.COLUMNS]


@pytest.fixture
def plan(agreement) -> ActionPlan:
    return ActionPlan.objects.create(agreement=agreement, start_year=2025, end_year=2026)


@pytest.fixture
def indicator(agreement) -> Indicator:
    return Indicator.objects.create(
        agreement=agreement,
        long_term_effect=agreement.long_term_effects.order_by("pk").first(),
        name="Sysselsatte",
        unit="personer",
        source="SSB",
        municipalities="1806, 5503",
    )


def shared_string_workbook(rows: int = 2308) -> bytes:
    """A workbook whose every data cell (rows × 13, about 30,000) is the same 100 KB string,
    stored once in the shared strings table: a 70 KB file every cell of which is huge.

    openpyxl writes inline strings, so the table is put in by hand, as Excel writes it."""
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for _ in range(rows):
        ws.append(["PLASSHOLDER"] * len(HEADERS))
    out = io.BytesIO()
    wb.save(out)
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    shared = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
        f'uniqueCount="1"><si><t>{HUGE}</t></si></sst>'
    ).encode()
    result = io.BytesIO()
    with zipfile.ZipFile(result, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                cell = b't="inlineStr"><is><t>PLASSHOLDER</t></is></c>'
                assert data.count(cell) == rows * len(HEADERS)
                data = data.replace(cell, b't="s"><v>0</v></c>')
            elif name == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml" />'
                    b"</Types>",
                )
            elif name == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/'
                    b'2006/relationships/sharedStrings" Target="sharedStrings.xml" Id="rId9" />'
                    b"</Relationships>",
                )
            archive.writestr(name, data)
        archive.writestr("xl/sharedStrings.xml", shared)
    return result.getvalue()


def with_sheet_xml(change) -> bytes:
    """A small valid workbook with its sheet's XML changed by ``change(xml)``."""
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    ws.append([1, "1.1", "1", "Tiltak", "1.1.1", None, "M", None, "01.06.2025", "I rute", 5])
    out = io.BytesIO()
    wb.save(out)
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    result = io.BytesIO()
    with zipfile.ZipFile(result, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                data = change(data)
            archive.writestr(name, data)
    return result.getvalue()


def csv_with_huge_cells() -> bytes:
    """2 MB of CSV whose every row has a 100 KB «year»."""
    row = ("x" * 100_000 + ";5\n").encode()
    return b"\xc3\xa5r;verdi\n" + row * 20


def jsonstat_cube() -> bytes:
    """151 KB of JSON-stat claiming 4,902 regions × 201 years (a million cells, all empty)."""
    regions = {f"{n:05d}": n for n in range(4900)}
    years = {str(year): n for n, year in enumerate(range(1900, 2101))}
    data = {
        "version": "2.0",
        "class": "dataset",
        "id": ["Region", "Tid"],
        "size": [len(regions), len(years)],
        "role": {"geo": ["Region"], "time": ["Tid"]},
        "dimension": {
            "Region": {"category": {"index": regions | {"1806": 4900, "5503": 4901}}},
            "Tid": {"category": {"index": years}},
        },
        "value": {},
    }
    data["size"][0] = len(data["dimension"]["Region"]["category"]["index"])
    return json.dumps(data, separators=(",", ":")).encode()


def _excel(plan, content):
    upload = SimpleUploadedFile("plan.xlsx", content, content_type=excel.XLSX_CONTENT_TYPE)
    return lambda: excel.read_plan_file(plan=plan, upload=upload)


def _values(indicator, name, content):
    upload = SimpleUploadedFile(name, content)
    return lambda: indicators.read_indicator_file(indicator=indicator, upload=upload)


IMPORTERS = {
    "excel-shared-string": (
        lambda w: _excel(w["plan"], shared_string_workbook()),
        excel.PlanFileError,
    ),
    "csv-huge-cells": (
        lambda w: _values(w["indicator"], "tall.csv", csv_with_huge_cells()),
        indicators.IndicatorFileError,
    ),
    "json-stat-sparse-cube": (
        lambda w: _values(w["indicator"], "tall.json", jsonstat_cube()),
        indicators.IndicatorFileError,
    ),
}


@pytest.mark.parametrize("name", IMPORTERS)
def test_every_importer_is_bounded_by_its_limits_not_the_file(plan, indicator, name):
    make, refusal = IMPORTERS[name]
    run = make({"plan": plan, "indicator": indicator})

    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(refusal) as caught:
            run()
        elapsed = time.monotonic() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    errors = caught.value.errors
    assert 0 < len(errors) <= uploads.MAX_ERRORS
    # Each message quotes at most an excerpt: no message holds the file's long texts.
    longest = max(len(error) for error in errors)
    assert longest < 600, errors[0][:200]
    assert not any("x" * 100 in error or "Å" * 100 in error for error in errors)
    assert peak < MEMORY_BOUND, f"{name}: peak {peak / MB:.0f} MB"
    assert elapsed < uploads.PARSE_SECONDS


def test_the_excel_page_says_reading_stopped_at_the_limit(client_for, coordinator, plan):
    file = SimpleUploadedFile("plan.xlsx", shared_string_workbook(rows=200))

    response = client_for(coordinator).post(
        reverse("actionplans:plan-import", args=[plan.pk]), {"file": file}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Bare de første 100 feilene er vist, og resten av filen er ikke lest." in page
    assert page.count("<li>Rad ") == uploads.MAX_ERRORS
    assert "ÅÅÅÅÅÅÅÅÅÅ…»" in page  # an excerpt, cut with «…»
    assert len(response.content) < 300_000


def test_the_csv_page_says_reading_stopped_at_the_limit(client_for, coordinator, indicator):
    rows = "".join(f"{'x' * 500};{n}\n" for n in range(300))
    file = SimpleUploadedFile("tall.csv", ("år;verdi\n" + rows).encode())

    response = client_for(coordinator).post(
        reverse("evaluation:indicator-import", args=[indicator.pk]), {"file": file}
    )

    page = response.content.decode()
    assert "Bare de første 100 feilene er vist" in page
    assert "x" * 100 not in page


def test_a_json_stat_cube_is_read_only_where_the_indicator_looks(indicator):
    """The listed municipalities × the years are read: 402 cells of a million."""
    upload = SimpleUploadedFile("tall.json", jsonstat_cube())
    started = time.monotonic()

    with pytest.raises(indicators.IndicatorFileError) as caught:
        indicators.read_indicator_file(indicator=indicator, upload=upload)

    assert time.monotonic() - started < 2
    assert caught.value.errors[0] == "Verdien for 1806/1900 mangler."
    assert len(caught.value.errors) == uploads.MAX_ERRORS


def test_a_json_stat_cube_of_many_regions_for_one_series_asks_for_a_region_at_once(indicator):
    indicator.municipalities = ""
    indicator.save()
    upload = SimpleUploadedFile("tall.json", jsonstat_cube())
    started = time.monotonic()

    with pytest.raises(indicators.ChoiceNeeded) as caught:
        indicators.read_indicator_file(indicator=indicator, upload=upload)

    assert time.monotonic() - started < 2
    assert [d.role for d in caught.value.dimensions] == ["region"]


# --- One part that costs expat minutes (finding 2) ------------------------------------------


def test_a_45_mb_comment_is_refused_by_the_size_of_its_part(client_for, coordinator, plan):
    content = with_sheet_xml(
        lambda xml: xml.replace(b"</worksheet>", b"<!--" + b" " * (45 * MB) + b"--></worksheet>")
    )
    assert len(content) < 100_000
    started = time.monotonic()

    response = client_for(coordinator).post(
        reverse("actionplans:plan-import", args=[plan.pk]),
        {"file": SimpleUploadedFile("plan.xlsx", content)},
    )

    assert time.monotonic() - started < 3
    assert response.status_code == 200
    assert "Filen er for stor når den pakkes ut." in response.content.decode()


@pytest.mark.parametrize(
    ("markup", "message"),
    [
        (b"<!--" + b" " * (20 * MB) + b"-->", "XML-kommentarer eller prosesseringsinstruksjoner"),
        (
            b"<?skjult " + b" " * (20 * MB) + b"?>",
            "XML-kommentarer eller prosesseringsinstruksjoner",
        ),
        (b'<extLst a="' + b"x" * (20 * MB) + b'"/>', "altfor store eller altfor mange"),
    ],
    ids=["comment", "processing-instruction", "attribute"],
)
def test_a_huge_token_is_refused_before_it_is_parsed(
    client_for, coordinator, plan, markup, message
):
    """20 MB in one token took expat over 20 s (it rescans an unfinished token on every 16 KB);
    the scan refuses it in well under a second."""
    content = with_sheet_xml(lambda xml: xml.replace(b"</worksheet>", markup + b"</worksheet>"))
    started = time.monotonic()

    response = client_for(coordinator).post(
        reverse("actionplans:plan-import", args=[plan.pk]),
        {"file": SimpleUploadedFile("plan.xlsx", content)},
    )

    assert time.monotonic() - started < 3
    assert response.status_code == 200
    assert message in response.content.decode()


def test_many_tags_are_refused(client_for, coordinator, plan):
    content = with_sheet_xml(
        lambda xml: xml.replace(b"</worksheet>", b"<a/>" * 2_100_000 + b"</worksheet>")
    )

    response = client_for(coordinator).post(
        reverse("actionplans:plan-import", args=[plan.pk]),
        {"file": SimpleUploadedFile("plan.xlsx", content)},
    )

    assert "altfor store eller altfor mange" in response.content.decode()


@pytest.mark.parametrize("kind", ["excel", "csv"])
def test_an_import_over_its_time_budget_is_refused_in_norwegian(
    client_for, coordinator, plan, indicator, monkeypatch, kind
):
    monkeypatch.setattr(uploads, "PARSE_SECONDS", 0.0)
    if kind == "excel":
        url = reverse("actionplans:plan-import", args=[plan.pk])
        file = SimpleUploadedFile("plan.xlsx", with_sheet_xml(lambda xml: xml))
    else:
        url = reverse("evaluation:indicator-import", args=[indicator.pk])
        file = SimpleUploadedFile("tall.csv", "år;verdi;kommune\n2024;5;1806\n".encode())

    response = client_for(coordinator).post(url, {"file": file})

    assert response.status_code == 200
    assert "Filen tok for lang tid å lese (mer enn 0 sekunder)" in response.content.decode()


def test_excerpt_cuts_long_text_and_keeps_short_text():
    assert uploads.excerpt("kort") == "kort"
    assert uploads.excerpt("x" * 200) == "x" * 79 + "…"
    assert len(uploads.excerpt("y" * 10**6)) == uploads.EXCERPT_CHARS


def _rows_of_empty_cells(rows: int, cells: int) -> bytes:
    return b"".join(b'<row r="%d">' % (3 + n) + b"<c/>" * cells + b"</row>" for n in range(rows))


@pytest.mark.parametrize(
    ("rows", "cells"), [(1, 1_900_000), (1, 25_000), (13, 19_900)], ids=["huge-row", "row", "sheet"]
)
def test_too_many_cells_are_refused_before_openpyxl_builds_them(plan, rows, cells):
    """One row of 1.9 million empty cells (a 12 KB file) took openpyxl 18 s and the memory of
    every cell before the first row was handed over; a sheet may hold 250,000 cells."""
    content = with_sheet_xml(
        lambda xml: xml.replace(
            b"</sheetData>", _rows_of_empty_cells(rows, cells) + b"</sheetData>"
        )
    )
    started = time.monotonic()

    with pytest.raises(excel.PlanFileError) as caught:
        excel.read_plan_file(plan=plan, upload=SimpleUploadedFile("plan.xlsx", content))

    assert time.monotonic() - started < 2
    assert "altfor store eller altfor mange" in caught.value.errors[0]


def test_the_budget_holds_while_openpyxl_reads_the_sheet(plan, monkeypatch):
    """240,000 empty cells pass the scan but take openpyxl seconds: the budget is checked on
    every 16 KB it reads, not only between rows."""
    monkeypatch.setattr(uploads, "PARSE_SECONDS", 0.5)
    content = with_sheet_xml(
        lambda xml: xml.replace(b"</sheetData>", _rows_of_empty_cells(12, 19_900) + b"</sheetData>")
    )
    started = time.monotonic()

    with pytest.raises(excel.PlanFileError) as caught:
        excel.read_plan_file(plan=plan, upload=SimpleUploadedFile("plan.xlsx", content))

    assert time.monotonic() - started < 1.5
    assert "Filen tok for lang tid å lese" in caught.value.errors[0]


def _rezipped(content: bytes, name: str, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member in source.namelist():
            data = source.read(member)
            archive.writestr(member, change(data) if member == name else data)
    return out.getvalue()


@pytest.mark.parametrize("root", [b"styleSheet", b"worksheet"])
def test_a_part_parsed_as_a_whole_tree_may_hold_few_tags(plan, root):
    """openpyxl parses the styles as one tree: 900,000 «<xf/>» took minutes and half a
    gigabyte, whatever the part calls its root element."""
    content = _rezipped(
        with_sheet_xml(lambda xml: xml),
        "xl/styles.xml",
        lambda data: (
            data.replace(b"</cellXfs>", b"<xf/>" * 100_000 + b"</cellXfs>")
            .replace(b"<styleSheet", b"<" + root)
            .replace(b"</styleSheet>", b"</" + root + b">")
        ),
    )
    started = time.monotonic()

    with pytest.raises(excel.PlanFileError) as caught:
        excel.read_plan_file(plan=plan, upload=SimpleUploadedFile("plan.xlsx", content))

    assert time.monotonic() - started < 2
    assert "altfor store eller altfor mange" in caught.value.errors[0]
