"""The indicator import's steps after the upload: a file with more than one series asks for one
category per dimension, the preview shows the series per year that would be stored, and
«Lagre tallene» stores it — only if the indicator's values did not change since the preview.
The file waits in the database (IndicatorImportDraft), so any server process can answer each
step; nothing is stored before the confirmation.

The multi-dimension file is a real SSB answer (table 05300, tests/evaluation/data/real/README.md).
"""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from evaluation.models import IndicatorImportDraft, IndicatorValue, IndicatorValueChange
from tests.factories import make_indicator
from tests.helpers.html_checker import as_document, check_html, require_checker

DATA = Path(__file__).parent / "data"
SAMPLE_JSON = DATA / "ssb-07459-halogaland.json"
SSB_05300 = DATA / "real" / "ssb-05300-avstand-kulturtilbud.json"
# Table 05300, «Under 1 km» to a cinema, per cent, read by hand from the file's «value» (the
# first nine cells: Avstand1 01, Kulturtilbud 01, one ContentsCode, nine years).
CINEMA_UNDER_1_KM = {
    1991: 16,
    1994: 14,
    1997: 12,
    2000: 12,
    2004: 11,
    2008: 12,
    2012: 10,
    2016: 12,
    2021: 12,
}


@pytest.fixture
def population(agreement):
    """Summed over four municipalities; 2023 is stored already (and will be replaced)."""
    indicator = make_indicator(agreement)
    IndicatorValue.objects.create(indicator=indicator, year=2023, value=1, source_note="Gammel")
    return indicator


@pytest.fixture
def culture(agreement):
    """No municipality list: one national series of table 05300."""
    return make_indicator(
        agreement,
        municipalities="",
        name="Andel med kino nær",
        unit="prosent",
        source="SSB tabell 05300",
    )


@pytest.fixture
def coordinator_client(client_for, coordinator):
    return client_for(coordinator)


def upload(client, indicator, path: Path, step: str = "preview"):
    file = SimpleUploadedFile(path.name, path.read_bytes(), content_type="application/json")
    return client.post(
        reverse("evaluation:indicator-import", args=[indicator.pk]), {"file": file, "step": step}
    )


def draft_url(indicator, draft) -> str:
    return reverse("evaluation:indicator-import-draft", args=[indicator.pk, draft.pk])


def fingerprint_of(page: str) -> str:
    match = re.search(r'name="fingerprint" value="([0-9a-f]{64})"', page)
    assert match, "the preview has no «Lagre tallene» form"
    return match.group(1)


