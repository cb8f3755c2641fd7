"""Issue #15: the indicator import with real published files (tests/evaluation/data/real/, with
their sources in its README): a multi-dimension SSB table asks for a choice and the choice gives
the series; JSON-stat 1; a Windows-1252 CSV as Excel writes it; SSB's population figures (table
07459) under the municipality numbers before 2020 and of 2020–2023 summed as today's across the
2020 and 2024 reforms; and an invalid choice refused with a Norwegian message.

The expected numbers are read by hand from the files (positions noted at each test)."""

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from evaluation import indicators
from evaluation.indicators.municipalities import TABLE_PATH, reforms
from evaluation.models import Indicator, IndicatorValue
from tests.factories import make_indicator

REAL = Path(__file__).parent / "data" / "real"
SSB_05300 = REAL / "ssb-05300-avstand-kulturtilbud.json"
OECD_CANADA_V1 = REAL / "json-stat-org-oecd-canada-v1.json"
CANADA_V2 = REAL / "json-stat-org-canada-v2.json"
EXCEL_CSV = REAL / "oecd-arbeidsledighet-norge-excel-cp1252.csv"

# Norway's unemployment rate 2003–2014 in the «oecd» dataset: values[23 * 12 + t] (area NO is
# category 23 of 36, years are the last dimension), rounded to two decimals as stored.
NORWAY = [
    (2003, "4.04"),
    (2004, "4.19"),
    (2005, "4.38"),
    (2006, "3.39"),
    (2007, "2.50"),
    (2008, "2.57"),
    (2009, "3.11"),
    (2010, "3.52"),
    (2011, "3.21"),
    (2012, "3.10"),
    (2013, "3.10"),
    (2014, "3.00"),
]


@pytest.fixture
def single(agreement) -> Indicator:
    """An indicator without a municipality list: one series."""
    return make_indicator(agreement, municipalities="", name="Andel", unit="prosent")


def read(indicator: Indicator, path: Path, content: bytes | None = None, **choices: str):
    upload = SimpleUploadedFile(path.name, path.read_bytes() if content is None else content)
    return indicators.read_indicator_file(indicator=indicator, upload=upload, choices=choices)


def series(parsed) -> list[tuple[int, str]]:
    return [(value.year, str(value.value)) for value in parsed.values]


# --- SSB table 05300: two extra dimensions (6 and 8 categories) -----------------------------


def test_ssb_05300_asks_for_a_category_in_each_extra_dimension(single):
    with pytest.raises(indicators.ChoiceNeeded) as caught:
        read(single, SSB_05300)

    avstand, kultur = caught.value.dimensions
    assert (avstand.id, avstand.label, avstand.role) == ("Avstand1", "avstand", "other")
    assert [(c.code, c.label) for c in avstand.categories] == [
        ("01", "Under 1 km"),
        ("02", "1-4,9 km"),
        ("03", "5-9,9 km"),
        ("04", "10-24 km"),
        ("05", "25-49 km"),
        ("06", "50 km eller over"),
    ]
    assert (kultur.id, kultur.label, len(kultur.categories)) == ("Kulturtilbud", "kulturtilbud", 8)
    assert kultur.categories[6] == indicators.Category("07", "Folkebibliotek")
    assert caught.value.file_format == "json-stat"
    assert not single.values.exists()


def test_ssb_05300_one_choice_is_not_enough(single):
    with pytest.raises(indicators.ChoiceNeeded) as caught:
        read(single, SSB_05300, Avstand1="01")

    assert [d.id for d in caught.value.dimensions] == ["Avstand1", "Kulturtilbud"]


