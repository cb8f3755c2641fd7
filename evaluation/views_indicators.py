"""Indicators (§6, «Langsiktige effekter»): the quantitative results the evaluation looks at.

Lists by long-term effect, one indicator's values by year, creating and editing indicators, and
importing values from CSV or JSON-stat 2 (the parsing and the write are in
``evaluation.indicators``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from agreements import rules
from agreements.access import get_for_user
from agreements.models import Agreement
from evaluation import indicators
from evaluation import services_indicators as services
from evaluation.forms_indicator_values import (
    IndicatorChoiceForm,
    IndicatorImportConfirmForm,
    IndicatorValueDeleteForm,
    IndicatorValueForm,
)
from evaluation.forms_indicators import IndicatorForm, IndicatorImportForm
from evaluation.indicators import ssb
from evaluation.models import (
    Indicator,
    IndicatorImportDraft,
    IndicatorValue,
    IndicatorValueChange,
)
from tromsvekst.lib import uploads
from tromsvekst.lib.requests import form_data, signed_in_user

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MAX_ERRORS_SHOWN = uploads.MAX_ERRORS
# How many changes of its values an indicator's page lists, newest first.
HISTORY_SHOWN = 50
INDICATOR_PAGE = Indicator.objects.select_related("long_term_effect")


@dataclass(frozen=True)
class Sample:
    """A file to try the import with, served from static/samples/ (copies of the files the
    tests read, tests/evaluation/data/): example values, not official statistics."""

    path: str
    title: StrOrPromise
    format: str


SAMPLES = [
    Sample(
        "samples/eksempel-ssb-07459-halogaland.json",
        gettext_lazy("Befolkning i fire kommuner, formet som et svar fra SSBs API"),
        "JSON-stat 2",
    ),
    Sample(
        "samples/eksempel-sysselsatte-halogaland.csv",
        gettext_lazy("Sysselsatte i fire kommuner, som Excel lagrer det"),
        "CSV",
    ),
]


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
    agreement = get_for_user(request, Agreement, slug, field="slug")
    indicator_qs = Indicator.objects.filter(agreement=agreement).prefetch_related(
        Prefetch("values", queryset=IndicatorValue.objects.order_by("year"))
    )
    effects = agreement.long_term_effects.prefetch_related(
        Prefetch("indicators", queryset=indicator_qs)
    )
    groups: list[dict[str, Any]] = [
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
    indicator = get_for_user(request, INDICATOR_PAGE, pk)
    values = list(indicator.values.order_by("year"))
    rows = []
    previous = None
    for value in values:
        change = number(value.value - previous.value, sign=True) if previous else ""
        rows.append({"value": value, "change": change})
        previous = value
    history = list(
        IndicatorValueChange.objects.filter(indicator=indicator)
        .select_related("changed_by")
        .order_by("-changed_at", "-pk")[: HISTORY_SHOWN + 1]
    )
    ctx = {
        "indicator": indicator,
        "agreement": indicator.agreement,
        "summary": _summary(indicator, values),
        "rows": rows,
        "history": history[:HISTORY_SHOWN],
        "history_more": len(history) > HISTORY_SHOWN,
        "can_edit": rules.can_edit_agreement(request.user, indicator.agreement),
    }
    return render(request, "evaluation/indicator_detail.html", ctx)


@require_http_methods(["GET", "POST"])
def indicator_create(request: HttpRequest, slug: str) -> HttpResponse:
    agreement = get_for_user(request, Agreement, slug, field="slug", edit=True)
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
    indicator = get_for_user(request, INDICATOR_PAGE, pk, edit=True)
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
    indicator = get_for_user(request, INDICATOR_PAGE, pk, edit=True)
    if uploads.body_too_large(request, indicators.max_upload_bytes()):
        form = IndicatorImportForm(data={}, files={})
        form.errors["file"] = form.error_class(
            [uploads.too_large_message(indicators.max_upload_bytes())]
        )
        return _import_page(request, indicator, form, [], status=413)
    return _indicator_import(request, indicator)


@csrf_protect
def _indicator_import(request: HttpRequest, indicator: Indicator) -> HttpResponse:
    """The file is read first. A file with more than one series (ChoiceNeeded), and any file
    sent with «Vis forhåndsvisning» (step=preview), is kept as a draft and the person goes on
    to choose and preview; a one-series file sent with «Importer uten forhåndsvisning» (or
    without a step) is stored at once, as before."""
    if request.method == "POST":
        form = IndicatorImportForm(request.POST, request.FILES)
    else:
        form = IndicatorImportForm()
    errors: list[str] = []
    truncated = False
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        note = form.cleaned_data["source_note"]
        parsed: indicators.ParsedFile | None = None
        try:
            raw = uploads.read_limited(upload, indicators.max_upload_bytes())
            parsed = services.bytes_read(
                indicator, raw, file_name=upload.name or "", source_note=note
            )
        except uploads.FileTooLarge as exc:
            errors = [exc.message]
        except indicators.ChoiceNeeded:
            pass
        except indicators.IndicatorFileError as exc:
            errors = exc.errors
            truncated = exc.truncated
        if not errors:
            if parsed is not None and request.POST.get("step") != "preview":
                summary = services.import_confirm(
                    indicator=indicator,
                    parsed=parsed,
                    user=signed_in_user(request),
                    reason=services.import_reason(
                        upload.name or "", IndicatorImportDraft.Origin.UPLOAD
                    ),
                )
                messages.success(request, summary.message())
                return redirect("evaluation:indicator-detail", pk=indicator.pk)
            draft = services.draft_create(
                indicator=indicator,
                user=signed_in_user(request),
                data=raw,
                file_name=upload.name or "",
                source_note=note,
                origin=IndicatorImportDraft.Origin.UPLOAD,
            )
            return redirect("evaluation:indicator-import-draft", pk=indicator.pk, draft=draft.pk)
    return _import_page(request, indicator, form, errors, truncated=truncated)


def _import_page(
    request: HttpRequest,
    indicator: Indicator,
    form: IndicatorImportForm,
    errors: list[str],
    status: int = 200,
    truncated: bool = False,
    file_name: str = "",
) -> HttpResponse:
    if errors and not file_name:
        file_name = uploads.excerpt(form.cleaned_data["file"].name)
    ctx = {
        "indicator": indicator,
        "agreement": indicator.agreement,
        "form": form,
        "errors": errors[:MAX_ERRORS_SHOWN],
        "errors_truncated": truncated or len(errors) > MAX_ERRORS_SHOWN,
        "more_errors": uploads.more_errors_message(),
        "file_name": file_name,
        "municipalities": indicator.municipality_codes,
        "max_mb": uploads.megabytes(indicators.max_upload_bytes()),
        "samples": SAMPLES,
    }
    return render(request, "evaluation/indicator_import.html", ctx, status=status)


# --------------------------------------------------------------------------------------------
# The import's second step: choose the categories, see the preview, confirm


@require_http_methods(["GET", "POST"])
def indicator_import_draft(request: HttpRequest, pk: int, draft: int) -> HttpResponse:
    """GET: the choice of one category per dimension (when the file has more than one series),
    then the preview of the values per year; POST («Lagre tallene»): store them, if the
    indicator's values are still those the preview was made from."""
    indicator = get_for_user(request, INDICATOR_PAGE, pk, edit=True)
    stored = get_object_or_404(IndicatorImportDraft, pk=draft, indicator=indicator)
    if stored.expires_at < timezone.now():
        stored.delete()
        messages.error(
            request, _("Forhåndsvisningen er utløpt, og filen er fjernet. Last den opp på nytt.")
        )
        return redirect("evaluation:indicator-import", pk=indicator.pk)
    step = _DraftStep(request, indicator, stored)
    try:
        step.read()
    except indicators.IndicatorFileError as exc:
        if step.choice_form is None:
            form = IndicatorImportForm()
            return _import_page(
                request,
                indicator,
                form,
                exc.errors,
                truncated=exc.truncated,
                file_name=uploads.excerpt(stored.file_name or _("fil")),
            )
        step.errors = exc.errors
    if step.parsed is None:
        return step.render()
    if request.method == "POST":
        confirm = IndicatorImportConfirmForm(request.POST)
        if confirm.is_valid():
            try:
                summary = services.import_confirm(
                    indicator=indicator,
                    parsed=step.parsed,
                    user=signed_in_user(request),
                    fingerprint=confirm.cleaned_data["fingerprint"],
                    reason=services.import_reason(
                        stored.file_name, stored.origin, indicator.ssb_table
                    ),
                )
            except services.ValuesChanged:
                step.values_changed = True
            else:
                stored.delete()
                messages.success(request, summary.message())
                return redirect("evaluation:indicator-detail", pk=indicator.pk)
    return step.render()


