"""The walk over the portal's URL configuration that several test modules share.

``view_names()`` reads every named view from the URL conf (the Django admin aside);
``build_objects()`` makes one of every kind of record a view is about, in ``agreement``;
``url_for(name, objects)`` is the view's URL for those records. The permission matrix
(tests/test_permission_matrix.py) and the HTML validity walk (tests/validity/test_html_valid.py)
both use them, so a new view needs its arguments in ``URL_ARGS`` below (and its row in the matrix).
"""

import datetime

from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from actionplans.attachments import attachment_add
from actionplans.models import Action, ActionPlan, Milestone
from actionplans.services import progress_log
from agreements.invitations import invitation_token
from agreements.models import (
    AgendaItem,
    Agreement,
    CalendarFeed,
    Coordinator,
    Decision,
    FollowUpTask,
    Invitation,
    Meeting,
    Party,
)
from evaluation.models import (
    Evaluation,
    Indicator,
    IndicatorImportDraft,
    IndicatorValue,
    Recommendation,
)
from evaluation.services import evaluation_create


def view_names(resolver=None, namespace: str = "") -> set[str]:
    """Every named view of the URL conf as ``namespace:name`` (the Django admin left out)."""
    resolver = resolver or get_resolver()
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= view_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def build_objects(agreement: Agreement, coordinator: User) -> dict:
    """One record of each kind the views take, in ``agreement``; ``coordinator`` logs progress."""
    plan = ActionPlan.objects.create(agreement=agreement, start_year=2025, end_year=2026)
    sub_goal = agreement.sub_goals.get(code="1.1")
    action = Action.objects.create(
        plan=plan, number="1.1-1", title="Boligsamarbeid", sub_goal=sub_goal
    )
    action.strategies.set(sub_goal.strategies.all()[:1])
    logged = Milestone.objects.create(
        action=action, title="Kartlegging", due_date=datetime.date(2025, 12, 1)
    )
    progress_log(milestone=logged, user=coordinator, status="on_track", percent=20, seen_version=0)
    fresh = Milestone.objects.create(
        action=action, title="Ny milepæl", due_date=datetime.date(2026, 6, 1)
    )
    council = Party.objects.get(slug="halogalandsradet")
    start = timezone.make_aware(datetime.datetime(2026, 5, 4, 10, 0))
    meeting = Meeting.objects.create(
        agreement=agreement,
        title="Vårmøte",
        kind=Meeting.Kind.PHYSICAL,
        start=start,
        end=start + datetime.timedelta(hours=3),
        place="Harstad",
        inviting_party=council,
    )
    item = AgendaItem.objects.create(meeting=meeting, number=1, title="Status", sub_goal=sub_goal)
    decision = Decision.objects.create(agenda_item=item, text="Tatt til orientering.")
    task = FollowUpTask.objects.create(
        decision=decision,
        title="Sende referat",
        responsible=coordinator,
        due_date=datetime.date(2026, 6, 1),
    )
    colleague = Coordinator.objects.create(
        agreement=agreement,
        user=User.objects.create_user("kari.koordinator", first_name="Kari"),
        party=council,
        role=Coordinator.Role.COORDINATOR,
    )
    feed, _ = CalendarFeed.objects.get_or_create(agreement=agreement)
    invitation = Invitation.objects.create(
        agreement=agreement,
        party=council,
        role=Coordinator.Role.READER,
        name="Ola Invitert",
        email="ola.invitert@test.invalid",
        invited_by=coordinator,
    )
    evaluation = evaluation_create(
        agreement=agreement, kind=Evaluation.Kind.MID_TERM, year=2026, plans=[plan]
    )
    evaluation.feedback_open = True
    evaluation.save(update_fields=["feedback_open"])
    recommendation = Recommendation.objects.create(
        evaluation=evaluation, text="Styrk boligarbeidet."
    )
    indicator = Indicator.objects.create(
        agreement=agreement,
        long_term_effect=agreement.long_term_effects.get(order=2),
        name="Folketall",
        unit="personer",
        source="SSB tabell 07459",
    )
    IndicatorValue.objects.create(indicator=indicator, year=2024, value=5, source_note="SSB")
    draft_file = "år;verdi\n2024;6\n".encode()
    draft = IndicatorImportDraft.objects.create(
        indicator=indicator,
        origin=IndicatorImportDraft.Origin.UPLOAD,
        file_name="verdier.csv",
        data=draft_file,
        sha256="0" * 64,
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    attachment = attachment_add(
        user=coordinator, data=b"%PDF-1.7\nreferat\n", name="Referat.pdf", meeting=meeting
    )
    return {
        "attachment": attachment,
        "draft": draft,
        "evaluation": evaluation,
        "assessment": evaluation.assessments.first(),
        "recommendation": recommendation,
        "indicator": indicator,
        "agreement": agreement,
        "plan": plan,
        "action": action,
        "logged": logged,
        "fresh": fresh,
        "meeting": meeting,
        "item": item,
        "decision": decision,
        "task": task,
        "appointment": colleague,
        "invitation": invitation,
        "feed": feed,
        "coordinator": coordinator,
    }


def _reset_link(user: User) -> list[str]:
    return [urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)]