def test_ssb_05300_the_choice_gives_the_series_and_it_is_stored(single):
    # Avstand1 01 (Under 1 km) × Kulturtilbud 07 (Folkebibliotek): values[54:63] of the file,
    # «…,27,23,23,20,18,19,20,18,17,15,20,…».
    parsed = read(single, SSB_05300, Avstand1="01", Kulturtilbud="07")

    assert series(parsed) == [
        (1991, "23.00"),
        (1994, "23.00"),
        (1997, "20.00"),
        (2000, "18.00"),
        (2004, "19.00"),
        (2008, "20.00"),
        (2012, "18.00"),
        (2016, "17.00"),
        (2021, "15.00"),
    ]
    assert parsed.chosen == {"Avstand1": "Under 1 km", "Kulturtilbud": "Folkebibliotek"}
    note = parsed.values[0].source_note
    assert note.startswith("Statistisk sentralbyrå, tabell 05300 (oppdatert 24.05.2022)")
    assert "(avstand: Under 1 km; kulturtilbud: Folkebibliotek)" in note

    indicators.indicator_values_import(indicator=single, parsed=parsed)

    stored = dict(IndicatorValue.objects.filter(indicator=single).values_list("year", "value"))
    assert stored == {year: Decimal(value) for year, value in series(parsed)}


def test_ssb_05300_a_series_with_empty_cells_is_refused_with_the_symbol(single):
    # Avstand1 06 × Kulturtilbud 01 starts at value 360, which is null with status «..».
    with pytest.raises(indicators.IndicatorFileError) as caught:
        read(single, SSB_05300, Avstand1="06", Kulturtilbud="01")

    assert "Verdien for 1991 mangler. Kilden markerer den med «..»." in caught.value.errors


@pytest.mark.parametrize(
    "choices, message",
    [
        (
            {"Avstand1": "99", "Kulturtilbud": "07"},
            "Dimensjonen «avstand» har ingen kategori «99». Velg en av dem filen har, og prøv "
            "igjen.",
        ),
        (
            {"Avstand1": "01", "Kulturtilbud": "07", "Kjonn": "2"},
            "Valget for «Kjonn» gjelder ingen dimensjon i filen som det skal velges i.",
        ),
        (
            {"Avstand1": "01", "Kulturtilbud": "07", "Tid": "2021"},
            "Valget for «Tid» gjelder ingen dimensjon i filen som det skal velges i.",
        ),
    ],
    ids=["unknown category", "unknown dimension", "the time dimension"],
)
def test_an_invalid_choice_is_refused_in_norwegian(single, choices, message):
    with pytest.raises(indicators.IndicatorFileError) as caught:
        read(single, SSB_05300, **choices)

    assert caught.value.errors == [message]
    assert not single.values.exists()


# --- JSON-stat 1: json-stat.org's bundle of two datasets ------------------------------------


def test_json_stat_1_bundle_asks_which_dataset(single):
    with pytest.raises(indicators.ChoiceNeeded) as caught:
        read(single, OECD_CANADA_V1)

    [dataset] = caught.value.dimensions
    assert dataset.id == "dataset"
    assert [(c.code, c.label) for c in dataset.categories] == [
        ("oecd", "oecd: Unemployment rate in the OECD countries 2003-2014"),
        ("canada", "canada: Population by sex and age group. Canada. 2012"),
    ]


def test_json_stat_1_geo_by_time_asks_for_a_region_without_a_municipality_list(single):
    with pytest.raises(indicators.ChoiceNeeded) as caught:
        read(single, OECD_CANADA_V1, dataset="oecd")

    dataset, area = caught.value.dimensions
    assert dataset.id == "dataset"
    assert (area.id, area.label, area.role) == ("area", "OECD countries, EU15 and total", "region")
    assert len(area.categories) == 36
    assert area.categories[23] == indicators.Category("NO", "Norway")


def test_json_stat_1_with_the_region_chosen_gives_norways_series(single):
    parsed = read(single, OECD_CANADA_V1, dataset="oecd", area="NO")

    assert series(parsed) == NORWAY
    assert "Filen er JSON-stat 1; den er lest som JSON-stat 2." in parsed.notes
    assert parsed.chosen == {
        "dataset": "oecd: Unemployment rate in the OECD countries 2003-2014",
        "area": "Norway",
    }
    assert parsed.values[0].source_note.startswith(
        "Economic Outlook No 92 - December 2012 - OECD Annual Projections (oppdatert 27.11.2012)"
    )


