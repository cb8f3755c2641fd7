"""What the audit log records when the domain data changes through the portal's own views: who,
when, which record, and every field's value before and after."""

import datetime
import io
import json

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from actionplans.models import Action, Milestone, ProgressUpdate
from agreements.models import (
    AgendaItem,
    Agreement,
    CalendarFeed,
    Coordinator,
    Meeting,
    Party,
    Strategy,
)
from evaluation.models import Evaluation, Feedback, SubGoalAssessment
from tromsvekst.audit.models import AuditEntry

CREATED, CHANGED, DELETED = "opprettet", "endret", "slettet"


def _milestone_form(**overrides) -> dict:
    data = {
        "title": "Felles boligstrategi vedtatt",
        "description": "Legges fram for regionrådet.",
        "due_date": "2026-03-31",
        "responsible": "",
        "order": 2,
    }
    return data | overrides


def test_creating_a_milestone_records_who_when_and_every_value(
    client_for, coordinator, agreement, action, entries
):
    before = timezone.now()
    response = client_for(coordinator).post(
        reverse("actionplans:milestone-create", args=[action.pk]), _milestone_form()
    )

    assert response.status_code == 302
    milestone = Milestone.objects.get(action=action)
    [entry] = entries(Milestone, milestone.pk)
    assert entry.action == CREATED
    assert entry.user == coordinator
    assert entry.username == "tone.koordinator"
    assert before <= entry.when <= timezone.now()
    assert entry.object_repr == "Felles boligstrategi vedtatt"
    assert entry.agreement_pk == agreement.pk
    assert entry.source == "POST " + reverse("actionplans:milestone-create", args=[action.pk])
    assert entry.changes["title"] == {"etter": "Felles boligstrategi vedtatt"}
    assert entry.changes["due_date"] == {"etter": "2026-03-31"}
    assert entry.changes["status"] == {"etter": "not_started"}
    assert entry.changes["action"] == {"etter": action.pk}
    assert entry.changes["responsible"] == {"etter": None}
    assert "version" not in entry.changes  # the portal's own counter is noise


def test_changing_a_milestone_records_only_the_changed_fields_before_and_after(
    client_for, coordinator, agreement, milestone, entries
):
    client_for(coordinator).post(
        reverse("actionplans:milestone-edit", args=[milestone.pk]),
        _milestone_form(title="Kartlegging av boligbehov", due_date="2025-12-01", order=0),
    )

    [entry] = entries(Milestone, milestone.pk, CHANGED)
    assert entry.user == coordinator
    assert entry.agreement_pk == agreement.pk
    assert entry.changes == {
        "title": {"før": "Kartlegging", "etter": "Kartlegging av boligbehov"},
        "description": {"før": "", "etter": "Legges fram for regionrådet."},
    }


def test_saving_without_a_change_records_nothing(client_for, coordinator, milestone, entries):
    client_for(coordinator).post(
        reverse("actionplans:milestone-edit", args=[milestone.pk]),
        _milestone_form(title="Kartlegging", description="", due_date="2025-12-01", order=0),
    )

    assert entries(Milestone, milestone.pk, CHANGED) == []


def test_deleting_a_milestone_records_its_values(
    client_for, admin_user, agreement, milestone, entries
):
    response = client_for(admin_user).post(
        reverse("actionplans:milestone-delete", args=[milestone.pk])
    )

    assert response.status_code == 302
    assert not Milestone.objects.filter(pk=milestone.pk).exists()
    [entry] = entries(Milestone, milestone.pk, DELETED)
    assert entry.user == admin_user
    assert entry.username == "ada.admin"
    assert entry.object_repr == "Kartlegging"
    assert entry.agreement_pk == agreement.pk
    assert entry.changes["title"] == {"før": "Kartlegging"}
    assert entry.changes["due_date"] == {"før": "2025-12-01"}


