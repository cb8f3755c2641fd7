"""The people of an agreement, its meetings (§5.1), decisions and follow-up tasks.

An agenda item's create and edit pages (they link the item to actions and milestones) are in
``actionplans.views_agenda``, under the same addresses.

Who may do what (see ``agreements.access``): reading needs a role in the agreement (or admin),
changing needs the coordinator role (or admin). Anonymous users are sent to login, outsiders get
404, readers who try to change something get 403.
"""

import copy

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agreements import calendar, invitations, rules, selectors, services
from agreements.access import get_for_user
from agreements.forms import (
    CoordinatorChangeForm,
    DecisionForm,
    FollowUpTaskForm,
    InvitationForm,
    MeetingForm,
)
from agreements.models import AgendaItem, Agreement, Coordinator, Decision, FollowUpTask, Meeting
from tromsvekst.lib.dates import local_today
from tromsvekst.lib.forms import add_service_errors
from tromsvekst.lib.names import display_name
from tromsvekst.lib.requests import form_data, signed_in_user
from tromsvekst.lib.security import safe_next


def _item_anchor(item: AgendaItem) -> str:
    return item.meeting.get_absolute_url() + f"#sak-{item.pk}"


# --- Coordinators and readers -------------------------------------------------------------------


@require_GET
def coordinator_list(request: HttpRequest, slug: str) -> HttpResponse:
    agreement = get_for_user(request, Agreement, slug, field="slug")
    groups = selectors.people_by_party(agreement)
    can_edit = rules.can_edit_agreement(request.user, agreement)
    allowed = rules.appointable_party_ids(request.user, agreement) if can_edit else set()
    for group in groups:
        for person in group["people"]:
            person.agreement = agreement  # the rules read it; saves a query per person
            person.can_change = can_edit and rules.may_change(request.user, person, allowed=allowed)
            person.can_remove = can_edit and rules.may_remove(request.user, person, allowed=allowed)
    waiting = []
    if can_edit:
        now = timezone.now()
        for invitation in agreement.invitations.select_related("party", "invited_by"):
            invitation.expired = invitations.is_expired(invitation, now)  # type: ignore[attr-defined]  # a mark for the template, not a model field
            invitation.can_withdraw = invitation.party_id in allowed  # type: ignore[attr-defined]  # a mark for the template, not a model field
            waiting.append(invitation)
    ctx = {
        "agreement": agreement,
        "groups": groups,
        "can_edit": can_edit,
        "invitations": waiting,
        "invitation_days": invitations.INVITATION_DAYS,
    }
    return render(request, "agreements/coordinator_list.html", ctx)