def test_json_stat_1_multi_dimension_table(single):
    with pytest.raises(indicators.ChoiceNeeded) as caught:
        read(single, OECD_CANADA_V1, dataset="canada")
    assert [(d.id, len(d.categories)) for d in caught.value.dimensions] == [
        ("dataset", 2),
        ("age", 20),
        ("concept", 2),
        ("sex", 3),
    ]

    # age T × concept POP × sex F is the third value: 17571.3 (thousands of persons).
    parsed = read(single, OECD_CANADA_V1, dataset="canada", age="T", concept="POP", sex="F")

    assert series(parsed) == [(2012, "17571.30")]


def test_json_stat_2_multi_dimension_sample(single):
    with pytest.raises(indicators.ChoiceNeeded) as caught:
        read(single, CANADA_V2)
    assert [d.id for d in caught.value.dimensions] == ["age", "concept", "sex"]
    assert caught.value.dimensions[1].categories[0].label == "population"

    # age «24» (20 to 24) is category 5: values[5 * 6 + 3 * concept + sex]; PERCENT (1) × male
    # (1) is values[34], in «2441.1, 1254.2, 1186.9, 7.0, 7.2, 6.8» → 7.2.
    parsed = read(single, CANADA_V2, age="24", concept="PERCENT", sex="M")

    assert series(parsed) == [(2012, "7.20")]
    assert parsed.notes == []


def test_an_unknown_dataset_is_refused(single):
    with pytest.raises(indicators.IndicatorFileError) as caught:
        read(single, OECD_CANADA_V1, dataset="norway")

    assert caught.value.errors == [
        "Filen har ikke noe datasett «norway». Velg et av dem filen har."
    ]


# --- CSV as Norwegian Excel saves it ----------------------------------------------------------


def test_windows_1252_csv_with_decimal_commas_is_read_without_asking(single):
    raw = EXCEL_CSV.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")

    parsed = read(single, EXCEL_CSV)

    assert series(parsed) == NORWAY
    assert parsed.notes == [
        "Filen er lest som Windows-1252 (slik Excel lagrer «CSV (semikolondelt)»)."
    ]
    # The en dash (byte 0x96) and «ø» come through as the characters they are.
    assert parsed.values[0].source_note == (
        "OECD Economic Outlook nr. 92 – arbeidsløshet i Norge (prosent)"
    )


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["utf-8", "utf-8 with bom"])
def test_the_same_csv_in_utf8_needs_no_note(single, bom):
    content = bom + EXCEL_CSV.read_bytes().decode("cp1252").encode("utf-8")

    parsed = read(single, EXCEL_CSV, content=content)

    assert series(parsed) == NORWAY
    assert parsed.notes == []


# --- Municipality reforms: SSB's population (table 07459) across 2020 and 2024 ---------------

# Published figures (sources in data/real/README.md): SSB's JSON-stat answer for 1 January 2022
# (every region, the numbers of 2020–2023), SSB's one-year age groups for 1 January 2019 (the old
# numbers) and 2020, cut to the municipalities of the region, and SSB's own figures on 2020
# borders for 2019. POPULATION_CSV is made by us from them: one total per municipality and year.
SSB_07459_2022 = REAL / "ssb-07459-befolkning-2022.json"
PERSONER_2019 = REAL / "ssb-07459-personer-2019-utdrag.csv"
PERSONS_2020 = REAL / "ssb-07459-persons-2020-utdrag.tsv"
KOMMSUMMER = REAL / "ssb-07459-kommsummer-2019-2020-utdrag.csv"
POPULATION_CSV = REAL / "ssb-07459-folkemengde-2019-2020-2022.csv"

# Narvik, Harstad and Tjeldsund by today's (2024) numbers.
TODAYS = "1806\n5503\n5512"

NARVIK_NOTE = (
    "1805 Narvik (2019) og 1854 Ballangen (2019) er regnet som 1806 Narvik. 1850 Tysfjord - "
    "Divtasvuodna ble delt; den delen som nå hører til 1806, er ikke med i tallene for årene "
    "før delingen."
)