class _DraftStep:
    """Reading a draft with the choices the request carries, and the page for the result."""

    def __init__(
        self, request: HttpRequest, indicator: Indicator, draft: IndicatorImportDraft
    ) -> None:
        self.request = request
        self.indicator = indicator
        self.draft = draft
        self.parsed: indicators.ParsedFile | None = None
        self.choice_form: IndicatorChoiceForm | None = None
        self.errors: list[str] = []
        self.values_changed = False

    def read(self) -> None:
        try:
            self.parsed = services.draft_read(self.draft)
            return
        except indicators.ChoiceNeeded as exc:
            dimensions = exc.dimensions
        # A confirmation carries its choices; on the choice page, an unsent form is unbound.
        data = self.request.POST if self.request.method == "POST" else self.request.GET or None
        self.choice_form = IndicatorChoiceForm(data, dimensions=dimensions)
        if not self.choice_form.is_bound or not self.choice_form.is_valid():
            return
        try:
            self.parsed = services.draft_read(self.draft, self.choice_form.choices())
        except indicators.ChoiceNeeded:
            self.parsed = None

    def render(self) -> HttpResponse:
        indicator = self.indicator
        ctx: dict[str, object] = {
            "indicator": indicator,
            "agreement": indicator.agreement,
            "draft": self.draft,
            "choice_form": self.choice_form,
            "errors": self.errors[:MAX_ERRORS_SHOWN],
            "errors_truncated": len(self.errors) > MAX_ERRORS_SHOWN,
            "more_errors": uploads.more_errors_message(),
            "parsed": self.parsed,
            "values_changed": self.values_changed,
        }
        if self.parsed is not None:
            hidden = None
            chosen: list[tuple[str, str]] = []
            if self.choice_form is not None:
                hidden = IndicatorChoiceForm(
                    self.choice_form.data, dimensions=self.choice_form.dimensions, hidden=True
                )
                hidden.is_valid()
                chosen = self.choice_form.chosen_labels()
            rows = services.preview_rows(indicator, self.parsed)
            notes = {row.source_note for row in rows}
            ctx.update(
                {
                    "rows": rows,
                    # One note for every year is said once, not in every row.
                    "common_note": notes.pop() if len(notes) == 1 else "",
                    "chosen": chosen,
                    "hidden_choices": hidden,
                    "fingerprint": services.values_fingerprint(indicator),
                    "new_years": [row.year for row in rows if row.is_new],
                    "replaced_years": [
                        row.year for row in rows if not row.is_new and not row.is_same
                    ],
                }
            )
        return render(self.request, "evaluation/indicator_import_draft.html", ctx)


