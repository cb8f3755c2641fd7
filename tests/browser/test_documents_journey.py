"""A coordinator attaches the minutes to a meeting and a politician downloads them (issue #16),
in a real browser: the meeting page's «Dokumenter», the upload page (a file of the wrong kind
refused first, with the error summary), the file listed on the meeting page and in the brief,
the politician's download (an attachment with the original name and the same bytes), and the
coordinator's deletion with its confirmation. axe (WCAG 2.1 A/AA) on every page."""

import datetime

from playwright.sync_api import expect

from actionplans.models import Attachment
from agreements.models import Meeting, Party
from tests.factories import at
from tromsvekst.demo.users import DEMO_PASSWORD

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
NAME = "Referat vårmøtet 2026.pdf"


def _log_in(page, username: str) -> None:
    page.goto("/logg-inn/")
    page.get_by_label("Brukernavn").fill(username)
    page.get_by_label("Passord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("button", name="Logg ut")).to_be_visible()


def test_minutes_attached_and_downloaded(
    page, demo_site, assert_no_axe_violations, save_screenshot, tmp_path
):
    start = at(2026, 4, 22)
    meeting = Meeting.objects.create(
        agreement=demo_site,
        title="Vårmøte i partnerskapet",
        kind=Meeting.Kind.PHYSICAL,
        status=Meeting.Status.HELD,
        start=start,
        end=start + datetime.timedelta(hours=3),
        place="Harstad",
        inviting_party=Party.objects.get(slug="halogalandsradet"),
    )

    # The coordinator opens the meeting: no documents yet.
    _log_in(page, "koordinator.troms")
    page.goto(meeting.get_absolute_url())
    documents = page.get_by_role("region", name="Dokumenter")
    expect(documents).to_contain_text("Ingen dokumenter er lagt ved.")
    assert_no_axe_violations(page)
    documents.get_by_role("link", name="Legg ved dokument").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Legg ved dokument")
    assert_no_axe_violations(page)

    # A web page saved as .txt is refused, and nothing is stored.
    page.get_by_label("Fil").set_input_files(
        {"name": "referat.txt", "mimeType": "text/plain", "buffer": b"<html><body></body></html>"}
    )
    page.get_by_role("button", name="Last opp").click()
    summary = page.locator("#feiloppsummering")
    expect(summary).to_contain_text("Denne filtypen kan ikke lastes opp.")
    expect(summary).to_be_focused()
    assert_no_axe_violations(page)
    assert not Attachment.objects.exists()

    # The minutes as PDF.
    page.get_by_label("Fil").set_input_files(
        {"name": NAME, "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="Last opp").click()
    expect(page).to_have_url(meeting.get_absolute_url() + "#dokumenter")
    expect(page.get_by_role("status")).to_contain_text(f"«{NAME}» er lagt ved.")
    expect(documents.get_by_role("link", name=NAME, exact=True)).to_be_visible()
    expect(documents).to_contain_text("PDF")
    assert_no_axe_violations(page)
    save_screenshot(page, "meeting-documents")
    page.get_by_role("button", name="Logg ut").click()

    # The politician finds them on the meeting page and in the brief, and downloads them.
    _log_in(page, "politiker")
    page.goto(meeting.get_absolute_url())
    expect(documents.get_by_role("link", name="Legg ved dokument")).to_have_count(0)
    expect(documents.get_by_role("link", name=f"Slett {NAME}")).to_have_count(0)
    page.get_by_role("link", name="Møtebrief").first.click()
    expect(page.get_by_role("region", name="Dokumenter")).to_contain_text(NAME)
    assert_no_axe_violations(page)
    with page.expect_download() as info:
        page.get_by_role("region", name="Dokumenter").get_by_role(
            "link", name=NAME, exact=True
        ).click()
    download = info.value
    assert download.suggested_filename == NAME
    saved = tmp_path / "referat.pdf"
    download.save_as(saved)
    assert saved.read_bytes() == PDF
    page.get_by_role("button", name="Logg ut").click()

    # The coordinator deletes them, after a confirmation.
    _log_in(page, "koordinator.troms")
    page.goto(meeting.get_absolute_url())
    documents.get_by_role("link", name=f"Slett {NAME}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Slett dokument")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Ja, slett dokumentet").click()
    expect(page.get_by_role("status")).to_contain_text(f"«{NAME}» er slettet.")
    expect(documents).to_contain_text("Ingen dokumenter er lagt ved.")
    assert not Attachment.objects.exists()