def test_ssb_07459_for_2022_counts_the_numbers_of_2020_as_todays(agreement):
    """SSB's answer for 2022 has the numbers of 2020–2023 (5402 Harstad, 5412 Tjeldsund) and
    every other region of the country; an indicator with today's numbers sums its three."""
    indicator = make_indicator(agreement, municipalities=TODAYS)

    parsed = read(indicator, SSB_07459_2022)

    # values[277] K-1806 21530 + values[318] K-5402 24804 + values[324] K-5412 4201.
    assert series(parsed) == [(2022, "50535.00")]
    assert parsed.notes == [
        "5402 Harstad - Hárstták (2022) er regnet som 5503 Harstad - Hárstták.",
        "5412 Dielddanuorri - Tjeldsund (2022) er regnet som 5512 Dielddanuorri - Tjeldsund.",
    ]
    # The other 356 of the 359 regions (Tromsø 5401 and Evenes 1853 among them).
    assert len(parsed.municipalities_left_out) == 356
    assert {"5401", "1853"} <= set(parsed.municipalities_left_out)
    assert parsed.values[0].source_note == (
        "Statistisk sentralbyrå, tabell 07459 (oppdatert 24.02.2022) (sum av 1806, 5503, 5512)"
    )


def test_ssb_population_by_old_and_new_numbers_is_summed_as_todays_region(agreement):
    """The numbers of 2019 (1805 + 1854, 1903, 1852 + 1913) and of 2020–2023 (5402, 5412) in
    one file, summed as today's 1806 + 5503 + 5512, stored, and named in the preview."""
    indicator = make_indicator(agreement, municipalities=TODAYS)

    parsed = read(indicator, POPULATION_CSV)

    assert series(parsed) == [
        # 1805 Narvik 18630 + 1854 Ballangen 2470 + 1903 Harstad 24827
        # + 1852 Tjeldsund 1259 + 1913 Skånland 3009
        (2019, "50195.00"),
        # 1806 Narvik 21845 + 5402 Harstad 24703 + 5412 Tjeldsund 4216
        (2020, "50764.00"),
        # 1806 Narvik 21530 + 5402 Harstad 24804 + 5412 Tjeldsund 4201 (the JSON-stat above)
        (2022, "50535.00"),
    ]
    assert parsed.notes == [
        NARVIK_NOTE,
        "1903 Harstad - Hárstták (2019) og 5402 Harstad - Hárstták (2020–2022) er regnet som "
        "5503 Harstad - Hárstták.",
        "1852 Dielddanuorri - Tjeldsund (2019), 1913 Skånland (2019) og 5412 Dielddanuorri - "
        "Tjeldsund (2020–2022) er regnet som 5512 Dielddanuorri - Tjeldsund.",
    ]
    assert parsed.municipalities_left_out == []
    assert parsed.values[0].source_note == (
        "SSB tabell 07459, folkemengde 1.1.2019 (sum av 1806, 5503, 5512)"
    )

    indicators.indicator_values_import(indicator=indicator, parsed=parsed)

    stored = dict(IndicatorValue.objects.filter(indicator=indicator).values_list("year", "value"))
    assert stored == {2019: Decimal(50195), 2020: Decimal(50764), 2022: Decimal(50535)}


def _ssbs_own_figures() -> dict[tuple[str, int], int]:
    with KOMMSUMMER.open(encoding="utf-8", newline="") as file:
        return {
            (row["municipality_id"], int(row["year"])): int(row["population"])
            for row in csv.DictReader(file)
        }


TODAYS_NAMES = {"5503": "Harstad - Hárstták", "5512": "Dielddanuorri - Tjeldsund"}


@pytest.mark.parametrize(
    "today, in_2020", [("5503", "5402"), ("5512", "5412")], ids=["Harstad", "Tjeldsund"]
)
def test_old_numbers_summed_give_ssbs_own_figure_on_todays_borders(agreement, today, in_2020):
    """SSB also publishes 2019 on 2020 borders (its «KommSummer» grouping): 5402 = 1903 and
    5412 = 1852 + 1913. The import's sum of the old numbers is that figure. (Narvik has none:
    SSB gives 1806 as 0 before 2020, since a part of the split 1850 Tysfjord is in it.)"""
    indicator = make_indicator(agreement, municipalities=today)
    published = _ssbs_own_figures()

    parsed = read(indicator, POPULATION_CSV)

    assert series(parsed)[:2] == [
        (2019, f"{published[(in_2020, 2019)]}.00"),  # 24827; 1259 + 3009 = 4268
        (2020, f"{published[(in_2020, 2020)]}.00"),  # 24703; 4216
    ]
    assert published[("1806", 2019)] == 0
    # The preview names what was mapped for this municipality, not for the others in the file.
    assert len(parsed.notes) == 1
    assert parsed.notes[0].endswith(f"er regnet som {today} {TODAYS_NAMES[today]}.")


