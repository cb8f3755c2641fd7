from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import (
    HttpResponseClientRedirect,
    reswap,
    retarget,
    trigger_client_event,
)

from actionplans.access import MILESTONE_PAGE
from actionplans.forms import PlanFilterForm, ProgressForm
from actionplans.models import ActionPlan, Milestone
from actionplans.selectors import milestone_history, plan_tree, row_rollups
from actionplans.services import ProgressConflict
from actionplans.services import progress_log as log_progress
from agreements import rules
from agreements.access import get_for_user
from agreements.models import Agreement
from tromsvekst.audit import revisions
from tromsvekst.lib.dates import local_today
from tromsvekst.lib.pagecache import render_kept
from tromsvekst.lib.requests import HtmxHttpRequest, signed_in_user
from tromsvekst.lib.security import safe_next


@require_GET
def plan_list(request: HttpRequest, slug: str) -> HttpResponse:
    agreement = get_for_user(request, Agreement, slug, field="slug", edit=False)
    plans = ActionPlan.objects.filter(agreement=agreement).with_progress().order_by("start_year")
    ctx = {
        "agreement": agreement,
        "plans": plans,
        "can_edit": rules.can_edit_agreement(request.user, agreement),
    }
    return render(request, "actionplans/plan_list.html", ctx)


@require_GET
def plan_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The plan's tree with every milestone's row; a plan with more milestones to show than
    ``PLAN_PAGE_INLINE_MILESTONES`` shows each action's roll-up and a link to its rows instead,
    which htmx answers with the rows alone (``?action=<pk>``) and which is, without JavaScript,
    the page filtered to that action."""
    plan = get_for_user(request, ActionPlan, pk)
    if request.htmx and "action" in request.GET:
        response = _action_milestones(request, plan)
    else:
        response = render_kept(
            request,
            "actionplans/plan_detail.html",
            name="plan",
            revision=lambda: revisions.current(plan.agreement_id),
            context=lambda: _plan_context(request, plan),
        )
    # The same address answers a page and (for htmx) an action's rows.
    patch_vary_headers(response, ("HX-Request",))
    return response


def _plan_context(request: HttpRequest, plan: ActionPlan) -> dict:
    filters = PlanFilterForm(request.GET or None, agreement=plan.agreement)
    all_milestones = Milestone.objects.in_plan(plan)
    tree = plan_tree(filters.filter(all_milestones))
    one_action = filters.active and bool(filters.cleaned_data.get("action"))
    others = _query_without(request, "action")
    return {
        "plan": plan,
        "agreement": plan.agreement,
        "filters": filters,
        "tree": tree.areas,
        "back_url": request.get_full_path(),
        "rollups": tree.rollups,
        "shown": tree.shown,
        "total_in_plan": all_milestones.count() if filters.active else tree.shown,
        "on_demand": tree.shown > settings.PLAN_PAGE_INLINE_MILESTONES and not one_action,
        "inline_limit": settings.PLAN_PAGE_INLINE_MILESTONES,
        "action_url": f"{plan.get_absolute_url()}?{others}{'&' if others else ''}action=",
        "today": local_today(),
        "can_edit": rules.can_edit_agreement(request.user, plan.agreement),
        "next_plan": plan.next_plans.first(),
    }


def _query_without(request: HttpRequest, name: str) -> str:
    """The request's query string without parameter ``name``."""
    query = request.GET.copy()
    query.pop(name, None)
    return query.urlencode()


def _action_milestones(request: HttpRequest, plan: ActionPlan) -> HttpResponse:
    """One action's rows under the page's filters, for «Vis milepælene» (htmx). Saving a row
    redraws the roll-ups of the page the rows are shown on: the plan without ``action``."""
    filters = PlanFilterForm(request.GET, agreement=plan.agreement)
    action = filters.cleaned_data.get("action") if filters.is_valid() else None
    if not action or not plan.actions.filter(pk=action).exists():
        raise Http404
    tree = plan_tree(filters.filter(Milestone.objects.in_plan(plan)))
    entries = [e for area in tree.areas for goal in area["sub_goals"] for e in goal["actions"]]
    others = _query_without(request, "action")
    ctx = {
        "entry": entries[0] if entries else {"milestones": []},
        "back_url": plan.get_absolute_url() + (f"?{others}" if others else ""),
        "today": local_today(),
        "can_edit": rules.can_edit_agreement(request.user, plan.agreement),
        "focus_list": True,
    }
    return render(request, "actionplans/plan_detail.html#action-milestones", ctx)


def _earlier_milestone(milestone: Milestone) -> Milestone | None:
    """The milestone this one was carried over from (same agreement), with its progress
    updates in ``earlier_updates``, newest first; None when it was not carried over."""
    if milestone.carried_from_id is None:
        return None
    earlier = Milestone.objects.select_related("action__plan").get(pk=milestone.carried_from_id)
    earlier.earlier_updates = list(earlier.updates.select_related("author"))  # type: ignore[attr-defined]  # for the template, not a model field
    return earlier


