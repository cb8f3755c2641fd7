from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from agreements import rules
from agreements.access import get_for_user
from agreements.models import Agreement, AgreementParty, FocusArea, Signatory, SubGoal


@require_GET
@login_required
def agreement_list(request: HttpRequest) -> HttpResponse:
    agreements = rules.visible_agreements(request.user).prefetch_related(
        Prefetch("memberships", queryset=AgreementParty.objects.select_related("party"))
    )
    ctx = {"agreements": agreements, "can_set_up": rules.can_set_up_agreements(request.user)}
    return render(request, "agreements/agreement_list.html", ctx)


@require_GET
def agreement_detail(request: HttpRequest, slug: str) -> HttpResponse:
    agreement = get_for_user(request, Agreement, slug, field="slug", public=True)
    focus_areas = FocusArea.objects.filter(agreement=agreement).prefetch_related(
        Prefetch(
            "sub_goals",
            queryset=SubGoal.objects.order_by("order", "code").prefetch_related("strategies"),
        )
    )
    memberships = list(agreement.memberships.select_related("party"))
    ctx = {
        "agreement": agreement,
        "memberships": memberships,
        "has_case_numbers": any(m.case_number for m in memberships),
        "signatories": Signatory.objects.filter(agreement=agreement).select_related("party"),
        "focus_areas": focus_areas,
        "central_themes": agreement.central_themes.all(),
        "long_term_effects": agreement.long_term_effects.all(),
        "process_events": agreement.process_events.all(),
        "basis_documents": agreement.basis_documents.all(),
        "can_view_internal": rules.can_view_internal(request.user, agreement),
        "can_set_up": rules.can_set_up_agreement(request.user, agreement),
    }
    return render(request, "agreements/agreement_detail.html", ctx)
