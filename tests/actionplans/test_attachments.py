"""Documents attached to meetings and milestones (issue #16): the type is told by the content,
the file is stored through the storage API, served only to people who may read the meeting or
milestone and always as a download, listed on the meeting page, the milestone page and in the
brief, kept in backups and recorded in the audit log."""

import hashlib
import io
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.urls import reverse
from openpyxl import Workbook

from actionplans import attachments
from actionplans.models import Attachment
from agreements.models import Meeting
from tests.factories import at, make_action, make_milestone, make_plan
from tromsvekst.audit.models import AuditEntry
from tromsvekst.operations import stored_files

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def _ooxml(main: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'content-types"><Override PartName="/main.xml" ContentType="{main}"/></Types>',
        )
        archive.writestr("main.xml", "<x/>")
    return buffer.getvalue()


def _odf(mimetype: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype)
        archive.writestr("content.xml", "<x/>")
    return buffer.getvalue()


def _xlsx() -> bytes:
    buffer = io.BytesIO()
    workbook = Workbook()
    workbook.active["A1"] = "Tiltak"
    workbook.save(buffer)
    return buffer.getvalue()


DOCX = _ooxml("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")
PPTX = _ooxml("application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml")


@pytest.fixture
def meeting(agreement) -> Meeting:
    start = at(2026, 5, 5)
    return Meeting.objects.create(
        agreement=agreement,
        title="Vårmøte i partnerskapet",
        kind=Meeting.Kind.PHYSICAL,
        start=start,
        end=at(2026, 5, 5, 14),
        place="Harstad",
        inviting_party=agreement.parties.first(),
    )


@pytest.fixture
def milestone(agreement):
    action = make_action(make_plan(agreement), "1.1-1", title="Boligsamarbeid")
    return make_milestone(action, "Kartlegging av boligbehov")


def _upload(client, url: str, data: bytes, name: str, content_type: str = "application/pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(url, {"file": SimpleUploadedFile(name, data, content_type=content_type)})


def _add_url(meeting: Meeting) -> str:
    return reverse("actionplans:meeting-attachment-add", args=[meeting.pk])


# --- What a file is -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (PDF, "referat.pdf", "application/pdf"),
        (DOCX, "referat.docx", attachments.OOXML[next(iter(attachments.OOXML))][0]),
        (_xlsx(), "tall.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (
            PPTX,
            "presentasjon.pptx",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        (
            _odf("application/vnd.oasis.opendocument.text"),
            "notat.odt",
            "application/vnd.oasis.opendocument.text",
        ),
        (PNG, "kart.png", "image/png"),
        (JPEG, "bilde.JPG", "image/jpeg"),
        ("Møtet ble holdt i Harstad.\n".encode(), "notat.txt", "text/plain; charset=utf-8"),
        (
            "kommune;folketall\nHarstad;24 800\n".encode("cp1252"),
            "tall.csv",
            "text/plain; charset=utf-8",
        ),
    ],
)
def test_allowed_types_are_told_by_their_content(data, name, content_type):
    assert attachments.check_file(data, name).content_type == content_type


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "tom.pdf", "Filen er tom."),
        (b"MZ\x90\x00\x03" + b"\x00" * 40, "program.pdf", "Denne filtypen kan ikke lastes opp."),
        (b"<!DOCTYPE html><script>alert(1)</script>", "side.txt", "Denne filtypen"),
        (b"<svg onload=alert(1)></svg>", "bilde.txt", "Denne filtypen"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40, "gammel.doc", "gammelt Office-format"),
        (_ooxml("application/x-unknown"), "pakke.docx", "Denne filtypen"),
        (b"PK\x03\x04 not really a zip", "falsk.xlsx", "Denne filtypen"),
        (PDF, "referat.docx", "innholdet er en .pdf-fil"),
        (PDF, "referat", "innholdet er en .pdf-fil"),
        (b"tekst\x00med\x00nuller", "data.txt", "Denne filtypen"),
    ],
)
def test_other_files_are_refused_with_a_message(data, name, message):
    with pytest.raises(Exception) as caught:
        attachments.check_file(data, name)
    assert message in " ".join(caught.value.message_dict["file"])


def test_clean_name_drops_folders_and_keeps_the_ending():
    assert attachments.clean_name("C:\\Users\\tone\\Referat.pdf") == "Referat.pdf"
    assert attachments.clean_name("../../etc/passwd\x00.txt") == "passwd.txt"
    long = attachments.clean_name("a" * 500 + ".pdf")
    assert len(long) == attachments.NAME_MAX_CHARS and long.endswith(".pdf")


# --- Attaching ----------------------------------------------------------------------------------