def _age_group_totals(path: Path, *, delimiter: str) -> dict[str, int]:
    """Persons per region in SSB's export by one-year age group (0 … «105 years or older»)."""
    totals: dict[str, int] = {}
    groups: dict[str, int] = {}
    with path.open(encoding="utf-8", newline="") as file:
        reader = csv.reader(file, delimiter=delimiter)
        next(reader)
        for region, _age, persons in reader:
            code = region.removeprefix("K-").split(" ", 1)[0]
            totals[code] = totals.get(code, 0) + int(persons)
            groups[code] = groups.get(code, 0) + 1
    assert set(groups.values()) == {106}
    return totals


def test_the_population_file_holds_ssbs_published_figures():
    """POPULATION_CSV, made by us, against the published files it was made from: the totals
    of SSB's 106 age groups for 2019 and 2020, and the 2022 cells of SSB's JSON-stat."""
    rows = [line.split(";") for line in POPULATION_CSV.read_text(encoding="utf-8").splitlines()[1:]]
    made = {(int(year), kommune.split(" ", 1)[0]): int(value) for year, kommune, value, _ in rows}
    data = json.loads(SSB_07459_2022.read_text(encoding="utf-8"))
    index = data["dimension"]["Region"]["category"]["index"]

    published = {
        **{(2019, code): n for code, n in _age_group_totals(PERSONER_2019, delimiter=",").items()},
        **{(2020, code): n for code, n in _age_group_totals(PERSONS_2020, delimiter="\t").items()},
        **{(2022, code): data["value"][index[f"K-{code}"]] for code in ("1806", "5402", "5412")},
    }

    assert made == published
    assert sum(data["value"]) == 5425270  # Norway, 1 January 2022
    # SSB's own 2020-border figures for 2019 and 2020 agree with the age groups' totals.
    own = _ssbs_own_figures()
    assert own[("5402", 2019)] == published[(2019, "1903")]
    assert own[("5412", 2019)] == published[(2019, "1852")] + published[(2019, "1913")]
    assert [own[(code, 2020)] for code in ("1806", "5402", "5412")] == [
        published[(2020, code)] for code in ("1806", "5402", "5412")
    ]


# Test values (not statistics): one number per municipality number and year.
REFORM_CSV = """år;kommune;verdi
2019;1805 Narvik;100
2019;1854 Ballangen;20
2019;1903 Harstad - Hárstták;300
2019;1852 Tjeldsund;10
2019;1913 Skånland;30
2020;1806 Narvik;130
2020;5402 Harstad - Hárstták;301
2020;5412 Tjeldsund;41
2023;1806 Narvik;131
2023;5402 Harstad - Hárstták;302
2023;5412 Tjeldsund;42
2024;1806 Narvik;132
2024;5503 Harstad - Hárstták;303
2024;5512 Tjeldsund;43
"""


def test_todays_own_numbers_next_to_old_ones_across_2023_and_2024(agreement):
    """Test values (not statistics), kept for what the real files above lack: no published
    file with the numbers of 2024 (5503, 5512) was found in a public repository, so this is
    the one test of rows under today's own numbers in the same file as 1805/1903/1852/1913 and
    5402/5412, and of the last year of the 2020 numbers (2023). One number per municipality
    and year, so that each sum shows which numbers went into it."""
    indicator = make_indicator(agreement, municipalities=TODAYS)

    parsed = read(indicator, Path("reform.csv"), content=REFORM_CSV.encode())

    assert series(parsed) == [
        (2019, "460.00"),  # 100 + 20 + 300 + 10 + 30
        (2020, "472.00"),
        (2023, "475.00"),
        (2024, "478.00"),  # 132 + 303 + 43
    ]
    assert parsed.municipalities_left_out == []
    assert sorted(parsed.notes) == [
        NARVIK_NOTE,
        "1852 Dielddanuorri - Tjeldsund (2019), 1913 Skånland (2019) og 5412 Dielddanuorri - "
        "Tjeldsund (2020–2023) er regnet som 5512 Dielddanuorri - Tjeldsund.",
        "1903 Harstad - Hárstták (2019) og 5402 Harstad - Hárstták (2020–2023) er regnet som "
        "5503 Harstad - Hárstták.",
    ]


