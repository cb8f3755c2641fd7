"""Importing indicator values (``evaluation:indicator-import``) from CSV and from JSON-stat 2 as
SSB's PxWeb API returns it: values stored and summed over the indicator's municipalities, every
kind of broken file refused with a Norwegian message and nothing saved, and who may import."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from evaluation import indicators
from evaluation.models import Indicator, IndicatorValue

DATA = Path(__file__).parent / "data"
SAMPLE_JSON = DATA / "ssb-07459-halogaland.json"
SAMPLE_CSV = DATA / "sysselsatte-halogaland.csv"
HALOGALAND = "1806\n5503\n1853\n5512"
NOT_SAVED = "ble ikke importert. Ingenting er lagret."


def make_indicator(agreement, *, municipalities: str = HALOGALAND, **extra) -> Indicator:
    effect = agreement.long_term_effects.get(text__startswith="Økt sysselsetting og bosetting")
    fields = {
        "name": "Befolkning i Hålogalandsregionen",
        "unit": "personer",
        "source": "SSB tabell 07459",
        **extra,
    }
    return Indicator.objects.create(
        agreement=agreement, long_term_effect=effect, municipalities=municipalities, **fields
    )


@pytest.fixture
def indicator(agreement) -> Indicator:
    """Population, summed over Narvik, Harstad, Evenes and Tjeldsund; 2022 already stored."""
    indicator = make_indicator(agreement)
    IndicatorValue.objects.create(
        indicator=indicator, year=2022, value=Decimal("52100"), source_note="Fra før"
    )
    return indicator


@pytest.fixture
def single(agreement) -> Indicator:
    """An indicator without municipalities: one series."""
    return make_indicator(agreement, municipalities="", name="Andel i arbeid", unit="prosent")


@pytest.fixture
def coordinator_client(client_for, coordinator):
    return client_for(coordinator)


def sample() -> dict:
    return json.loads(SAMPLE_JSON.read_text(encoding="utf-8"))


def upload(client, indicator, content: bytes | str, name: str = "data.csv", **data):
    if isinstance(content, str):
        content = content.encode("utf-8")
    file = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    return client.post(
        reverse("evaluation:indicator-import", args=[indicator.pk]), {"file": file, **data}
    )


def upload_json(client, indicator, data) -> object:
    return upload(client, indicator, json.dumps(data, ensure_ascii=False), name="07459.json")


def stored(indicator) -> dict[int, tuple[Decimal, str]]:
    return {v.year: (v.value, v.source_note) for v in indicator.values.all()}


def all_values() -> list[tuple]:
    return sorted(
        IndicatorValue.objects.values_list("indicator_id", "year", "value", "source_note")
    )


def success_message(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


# --------------------------------------------------------------------------------------------
# Happy paths


def test_ssb_json_stat_sample_is_summed_over_the_municipalities(coordinator_client, indicator):
    response = upload(coordinator_client, indicator, SAMPLE_JSON.read_bytes(), "07459.json")

    assert response.status_code == 302
    assert response["Location"] == reverse("evaluation:indicator-detail", args=[indicator.pk])
    values = stored(indicator)
    assert {year: value for year, (value, _note) in values.items()} == {
        2022: Decimal("52100"),  # not in the file: left as it was
        2023: Decimal("52202"),
        2024: Decimal("52305"),
        2025: Decimal("52390"),
    }
    note = values[2024][1]
    assert "tabell 07459" in note
    assert "oppdatert 20.02.2025" in note
    assert "eksempelverdier" in note  # the sample's own source says so
    assert "sum av 1806, 5503, 1853, 5512" in note
    message = success_message(response)
    assert "Importen er fullført: 3 verdier er lagret (2023, 2024 og 2025)." in message
    assert "erstattet" not in message


def test_csv_sample_with_municipality_names_and_spaces_in_numbers(coordinator_client, indicator):
    response = upload(coordinator_client, indicator, SAMPLE_CSV.read_bytes(), "syss.csv")

    assert response.status_code == 302
    values = stored(indicator)
    assert values[2023] == (
        Decimal("26410"),
        "Eksempelverdier (sum av 1806, 5503, 1853, 5512)",
    )
    assert values[2024][0] == Decimal("26480")
    assert values[2025][0] == Decimal("26530")


def test_existing_years_are_replaced_and_the_message_says_so(coordinator_client, indicator):
    IndicatorValue.objects.create(indicator=indicator, year=2024, value=1, source_note="gammel")

    response = upload(coordinator_client, indicator, SAMPLE_JSON.read_bytes(), "07459.json")

    assert response.status_code == 302
    assert stored(indicator)[2024][0] == Decimal("52305")
    assert indicator.values.filter(year=2024).count() == 1
    message = success_message(response)
    assert "Verdien for 2024 fantes fra før og er erstattet." in message


def test_other_municipalities_in_the_file_are_left_out_and_named(coordinator_client, indicator):
    data = sample()
    region = data["dimension"]["Region"]["category"]
    region["index"]["5501"] = 4
    region["label"]["5501"] = "Tromsø"
    data["size"][0] = 5
    data["value"] += [78000, 78500, 79000]

    response = upload_json(coordinator_client, indicator, data)

    assert response.status_code == 302
    assert stored(indicator)[2025][0] == Decimal("52390")  # Tromsø is not summed
    assert (
        "Tall for regioner som ikke er med i indikatoren, er ikke tatt med: 5501."
        in success_message(response)
    )


def test_pxwebapi_v2_region_codes_with_k_prefix_and_sparse_values(coordinator_client, indicator):
    data = sample()
    region = data["dimension"]["Region"]["category"]
    region["index"] = {f"K-{code}": i for code, i in region["index"].items()}
    region["label"] = {f"K-{code}": name for code, name in region["label"].items()}
    data["value"] = {str(i): v for i, v in enumerate(data["value"])}

    response = upload_json(coordinator_client, indicator, data)

    assert response.status_code == 302
    assert stored(indicator)[2023][0] == Decimal("52202")


def test_index_as_a_list_and_another_dimension_order(coordinator_client, indicator):
    # Tid first, Region last: the cube is read by the strides, not by assuming an order.
    data = sample()
    by_region = dict(zip(["1806", "1853", "5503", "5512"], range(4), strict=True))
    old = data["value"]
    data["id"] = ["Tid", "ContentsCode", "Region"]
    data["size"] = [3, 1, 4]
    data["dimension"]["Region"]["category"]["index"] = list(by_region)
    data["value"] = [old[r * 3 + t] for t in range(3) for r in range(4)]

    response = upload_json(coordinator_client, indicator, data)

    assert response.status_code == 302
    assert stored(indicator)[2024][0] == Decimal("52305")


def test_single_series_csv_with_decimal_comma_and_source_note(coordinator_client, single):
    content = "År;Verdi\r\n2023;71,4\r\n2024;72,05\r\n\r\n2025;-1 234,5\r\n"

    response = upload(coordinator_client, single, content, source_note="Troms i tall, 2026")

    assert response.status_code == 302
    assert stored(single) == {
        2023: (Decimal("71.40"), "Troms i tall, 2026"),
        2024: (Decimal("72.05"), "Troms i tall, 2026"),
        2025: (Decimal("-1234.50"), "Troms i tall, 2026"),
    }


def test_single_series_comma_separated_with_a_utf8_bom(coordinator_client, single):
    content = "\ufeffår,verdi,kilde\n2024,12.5,SSB\n"

    response = upload(coordinator_client, single, content)

    assert response.status_code == 302
    assert stored(single) == {2024: (Decimal("12.50"), "SSB")}


def test_a_note_typed_on_the_page_wins_over_the_files_own(coordinator_client, single):
    content = "år;verdi;kilde\n2024;12;SSB\n"

    response = upload(coordinator_client, single, content, source_note="Troms i tall")

    assert response.status_code == 302
    assert stored(single) == {2024: (Decimal("12.00"), "Troms i tall")}


def test_single_series_from_json_stat_for_one_region(coordinator_client, single):
    data = sample()
    data["dimension"]["Region"]["category"] = {"index": {"0": 0}, "label": {"0": "Hele landet"}}
    data["size"][0] = 1
    data["value"] = [5550000, 5594000, 5620000]

    response = upload_json(coordinator_client, single, data)

    assert response.status_code == 302
    assert stored(single)[2025][0] == Decimal("5620000")


def test_the_import_page_explains_the_summing(coordinator_client, indicator):
    response = coordinator_client.get(reverse("evaluation:indicator-import", args=[indicator.pk]))

    assert response.status_code == 200
    text = response.content.decode()
    assert "Indikatoren gjelder kommunene 1806, 5503, 1853, 5512" in text
    assert 'enctype="multipart/form-data"' in text


# --------------------------------------------------------------------------------------------
# Broken files: each refused with its message, nothing saved


def _without_tid(data):
    data["id"] = ["Region", "ContentsCode"]
    data["size"] = [4, 1]
    del data["dimension"]["Tid"]
    del data["role"]["time"]
    data["value"] = data["value"][::3]
    return data


def _json_null(data):
    data["value"][4] = None  # 1853 Evenes, 2024
    data["status"] = {"4": ".."}
    return data


def _quarters(data):
    data["dimension"]["Tid"]["category"]["index"] = {"2024K1": 0, "2024K2": 1, "2024K3": 2}
    return data


def _without_5512(data):
    region = data["dimension"]["Region"]["category"]
    del region["index"]["5512"]
    del region["label"]["5512"]
    data["size"][0] = 3
    data["value"] = data["value"][:9]
    return data


def _changed(**changes):
    def change(data):
        data.update(changes)
        return data

    return change


def _dimension_gone(name):
    def change(data):
        del data["dimension"][name]
        return data

    return change


JSON_BROKEN = {
    "wrong version": (_changed(version="1.0"), "Feltet «version» må være «2.0» (JSON-stat 2)"),
    "no version": (lambda d: {k: v for k, v in d.items() if k != "version"}, "men er tomt"),
    "wrong class": (
        _changed(**{"class": "collection"}),
        "Feltet «class» må være «dataset», men er «collection».",
    ),
    "size/value mismatch": (
        lambda d: {**d, "value": d["value"][:-1]},
        "Antall verdier (11) stemmer ikke med størrelsen på dimensjonene («size» gir 12).",
    ),
    "id/size mismatch": (_changed(size=[4, 1]), "«id» har 3 dimensjoner, men «size» har 2 tall."),
    "missing time dimension": (_without_tid, "Dimensjonen «Tid» mangler."),
    "dimension in id but not described": (
        _dimension_gone("ContentsCode"),
        "Dimensjonen «ContentsCode» mangler i «dimension».",
    ),
    "category count differs from size": (
        _changed(size=[5, 1, 3]),
        "Dimensjonen «Region» har 4 kategorier, men «size» sier 5.",
    ),
    "a missing value": (_json_null, "Verdien for 1853/2024 mangler. Kilden markerer den med «..»."),
    "a municipality missing": (_without_5512, "Kommune 5512 mangler i filen"),
    "quarters": (_quarters, "har tider som ikke er årstall («2024K1», «2024K2», «2024K3»)"),
    "text as a value": (
        lambda d: {**d, "value": ["12", *d["value"][1:]]},
        "Verdi nr. 1 («12») er ikke et tall.",
    ),
}


@pytest.mark.parametrize("change, message", JSON_BROKEN.values(), ids=JSON_BROKEN.keys())
def test_broken_json_stat_is_refused(coordinator_client, indicator, change, message):
    before = all_values()

    response = upload_json(coordinator_client, indicator, change(sample()))

    assert response.status_code == 200
    text = response.content.decode()
    assert NOT_SAVED in text
    assert message in text
    assert all_values() == before


def _csv(text: str) -> bytes:
    return text.encode("utf-8")


HALOGALAND_CSV_2024 = "år;kommune;verdi\n2024;1806;1\n2024;5503;2\n2024;1853;3\n2024;5512;4\n"

CSV_BROKEN = {
    "bad header": ("aar;value\n2024;1\n", "Rad 1: kolonnen «value» er ukjent."),
    "header missing": (
        "2024;1806;52000\n",
        "Rad 1: kolonnen «år» mangler. Første rad må være kolonneoverskriftene",
    ),
    "text in value": (
        "år;kommune;verdi\n2024;1806;mange\n",
        "Rad 2: «mange» i kolonnen «verdi» er ikke et tall.",
    ),
    "ssb missing symbol": (
        "år;kommune;verdi\n2024;1806;..\n",
        "Rad 2: «..» betyr at tallet mangler hos kilden.",
    ),
    "missing year": ("år;kommune;verdi\n;1806;12\n", "Rad 2: år mangler."),
    "not a year": ("år;kommune;verdi\n24;1806;12\n", "Rad 2: «24» i kolonnen «år» er ikke et"),
    "missing value": ("år;kommune;verdi\n2024;1806;\n", "Rad 2: verdi mangler."),
    "not a municipality": (
        "år;kommune;verdi\n2024;Narvik;12\n",
        "Rad 2: «Narvik» i kolonnen «kommune» er ikke et kommunenummer",
    ),
    "municipality missing for a year": (
        HALOGALAND_CSV_2024 + "2025;1806;1\n2025;5503;2\n2025;5512;4\n",
        "Kommune 1853 mangler for 2025.",
    ),
    "no municipality column": (
        "år;verdi\n2024;12\n",
        "Filen må ha kolonnen «kommune» med kommunenummeret på hver rad",
    ),
    "duplicate row": (
        HALOGALAND_CSV_2024 + "2024;1806;9\n",
        "Rad 6: kommune 1806 og år 2024 står også i rad 2.",
    ),
    "decimal comma with comma separator": (
        "år,kommune,verdi\n2024,1806,1,5\n",
        "Rad 2: raden har 4 felt, men overskriftsraden har 3. Bruker du desimalkomma",
    ),
    "unbalanced quote": (
        'år;kommune;verdi\n2024;1806;"1\n',
        "raden kan ikke leses som CSV. Sjekk anførselstegnene i raden.",
    ),
    "only a header": ("år;kommune;verdi\n", "Filen har ingen rader under kolonneoverskriftene."),
}


@pytest.mark.parametrize("content, message", CSV_BROKEN.values(), ids=CSV_BROKEN.keys())
def test_broken_csv_is_refused(coordinator_client, indicator, content, message):
    before = all_values()

    response = upload(coordinator_client, indicator, _csv(content))

    assert response.status_code == 200
    text = response.content.decode()
    assert NOT_SAVED in text
    assert message in text
    assert all_values() == before


def test_every_error_in_the_file_is_listed_at_once(coordinator_client, indicator):
    content = "år;kommune;verdi\n2024;1806;x\n;5503;2\n2024;18;3\n"

    response = upload(coordinator_client, indicator, _csv(content))

    text = response.content.decode()
    assert "Rett de 3 feilene under" in text
    for row in ("Rad 2:", "Rad 3:", "Rad 4:"):
        assert row in text


FILE_BROKEN = {
    "json syntax error": (
        b'{"version": "2.0", "class": "dataset",\n "id": [',
        "Filen er ikke gyldig JSON: feil på linje 2",
    ),
    "NaN in json": (
        b'{"version": "2.0", "value": [NaN]}',
        "Filen er ikke gyldig JSON: den har tall eller nøsting som ikke kan leses.",
    ),
    "deeply nested json": (b"[" * 100_000 + b"]" * 100_000, "Filen er ikke gyldig JSON"),
    "a json array": (b"[1, 2, 3]", "den må være et JSON-objekt"),
    "broken json-stat 1": (
        b'{"dataset": {"dimension": {"id": ["Tid"], "size": [1]}, "value": [1]}}',
        "Dimensjonen «Tid» mangler i «dimension».",
    ),
    "neither utf-8 nor windows-1252": (
        "år;verdi\n2024;12\n".encode("latin-1") + b"\x81",
        "Filen er ikke lagret som UTF-8 (eller Windows-1252)",
    ),
    "excel workbook": (
        b"PK\x03\x04" + b"\x00" * 100,
        "Filen ser ut til å være en Excel-arbeidsbok",
    ),
    "binary": (b"\x00\x01\x02abc", "Filen er ikke en tekstfil."),
    "only whitespace": (b"  \n \n", "Filen er tom."),
    "too large": (
        b"aar;verdi\n" + b"2024;1\n" * (2 * 1024 * 1024 // 7 + 1),
        "Filen er for stor (2,1 MB). Den kan være høyst 2 MB.",
    ),
}


@pytest.mark.parametrize("content, message", FILE_BROKEN.values(), ids=FILE_BROKEN.keys())
def test_unreadable_files_are_refused(coordinator_client, indicator, content, message):
    before = all_values()

    response = upload(coordinator_client, indicator, content, name="fil.json")

    assert response.status_code == 200
    text = response.content.decode()
    assert NOT_SAVED in text
    assert message in text
    assert all_values() == before


def test_an_indicator_without_municipalities_chooses_one_region(single):
    """Issue #15: several regions and no municipality list is a choice (a national or county
    figure), no longer a refusal."""
    upload_file = SimpleUploadedFile("07459.json", SAMPLE_JSON.read_bytes())

    with pytest.raises(indicators.ChoiceNeeded) as caught:
        indicators.read_indicator_file(indicator=single, upload=upload_file)

    [region] = caught.value.dimensions
    assert (region.id, region.role) == ("Region", "region")
    assert [c.code for c in region.categories] == ["1806", "1853", "5503", "5512"]
    parsed = indicators.read_indicator_file(
        indicator=single, upload=upload_file, choices={"Region": "5503"}
    )
    assert [(v.year, v.value) for v in parsed.values] == [
        (2023, Decimal("24834")),
        (2024, Decimal("24900")),
        (2025, Decimal("24960")),
    ]
    assert parsed.chosen == {"Region": "Harstad"}
    assert not single.values.exists()


def test_a_file_without_the_indicators_municipalities(coordinator_client, agreement):
    other = make_indicator(agreement, municipalities="5501")

    response = upload(coordinator_client, other, SAMPLE_JSON.read_bytes(), "07459.json")

    assert "Filen har ingen tall for kommunene indikatoren gjelder (5501)." in (
        response.content.decode()
    )
    assert not other.values.exists()


def test_no_file_chosen(coordinator_client, indicator):
    response = coordinator_client.post(
        reverse("evaluation:indicator-import", args=[indicator.pk]), {}
    )

    assert response.status_code == 200
    assert "Velg en fil å laste opp." in response.content.decode()


HOSTILE = [
    b"{}",
    b'{"version": "2.0", "class": "dataset", "id": "Region", "size": 4}',
    b'{"version": "2.0", "class": "dataset", "id": [1], "size": [-1], "dimension": [], "value": 1}',
    b'{"version": "2.0", "class": "dataset", "id": ["Tid"], "size": [1], "dimension": '
    b'{"Tid": {"category": {"index": {"2024": 7}}}}, "value": [1]}',
    b'{"version": "2.0", "class": "dataset", "id": ["Tid"], "size": [1], "dimension": '
    b'{"Tid": {"category": {"label": {"2024": "2024"}}}}, "value": {"x": 1, "99": 2}}',
    b'{"version": "2.0", "class": "dataset", "id": ["Tid"], "size": [1], "dimension": '
    b'{"Tid": {"category": {"index": ["2024"]}}}, "value": [1' + b"0" * 5000 + b"]}",
    b'{"version": "2.0", "class": "dataset", "id": ["Tid"], "size": [1], "dimension": '
    b'{"Tid": {"category": {"index": ["2024"]}}}, "value": [1e999]}',
    b'{"version": "2.0", "class": "dataset", "id": ["Tid"], "size": [1], "dimension": '
    b'{"Tid": {"category": {"index": ["2024"]}}}, "value": [true]}',
    "år;verdi\n2024;1e5\n".encode(),
    "år;verdi\n2024;99999999999999999\n".encode(),
    'år;verdi\n2024;"1\n'.encode(),
    "år;verdi;år\n2024;1;2024\n".encode(),
]


@pytest.mark.parametrize("content", HOSTILE)
def test_hostile_files_get_a_message_never_a_server_error(coordinator_client, single, content):
    response = upload(coordinator_client, single, content, name="x.json")

    assert response.status_code == 200
    assert NOT_SAVED in response.content.decode()
    assert not single.values.exists()


def test_a_huge_sparse_cube_is_refused_before_it_is_built(coordinator_client, single):
    regions = [f"K-{n:05d}" for n in range(10_000)]
    years = [str(year) for year in range(1900, 2101)]
    data = {
        "version": "2.0",
        "class": "dataset",
        "id": ["Region", "Tid"],
        "size": [len(regions), len(years)],
        "dimension": {
            "Region": {"category": {"index": regions}},
            "Tid": {"category": {"index": years}},
        },
        "value": {"0": 1},
    }

    response = upload_json(coordinator_client, single, data)

    assert "Tabellen har for mange celler (2\xa0010\xa0000)." in response.content.decode()
    assert not single.values.exists()


def test_very_long_numbers_are_read_exactly_not_as_floats(coordinator_client, single):
    data = {
        "version": "2.0",
        "class": "dataset",
        "id": ["Tid"],
        "size": [1],
        "dimension": {"Tid": {"category": {"index": {"2024": 0}}}},
        "value": [0.1],
    }
    content = json.dumps(data).replace("0.1", "1234567890.125")

    response = upload(coordinator_client, single, content, name="x.json")

    assert response.status_code == 302
    assert stored(single)[2024][0] == Decimal("1234567890.13")


# --------------------------------------------------------------------------------------------
# Who may import


def test_anonymous_is_sent_to_login(client_for, indicator):
    url = reverse("evaluation:indicator-import", args=[indicator.pk])
    response = client_for(None).get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_reader_may_not_import(client_for, reader, indicator):
    client = client_for(reader)
    url = reverse("evaluation:indicator-import", args=[indicator.pk])
    assert client.get(url).status_code == 403
    assert upload(client, indicator, SAMPLE_JSON.read_bytes(), "x.json").status_code == 403
    assert list(indicator.values.values_list("year", flat=True)) == [2022]


def test_outsider_gets_404(client_for, outsider, indicator):
    client = client_for(outsider)
    assert upload(client, indicator, SAMPLE_JSON.read_bytes(), "x.json").status_code == 404
    assert list(indicator.values.values_list("year", flat=True)) == [2022]


def test_admin_may_import(client_for, admin_user, indicator):
    response = upload(client_for(admin_user), indicator, SAMPLE_JSON.read_bytes(), "x.json")
    assert response.status_code == 302
    assert indicator.values.count() == 4


def test_wrong_method(coordinator_client, indicator):
    url = reverse("evaluation:indicator-import", args=[indicator.pk])
    assert coordinator_client.put(url).status_code == 405


# --------------------------------------------------------------------------------------------
# The reader on its own


@pytest.mark.parametrize(
    "text, expected",
    [
        ("12", Decimal("12")),
        ("1 234,5", Decimal("1234.5")),
        ("1\u00a0234", Decimal("1234")),
        ("-3.25", Decimal("-3.25")),
        ("\u22125", Decimal("-5")),
        (",5", Decimal("0.5")),
    ],
)
def test_parse_number(text, expected):
    assert indicators.parse_number(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "1.234,5", "1e5", "NaN", "Infinity", "1,2,3"])
def test_parse_number_refuses(text):
    with pytest.raises(ValueError):
        indicators.parse_number(text)


def test_the_sample_is_shaped_like_pxweb_output():
    data = sample()
    assert data["version"] == "2.0" and data["class"] == "dataset"
    assert data["id"] == ["Region", "ContentsCode", "Tid"]
    assert data["role"] == {"time": ["Tid"], "geo": ["Region"], "metric": ["ContentsCode"]}
    assert data["extension"]["px"]["tableid"] == "07459"
    assert list(data["dimension"]["ContentsCode"]["category"]["index"]) == ["Personer1"]
    assert len(data["value"]) == 4 * 1 * 3
    assert "EKSEMPELVERDIER" in data["note"][0]