def test_a_coordinator_attaches_minutes_to_a_meeting(client_for, coordinator, meeting):
    client = client_for(coordinator)
    assert client.get(_add_url(meeting)).status_code == 200

    # The browser's claimed type is ignored: the content is a PDF.
    response = _upload(client, _add_url(meeting), PDF, "Referat vårmøtet.pdf", "text/html")

    assert response.status_code == 302
    assert response["Location"] == meeting.get_absolute_url() + "#dokumenter"
    saved = Attachment.objects.get()
    assert (saved.meeting, saved.milestone, saved.agreement) == (meeting, None, meeting.agreement)
    assert saved.original_name == "Referat vårmøtet.pdf"
    assert saved.content_type == "application/pdf"
    assert saved.size == len(PDF)
    assert saved.sha256 == hashlib.sha256(PDF).hexdigest()
    assert saved.uploaded_by == coordinator
    # Stored under a random name through the storage API, with the bytes as sent.
    assert saved.file.name.startswith("vedlegg/") and "Referat" not in saved.file.name
    with default_storage.open(saved.file.name, "rb") as stored:
        assert stored.read() == PDF

    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "Referat vårmøtet.pdf" in page
    assert saved.get_absolute_url() in page
    brief = client.get(reverse("actionplans:meeting-brief", args=[meeting.pk])).content.decode()
    assert "Referat vårmøtet.pdf" in brief


def test_a_coordinator_attaches_a_report_to_a_milestone(client_for, coordinator, milestone):
    client = client_for(coordinator)
    url = reverse("actionplans:milestone-attachment-add", args=[milestone.pk])

    response = _upload(client, url, DOCX, "Rapport.docx")

    assert response.status_code == 302
    saved = Attachment.objects.get()
    assert (saved.milestone, saved.meeting) == (milestone, None)
    assert saved.agreement == milestone.action.plan.agreement
    assert "Rapport.docx" in client.get(milestone.get_absolute_url()).content.decode()


def test_a_refused_file_saves_nothing_and_says_why(client_for, coordinator, meeting):
    client = client_for(coordinator)
    files_before = _stored_files()

    response = _upload(client, _add_url(meeting), b"<html><body>hei</body></html>", "side.txt")

    assert response.status_code == 200
    assert "Denne filtypen kan ikke lastes opp" in response.content.decode()
    assert not Attachment.objects.exists()
    assert _stored_files() == files_before


def test_no_file_chosen(client_for, coordinator, meeting):
    response = client_for(coordinator).post(_add_url(meeting), {})
    assert response.status_code == 200
    assert "Velg en fil å laste opp." in response.content.decode()
    assert not Attachment.objects.exists()


def test_a_file_over_the_limit_is_refused(client_for, coordinator, meeting, settings):
    settings.ATTACHMENT_MAX_BYTES = 1000
    response = _upload(client_for(coordinator), _add_url(meeting), PDF + b"0" * 2000, "stor.pdf")
    assert response.status_code == 200
    assert "Filen er for stor" in response.content.decode()
    assert not Attachment.objects.exists()


