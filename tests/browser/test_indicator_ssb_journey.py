"""The county coordinator imports a real multi-dimension SSB file (table 05300: distance to the
nearest cultural venue, 6 × 8 series) for an indicator, chooses the categories, sees the
preview, confirms, and the evaluation report's chart shows the series; axe checks each page."""

import re
from decimal import Decimal
from pathlib import Path

from playwright.sync_api import expect

from evaluation.models import Indicator, IndicatorImportDraft, IndicatorValueChange
from tests.factories import make_indicator
from tromsvekst.demo.evaluation import demo_evaluation_load
from tromsvekst.demo.plan import demo_plan_load
from tromsvekst.demo.users import DEMO_PASSWORD

SSB_05300 = (
    Path(__file__).resolve().parents[1]
    / "evaluation"
    / "data"
    / "real"
    / "ssb-05300-avstand-kulturtilbud.json"
)
NAME = "Andel med under 1 km til kino"
# Read by hand from the file: Avstand1 «Under 1 km», Kulturtilbud «Kino …», 1991–2021.
SERIES = {1991: 16, 1994: 14, 1997: 12, 2000: 12, 2004: 11, 2008: 12, 2012: 10, 2016: 12, 2021: 12}


def test_county_coordinator_imports_a_multi_dimension_ssb_file(
    page, demo_site, assert_no_axe_violations, save_screenshot
):
    demo_plan_load()
    evaluation = demo_evaluation_load().evaluation
    indicator = make_indicator(
        demo_site, municipalities="", name=NAME, unit="prosent", source="SSB tabell 05300"
    )
    detail_url = f"/indikatorer/{indicator.pk}/"

    page.goto(f"/logg-inn/?next={detail_url}")
    page.get_by_label("Brukernavn").fill("koordinator.troms")
    page.get_by_label("Passord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    expect(page).to_have_url(re.compile(re.escape(detail_url) + "$"))

    page.get_by_role("link", name="Importer verdier").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Importer verdier")
    assert_no_axe_violations(page)
    page.get_by_label("Fil (CSV eller JSON-stat)").set_input_files(str(SSB_05300))
    page.get_by_role("button", name="Vis forhåndsvisning").click()

    # Step 2: one category per dimension, each select with its real label.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Velg hvilke tall som skal importeres"
    )
    assert_no_axe_violations(page)
    save_screenshot(page, "indicator-choose-1280")
    page.get_by_label("avstand").select_option(label="Under 1 km")
    page.get_by_label("kulturtilbud").select_option(
        label="Kino eller lokale med jevnlig spillefilmframvisning"
    )
    page.get_by_role("button", name="Vis forhåndsvisning").click()

    # The preview: nothing stored yet.
    expect(page.get_by_role("heading", level=1)).to_have_text("Forhåndsvisning: tallene som lagres")
    expect(page.get_by_text("9 år er nye.")).to_be_visible()
    table = page.get_by_role("table", name=re.compile("Verdiene som lagres"))
    expect(table.get_by_role("row")).to_have_count(len(SERIES) + 1)
    expect(table.get_by_role("row", name=re.compile("^2021"))).to_contain_text("12")
    assert not indicator.values.exists()
    assert_no_axe_violations(page)
    save_screenshot(page, "indicator-preview-1280")
    page.get_by_role("button", name="Lagre tallene").click()

    expect(page).to_have_url(re.compile(re.escape(detail_url) + "$"))
    expect(page.get_by_text("Importen er fullført: 9 verdier er lagret")).to_be_visible()
    expect(page.get_by_role("table", name=re.compile("Endringer av verdiene"))).to_contain_text(
        "Importert"
    )
    assert_no_axe_violations(page)
    save_screenshot(page, "indicator-detail-history-1280")
    assert dict(indicator.values.values_list("year", "value")) == {
        year: Decimal(value) for year, value in SERIES.items()
    }
    assert IndicatorValueChange.objects.filter(indicator=indicator, kind="import").count() == 9
    assert not IndicatorImportDraft.objects.exists()

    # The evaluation report's chart has one point per year of the series.
    page.goto(f"/evalueringer/{evaluation.pk}/")
    figure = page.locator(f"#indikator-{indicator.pk} figure.ind-chart")
    expect(figure).to_be_visible()
    expect(figure.locator("svg.ind-chart__svg circle")).to_have_count(len(SERIES))
    expect(figure.locator("svg.ind-chart__svg text", has_text="2021")).to_have_count(1)
    values_table = page.get_by_role("table", name=f"Verdier for {NAME} per år")
    expect(values_table.get_by_role("row")).to_have_count(len(SERIES) + 1)
    assert_no_axe_violations(page)
    save_screenshot(page, "indicator-report-chart-1280")
    assert Indicator.objects.get(pk=indicator.pk).values.count() == len(SERIES)
