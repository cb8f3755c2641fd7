"""Editing a plan: its actions (tiltak) and milestones, and carrying it over to the next period.

Status and percent are never edited here; they change only through progress logging.
"""

import copy
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from actionplans import services
from actionplans.access import MILESTONE_PAGE
from actionplans.forms import ActionForm, MilestoneForm
from actionplans.models import Action, ActionPlan, Milestone
from agreements.access import get_for_user
from tromsvekst.lib.requests import form_data, signed_in_user


def _action_save(form: ActionForm) -> Action | None:
    """Save the form; None (with a form error) if someone took the number in the meantime."""
    try:
        with transaction.atomic():
            action: Action = form.save()
            return action
    except IntegrityError:
        number_taken = (
            Action.objects.filter(plan=form.plan, number=form.cleaned_data["number"])
            .exclude(pk=form.instance.pk)
            .exists()
        )
        if not number_taken:
            raise
        form.add_error(
            "number", _("Planen har allerede et tiltak med dette nummeret. Velg et annet nummer.")
        )
        return None


@require_http_methods(["GET", "POST"])
def action_create(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_for_user(request, ActionPlan, pk, edit=True)
    form = ActionForm(form_data(request), plan=plan)
    if request.method == "POST" and form.is_valid():
        action = _action_save(form)
        if action is not None:
            messages.success(
                request,
                _("Tiltak %(number)s er lagret. Legg til den første milepælen.")
                % {"number": action.number},
            )
            # The plan page lists actions through their milestones, so go on to the first one.
            return redirect("actionplans:milestone-create", pk=action.pk)
    ctx = {
        "form": form,
        "plan": plan,
        "agreement": plan.agreement,
        "action": None,
        "form_action": reverse("actionplans:action-create", args=[plan.pk]),
        "cancel_url": plan.get_absolute_url(),
    }
    return render(request, "actionplans/action_form.html", ctx)


@require_http_methods(["GET", "POST"])
def action_edit(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_for_user(
        request, Action.objects.select_related("sub_goal__focus_area"), pk, edit=True
    )
    plan = action.plan
    # The form gets a copy: an invalid form changes its instance, and the page shows the saved one.
    form = ActionForm(form_data(request), instance=copy.copy(action), plan=plan)
    if request.method == "POST" and form.is_valid():
        saved = _action_save(form)
        if saved is not None:
            messages.success(request, _("Tiltak %(number)s er lagret.") % {"number": saved.number})
            return redirect(saved)
    ctx = {
        "form": form,
        "plan": plan,
        "agreement": plan.agreement,
        "action": action,
        "form_action": reverse("actionplans:action-edit", args=[action.pk]),
        "cancel_url": action.get_absolute_url(),
    }
    return render(request, "actionplans/action_form.html", ctx)


def _milestone_anchor(milestone: Milestone) -> str:
    return milestone.action.plan.get_absolute_url() + f"#milepael-{milestone.pk}"


@require_http_methods(["GET", "POST"])
def milestone_create(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_for_user(
        request, Action.objects.select_related("sub_goal__focus_area"), pk, edit=True
    )
    plan = action.plan
    form = MilestoneForm(form_data(request), action=action)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            milestone = form.save()
        messages.success(
            request, _("Milepælen «%(title)s» er lagret.") % {"title": milestone.title}
        )
        return redirect(_milestone_anchor(milestone))
    ctx = {
        "form": form,
        "plan": plan,
        "agreement": plan.agreement,
        "action": action,
        "milestone": None,
        "form_action": reverse("actionplans:milestone-create", args=[action.pk]),
        "cancel_url": action.get_absolute_url(),
    }
    return render(request, "actionplans/milestone_form.html", ctx)


@require_http_methods(["GET", "POST"])
def milestone_edit(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = get_for_user(request, MILESTONE_PAGE, pk, edit=True)
    action = milestone.action
    plan = action.plan
    form = MilestoneForm(form_data(request), instance=copy.copy(milestone), action=action)
    if request.method == "POST" and form.is_valid():
        # Through the service, so that a moved due date is recorded with who, when and why.
        values = {
            name: value for name, value in form.cleaned_data.items() if name in form.Meta.fields
        }
        try:
            services.milestone_update(
                milestone=milestone,
                user=signed_in_user(request),
                values=values,
                reason=form.cleaned_data.get("reason", ""),
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(
                request, _("Milepælen «%(title)s» er lagret.") % {"title": milestone.title}
            )
            return redirect(milestone)
    ctx = {
        "form": form,
        "plan": plan,
        "agreement": plan.agreement,
        "action": action,
        "milestone": milestone,
        "form_action": reverse("actionplans:milestone-edit", args=[milestone.pk]),
        "cancel_url": milestone.get_absolute_url(),
    }
    return render(request, "actionplans/milestone_form.html", ctx)


@require_http_methods(["GET", "POST"])
def milestone_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a milestone, for one made by mistake. One with a history (progress updates,
    moved due dates) needs the box «Jeg forstår …» ticked; the history goes to the audit log
    (``services.milestone_delete``). One carried over to a later plan is refused."""
    milestone = get_for_user(request, MILESTONE_PAGE, pk, edit=True)
    plan = milestone.action.plan
    updates = milestone.updates.count()
    due_date_changes = milestone.due_date_changes.count()
    has_history = bool(updates or due_date_changes)
    status = 200
    missing_confirmation = False
    if request.method == "POST":
        if has_history and request.POST.get("confirm_history") != "on":
            missing_confirmation = True
            refusal = services.milestone_delete_refusal(milestone)
            status = 400
        else:
            title = milestone.title
            refusal = services.milestone_delete(milestone=milestone)
            if not refusal:
                messages.success(request, _("Milepælen «%(title)s» er slettet.") % {"title": title})
                return redirect(plan)
            status = 409
    else:
        refusal = services.milestone_delete_refusal(milestone)
    ctx = {
        "milestone": milestone,
        "action": milestone.action,
        "plan": plan,
        "agreement": plan.agreement,
        "refusal": refusal,
        "updates": updates,
        "due_date_changes": due_date_changes,
        "has_history": has_history,
        "missing_confirmation": missing_confirmation,
        "progress_url": reverse("actionplans:progress-log", args=[milestone.pk])
        + "?"
        + urlencode({"next": milestone.get_absolute_url()}),
    }
    return render(request, "actionplans/milestone_confirm_delete.html", ctx, status=status)


@require_http_methods(["GET", "POST"])
def plan_carry_over(request: HttpRequest, pk: int) -> HttpResponse:
    """«Lag neste handlingsplan»: GET shows what will be carried over and asks for
    confirmation; POST (the confirm button, with its CSRF token) makes the draft plan.

    When there can be no next plan (the agreement ends, or the plan exists already) the page
    says so and shows no button; a POST then goes back to the plan with the message.
    """
    plan = get_for_user(request, ActionPlan, pk, edit=True)
    try:
        period: tuple[int, int] | None = services.plan_carry_over_period(plan=plan)
    except ValidationError as exc:
        refusal = " ".join(exc.messages)
        period = None
    else:
        refusal = ""
    if request.method == "POST":
        if refusal:
            messages.error(request, refusal)
            return redirect(plan)
        return _plan_carry_over_post(request, plan)
    items = [] if refusal else services.plan_carry_over_items(plan=plan)
    ctx = {
        "plan": plan,
        "agreement": plan.agreement,
        "refusal": refusal,
        "period": f"{period[0]}–{period[1]}" if period else "",
        "items": items,
        "n_actions": len(items),
        "n_milestones": sum(len(milestones) for _action, milestones in items),
        "n_left": Milestone.objects.in_plan(plan).count()
        - sum(len(milestones) for _action, milestones in items),
    }
    return render(request, "actionplans/plan_carry_over.html", ctx)


def _plan_carry_over_post(request: HttpRequest, plan: ActionPlan) -> HttpResponse:
    try:
        new_plan = services.plan_carry_over(plan=plan, user=signed_in_user(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(plan)
    except IntegrityError:
        # Someone else made the next plan in the same moment.
        messages.error(request, _("Handlingsplanen for neste periode finnes allerede."))
        return redirect(plan)
    n_actions = Action.objects.filter(plan=new_plan).count()
    n_milestones = Milestone.objects.in_plan(new_plan).count()
    messages.success(
        request,
        _(
            "Handlingsplan %(period)s er laget som utkast, med %(actions)s tiltak og "
            "%(milestones)s milepæler som ikke var fullført eller avlyst i %(old)s. "
            "Milepælene mangler frist: sett en ny frist for hver av dem."
        )
        % {
            "period": new_plan.period,
            "actions": n_actions,
            "milestones": n_milestones,
            "old": plan.period,
        },
    )
    return redirect(new_plan)
