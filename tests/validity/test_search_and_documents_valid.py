"""The search page with hits (highlighted excerpts) and without, its refusals, and the document
pages (attach, with an error, delete) and lists (meeting page, milestone page, brief) are valid
HTML (W3C Nu checker). The walk (test_html_valid.py) sees them only with the walk's records."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from actionplans.attachments import attachment_add
from agreements.models import Meeting, Party
from tests.factories import COUNCIL, at, log, make_action, make_milestone, make_plan
from tests.helpers.html_checker import as_document, check_html, require_checker

PDF = b"%PDF-1.7\n%%EOF\n"


def test_search_and_document_pages_are_valid_html(client_for, agreement, coordinator):
    require_checker()
    action = make_action(make_plan(agreement), "1.1-1", title="Boligtiltak")
    milestone = make_milestone(action, "Kartlegging", datetime.date(2026, 6, 30))
    log(milestone, coordinator, "on_track", 20, 'Boligene er kartlagt <b>"&</b> i Harstad.')
    start = at(2026, 5, 5)
    meeting = Meeting.objects.create(
        agreement=agreement,
        title="Vårmøte",
        kind=Meeting.Kind.PHYSICAL,
        start=start,
        end=start + datetime.timedelta(hours=3),
        inviting_party=Party.objects.get(slug=COUNCIL),
        minutes="Harstad ble nevnt.",
    )
    on_meeting = attachment_add(
        user=coordinator, data=PDF, name="Referat <vår>.pdf", meeting=meeting
    )
    attachment_add(user=coordinator, data=b"a;b\n", name="tall.csv", milestone=milestone)
    client = client_for(coordinator)
    search = reverse("evaluation:search")
    meeting_add = reverse("actionplans:meeting-attachment-add", args=[meeting.pk])
    milestone_add = reverse("actionplans:milestone-attachment-add", args=[milestone.pk])
    pages = {
        "search form": client.get(search),
        "search hits": client.get(search, {"q": "Harstad"}),
        "search no hits": client.get(search, {"q": "kvitbjørn"}),
        "search too long": client.get(search, {"q": "x" * 300}),
        "attach to meeting": client.get(meeting_add),
        "attach refused": client.post(
            meeting_add, {"file": SimpleUploadedFile("side.txt", b"<html></html>")}
        ),
        "attach to milestone": client.get(milestone_add),
        "delete": client.get(reverse("actionplans:attachment-delete", args=[on_meeting.pk])),
        "meeting with documents": client.get(meeting.get_absolute_url()),
        "milestone with documents": client.get(milestone.get_absolute_url()),
        "brief with documents": client.get(reverse("actionplans:meeting-brief", args=[meeting.pk])),
    }
    assert "<mark>" in pages["search hits"].content.decode()
    documents = {}
    for label, response in pages.items():
        assert response.status_code == 200, label
        documents[label] = as_document(response.content.decode())
    errors = check_html(documents)
    assert not errors, "\n".join(f"{label}:{line}: {text}" for label, line, text in errors)
