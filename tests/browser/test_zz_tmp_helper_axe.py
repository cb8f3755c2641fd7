# TEMPORARY (helper's own check, deleted after running).
from pathlib import Path

from agreements.demo import DEMO_PASSWORD
from evaluation.demo_indicators import demo_indicators_load
from evaluation.models import Evaluation, Indicator

DATA = Path(__file__).parent.parent / "evaluation" / "data"


def _log_in(page, username, password):
    page.goto("/logg-inn/")
    page.get_by_label("Brukernavn").fill(username)
    page.get_by_label("Passord").fill(password)
    page.get_by_role("button", name="Logg inn").click()


def test_pages(page, demo_site, assert_no_axe_violations, save_screenshot):
    ev = Evaluation.objects.create(agreement=demo_site, kind="mid_term", year=2026, feedback_open=True, is_example=True)
    demo_indicators_load()
    ind = Indicator.objects.first()
    # public form, empty then with errors
    page.goto(f"/tilbakemelding/{ev.feedback_token}/")
    assert_no_axe_violations(page)
    save_screenshot(page, "tmp-feedback-form")
    page.get_by_role("button", name="Send tilbakemeldingen").click()
    assert_no_axe_violations(page)
    save_screenshot(page, "tmp-feedback-form-errors")
    page.get_by_label("Navn", exact=True).fill("Evenes kommune")
    page.get_by_label("Kommune", exact=True).check()
    page.get_by_label("Tilbakemelding", exact=True).fill("Bra samarbeid.")
    page.get_by_role("button", name="Send tilbakemeldingen").click()
    assert "Takk for tilbakemeldingen" in page.content()
    assert_no_axe_violations(page)
    _log_in(page, "koordinator.troms", DEMO_PASSWORD)
    for url, name in [
        (f"/avtaler/{demo_site.slug}/indikatorer/", "tmp-indicator-list"),
        (f"/indikatorer/{ind.pk}/", "tmp-indicator-detail"),
        (f"/indikatorer/{ind.pk}/endre/", "tmp-indicator-edit"),
        (f"/avtaler/{demo_site.slug}/indikatorer/ny/", "tmp-indicator-new"),
        (f"/indikatorer/{ind.pk}/import/", "tmp-indicator-import"),
        (f"/evalueringer/{ev.pk}/tilbakemeldinger/", "tmp-feedback-list"),
    ]:
        page.goto(url)
        assert_no_axe_violations(page)
        save_screenshot(page, name)
    page.goto(f"/indikatorer/{ind.pk}/import/")
    page.get_by_label("Fil (CSV eller JSON-stat 2)").set_input_files(str(DATA / "sysselsatte-halogaland.csv"))
    page.get_by_role("button", name="Importer").click()
    assert_no_axe_violations(page)
    save_screenshot(page, "tmp-indicator-import-errors")
    page.goto(f"/evalueringer/{ev.pk}/tilbakemeldinger/")
    page.get_by_role("button", name="Steng skjemaet").click()
    assert_no_axe_violations(page)
    save_screenshot(page, "tmp-feedback-list-closed")
    page.goto(f"/tilbakemelding/{ev.feedback_token}/")
    assert_no_axe_violations(page)
    save_screenshot(page, "tmp-feedback-closed")