def hidden_choices(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(d\d+)" value="([^"]*)"', page))


def messages_of(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def stored(indicator) -> dict[int, Decimal]:
    return dict(indicator.values.values_list("year", "value"))


# --------------------------------------------------------------------------------------------
# One series: preview, then confirm


def test_a_preview_stores_nothing_until_it_is_confirmed(coordinator_client, population):
    response = upload(coordinator_client, population, SAMPLE_JSON)

    draft = IndicatorImportDraft.objects.get()
    assert response.status_code == 302
    assert response["Location"] == draft_url(population, draft)
    assert stored(population) == {2023: Decimal("1")}

    page = coordinator_client.get(response["Location"]).content.decode()
    assert "Forhåndsvisning: tallene som lagres" in page
    assert "Verdiene er summen for kommunene 1806, 5503, 1853, 5512 per år." in page
    for year, value in (("2023", "52\xa0202"), ("2024", "52\xa0305"), ("2025", "52\xa0390")):
        assert f'<th scope="row">{year}</th>\n          <td>{value}</td>' in page
    assert "Erstatter verdien" in page and "Nytt år" in page  # 2023 replaced, 2024–25 new
    assert "2 år er nye." in page
    assert "1 verdi som er lagret fra før, erstattes (2023)." in page
    assert stored(population) == {2023: Decimal("1")}

    confirmed = coordinator_client.post(response["Location"], {"fingerprint": fingerprint_of(page)})

    assert confirmed.status_code == 302
    assert confirmed["Location"] == reverse("evaluation:indicator-detail", args=[population.pk])
    assert stored(population) == {
        2023: Decimal("52202"),
        2024: Decimal("52305"),
        2025: Decimal("52390"),
    }
    assert "Verdien for 2023 fantes fra før og er erstattet." in messages_of(confirmed)
    assert not IndicatorImportDraft.objects.exists()
    history = IndicatorValueChange.objects.filter(indicator=population).order_by("year")
    assert [(c.year, c.kind, c.old_value, c.new_value) for c in history] == [
        (2023, "import", Decimal("1"), Decimal("52202")),
        (2024, "import", None, Decimal("52305")),
        (2025, "import", None, Decimal("52390")),
    ]
    assert {c.reason for c in history} == {"Importert fra filen «ssb-07459-halogaland.json»"}


def test_the_direct_import_stays_and_records_its_history(coordinator_client, population):
    response = upload(coordinator_client, population, SAMPLE_JSON, step="import")

    assert response.status_code == 302
    assert stored(population)[2025] == Decimal("52390")
    assert not IndicatorImportDraft.objects.exists()
    assert IndicatorValueChange.objects.filter(indicator=population, kind="import").count() == 3


# --------------------------------------------------------------------------------------------
# More than one series: choose, preview, confirm


def test_a_multi_dimension_ssb_file_asks_for_a_category_per_dimension(coordinator_client, culture):
    response = upload(coordinator_client, culture, SSB_05300, step="import")

    # Even «import without preview» must ask: the file has 6 × 8 series.
    draft = IndicatorImportDraft.objects.get()
    assert response["Location"] == draft_url(culture, draft)
    page = coordinator_client.get(response["Location"]).content.decode()
    assert "Velg hvilke tall som skal importeres" in page
    assert "<legend" in page
    # A real <label> for each select, with the dimension's label from the file.
    for name, label in (("d0", "avstand"), ("d1", "kulturtilbud")):
        assert re.search(rf'<label class="ds-label" for="id_{name}">{label}', page), name
        assert f'<select name="{name}"' in page
    assert ">Under 1 km</option>" in page and ">50 km eller over</option>" in page
    assert ">Kino eller lokale med jevnlig spillefilmframvisning</option>" in page
    assert ">Bokhandel</option>" in page
    assert "statistikkvariabel" not in page.split("<form", 1)[1].split("</form>")[0]
    assert not culture.values.exists()


def test_the_chosen_series_is_previewed_and_stored(coordinator_client, coordinator, culture):
    upload(coordinator_client, culture, SSB_05300)
    draft = IndicatorImportDraft.objects.get()

    preview = coordinator_client.get(draft_url(culture, draft), {"d0": "01", "d1": "01"})

    page = preview.content.decode()
    assert preview.status_code == 200
    assert "Forhåndsvisning: tallene som lagres" in page
    assert "<dt>avstand</dt><dd>Under 1 km</dd>" in page
    assert "<dt>kulturtilbud</dt><dd>Kino eller lokale med jevnlig spillefilmframvisning</dd>" in (
        page
    )
    assert "9 år er nye." in page
    assert "erstattes" not in page
    # The same source note for every year is said once.
    assert page.count("tabell 05300") == 1
    assert not culture.values.exists()
    assert hidden_choices(page) == {"d0": "01", "d1": "01"}

    confirmed = coordinator_client.post(
        draft_url(culture, draft),
        {**hidden_choices(page), "fingerprint": fingerprint_of(page)},
    )

    assert confirmed.status_code == 302
    assert stored(culture) == {year: Decimal(v) for year, v in CINEMA_UNDER_1_KM.items()}
    note = culture.values.get(year=2021).source_note
    assert "05300" in note
    assert IndicatorValueChange.objects.filter(indicator=culture).count() == 9
    assert IndicatorValueChange.objects.filter(changed_by=coordinator).count() == 9


def test_an_unknown_category_is_refused_and_nothing_is_stored(coordinator_client, culture):
    upload(coordinator_client, culture, SSB_05300)
    draft = IndicatorImportDraft.objects.get()

    response = coordinator_client.get(draft_url(culture, draft), {"d0": "99", "d1": "01"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Velg en av kategoriene i listen." in page
    assert 'name="fingerprint"' not in page
    # A confirmation with a forged choice is refused the same way.
    forged = coordinator_client.post(
        draft_url(culture, draft), {"d0": "99", "d1": "01", "fingerprint": "0" * 64}
    )
    assert forged.status_code == 200
    assert not culture.values.exists()
    assert IndicatorImportDraft.objects.filter(pk=draft.pk).exists()


def test_an_empty_confirmation_shows_the_page_again(coordinator_client, culture):
    upload(coordinator_client, culture, SSB_05300)
    draft = IndicatorImportDraft.objects.get()

    response = coordinator_client.post(draft_url(culture, draft), {})

    assert response.status_code == 200
    assert "Velg en kategori." in response.content.decode()
    assert not culture.values.exists()


def test_without_a_municipality_list_the_region_is_chosen(coordinator_client, culture):
    """The example file has four municipalities; an indicator without a list takes one."""
    upload(coordinator_client, culture, SAMPLE_JSON)
    draft = IndicatorImportDraft.objects.get()

    page = coordinator_client.get(draft_url(culture, draft)).content.decode()
    assert "Indikatoren har ingen kommuneliste: velg hvilken region tallene gjelder." in page
    assert ">Narvik</option>" in page and ">Tjeldsund</option>" in page

    preview = coordinator_client.get(draft_url(culture, draft), {"d0": "1806"}).content.decode()
    assert ">Narvik</dd>" in preview
    confirmed = coordinator_client.post(
        draft_url(culture, draft), {"d0": "1806", "fingerprint": fingerprint_of(preview)}
    )

    assert confirmed.status_code == 302
    assert stored(culture) == {2023: Decimal(21808), 2024: Decimal(21860), 2025: Decimal(21900)}


# --------------------------------------------------------------------------------------------
# What the confirmation guards against


def test_values_changed_after_the_preview_are_not_overwritten(
    coordinator_client, client_for, admin_user, population
):
    upload(coordinator_client, population, SAMPLE_JSON)
    draft = IndicatorImportDraft.objects.get()
    page = coordinator_client.get(draft_url(population, draft)).content.decode()
    # Meanwhile someone corrects 2023 by hand.
    client_for(admin_user).post(
        reverse("evaluation:indicator-value-edit", args=[population.pk, 2023]),
        {"value": "52000", "reason": "Rettet av SSB"},
    )

    response = coordinator_client.post(
        draft_url(population, draft), {"fingerprint": fingerprint_of(page)}
    )

    again = response.content.decode()
    assert response.status_code == 200
    assert "Verdiene for indikatoren er endret siden forhåndsvisningen ble laget." in again
    assert stored(population) == {2023: Decimal("52000")}
    # The new preview shows what is stored now, and confirming it works.
    assert "52\xa0000" in again
    confirmed = coordinator_client.post(
        draft_url(population, draft), {"fingerprint": fingerprint_of(again)}
    )
    assert confirmed.status_code == 302
    assert stored(population)[2023] == Decimal("52202")


def test_another_server_process_can_confirm(client_for, coordinator, population):
    """No step keeps anything in memory or in the session: a new client (a new session, as
    another gunicorn worker would see it) confirms the same draft."""
    first = client_for(coordinator)
    upload(first, population, SAMPLE_JSON)
    draft = IndicatorImportDraft.objects.get()
    page = first.get(draft_url(population, draft)).content.decode()

    second = client_for(coordinator)
    response = second.post(draft_url(population, draft), {"fingerprint": fingerprint_of(page)})

    assert response.status_code == 302
    assert stored(population)[2024] == Decimal("52305")


def test_an_expired_draft_is_removed_and_says_so(coordinator_client, population):
    upload(coordinator_client, population, SAMPLE_JSON)
    draft = IndicatorImportDraft.objects.get()
    IndicatorImportDraft.objects.filter(pk=draft.pk).update(
        expires_at=timezone.now() - timezone.timedelta(minutes=1)
    )

    response = coordinator_client.post(draft_url(population, draft), {"fingerprint": "0" * 64})

    assert response.status_code == 302
    assert response["Location"] == reverse("evaluation:indicator-import", args=[population.pk])
    assert "Forhåndsvisningen er utløpt" in messages_of(response)
    assert not IndicatorImportDraft.objects.exists()
    assert stored(population) == {2023: Decimal("1")}


def test_a_draft_is_reached_only_through_its_own_indicator(
    coordinator_client, client_for, reader, population, culture
):
    upload(coordinator_client, population, SAMPLE_JSON)
    draft = IndicatorImportDraft.objects.get()

    wrong = reverse("evaluation:indicator-import-draft", args=[culture.pk, draft.pk])
    assert coordinator_client.get(wrong).status_code == 404
    assert client_for(reader).get(draft_url(population, draft)).status_code == 403


def test_a_new_upload_replaces_the_persons_earlier_draft(coordinator_client, population):
    upload(coordinator_client, population, SAMPLE_JSON)
    upload(coordinator_client, population, SAMPLE_JSON)

    assert IndicatorImportDraft.objects.count() == 1
    draft = IndicatorImportDraft.objects.get()
    assert draft.data == SAMPLE_JSON.read_bytes()
    assert len(draft.sha256) == 64


def test_the_indicator_page_asks_the_same_queries_however_long_the_history(
    coordinator_client, coordinator, population, django_assert_num_queries
):
    url = reverse("evaluation:indicator-detail", args=[population.pk])
    coordinator_client.get(url)  # the session and the user, once

    with CaptureQueriesContext(connection) as context:
        assert coordinator_client.get(url).status_code == 200
    before = len(context.captured_queries)
    for year in range(1990, 2020):
        IndicatorValueChange.objects.create(
            indicator=population, year=year, kind="add", new_value=year, changed_by=coordinator
        )

    with django_assert_num_queries(before):
        page = coordinator_client.get(url).content.decode()
    assert page.count(coordinator.get_full_name()) >= 30


def test_the_sample_files_are_offered_as_example_data(coordinator_client, population):
    page = coordinator_client.get(
        reverse("evaluation:indicator-import", args=[population.pk])
    ).content.decode()

    assert "Tallene i dem er eksempelverdier, ikke offisiell statistikk." in page
    assert 'href="/static/samples/eksempel-ssb-07459-halogaland.json" download' in page
    assert 'href="/static/samples/eksempel-sysselsatte-halogaland.csv" download' in page


def test_the_served_samples_are_the_tested_ones():
    static = Path(__file__).resolve().parents[2] / "static" / "samples"
    assert (static / "eksempel-ssb-07459-halogaland.json").read_bytes() == (
        SAMPLE_JSON.read_bytes()
    )
    assert (static / "eksempel-sysselsatte-halogaland.csv").read_bytes() == (
        (DATA / "sysselsatte-halogaland.csv").read_bytes()
    )


# --------------------------------------------------------------------------------------------
# Every state of these pages is valid HTML (the walk of tests/validity sees only the first)


def test_every_state_of_the_pages_is_valid_html(
    coordinator_client, client_for, admin_user, population, culture
):
    require_checker()
    client = coordinator_client
    pages: dict[str, str] = {}

    def keep(label: str, response) -> None:
        assert response.status_code == 200, (label, response.status_code)
        pages[label] = as_document(response.content.decode())

    upload(client, culture, SSB_05300)
    choice = IndicatorImportDraft.objects.get(indicator=culture)
    keep("choose", client.get(draft_url(culture, choice)))
    keep("choose with errors", client.get(draft_url(culture, choice), {"d0": "99"}))
    keep("preview after a choice", client.get(draft_url(culture, choice), {"d0": "01", "d1": "01"}))

    upload(client, population, SAMPLE_JSON)
    draft = IndicatorImportDraft.objects.get(indicator=population)
    keep("values changed", client.post(draft_url(population, draft), {"fingerprint": "0" * 64}))
    keep("import page", client.get(reverse("evaluation:indicator-import", args=[population.pk])))

    add = reverse("evaluation:indicator-value-add", args=[population.pk])
    keep("add with errors", client.post(add, {"year": "1", "value": "x"}))
    client.post(
        reverse("evaluation:indicator-value-edit", args=[population.pk, 2023]),
        {"value": "2", "reason": "Rettet"},
    )
    edit = reverse("evaluation:indicator-value-edit", args=[population.pk, 2023])
    keep("edit with errors", client.post(edit, {"value": "", "reason": ""}))
    delete = reverse("evaluation:indicator-value-delete", args=[population.pk, 2023])
    keep("delete with errors", client.post(delete, {"reason": ""}))
    keep(
        "detail with history",
        client.get(reverse("evaluation:indicator-detail", args=[population.pk])),
    )

    errors = check_html(pages)
    listing = "\n".join(f"{label}, line {line}: {message}" for label, line, message in errors)
    assert not errors, listing


def test_a_file_name_with_control_characters_is_stored_without_them(coordinator_client, population):
    file = SimpleUploadedFile(
        "tall\x00\x1b.json", SAMPLE_JSON.read_bytes(), content_type="application/json"
    )
    response = coordinator_client.post(
        reverse("evaluation:indicator-import", args=[population.pk]),
        {"file": file, "step": "preview"},
    )

    assert response.status_code == 302
    name = IndicatorImportDraft.objects.get().file_name
    assert name.startswith("tall") and name.endswith(".json")
    assert all(character.isprintable() for character in name)


def test_a_direct_import_of_a_file_with_such_a_name(coordinator_client, population):
    file = SimpleUploadedFile(
        "tall\x00\x1b.json", SAMPLE_JSON.read_bytes(), content_type="application/json"
    )
    response = coordinator_client.post(
        reverse("evaluation:indicator-import", args=[population.pk]),
        {"file": file, "step": "import"},
    )

    assert response.status_code == 302
    reasons = set(IndicatorValueChange.objects.values_list("reason", flat=True))
    assert len(reasons) == 1
    assert all(character.isprintable() for character in reasons.pop())