# The arguments of each view, from the records of ``build_objects``.
URL_ARGS = {
    "home": lambda o: [],
    "login": lambda o: [],
    "logout": lambda o: [],
    "accessibility": lambda o: [],
    "health": lambda o: [],
    "readiness": lambda o: [],
    "password_reset": lambda o: [],
    "password_reset_done": lambda o: [],
    "password_reset_confirm": lambda o: _reset_link(o["coordinator"]),
    "password_reset_complete": lambda o: [],
    "oidc-start": lambda o: ["entra"],
    "oidc-callback": lambda o: ["entra"],
    "mfa-verify": lambda o: [],
    "mfa-enrol": lambda o: [],
    "mfa-recovery-codes": lambda o: [],
    "agreements:agreement-list": lambda o: [],
    "agreements:agreement-detail": lambda o: [o["agreement"].slug],
    "actionplans:plan-list": lambda o: [o["agreement"].slug],
    "actionplans:plan-detail": lambda o: [o["plan"].pk],
    "actionplans:plan-export": lambda o: [o["plan"].pk],
    "actionplans:plan-import": lambda o: [o["plan"].pk],
    "actionplans:plan-import-confirm": lambda o: [o["plan"].pk],
    "actionplans:plan-carry-over": lambda o: [o["plan"].pk],
    "actionplans:action-create": lambda o: [o["plan"].pk],
    "actionplans:action-edit": lambda o: [o["action"].pk],
    "actionplans:milestone-create": lambda o: [o["action"].pk],
    "actionplans:my-milestones": lambda o: [],
    "actionplans:milestone-detail": lambda o: [o["logged"].pk],
    "actionplans:milestone-edit": lambda o: [o["logged"].pk],
    "actionplans:milestone-delete": lambda o: [o["fresh"].pk],
    "actionplans:progress-log": lambda o: [o["logged"].pk],
    "actionplans:dashboard": lambda o: [o["agreement"].slug],
    "actionplans:meeting-brief": lambda o: [o["meeting"].pk],
    "actionplans:meeting-brief-pdf": lambda o: [o["meeting"].pk],
    "actionplans:meeting-brief-old": lambda o: [o["meeting"].pk],
    "actionplans:meeting-brief-pdf-old": lambda o: [o["meeting"].pk],
    "actionplans:meeting-attachment-add": lambda o: [o["meeting"].pk],
    "actionplans:milestone-attachment-add": lambda o: [o["logged"].pk],
    "actionplans:attachment-download": lambda o: [o["attachment"].pk],
    "actionplans:attachment-delete": lambda o: [o["attachment"].pk],
    "actionplans:public-progress": lambda o: [o["agreement"].slug],
    "actionplans:public-progress-toggle": lambda o: [o["agreement"].slug],
    "agreements:coordinator-list": lambda o: [o["agreement"].slug],
    "agreements:coordinator-create": lambda o: [o["agreement"].slug],
    "agreements:coordinator-edit": lambda o: [o["appointment"].pk],
    "agreements:coordinator-delete": lambda o: [o["appointment"].pk],
    "agreements:invitation": lambda o: [invitation_token(o["invitation"])],
    "agreements:invitation-withdraw": lambda o: [o["invitation"].pk],
    "agreements:meeting-schedule": lambda o: [o["agreement"].slug],
    "agreements:meeting-plan-year": lambda o: [o["agreement"].slug, 2026],
    "agreements:meeting-create": lambda o: [o["agreement"].slug],
    "agreements:meeting-detail": lambda o: [o["meeting"].pk],
    "agreements:meeting-edit": lambda o: [o["meeting"].pk],
    "actionplans:agenda-item-create": lambda o: [o["meeting"].pk],
    "actionplans:agenda-item-edit": lambda o: [o["item"].pk],
    "agreements:decision-create": lambda o: [o["item"].pk],
    "agreements:decision-edit": lambda o: [o["decision"].pk],
    "agreements:task-create": lambda o: [o["decision"].pk],
    "agreements:task-toggle": lambda o: [o["task"].pk],
    "agreements:calendar-rotate": lambda o: [o["agreement"].slug],
    "agreements:calendar-feed": lambda o: [o["feed"].token],
    "agreements:meeting-ics": lambda o: [o["meeting"].pk],
    "evaluation:indicator-list": lambda o: [o["agreement"].slug],
    "evaluation:indicator-detail": lambda o: [o["indicator"].pk],
    "evaluation:indicator-create": lambda o: [o["agreement"].slug],
    "evaluation:indicator-edit": lambda o: [o["indicator"].pk],
    "evaluation:indicator-import": lambda o: [o["indicator"].pk],
    "evaluation:indicator-import-draft": lambda o: [o["indicator"].pk, o["draft"].pk],
    "evaluation:indicator-fetch": lambda o: [o["indicator"].pk],
    "evaluation:indicator-value-add": lambda o: [o["indicator"].pk],
    "evaluation:indicator-value-edit": lambda o: [o["indicator"].pk, 2024],
    "evaluation:indicator-value-delete": lambda o: [o["indicator"].pk, 2024],
    "evaluation:feedback-list": lambda o: [o["evaluation"].pk],
    "evaluation:feedback-toggle": lambda o: [o["evaluation"].pk],
    "evaluation:feedback-rotate": lambda o: [o["evaluation"].pk],
    "evaluation:feedback-form": lambda o: [o["evaluation"].feedback_token],
    "evaluation:evaluation-list": lambda o: [o["agreement"].slug],
    "evaluation:evaluation-detail": lambda o: [o["evaluation"].pk],
    "evaluation:evaluation-pdf": lambda o: [o["evaluation"].pk],
    "evaluation:evaluation-create": lambda o: [o["agreement"].slug],
    "evaluation:evaluation-edit": lambda o: [o["evaluation"].pk],
    "evaluation:assessment-edit": lambda o: [o["assessment"].pk],
    "evaluation:recommendation-create": lambda o: [o["evaluation"].pk],
    "evaluation:recommendation-edit": lambda o: [o["recommendation"].pk],
    "evaluation:evaluation-refresh": lambda o: [o["evaluation"].pk],
    "evaluation:recommendation-delete": lambda o: [o["recommendation"].pk],
    "evaluation:evaluation-finalise": lambda o: [o["evaluation"].pk],
    "audit:log": lambda o: [],
    "evaluation:search": lambda o: [],
    "agreements:setup-create": lambda o: [],
    "agreements:setup": lambda o: [o["agreement"].slug],
    "agreements:setup-texts": lambda o: [o["agreement"].slug],
    "agreements:setup-paste": lambda o: [o["agreement"].slug],
    "agreements:setup-party-add": lambda o: [o["agreement"].slug],
    "agreements:setup-item-add": lambda o: [o["agreement"].slug, "tema"],
    "agreements:setup-item-edit": lambda o: ["delmal", o["item"].sub_goal_id],
    "agreements:setup-item-delete": lambda o: ["tema", o["agreement"].central_themes.last().pk],
    "agreements:setup-item-move": lambda o: ["tema", o["agreement"].central_themes.first().pk],
    "agreements:revision-list": lambda o: [o["agreement"].slug],
    "actionplans:plan-create": lambda o: [o["agreement"].slug],
    "people:people-list": lambda o: [],
    "people:person-deactivate": lambda o: [o["appointment"].user_id],
    "people:person-reactivate": lambda o: [o["appointment"].user_id],
    "county:overview": lambda o: [],
    "county:overview-excel": lambda o: [],
}


def url_for(name: str, objects: dict) -> str:
    """The URL of view ``name`` for the records of ``build_objects`` (KeyError: not listed)."""
    return reverse(name, args=URL_ARGS[name](objects))