def test_logging_progress_records_the_update_and_the_milestones_new_state(
    client_for, coordinator, agreement, milestone, entries
):
    response = client_for(coordinator).post(
        reverse("actionplans:progress-log", args=[milestone.pk]),
        {"status": "at_risk", "percent": "30", "comment": "Venter på data.", "version": "0"},
    )

    assert response.status_code == 302
    update = ProgressUpdate.objects.get(milestone=milestone)
    [logged] = entries(ProgressUpdate, update.pk)
    assert logged.action == CREATED
    assert logged.user == coordinator
    assert logged.agreement_pk == agreement.pk
    assert logged.changes["status"] == {"etter": "at_risk"}
    assert logged.changes["percent"] == {"etter": 30}
    assert logged.changes["comment"] == {"etter": "Venter på data."}
    assert logged.changes["previous_status"] == {"etter": "not_started"}
    [changed] = entries(Milestone, milestone.pk, CHANGED)
    assert changed.user == coordinator
    assert changed.changes == {
        "status": {"før": "not_started", "etter": "at_risk"},
        "percent": {"før": 0, "etter": 30},
        "last_update": {"før": None, "etter": update.pk},
    }


def test_changing_an_actions_strategies_records_the_links_before_and_after(
    client_for, coordinator, agreement, action, entries
):
    goal = action.sub_goal
    first, second = Strategy.objects.filter(sub_goal=goal).order_by("order")[:2]
    data = {
        "number": action.number,
        "title": action.title,
        "description": "",
        "sub_goal": goal.pk,
        "strategies": [second.pk],
        "lead_party": "",
        "responsible": [],
        "partners": "",
        "order": 0,
    }

    response = client_for(coordinator).post(
        reverse("actionplans:action-edit", args=[action.pk]), data
    )

    assert response.status_code == 302
    links = [e for e in entries(Action, action.pk, CHANGED) if e.user == coordinator]
    assert links, "the change of strategies was not recorded"
    assert all(set(e.changes) == {"strategies"} for e in links)
    assert all(e.agreement_pk == agreement.pk for e in links)
    # set() removes and then adds: the first entry starts from the old links, the last ends at
    # the new ones.
    assert links[0].changes["strategies"]["før"] == [str(first)]
    assert links[-1].changes["strategies"]["etter"] == [str(second)]


def test_rotating_the_calendar_link_records_that_the_secret_changed_not_its_value(
    client_for, coordinator, agreement, entries
):
    feed, _ = CalendarFeed.objects.get_or_create(agreement=agreement)
    old_token = feed.token

    client_for(coordinator).post(reverse("agreements:calendar-rotate", args=[agreement.slug]))

    feed.refresh_from_db()
    assert feed.token != old_token
    [entry] = entries(CalendarFeed, feed.pk, CHANGED)
    assert entry.user == coordinator
    assert entry.changes["token"] == {"skjult": True}
    stored = json.dumps([e.changes for e in AuditEntry.objects.all()])
    assert old_token not in stored
    assert feed.token not in stored