# --------------------------------------------------------------------------------------------
# «Hent nye tall»: the indicator's SSB table, fetched and fed into the same steps


@require_POST
def indicator_fetch(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = get_for_user(request, INDICATOR_PAGE, pk, edit=True)
    if not indicator.ssb_table:
        messages.error(
            request,
            _(
                "Indikatoren har ingen SSB-tabell. Skriv tabellnummeret og spørringen under "
                "«Endre indikatoren» først."
            ),
        )
        return redirect("evaluation:indicator-detail", pk=indicator.pk)
    try:
        data = ssb.fetch_table(indicator.ssb_table, indicator.ssb_query)
    except ssb.SsbFetchError as exc:
        messages.error(request, exc.message + " " + _("De lagrede verdiene er ikke endret."))
        return redirect("evaluation:indicator-detail", pk=indicator.pk)
    # No typed note: the values get the file's own (SSB, the table, when it was updated, and
    # the categories chosen).
    note = ""
    name = f"ssb-{indicator.ssb_table}.json"
    try:
        services.bytes_read(indicator, data, file_name=name, source_note=note)
    except indicators.ChoiceNeeded:
        pass
    except indicators.IndicatorFileError as exc:
        shown = " ".join(exc.errors[:3])
        messages.error(
            request,
            _("Svaret fra SSB kunne ikke leses: %(errors)s De lagrede verdiene er ikke endret.")
            % {"errors": shown},
        )
        return redirect("evaluation:indicator-detail", pk=indicator.pk)
    draft = services.draft_create(
        indicator=indicator,
        user=signed_in_user(request),
        data=data,
        file_name=name,
        source_note=note,
        origin=IndicatorImportDraft.Origin.SSB,
    )
    return redirect("evaluation:indicator-import-draft", pk=indicator.pk, draft=draft.pk)


# --------------------------------------------------------------------------------------------
# One value by hand


@require_http_methods(["GET", "POST"])
def indicator_value_add(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = get_for_user(request, INDICATOR_PAGE, pk, edit=True)
    form = IndicatorValueForm(form_data(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.value_add(
                indicator=indicator,
                year=data["year"],
                value=data["value"],
                source_note=data["source_note"],
                reason=data["reason"],
                user=signed_in_user(request),
            )
        except services.ValueRefused as exc:
            form.add_error("year", exc.message)
        else:
            messages.success(
                request, _("Verdien for %(year)s er lagt til.") % {"year": data["year"]}
            )
            return redirect("evaluation:indicator-detail", pk=indicator.pk)
    return _value_page(request, indicator, form, None)


@require_http_methods(["GET", "POST"])
def indicator_value_edit(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    indicator = get_for_user(request, INDICATOR_PAGE, pk, edit=True)
    value = get_object_or_404(IndicatorValue, indicator=indicator, year=year)
    initial = {"value": value.value, "source_note": value.source_note}
    form = IndicatorValueForm(form_data(request), initial=initial, year=year)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.value_change(
                indicator=indicator,
                year=year,
                value=data["value"],
                source_note=data["source_note"],
                reason=data["reason"],
                user=signed_in_user(request),
            )
        except services.ValueRefused as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Verdien for %(year)s er rettet.") % {"year": year})
            return redirect("evaluation:indicator-detail", pk=indicator.pk)
    return _value_page(request, indicator, form, value)


@require_http_methods(["GET", "POST"])
def indicator_value_delete(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    indicator = get_for_user(request, INDICATOR_PAGE, pk, edit=True)
    value = get_object_or_404(IndicatorValue, indicator=indicator, year=year)
    form = IndicatorValueDeleteForm(form_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.value_delete(
                indicator=indicator,
                year=year,
                reason=form.cleaned_data["reason"],
                user=signed_in_user(request),
            )
        except services.ValueRefused as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Verdien for %(year)s er slettet.") % {"year": year})
            return redirect("evaluation:indicator-detail", pk=indicator.pk)
    ctx = {"indicator": indicator, "agreement": indicator.agreement, "form": form, "value": value}
    return render(request, "evaluation/indicator_value_delete.html", ctx)


def _value_page(
    request: HttpRequest,
    indicator: Indicator,
    form: IndicatorValueForm,
    value: IndicatorValue | None,
) -> HttpResponse:
    ctx = {"indicator": indicator, "agreement": indicator.agreement, "form": form, "value": value}
    return render(request, "evaluation/indicator_value_form.html", ctx)