def test_an_indicator_listing_old_numbers_gets_todays(agreement):
    indicator = make_indicator(agreement, municipalities="1903")
    content = "år;kommune;verdi\n2019;1903;300\n2024;5503;303\n".encode()

    parsed = read(indicator, Path("harstad.csv"), content=content)

    assert series(parsed) == [(2019, "300.00"), (2024, "303.00")]


def json_stat(regions: list[str], years: list[str], values: list, status: dict) -> bytes:
    """A JSON-stat 2 file shaped as SSB writes one when a table keeps old and new numbers."""
    return json.dumps(
        {
            "version": "2.0",
            "class": "dataset",
            "id": ["Region", "Tid"],
            "size": [len(regions), len(years)],
            "role": {"time": ["Tid"], "geo": ["Region"]},
            "dimension": {
                "Region": {"category": {"index": regions}},
                "Tid": {"category": {"index": years}},
            },
            "value": values,
            "status": status,
        }
    ).encode()


def test_old_numbers_with_empty_cells_after_the_reform_are_left_out(agreement):
    """SSB tables with old and new numbers mark the years a number did not exist with «..»;
    today's own figure wins over the old numbers' where both have one."""
    indicator = make_indicator(agreement, municipalities="5503")
    content = json_stat(
        ["1903", "5402", "5503"],
        ["2019", "2021", "2024"],
        # Region × Tid, row by row: 1903 (2019, 2021, 2024), 5402 (…), 5503 (…).
        [300, None, None, None, 302, None, 299, None, 303],
        {"1": "..", "2": "..", "3": "..", "5": "..", "7": ".."},
    )

    parsed = read(indicator, Path("harstad.json"), content=content)

    # 2019: 5503's own 299 (SSB's figure for today's municipality) rather than 1903's 300;
    # 2021: 5402 (valid 2020–2023); 2024: 5503.
    assert series(parsed) == [(2019, "299.00"), (2021, "302.00"), (2024, "303.00")]
    assert parsed.notes == ["5402 Harstad - Hárstták (2021) er regnet som 5503 Harstad - Hárstták."]


def test_a_missing_old_number_is_named(agreement):
    indicator = make_indicator(agreement, municipalities="1806")
    content = "år;kommune;verdi\n2019;1805;100\n2019;1854;\n2024;1806;132\n".encode()

    with pytest.raises(indicators.IndicatorFileError) as caught:
        read(indicator, Path("narvik.csv"), content=content)

    assert caught.value.errors == ["Rad 3: verdi mangler."]


def test_the_correspondence_table_names_its_source_and_agrees_with_itself():
    data = json.loads(TABLE_PATH.read_text(encoding="utf-8"))
    assert "klass/v1/classifications/131/changes" in data["source"]["url"]
    table = reforms()
    for change in data["changes"]:
        old, new = table.codes[change["oldCode"]], table.codes[change["newCode"]]
        assert str(old.valid_to) == change["changeOccurred"]
        assert str(new.valid_from) == change["changeOccurred"]
    assert table.current("1903") == "5503"
    assert table.current("1913") == "5512"
    assert table.current("1854") == "1806"
    assert table.current("1850") == "1850"  # split: not mapped


def test_a_choice_is_not_a_file_error():
    assert not issubclass(indicators.ChoiceNeeded, indicators.IndicatorFileError)


def test_the_region_is_not_chosen_when_the_indicator_lists_municipalities(agreement):
    indicator = make_indicator(agreement)  # Narvik, Harstad, Evenes, Tjeldsund

    with pytest.raises(indicators.IndicatorFileError) as caught:
        read(indicator, CANADA_V2, country="CA", age="T", concept="POP", sex="T")

    assert caught.value.errors == [
        "Valget for «country» gjelder ingen dimensjon i filen som det skal velges i."
    ]
