"""Indicators (§6, «Langsiktige effekter»): the quantitative results the evaluation looks at.

Lists by long-term effect, one indicator's values by year, creating and editing indicators, and
importing values from CSV or JSON-stat 2 (the parsing and the write are in
``evaluation.indicators``).
"""

import copy
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from actionplans.access import check_agreement_access
from agreements import rules
from agreements.models import Agreement
from evaluation import indicators
from evaluation.forms_indicators import IndicatorForm, IndicatorImportForm
from evaluation.models import Indicator, IndicatorValue
from tromsvekst.lib import uploads
from tromsvekst.lib.requests import form_data

MAX_ERRORS_SHOWN = uploads.MAX_ERRORS


def _get_agreement_for_user(request: HttpRequest, slug: str, *, edit: bool = False) -> Agreement:
    agreement = get_object_or_404(Agreement, slug=slug)
    check_agreement_access(request, agreement, edit=edit)
    return agreement


def _get_indicator_for_user(request: HttpRequest, pk: int, *, edit: bool = False) -> Indicator:
    indicator = get_object_or_404(
        Indicator.objects.select_related("agreement", "long_term_effect"), pk=pk
    )
    check_agreement_access(request, indicator.agreement, edit=edit)
    return indicator


def number(value: Decimal | None, *, sign: bool = False) -> str:
    """«52 390», «3,25», «+103»: Norwegian grouping, decimals only when there are any."""
    if value is None:
        return ""
    places = 0 if value == value.to_integral_value() else 2
    text = number_format(value, places, force_grouping=True)
    if sign and value > 0:
        text = "+" + text
    return text.replace("-", "\u2212")


@dataclass
class IndicatorSummary:
    """What the list and the detail page say about an indicator, computed once."""

    indicator: Indicator
    values: list[IndicatorValue]
    latest: IndicatorValue | None
    change: str  # since the baseline, signed
    judgement: str  # «i riktig retning», «i feil retning», «uendret», or ""

    @property
    def direction_text(self) -> str:
        return self.indicator.get_direction_display()


def _summary(indicator: Indicator, values: list[IndicatorValue]) -> IndicatorSummary:
    latest = values[-1] if values else None
    change = judgement = ""
    baseline = indicator.baseline_value
    if latest is not None and baseline is not None and latest.year != indicator.baseline_year:
        difference = latest.value - baseline
        change = number(difference, sign=True)
        if difference == 0:
            judgement = _("uendret")
        elif (difference > 0) == (indicator.direction == Indicator.Direction.HIGHER):
            judgement = _("i riktig retning")
        else:
            judgement = _("i feil retning")
    return IndicatorSummary(indicator, values, latest, change, judgement)


@require_http_methods(["GET", "HEAD"])
def indicator_list(request: HttpRequest, slug: str) -> HttpResponse:
    agreement = _get_agreement_for_user(request, slug)
    indicator_qs = Indicator.objects.filter(agreement=agreement).prefetch_related(
        Prefetch("values", queryset=IndicatorValue.objects.order_by("year"))
    )
    effects = agreement.long_term_effects.prefetch_related(
        Prefetch("indicators", queryset=indicator_qs)
    )
    groups = [
        {
            "effect": effect,
            "rows": [_summary(i, list(i.values.all())) for i in effect.indicators.all()],
        }
        for effect in effects
    ]
    ctx = {
        "agreement": agreement,
        "groups": [group for group in groups if group["rows"]],
        "effects_without": [group["effect"] for group in groups if not group["rows"]],
        "has_examples": any(row.indicator.is_example for g in groups for row in g["rows"]),
        "count": sum(len(g["rows"]) for g in groups),
        "can_edit": rules.can_edit_agreement(request.user, agreement),
    }
    return render(request, "evaluation/indicator_list.html", ctx)