@require_GET
def milestone_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    milestone = get_for_user(request, MILESTONE_PAGE, pk)
    if request.htmx:
        # The plan page asks for the row back, e.g. when an inline form is cancelled.
        ctx = _row_context(request, milestone) | {"back_url": _safe_back(request, milestone)}
        return render(request, "actionplans/plan_detail.html#milestone-row", ctx)
    ctx = {
        "milestone": milestone,
        "plan": milestone.action.plan,
        "agreement": milestone.action.plan.agreement,
        "updates": milestone.updates.select_related("author"),
        "history": milestone_history(milestone),
        "earlier": _earlier_milestone(milestone),
        "can_edit": rules.can_edit_agreement(request.user, milestone.action.plan.agreement),
        "today": local_today(),
    }
    return render(request, "actionplans/milestone_detail.html", ctx)


def _safe_back(request: HttpRequest, milestone: Milestone) -> str:
    """Where to go after saving: a local path from ?next=, else the plan page."""
    return safe_next(request, milestone.action.plan.get_absolute_url())


def _row_rollups(milestone: Milestone, back: str) -> tuple[dict, bool]:
    """The roll-ups the saved row's surroundings show, under the filters of the page it came from."""
    plan = milestone.action.plan
    query = QueryDict(urlsplit(back).query)
    filters = PlanFilterForm(query or None, agreement=plan.agreement)
    return row_rollups(filters.filter(Milestone.objects.in_plan(plan)), milestone), filters.active


def _row_context(request: HttpRequest, milestone: Milestone) -> dict:
    plan = milestone.action.plan
    return {
        "milestone": milestone,
        "plan": plan,
        "agreement": plan.agreement,
        "today": local_today(),
        "can_edit": rules.can_edit_agreement(request.user, plan.agreement),
    }


@require_http_methods(["GET", "POST"])
def progress_log(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Log progress on a milestone: inline on the plan page (htmx) or as its own page.

    The plan page's row editor posts with htmx into the row (``#milepael-<pk>``); the page of
    its own (the reminder e-mail's link, "Logg fremdrift" on the milestone page) posts with htmx
    into its own form (``#progress-form-<pk>``) and, once saved, is sent to ``next`` with the
    success message, as it is without JavaScript.
    """
    milestone = get_for_user(request, MILESTONE_PAGE, pk, edit=True)
    back = _safe_back(request, milestone)
    # htmx names the element it will swap; only the row editor aims outside its own form.
    inline = bool(request.htmx) and request.htmx.target != f"progress-form-{milestone.pk}"
    conflict = None
    if request.method == "POST":
        form = ProgressForm(request.POST, milestone=milestone, focus=inline)
        if form.is_valid():
            data = form.cleaned_data
            try:
                update = log_progress(
                    milestone=milestone,
                    user=signed_in_user(request),
                    status=data["status"],
                    percent=data["percent"],
                    comment=data["comment"],
                    evidence_url=data["evidence_url"],
                    seen_version=data["version"],
                )
            except ProgressConflict as exc:
                conflict = exc
                milestone = get_for_user(request, MILESTONE_PAGE, pk, edit=True)
                # The version whose updates the conflict shows, not a newer one saved since:
                # saving again must not pass over an update the user was never shown.
                form = ProgressForm(
                    data={**request.POST.dict(), "version": exc.milestone.version},
                    milestone=milestone,
                )
                form.is_valid()
            else:
                message = _("Status for «%(title)s» er lagret: %(status)s, %(percent)s %%.") % {
                    "title": milestone.title,
                    "status": update.get_status_display(),
                    "percent": update.percent,
                }
                if inline:
                    row_rollups, filters_active = _row_rollups(milestone, back)
                    ctx = _row_context(request, milestone) | {
                        "announcement": message,
                        "back_url": back,
                        "row_rollups": row_rollups,
                        "filters_active": filters_active,
                    }
                    response = render(
                        request, "actionplans/plan_detail.html#milestone-row-saved", ctx
                    )
                    return trigger_client_event(response, "progress-saved", {"milestone": pk})
                messages.success(request, message)
                if request.htmx:
                    return HttpResponseClientRedirect(back)
                return redirect(back)
    else:
        form = ProgressForm(
            initial={
                "status": milestone.status,
                "percent": milestone.percent,
                "version": milestone.version,
            },
            milestone=milestone,
            focus=inline,
        )
    ctx = _row_context(request, milestone) | {
        "form": form,
        "conflict": conflict,
        "next": back,
        "back_url": back,
        "form_action": reverse("actionplans:progress-log", args=[milestone.pk]),
        "inline": inline,
    }
    if request.htmx:
        response = render(request, "actionplans/progress_form.html#progress-form", ctx)
        if request.method == "POST" and inline:
            # Errors and conflicts go back into the row's editor, not over the row.
            response = reswap(retarget(response, f"#milepael-{milestone.pk}-skjema"), "innerHTML")
        return response
    return render(request, "actionplans/progress_form.html", ctx)
