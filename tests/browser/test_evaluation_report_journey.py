"""A county coordinator fills in an assessment, previews the report and exports the PDF, in a
real browser; axe checks the evaluation pages."""

import io
import re

from playwright.sync_api import expect
from pypdf import PdfReader

from evaluation.models import SubGoalAssessment
from tromsvekst.demo.evaluation import demo_evaluation_load
from tromsvekst.demo.plan import demo_plan_load
from tromsvekst.demo.users import DEMO_PASSWORD

LIST_URL = "/avtaler/halogaland/evalueringer/"
NARRATIVE = "Boligsamarbeidet er i gang i alle kommunene, men tomtemangelen er ikke løst."


def test_county_coordinator_assesses_previews_and_exports_the_report(
    page, demo_site, assert_no_axe_violations, save_screenshot
):
    demo_plan_load()
    evaluation = demo_evaluation_load().evaluation

    page.goto(f"/logg-inn/?next={LIST_URL}")
    page.get_by_label("Brukernavn").fill("koordinator.troms")
    page.get_by_label("Passord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    expect(page).to_have_url(re.compile(re.escape(LIST_URL) + "$"))
    assert_no_axe_violations(page)

    page.get_by_role("link", name=str(evaluation)).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Midtveisevaluering 2026")
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Endre vurderingen av delmål 1.1").click()
    assert_no_axe_violations(page)
    page.get_by_label("Delvis oppnådd").check()
    page.get_by_label("Vurdering i tekst").fill(NARRATIVE)
    page.get_by_label("Grunnlag og kilder").fill("Statusoppdateringer i handlingsplanen.")
    page.get_by_role("button", name=re.compile("Lagre")).click()

    # The report page is the preview: the new narrative and the rating label are in it.
    expect(page).to_have_url(re.compile(rf"/evalueringer/{evaluation.pk}/"))
    expect(page.get_by_text(NARRATIVE)).to_be_visible()
    expect(page.get_by_text("Delvis oppnådd").first).to_be_visible()
    assert_no_axe_violations(page)
    save_screenshot(page, "evaluation-report-1280")

    href = page.get_by_role("link", name="Last ned utkastet som PDF").get_attribute("href")
    response = page.request.get(href)
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/pdf")
    body = response.body()
    assert body.startswith(b"%PDF")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages)
    assert "UTKAST" in text
    assert "1.1" in text
    assert "Boligsamarbeidet er i gang" in text

    page.set_viewport_size({"width": 375, "height": 812})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert_no_axe_violations(page)
    save_screenshot(page, "evaluation-report-375")

    assessment = SubGoalAssessment.objects.get(evaluation=evaluation, sub_goal__code="1.1")
    assert assessment.rating == SubGoalAssessment.Rating.PARTLY
    assert assessment.narrative == NARRATIVE