def test_inviting_a_new_person_records_the_invitation_then_the_account_and_the_role(
    client_for, coordinator, agreement, entries
):
    from agreements.invitations import invitation_token
    from agreements.models import Invitation

    response = client_for(coordinator).post(
        reverse("agreements:coordinator-create", args=[agreement.slug]),
        {
            "name": "Kari Nordmann",
            "email": "kari@halogaland.test",
            "party": Party.objects.get(slug="halogalandsradet").pk,
            "role": "reader",
            "title": "",
            "phone": "",
        },
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    [invited] = entries(Invitation, invitation.pk)
    assert invited.user == coordinator
    assert invited.changes["email"] == {"etter": "kari@halogaland.test"}

    # Kari accepts through the e-mailed link, without an account yet.
    link = reverse("agreements:invitation", args=[invitation_token(invitation)])
    assert client_for(None).post(link, {"svar": "godta"}).status_code == 302

    kari = User.objects.get(email="kari@halogaland.test")
    [account] = entries(User, kari.pk)
    assert account.action == CREATED
    assert account.username == "anonym"  # she was not logged in: the link was her key
    assert account.agreement_pk == agreement.pk
    assert account.changes["email"] == {"etter": "kari@halogaland.test"}
    assert account.changes["first_name"] == {"etter": "Kari"}
    assert "password" not in account.changes
    role = Coordinator.objects.get(user=kari)
    [appointed] = entries(Coordinator, role.pk)
    assert appointed.changes["role"] == {"etter": "reader"}
    assert appointed.changes["user"] == {"etter": kari.pk}
    assert appointed.source == "POST /avtaler/invitasjon/[skjult]/"
    [answered] = entries(Invitation, invitation.pk, DELETED)
    assert answered.changes["email"] == {"før": "kari@halogaland.test"}


def test_creating_an_evaluation_records_its_assessments_made_in_bulk(
    client_for, coordinator, agreement, plan, entries
):
    response = client_for(coordinator).post(
        reverse("evaluation:evaluation-create", args=[agreement.slug]), {"kind": "mid_term"}
    )

    assert response.status_code == 302
    evaluation = Evaluation.objects.get(agreement=agreement)
    [made] = entries(Evaluation, evaluation.pk, CREATED)
    assert made.user == coordinator
    assert made.changes["feedback_token"] == {"skjult": True}
    assert evaluation.feedback_token not in json.dumps(made.changes)
    assessed = entries(SubGoalAssessment, action=CREATED)
    assert len(assessed) == 6
    assert {e.object_id for e in assessed} == set(
        evaluation.assessments.values_list("pk", flat=True)
    )
    assert all(e.user == coordinator and e.agreement_pk == agreement.pk for e in assessed)
    assert "snapshot" in assessed[0].changes
    [linked] = [e for e in entries(Evaluation, evaluation.pk, CHANGED) if "plans" in e.changes]
    assert linked.changes["plans"] == {"før": [], "etter": [str(plan)]}


def test_refreshing_the_snapshot_records_the_figures_that_changed(
    client_for, coordinator, agreement, plan, milestone, entries
):
    client = client_for(coordinator)
    client.post(
        reverse("evaluation:evaluation-create", args=[agreement.slug]), {"kind": "mid_term"}
    )
    evaluation = Evaluation.objects.get(agreement=agreement)
    client.post(
        reverse("actionplans:progress-log", args=[milestone.pk]),
        {"status": "done", "percent": "100", "comment": "", "version": "0"},
    )

    response = client.post(reverse("evaluation:evaluation-refresh", args=[evaluation.pk]))

    assert response.status_code == 302
    assessment = evaluation.assessments.get(sub_goal__code="1.1")
    [changed] = entries(SubGoalAssessment, assessment.pk, CHANGED)
    assert changed.user == coordinator
    assert set(changed.changes) == {"snapshot"}
    assert changed.changes["snapshot"]["før"] != changed.changes["snapshot"]["etter"]
    assert changed.changes["snapshot"]["etter"] == json.loads(json.dumps(assessment.snapshot))
    # The other delmål have no milestones: their figures did not move, so nothing is recorded.
    assert len(entries(SubGoalAssessment, action=CHANGED)) == 1


def test_feedback_through_the_open_link_is_recorded_as_anonymous_without_the_sender_key(
    agreement, entries
):
    evaluation = Evaluation.objects.create(
        agreement=agreement, kind=Evaluation.Kind.MID_TERM, year=2026, feedback_open=True
    )

    response = Client().post(
        reverse("evaluation:feedback-form", args=[evaluation.feedback_token]),
        {
            "stakeholder": "Evenes kommune",
            "stakeholder_kind": "municipality",
            "focus_area": "",
            "text": "Samarbeidet fungerer godt.",
            "rating": "4",
            "nettside": "",
        },
    )

    assert response.status_code == 302
    feedback = Feedback.objects.get()
    [entry] = entries(Feedback, feedback.pk)
    assert entry.user is None
    assert entry.username == "anonym"
    assert entry.agreement_pk == agreement.pk
    assert entry.changes["stakeholder"] == {"etter": "Evenes kommune"}
    assert entry.changes["sender_hash"] == {"skjult": True}
    assert feedback.sender_hash not in json.dumps(entry.changes)


def test_a_change_in_the_django_admin_is_recorded_with_the_administrator(
    client_for, admin_user, agreement, entries
):
    party = Party.objects.get(slug="halogalandsradet")
    response = client_for(admin_user).post(
        reverse("admin:agreements_party_change", args=[party.pk]),
        {"name": party.name, "slug": party.slug, "kind": party.kind, "website": "https://hr.no/"},
    )

    assert response.status_code == 302
    [entry] = entries(Party, party.pk, CHANGED)
    assert entry.user == admin_user
    assert entry.changes == {"website": {"før": party.website, "etter": "https://hr.no/"}}
    assert entry.agreement_pk is None  # a party belongs to no single agreement
    assert entry.source.startswith("POST /admin/")


def test_a_management_command_records_as_the_system(agreement, entries):
    original = agreement.overall_goal
    agreement.overall_goal = "Endret i portalen."
    agreement.save(update_fields=["overall_goal"])

    call_command("load_agreement", "--reset", stdout=io.StringIO())

    [reset] = entries(Agreement, agreement.pk, CHANGED)[1:]
    assert reset.user is None
    assert reset.username == "system"
    assert reset.source == "manage.py load_agreement"
    assert reset.changes["overall_goal"] == {"før": "Endret i portalen.", "etter": original}


def test_a_cascade_records_every_deleted_row_with_its_agreement(
    agreement, action, milestone, entries
):
    action.delete()

    [gone] = entries(Action, action.pk, DELETED)
    [also_gone] = entries(Milestone, milestone.pk, DELETED)
    assert gone.agreement_pk == also_gone.agreement_pk == agreement.pk
    assert also_gone.changes["title"] == {"før": "Kartlegging"}


def test_a_change_that_is_rolled_back_leaves_no_entry(agreement, entries):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        agreement.title = "Midlertidig"
        agreement.save()
        raise RuntimeError

    assert entries(Agreement, agreement.pk, CHANGED) == []


def test_a_date_given_as_text_and_the_same_date_from_the_database_are_no_change(milestone, entries):
    milestone.due_date = "2025-12-01"
    milestone.save()

    assert entries(Milestone, milestone.pk, CHANGED) == []
    milestone.due_date = datetime.date(2025, 12, 2)
    milestone.save()
    [entry] = entries(Milestone, milestone.pk, CHANGED)
    assert entry.changes == {"due_date": {"før": "2025-12-01", "etter": "2025-12-02"}}


def test_links_changed_from_the_other_side_are_recorded_on_that_side(agreement, milestone, entries):
    start = timezone.now()
    meeting = Meeting.objects.create(
        agreement=agreement,
        title="Vårmøte",
        kind=Meeting.Kind.DIGITAL,
        start=start,
        end=start + datetime.timedelta(hours=2),
        inviting_party=Party.objects.get(slug="halogalandsradet"),
    )
    item = AgendaItem.objects.create(meeting=meeting, number=1, title="Status")

    item.milestones.set([milestone])  # the far side of Milestone.agenda_items

    [linked] = entries(AgendaItem, item.pk, CHANGED)
    assert linked.changes == {"milestones": {"før": [], "etter": ["Kartlegging"]}}
    assert linked.agreement_pk == agreement.pk


def test_every_domain_model_is_audited_and_knows_its_agreement():
    from django.apps import apps

    from tromsvekst.audit import capture

    audited = {m._meta.label_lower for m in capture.audited_models()}
    domain = {
        m._meta.label_lower
        for m in apps.get_models()
        if m._meta.app_label in ("agreements", "actionplans", "evaluation")
    }
    assert domain - audited == {"actionplans.sentreminder"}
    without_agreement = {
        m._meta.label_lower for m in capture.audited_models() if capture._agreement_chain(m) is None
    }
    assert without_agreement == {"agreements.party"}  # a party can be in many agreements