@require_http_methods(["GET", "HEAD"])
def indicator_detail(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = _get_indicator_for_user(request, pk)
    values = list(indicator.values.order_by("year"))
    rows = []
    previous = None
    for value in values:
        change = number(value.value - previous.value, sign=True) if previous else ""
        rows.append({"value": value, "change": change})
        previous = value
    ctx = {
        "indicator": indicator,
        "agreement": indicator.agreement,
        "summary": _summary(indicator, values),
        "rows": rows,
        "can_edit": rules.can_edit_agreement(request.user, indicator.agreement),
    }
    return render(request, "evaluation/indicator_detail.html", ctx)


@require_http_methods(["GET", "POST"])
def indicator_create(request: HttpRequest, slug: str) -> HttpResponse:
    agreement = _get_agreement_for_user(request, slug, edit=True)
    form = IndicatorForm(form_data(request), agreement=agreement)
    if request.method == "POST" and form.is_valid():
        indicator = form.save()
        messages.success(
            request,
            _("Indikatoren «%(name)s» er lagret. Legg inn verdier ved å importere en fil.")
            % {"name": indicator.name},
        )
        return redirect("evaluation:indicator-detail", pk=indicator.pk)
    ctx = {
        "form": form,
        "agreement": agreement,
        "indicator": None,
        "form_action": reverse("evaluation:indicator-create", args=[agreement.slug]),
        "cancel_url": reverse("evaluation:indicator-list", args=[agreement.slug]),
    }
    return render(request, "evaluation/indicator_form.html", ctx)


@require_http_methods(["GET", "POST"])
def indicator_edit(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = _get_indicator_for_user(request, pk, edit=True)
    # The form gets a copy: an invalid form changes its instance, and the page shows the saved one.
    form = IndicatorForm(
        form_data(request), instance=copy.copy(indicator), agreement=indicator.agreement
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Endringene er lagret."))
        return redirect("evaluation:indicator-detail", pk=indicator.pk)
    detail_url = reverse("evaluation:indicator-detail", args=[indicator.pk])
    ctx = {
        "form": form,
        "agreement": indicator.agreement,
        "indicator": indicator,
        "form_action": reverse("evaluation:indicator-edit", args=[indicator.pk]),
        "cancel_url": detail_url,
    }
    return render(request, "evaluation/indicator_form.html", ctx)


# The CSRF check is made by ``_indicator_import`` (``csrf_protect``), after the size of the
# request body is checked: the CSRF middleware would read (and spool to disk) the whole body first.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def indicator_import(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = _get_indicator_for_user(request, pk, edit=True)
    if uploads.body_too_large(request, indicators.max_upload_bytes()):
        form = IndicatorImportForm(data={}, files={})
        form.errors["file"] = form.error_class(
            [uploads.too_large_message(indicators.max_upload_bytes())]
        )
        return _import_page(request, indicator, form, [], status=413)
    return _indicator_import(request, indicator)


@csrf_protect
def _indicator_import(request: HttpRequest, indicator: Indicator) -> HttpResponse:
    if request.method == "POST":
        form = IndicatorImportForm(request.POST, request.FILES)
    else:
        form = IndicatorImportForm()
    errors: list[str] = []
    truncated = False
    if form.is_bound and form.is_valid():
        try:
            parsed = indicators.read_indicator_file(
                indicator=indicator,
                upload=form.cleaned_data["file"],
                source_note=form.cleaned_data["source_note"],
            )
            summary = indicators.indicator_values_import(indicator=indicator, parsed=parsed)
        except indicators.IndicatorFileError as exc:
            errors = exc.errors
            truncated = exc.truncated
        else:
            messages.success(request, summary.message())
            return redirect("evaluation:indicator-detail", pk=indicator.pk)
    return _import_page(request, indicator, form, errors, truncated=truncated)


def _import_page(
    request: HttpRequest,
    indicator: Indicator,
    form,
    errors: list[str],
    status: int = 200,
    truncated: bool = False,
) -> HttpResponse:
    ctx = {
        "indicator": indicator,
        "agreement": indicator.agreement,
        "form": form,
        "errors": errors[:MAX_ERRORS_SHOWN],
        "errors_truncated": truncated or len(errors) > MAX_ERRORS_SHOWN,
        "more_errors": uploads.more_errors_message(),
        "file_name": uploads.excerpt(form.cleaned_data["file"].name) if errors else "",
        "municipalities": indicator.municipality_codes,
        "max_mb": uploads.megabytes(indicators.max_upload_bytes()),
    }
    return render(request, "evaluation/indicator_import.html", ctx, status=status)