@require_http_methods(["GET", "POST"])
def coordinator_create(request: HttpRequest, slug: str) -> HttpResponse:
    """Add a person ("Legg til person"): an invitation by e-mail (agreements.invitations). The answer is the
    same whether or not the address has an account in the portal."""
    agreement = get_for_user(request, Agreement, slug, field="slug", edit=True)
    if not rules.appointable_party_ids(request.user, agreement):
        raise PermissionDenied
    form = InvitationForm(form_data(request), agreement=agreement, actor=signed_in_user(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitation = invitations.invitation_create(
                agreement=agreement,
                party=data["party"],
                role=data["role"],
                name=data["name"],
                email=data["email"],
                title=data["title"],
                phone=data["phone"],
                by=signed_in_user(request),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "%(name)s er invitert som %(role)s for %(party)s. Invitasjonen sendes til "
                    "%(email)s, og personen får rollen når invitasjonen er godtatt."
                )
                % {
                    "name": invitation.name,
                    "role": invitation.get_role_display().lower(),
                    "party": invitation.party.name,
                    "email": invitation.email,
                },
            )
            return redirect("agreements:coordinator-list", slug=agreement.slug)
    ctx = {
        "agreement": agreement,
        "form": form,
        "coordinator": None,
        "form_action": reverse("agreements:coordinator-create", args=[agreement.slug]),
        "cancel_url": reverse("agreements:coordinator-list", args=[agreement.slug]),
    }
    return render(request, "agreements/coordinator_form.html", ctx)


@require_http_methods(["GET", "POST"])
def coordinator_edit(request: HttpRequest, pk: int) -> HttpResponse:
    coordinator = get_for_user(
        request, Coordinator.objects.select_related("party", "user"), pk, edit=True
    )
    if not rules.may_change(request.user, coordinator):
        raise PermissionDenied
    agreement = coordinator.agreement
    initial = {
        "party": coordinator.party_id,
        "role": coordinator.role,
        "title": coordinator.title,
        "phone": coordinator.phone,
    }
    form = CoordinatorChangeForm(
        form_data(request),
        agreement=agreement,
        actor=signed_in_user(request),
        target=coordinator.user,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.coordinator_change(
                coordinator=copy.copy(coordinator),
                party=data["party"],
                role=data["role"],
                title=data["title"],
                phone=data["phone"],
                by=signed_in_user(request),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Endringene for %(name)s er lagret.") % {"name": display_name(coordinator.user)},
            )
            return redirect("agreements:coordinator-list", slug=agreement.slug)
    ctx = {
        "agreement": agreement,
        "form": form,
        "coordinator": coordinator,
        "form_action": reverse("agreements:coordinator-edit", args=[coordinator.pk]),
        "cancel_url": reverse("agreements:coordinator-list", args=[agreement.slug]),
    }
    return render(request, "agreements/coordinator_form.html", ctx)


@require_http_methods(["GET", "POST"])
def coordinator_delete(request: HttpRequest, pk: int) -> HttpResponse:
    coordinator = get_for_user(
        request, Coordinator.objects.select_related("party", "user"), pk, edit=True
    )
    if not rules.may_remove(request.user, coordinator):
        raise PermissionDenied
    agreement = coordinator.agreement
    refusal = services.coordinator_removal_refusal(
        coordinator=coordinator, by=signed_in_user(request)
    )
    if request.method == "POST" and not refusal:
        try:
            services.coordinator_remove(coordinator=coordinator, by=signed_in_user(request))
        except ValidationError as exc:
            refusal = " ".join(exc.messages)
        else:
            messages.success(
                request,
                _("%(name)s har ikke lenger en rolle i avtalen.")
                % {"name": display_name(coordinator.user)},
            )
            if coordinator.user_id == request.user.pk and not rules.is_admin(request.user):
                # They have left the agreement; its internal pages are closed to them now.
                return redirect("agreements:agreement-list")
            return redirect("agreements:coordinator-list", slug=agreement.slug)
    ctx = {
        "agreement": agreement,
        "coordinator": coordinator,
        "refusal": refusal,
        "is_self": coordinator.user_id == request.user.pk,
        # Reverse relations declared in actionplans (milestones and actions they answer for).
        "responsible_milestones": coordinator.milestones.count(),
        "responsible_actions": coordinator.actions.count(),
    }
    return render(request, "agreements/coordinator_confirm_delete.html", ctx)


# --- Meetings -----------------------------------------------------------------------------------


def _year_from_query(request: HttpRequest, agreement: Agreement) -> int:
    """?year=YYYY within the agreement period; anything else gives the default year."""
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return selectors.default_year(agreement)
    if agreement.start_year <= year <= agreement.end_year:
        return year
    return selectors.default_year(agreement)


@require_GET
def meeting_schedule(request: HttpRequest, slug: str) -> HttpResponse:
    agreement = get_for_user(request, Agreement, slug, field="slug")
    year = _year_from_query(request, agreement)
    meetings = list(
        Meeting.objects.filter(agreement=agreement)
        .select_related("inviting_party")
        .order_by("start")
    )
    checks = selectors.meeting_year_checks(agreement, meetings)
    ctx = {
        "agreement": agreement,
        "year": year,
        "checks": checks,
        "selected": next(c for c in checks if c.year == year),
        "warnings": [c for c in checks if not c.complete],
        "can_edit": rules.can_edit_agreement(request.user, agreement),
        "feed_url": calendar.feed_url(request, agreement),
    }
    return render(request, "agreements/meeting_schedule.html", ctx)


@require_POST
def meeting_plan_year(request: HttpRequest, slug: str, year: int) -> HttpResponse:
    agreement = get_for_user(request, Agreement, slug, field="slug", edit=True)
    if not agreement.start_year <= year <= agreement.end_year:
        raise Http404
    try:
        created = services.meeting_plan_year(agreement=agreement, year=year)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if created:
            messages.success(
                request,
                _(
                    "Laget utkast for %(year)s: %(titles)s. Sett sted, lenke og tid, og endre status til «Planlagt»."
                )
                % {"year": year, "titles": ", ".join(m.title for m in created)},
            )
        else:
            messages.info(
                request,
                _(
                    "%(year)s har allerede både et fysisk og et digitalt møte (planlagt, avholdt "
                    "eller som utkast). Ingenting ble laget."
                )
                % {"year": year},
            )
    return redirect(reverse("agreements:meeting-schedule", args=[agreement.slug]) + f"?year={year}")


@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest, slug: str) -> HttpResponse:
    agreement = get_for_user(request, Agreement, slug, field="slug", edit=True)
    form = MeetingForm(form_data(request), agreement=agreement)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_create(agreement=agreement, **form.service_kwargs())
        except ValidationError as exc:
            add_service_errors(form, exc, MeetingForm.SERVICE_FIELDS)
        else:
            messages.success(request, _("Møtet «%(title)s» er lagret.") % {"title": meeting.title})
            return redirect(meeting)
    ctx = {
        "agreement": agreement,
        "form": form,
        "meeting": None,
        "form_action": reverse("agreements:meeting-create", args=[agreement.slug]),
        "cancel_url": reverse("agreements:meeting-schedule", args=[agreement.slug]),
    }
    return render(request, "agreements/meeting_form.html", ctx)


@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_for_user(request, Meeting.objects.select_related("inviting_party"), pk)
    agreement = meeting.agreement
    ctx = {
        "agreement": agreement,
        "meeting": meeting,
        "participants": meeting.participants.order_by("first_name", "last_name", "username"),
        "agenda": selectors.meeting_agenda(meeting),
        "decision_refusal": services.decision_refusal(meeting=meeting),
        "open_tasks": selectors.open_follow_up_tasks(agreement),
        "today": local_today(),
        "can_edit": rules.can_edit_agreement(request.user, agreement),
        "back_url": request.get_full_path(),
    }
    return render(request, "agreements/meeting_detail.html", ctx)


@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_for_user(request, Meeting.objects.select_related("inviting_party"), pk, edit=True)
    agreement = meeting.agreement
    form = MeetingForm(form_data(request), agreement=agreement, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.meeting_update(meeting=meeting, **form.service_kwargs())
        except ValidationError as exc:
            add_service_errors(form, exc, MeetingForm.SERVICE_FIELDS)
        else:
            messages.success(request, _("Møtet «%(title)s» er lagret.") % {"title": saved.title})
            return redirect(saved)
    ctx = {
        "agreement": agreement,
        "form": form,
        "meeting": meeting,
        "form_action": reverse("agreements:meeting-edit", args=[meeting.pk]),
        "cancel_url": meeting.get_absolute_url(),
    }
    return render(request, "agreements/meeting_form.html", ctx)


# --- Decisions and follow-up tasks ------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def decision_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A new decision on an agenda item, once its meeting has taken place.

    Before that (a draft, a cancelled meeting, or one that has not started) the page says why
    and shows no form; a POST is refused with 409 and saves nothing.
    """
    item = get_for_user(
        request, AgendaItem.objects.select_related("meeting__inviting_party"), pk, edit=True
    )
    refusal = services.decision_refusal(meeting=item.meeting)
    form = DecisionForm(form_data(request))
    status = 200
    if request.method == "POST" and not refusal and form.is_valid():
        try:
            services.decision_create(agenda_item=item, text=form.cleaned_data["text"])
        except ValidationError as exc:
            # The meeting was changed while the form was open.
            refusal = " ".join(exc.messages)
        else:
            messages.success(
                request, _("Vedtaket i sak %(number)s er lagret.") % {"number": item.number}
            )
            return redirect(_item_anchor(item))
    if request.method == "POST" and refusal:
        status = 409
    ctx = {
        "agreement": item.meeting.agreement,
        "meeting": item.meeting,
        "agenda_item": item,
        "decision": None,
        "refusal": refusal,
        "form": form,
        "form_action": reverse("agreements:decision-create", args=[item.pk]),
        "cancel_url": _item_anchor(item),
    }
    return render(request, "agreements/decision_form.html", ctx, status=status)


@require_http_methods(["GET", "POST"])
def decision_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct the text of a decision; the audit log keeps the earlier text."""
    decision = get_for_user(request, Decision, pk, edit=True)
    item = decision.agenda_item
    form = DecisionForm(form_data(request), initial={"text": decision.text})
    if request.method == "POST" and form.is_valid():
        services.decision_update(decision=decision, text=form.cleaned_data["text"])
        messages.success(
            request, _("Vedtaket i sak %(number)s er endret.") % {"number": item.number}
        )
        return redirect(item.meeting.get_absolute_url() + f"#vedtak-{decision.pk}")
    ctx = {
        "agreement": item.meeting.agreement,
        "meeting": item.meeting,
        "agenda_item": item,
        "decision": decision,
        "refusal": "",
        "form": form,
        "form_action": reverse("agreements:decision-edit", args=[decision.pk]),
        "cancel_url": item.meeting.get_absolute_url() + f"#vedtak-{decision.pk}",
    }
    return render(request, "agreements/decision_form.html", ctx)


@require_http_methods(["GET", "POST"])
def task_create(request: HttpRequest, pk: int) -> HttpResponse:
    decision = get_for_user(request, Decision, pk, edit=True)
    item = decision.agenda_item
    agreement = item.meeting.agreement
    form = FollowUpTaskForm(form_data(request), agreement=agreement)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            task = services.follow_up_task_create(
                decision=decision,
                title=data["title"],
                responsible=data["responsible"],
                due_date=data["due_date"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("Oppfølgingsoppgaven «%(title)s» er lagret.") % {"title": task.title}
            )
            return redirect(_item_anchor(item))
    ctx = {
        "agreement": agreement,
        "meeting": item.meeting,
        "agenda_item": item,
        "decision": decision,
        "form": form,
        "form_action": reverse("agreements:task-create", args=[decision.pk]),
        "cancel_url": _item_anchor(item),
    }
    return render(request, "agreements/task_form.html", ctx)


@require_POST
def task_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a follow-up task done (``done=1``) or open again (``done=0``); no value toggles."""
    task = get_for_user(request, FollowUpTask, pk, edit=True)
    meeting = task.decision.agenda_item.meeting
    wanted = request.POST.get("done")
    done = not task.done if wanted not in ("0", "1") else wanted == "1"
    task = services.follow_up_task_set_done(task=task, done=done)
    if task.done:
        message = _("«%(title)s» er merket som utført.")
    else:
        message = _("«%(title)s» er åpnet igjen.")
    messages.success(request, message % {"title": task.title})
    return redirect(safe_next(request, meeting.get_absolute_url() + f"#oppgave-{task.pk}"))