def test_a_body_over_the_limit_is_refused_unread(client_for, coordinator, meeting, settings):
    settings.ATTACHMENT_MAX_BYTES = 1000
    response = client_for(coordinator).post(
        _add_url(meeting),
        data=b"x",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(10 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert "Filen er for stor" in response.content.decode()
    assert not Attachment.objects.exists()


def test_readers_and_outsiders_cannot_attach(client_for, reader, outsider, meeting):
    assert _upload(client_for(reader), _add_url(meeting), PDF, "a.pdf").status_code == 403
    assert _upload(client_for(outsider), _add_url(meeting), PDF, "a.pdf").status_code == 404
    assert not Attachment.objects.exists()


def test_an_upload_needs_the_csrf_token(coordinator, meeting):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(coordinator)
    response = client.post(_add_url(meeting), {"file": SimpleUploadedFile("a.pdf", PDF)})
    assert response.status_code == 403
    assert not Attachment.objects.exists()


# --- Downloading --------------------------------------------------------------------------------


def _attach(meeting: Meeting, user, data: bytes = PDF, name: str = "Referat.pdf") -> Attachment:
    return attachments.attachment_add(user=user, data=data, name=name, meeting=meeting)


def test_a_politician_downloads_the_minutes(client_for, coordinator, reader, meeting):
    attachment = _attach(meeting, coordinator, name="Møtereferat «vår».pdf")

    response = client_for(reader).get(attachment.get_absolute_url())

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''M%C3%B8tereferat%20%C2%ABv%C3%A5r%C2%BB.pdf" in disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]


def test_text_is_served_as_plain_text_download(client_for, coordinator, reader, meeting):
    attachment = _attach(meeting, coordinator, data=b"a;b\n1;2\n", name="tall.csv")
    response = client_for(reader).get(attachment.get_absolute_url())
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="tall.csv"')


def test_outsiders_and_anonymous_visitors_get_nothing(client_for, coordinator, outsider, meeting):
    attachment = _attach(meeting, coordinator)
    assert client_for(outsider).get(attachment.get_absolute_url()).status_code == 404
    anonymous = client_for(None).get(attachment.get_absolute_url())
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("login"))


def test_a_missing_file_is_a_404_not_a_500(client_for, coordinator, reader, meeting):
    attachment = _attach(meeting, coordinator)
    default_storage.delete(attachment.file.name)
    assert client_for(reader).get(attachment.get_absolute_url()).status_code == 404


def test_user_text_in_the_name_stays_inert(client_for, coordinator, meeting):
    _attach(meeting, coordinator, name='<img src=x onerror="alert(1)">.pdf')
    page = client_for(coordinator).get(meeting.get_absolute_url()).content.decode()
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;.pdf" in page


# --- Deleting -----------------------------------------------------------------------------------


def test_delete_asks_first_then_removes_row_and_file(client_for, coordinator, meeting):
    attachment = _attach(meeting, coordinator)
    client = client_for(coordinator)
    url = reverse("actionplans:attachment-delete", args=[attachment.pk])

    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Ja, slett dokumentet" in confirm.content.decode()
    assert Attachment.objects.filter(pk=attachment.pk).exists()

    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == meeting.get_absolute_url() + "#dokumenter"
    assert not Attachment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_file_is_removed_once_the_deletion_is_committed(client_for, agreement, coordinator):
    meeting = Meeting.objects.create(
        agreement=agreement,
        title="Høstmøte",
        kind=Meeting.Kind.DIGITAL,
        start=at(2026, 10, 5),
        end=at(2026, 10, 5, 12),
        inviting_party=agreement.parties.first(),
    )
    attachment = _attach(meeting, coordinator)
    name = attachment.file.name
    assert default_storage.exists(name)
    client_for(coordinator).post(reverse("actionplans:attachment-delete", args=[attachment.pk]))
    assert not default_storage.exists(name)

    # The files of a deleted meeting go with it.
    name = _attach(meeting, coordinator).file.name
    assert default_storage.exists(name)
    meeting.delete()
    assert not default_storage.exists(name)


def test_readers_cannot_delete(client_for, coordinator, reader, meeting):
    attachment = _attach(meeting, coordinator)
    url = reverse("actionplans:attachment-delete", args=[attachment.pk])
    assert client_for(reader).post(url).status_code == 403
    assert Attachment.objects.filter(pk=attachment.pk).exists()
    assert default_storage.exists(attachment.file.name)


# --- Kept right ---------------------------------------------------------------------------------


def test_one_owner_exactly(coordinator, meeting, milestone):
    common = {
        "agreement": meeting.agreement,
        "file": "vedlegg/x.pdf",
        "original_name": "x.pdf",
        "size": 1,
        "content_type": "application/pdf",
        "sha256": "0" * 64,
        "uploaded_by": coordinator,
    }
    for owners in ({"meeting": meeting, "milestone": milestone}, {}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Attachment.objects.create(**common, **owners)


def test_attaching_and_deleting_are_in_the_audit_log(client_for, coordinator, meeting):
    client = client_for(coordinator)
    _upload(client, _add_url(meeting), PDF, "Referat.pdf")
    attachment = Attachment.objects.get()
    client.post(reverse("actionplans:attachment-delete", args=[attachment.pk]))

    entries = AuditEntry.objects.filter(
        content_type__model="attachment", object_id=attachment.pk
    ).order_by("pk")
    assert [e.action for e in entries] == ["opprettet", "slettet"]
    assert entries[0].user == coordinator
    assert entries[0].agreement_pk == meeting.agreement_id


def test_attachments_are_checked_after_a_backup(coordinator, meeting):
    attachment = _attach(meeting, coordinator)
    [check] = [c for c in stored_files.registered() if c.noun == "attached document"]
    [stored] = list(check.files())
    assert (stored.name, stored.sha256) == (attachment.file.name, hashlib.sha256(PDF).hexdigest())


def _stored_files() -> set[str]:
    from pathlib import Path

    from django.conf import settings

    root = Path(settings.MEDIA_ROOT)
    return {str(p) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


@pytest.mark.django_db(
    transaction=True
)  # the backup copies the database from outside a transaction
def test_a_backup_holds_the_file_and_notices_one_that_is_gone(
    coordinator, meeting, settings, tmp_path
):
    import tarfile

    from tromsvekst.operations.backup import backup

    settings.MEDIA_ROOT = tmp_path / "media"
    attachment = _attach(meeting, coordinator)

    result = backup(tmp_path / "backup.tar")

    assert result.file_problems == []
    with tarfile.open(tmp_path / "backup.tar") as archive:
        member = archive.extractfile(f"media/{attachment.file.name}")
        assert member is not None and member.read() == PDF

    default_storage.delete(attachment.file.name)
    result = backup(tmp_path / "backup-2.tar")
    assert result.file_problems == [
        f"attachment {attachment.pk}: {attachment.file.name} is missing from MEDIA_ROOT"
    ]


def test_the_brief_pdf_names_the_documents(client_for, coordinator, reader, meeting):
    from pypdf import PdfReader

    _attach(meeting, coordinator, name="Referat fra vårmøtet.pdf")
    response = client_for(reader).get(reverse("actionplans:meeting-brief-pdf", args=[meeting.pk]))
    assert response.status_code == 200
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Dokumenter" in text
    assert "Referat fra vårmøtet.pdf" in " ".join(text.split())
