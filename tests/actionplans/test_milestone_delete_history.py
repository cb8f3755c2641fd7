"""A coordinator may delete a milestone made by mistake even when it has progress updates and a
moved due date; the history leaves the plan but stays in the audit log (issue 11, finding 6)."""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from actionplans import services
from actionplans.models import Milestone, MilestoneDueDateChange, ProgressUpdate, Status
from tromsvekst.audit.models import AuditEntry


def _deleted(model, pk) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model),
            object_id=pk,
            action=AuditEntry.Action.DELETED,
        )
    )


def test_deleting_a_milestone_with_history_keeps_the_history_in_the_audit_log(
    client_for, coordinator, plan, make_action, make_milestone, log
):
    action = make_action(plan, "1.1-1", title="Boligsamarbeid")
    milestone = make_milestone(action, "Laget ved en feil", due=datetime.date(2026, 5, 1))
    first = log(milestone, coordinator, Status.ON_TRACK, 20, "Første.")
    second = log(milestone, coordinator, Status.AT_RISK, 30, "Andre.")
    moved = services.milestone_due_date_change(
        milestone=milestone,
        user=coordinator,
        new_due_date=datetime.date(2026, 6, 1),
        reason="Feil dato.",
    )
    url = reverse("actionplans:milestone-delete", args=[milestone.pk])
    client = client_for(coordinator)

    page = client.get(url).content.decode()
    response = client.post(url, {"confirm_history": "on"})

    assert "Den har 2 statusoppdateringer." in page
    assert "Fristen er flyttet 1 gang." in page
    assert "Historikken blir bevart i endringsloggen" in page
    assert response.status_code == 302
    assert response["Location"] == plan.get_absolute_url()
    assert not Milestone.objects.filter(pk=milestone.pk).exists()
    assert not ProgressUpdate.objects.filter(pk__in=[first.pk, second.pk]).exists()
    assert not MilestoneDueDateChange.objects.filter(pk=moved.pk).exists()
    # Every piece of the history is in the audit log, with who deleted it.
    [entry] = _deleted(Milestone, milestone.pk)
    assert entry.user == coordinator
    assert entry.changes["title"] == {"før": "Laget ved en feil"}
    comments = set()
    for update in (first, second):
        [logged] = _deleted(ProgressUpdate, update.pk)
        assert logged.user == coordinator
        assert logged.agreement_pk == plan.agreement_id
        comments.add(logged.changes["comment"]["før"])
    assert comments == {"Første.", "Andre."}
    [change] = _deleted(MilestoneDueDateChange, moved.pk)
    assert change.changes["reason"] == {"før": "Feil dato."}


def test_without_the_box_ticked_nothing_is_deleted(
    client_for, coordinator, plan, make_action, make_milestone, log
):
    action = make_action(plan, "1.1-1", title="Boligsamarbeid")
    milestone = make_milestone(action, "Har historikk")
    log(milestone, coordinator, Status.ON_TRACK, 20)

    response = client_for(coordinator).post(
        reverse("actionplans:milestone-delete", args=[milestone.pk]), {"confirm_history": "ja"}
    )

    assert response.status_code == 400
    assert Milestone.objects.filter(pk=milestone.pk).exists()
    assert not _deleted(Milestone, milestone.pk)


def test_a_reader_may_not_delete(client_for, reader, plan, make_action, make_milestone):
    action = make_action(plan, "1.1-1", title="Boligsamarbeid")
    milestone = make_milestone(action, "Står")

    response = client_for(reader).post(
        reverse("actionplans:milestone-delete", args=[milestone.pk]), {"confirm_history": "on"}
    )

    assert response.status_code == 403
    assert Milestone.objects.filter(pk=milestone.pk).exists()
