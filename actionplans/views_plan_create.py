"""«Ny handlingsplan»: a coordinator of the agreement (or an administrator) makes a plan for a
period within the agreement's, as a draft (kapittel 5.2: two-year plans). Before this page an
agreement set up in the portal (issue #16) could get its first plan only in the Django admin;
later plans are usually made from the previous one («Lag neste handlingsplan»)."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from actionplans.models import ActionPlan
from agreements.access import get_for_user
from agreements.models import Agreement
from tromsvekst.lib.requests import form_data

PLAN_YEARS = 2


class PlanCreateForm(forms.Form):
    start_year = forms.IntegerField(label=gettext_lazy("Første år"))
    end_year = forms.IntegerField(label=gettext_lazy("Siste år"))

    def __init__(self, *args: Any, agreement: Agreement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agreement = agreement
        first, last = agreement.start_year, agreement.end_year
        period = _("Innenfor avtalens periode, %(period)s.") % {"period": agreement.period}
        for name in ("start_year", "end_year"):
            self.fields[name] = forms.IntegerField(
                label=self.fields[name].label, min_value=first, max_value=last, help_text=period
            )
        taken = set(agreement.action_plans.values_list("end_year", flat=True))
        start = max(taken, default=first - 1) + 1
        start = start if start <= last else first
        self.initial.setdefault("start_year", start)
        self.initial.setdefault("end_year", min(start + PLAN_YEARS - 1, last))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_year"), data.get("end_year")
        if start is not None and end is not None:
            if end < start:
                self.add_error("end_year", _("Siste år kan ikke være før første år."))
            elif ActionPlan.objects.filter(
                agreement=self.agreement, start_year=start, end_year=end
            ).exists():
                raise ValidationError(
                    _("Avtalen har allerede en handlingsplan for denne perioden.")
                )
        return data


def plan_create_save(*, agreement: Agreement, start_year: int, end_year: int) -> ActionPlan:
    """A draft plan; ValidationError when the period is taken (also by someone just now)."""
    plan = ActionPlan(
        agreement=agreement,
        start_year=start_year,
        end_year=end_year,
        is_example=agreement.is_example,
    )
    plan.full_clean()
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError as exc:
        raise ValidationError(
            _("Avtalen har allerede en handlingsplan for denne perioden.")
        ) from exc
    return plan


@require_http_methods(["GET", "POST"])
def plan_create(request: HttpRequest, slug: str) -> HttpResponse:
    agreement = get_for_user(request, Agreement, slug, field="slug", edit=True)
    form = PlanCreateForm(form_data(request), agreement=agreement)
    if request.method == "POST" and form.is_valid():
        try:
            plan = plan_create_save(
                agreement=agreement,
                start_year=form.cleaned_data["start_year"],
                end_year=form.cleaned_data["end_year"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("%(plan)s er laget som utkast. Legg til tiltak og milepæler.") % {"plan": plan},
            )
            return redirect(plan)
    ctx = {"agreement": agreement, "form": form}
    return render(request, "actionplans/plan_create.html", ctx)
