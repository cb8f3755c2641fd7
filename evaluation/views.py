"""Evaluations (§6): the list, creating one (with its snapshot), editing texts, assessments and
recommendations, the report as a page and as PDF, and finalising it.

Who may do what: anyone with a role in the agreement reads evaluations and their reports;
coordinators of the agreement and administrators edit them while they are not final; only
county (fylkeskommune) coordinators and administrators finalise (``rules.can_finalise_evaluation``).
"""

import hashlib

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from agreements import rules
from agreements.access import get_for_user
from agreements.models import Agreement
from evaluation import report, selectors, services
from evaluation.forms import (
    AssessmentForm,
    EvaluationCreateForm,
    EvaluationForm,
    RecommendationForm,
)
from evaluation.models import Evaluation, Recommendation, SubGoalAssessment
from evaluation.report import report_context
from tromsvekst.audit import revisions
from tromsvekst.lib import pagecache
from tromsvekst.lib.forms import add_service_errors
from tromsvekst.lib.pdf import PdfUnavailable
from tromsvekst.lib.requests import HtmxHttpRequest, form_data, signed_in_user

# --- Access helpers: each returns the object or raises (login, 404, 403) ------------------


def _get_evaluation_to_finalise(request: HttpRequest, pk: int) -> Evaluation:
    """Only county coordinators and administrators; anyone else with a role gets 403."""
    evaluation = get_for_user(request, Evaluation.objects.select_related("finalised_by"), pk)
    if not rules.can_finalise_evaluation(request.user, evaluation.agreement):
        raise PermissionDenied
    return evaluation


def _locked(request: HttpRequest, evaluation: Evaluation) -> HttpResponse:
    """Back to the evaluation with a message: a final evaluation cannot be changed."""
    messages.error(
        request,
        _("Evalueringen er endelig og kan ikke endres. Den lagrede rapporten gjelder."),
    )
    return redirect(evaluation)


# --- Reading ------------------------------------------------------------------------------


@require_GET
def evaluation_list(request: HttpRequest, slug: str) -> HttpResponse:
    agreement = get_for_user(request, Agreement, slug, field="slug")
    ctx = {
        "agreement": agreement,
        "evaluations": selectors.evaluations_for_agreement(agreement),
        "can_edit": rules.can_edit_agreement(request.user, agreement),
    }
    return render(request, "evaluation/evaluation_list.html", ctx)


@require_GET
def evaluation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = get_for_user(request, Evaluation.objects.select_related("finalised_by"), pk)
    agreement = evaluation.agreement
    can_edit = rules.can_edit_agreement(request.user, agreement) and not evaluation.is_final
    can_finalise = not evaluation.is_final and rules.can_finalise_evaluation(
        request.user, agreement
    )
    ctx = report_context(evaluation, pdf=False) | {
        "can_edit": can_edit,
        "can_refresh": can_edit and evaluation.status == Evaluation.Status.DRAFT,
        "can_finalise": can_finalise,
        "unrated": services.unrated_sub_goals(evaluation) if can_finalise else [],
        "snapshot_changes": selectors.snapshot_changes(evaluation) if can_finalise else [],
    }
    return render(request, "evaluation/evaluation_detail.html", ctx)


def _pdf_filename(evaluation: Evaluation) -> str:
    kind = (
        "midtveisevaluering" if evaluation.kind == Evaluation.Kind.MID_TERM else "sluttevaluering"
    )
    suffix = "" if evaluation.is_final else "-utkast"
    return f"{kind}-{evaluation.year}-{slugify(evaluation.agreement.slug)}{suffix}.pdf"


@require_GET
def evaluation_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """A final evaluation: exactly the stored file, with its SHA-256 as ETag and Repr-Digest.
    A draft (or one in review): rendered now, marked «UTKAST» on every page."""
    evaluation = get_for_user(request, Evaluation.objects.select_related("finalised_by"), pk)
    if evaluation.is_final and evaluation.final_pdf:
        etag = f'"{evaluation.final_pdf_sha256}"'
        if request.headers.get("If-None-Match") == etag:
            return HttpResponseNotModified(headers={"ETag": etag})
        try:
            with evaluation.final_pdf.open("rb") as stored:
                pdf = stored.read()
        except OSError:  # the stored file is gone: say so, like a damaged one
            pdf = b""
        if hashlib.sha256(pdf).hexdigest() != evaluation.final_pdf_sha256:
            ctx = report_context(evaluation, pdf=False) | {
                "pdf_error": _(
                    "Den lagrede rapporten stemmer ikke med kontrollsummen fra ferdigstillingen. "
                    "Kontakt administrator."
                )
            }
            # Not a crash: the archived file is unavailable until an administrator restores it.
            return render(request, "evaluation/evaluation_detail.html", ctx, status=503)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["ETag"] = etag
        response["Repr-Digest"] = "sha-256=:" + _b64(evaluation.final_pdf_sha256) + ":"
        response["Cache-Control"] = "private, no-cache"
    else:
        try:
            pdf = pagecache.keep_document(
                name="evaluation-pdf",
                key=(evaluation.pk,),
                revision=lambda: revisions.current(evaluation.agreement_id),
                produce=lambda: report.render_report_pdf(evaluation),
            )
        except PdfUnavailable:
            ctx = report_context(evaluation, pdf=False) | {
                "pdf_error": _("PDF kan ikke lages på denne serveren akkurat nå.")
            }
            return render(request, "evaluation/evaluation_detail.html", ctx, status=503)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Cache-Control"] = "no-store"
    response["Content-Disposition"] = f'inline; filename="{_pdf_filename(evaluation)}"'
    return response


def _b64(hex_digest: str) -> str:
    import base64

    return base64.b64encode(bytes.fromhex(hex_digest)).decode()


# --- Creating and editing -----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def evaluation_create(request: HttpRequest, slug: str) -> HttpResponse:
    agreement = get_for_user(request, Agreement, slug, field="slug", edit=True)
    form = EvaluationCreateForm(form_data(request), agreement=agreement)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            evaluation = services.evaluation_create(
                agreement=agreement, kind=data["kind"], year=data["year"], plans=data["plans"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(evaluation)s er opprettet, med tall fra handlingsplanen per i dag.")
                % {"evaluation": evaluation},
            )
            return redirect(evaluation)
    ctx = {"agreement": agreement, "form": form}
    return render(request, "evaluation/evaluation_create.html", ctx)


@require_http_methods(["GET", "POST"])
def evaluation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = get_for_user(
        request, Evaluation.objects.select_related("finalised_by"), pk, edit=True
    )
    if evaluation.is_final:
        return _locked(request, evaluation)
    form = EvaluationForm(form_data(request), instance=evaluation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.evaluation_update(
                evaluation=evaluation,
                summary=data["summary"],
                conclusions=data["conclusions"],
                status=data["status"],
            )
        except services.EvaluationLocked:
            return _locked(request, evaluation)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Evalueringen er lagret."))
            return redirect(evaluation)
    evaluation.refresh_from_db()  # an invalid form changed the instance
    ctx = {"evaluation": evaluation, "agreement": evaluation.agreement, "form": form}
    return render(request, "evaluation/evaluation_form.html", ctx)


@require_http_methods(["GET", "POST"])
def assessment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_for_user(
        request, SubGoalAssessment.objects.select_related("sub_goal__focus_area"), pk, edit=True
    )
    evaluation = assessment.evaluation
    if evaluation.is_final:
        return _locked(request, evaluation)
    anchor = "delmal-" + assessment.sub_goal.code.replace(".", "-")
    form = AssessmentForm(form_data(request), instance=assessment)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.assessment_update(
                assessment=assessment,
                rating=data["rating"],
                narrative=data["narrative"],
                evidence=data["evidence"],
            )
        except services.EvaluationLocked:
            return _locked(request, evaluation)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Vurderingen av delmål %(code)s er lagret.") % {"code": assessment.sub_goal.code},
            )
            return redirect(f"{evaluation.get_absolute_url()}#{anchor}")
    ctx = {
        "anchor": anchor,
        "assessment": assessment,
        "evaluation": evaluation,
        "agreement": evaluation.agreement,
        "sub_goal": assessment.sub_goal,
        "rollup": selectors.snapshot_rollup(assessment.snapshot),
        "form": form,
    }
    return render(request, "evaluation/assessment_form.html", ctx)


@require_POST
def snapshot_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = get_for_user(
        request, Evaluation.objects.select_related("finalised_by"), pk, edit=True
    )
    try:
        services.snapshot_refresh(evaluation=evaluation)
    except services.EvaluationLocked:
        return _locked(request, evaluation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Tallene fra handlingsplanen er hentet på nytt."))
    return redirect(evaluation)


@require_http_methods(["GET", "POST"])
def recommendation_create(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = get_for_user(
        request, Evaluation.objects.select_related("finalised_by"), pk, edit=True
    )
    return _recommendation_form(request, evaluation, None)


@require_http_methods(["GET", "POST"])
def recommendation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    recommendation = get_for_user(request, Recommendation, pk, edit=True)
    return _recommendation_form(request, recommendation.evaluation, recommendation)


def _recommendation_form(
    request: HttpRequest, evaluation: Evaluation, recommendation: Recommendation | None
) -> HttpResponse:
    if evaluation.is_final:
        return _locked(request, evaluation)
    if recommendation is None:
        count = evaluation.recommendations.count()
        form = RecommendationForm(
            form_data(request), evaluation=evaluation, initial={"order": count + 1}
        )
    else:
        form = RecommendationForm(
            form_data(request), evaluation=evaluation, instance=recommendation
        )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.recommendation_save(
                evaluation=evaluation,
                recommendation=recommendation,
                text=data["text"],
                order=data["order"],
                actions=list(data["actions"]),
            )
        except services.EvaluationLocked:
            return _locked(request, evaluation)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Anbefalingen er lagret."))
            return redirect(evaluation.get_absolute_url() + "#anbefalinger")
    if recommendation is not None:
        recommendation.refresh_from_db()
    ctx = {
        "evaluation": evaluation,
        "agreement": evaluation.agreement,
        "recommendation": recommendation,
        "next_plans": list(selectors.next_plans(evaluation).order_by("start_year")),
        "form": form,
        "form_action": (
            reverse("evaluation:recommendation-edit", args=[recommendation.pk])
            if recommendation
            else reverse("evaluation:recommendation-create", args=[evaluation.pk])
        ),
    }
    return render(request, "evaluation/recommendation_form.html", ctx)


@require_POST
def recommendation_delete(request: HttpRequest, pk: int) -> HttpResponse:
    recommendation = get_for_user(request, Recommendation, pk, edit=True)
    evaluation = recommendation.evaluation
    try:
        services.recommendation_delete(recommendation=recommendation)
    except services.EvaluationLocked:
        return _locked(request, evaluation)
    messages.success(request, _("Anbefalingen er slettet."))
    return redirect(evaluation.get_absolute_url() + "#anbefalinger")


# --- Finalising ---------------------------------------------------------------------------


@require_POST
def evaluation_finalise(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Make the evaluation final and archive its PDF. The form asks for a confirmation, since
    this cannot be undone (WCAG 3.3.4). With htmx the page shows «Lager PDF …» meanwhile."""
    evaluation = _get_evaluation_to_finalise(request, pk)
    if evaluation.is_final:
        return _after_finalise(request, _locked(request, evaluation))
    if not request.POST.get("confirm"):
        messages.error(
            request,
            _("Kryss av for at rapporten er klar, så ferdigstiller vi den."),
        )
        return _after_finalise(request, redirect(evaluation.get_absolute_url() + "#ferdigstill"))
    try:
        services.evaluation_finalise(
            evaluation=evaluation,
            user=signed_in_user(request),
            refresh_snapshot=request.POST.get("refresh_snapshot") == "1",
        )
    except services.EvaluationLocked:
        return _after_finalise(request, _locked(request, evaluation))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PdfUnavailable:
        messages.error(
            request,
            _("PDF kan ikke lages på denne serveren akkurat nå, så evalueringen er ikke endret."),
        )
    else:
        messages.success(
            request,
            _("Evalueringen er ferdigstilt. Rapporten er lagret som PDF og endres ikke mer."),
        )
    return _after_finalise(request, redirect(evaluation))


def _after_finalise(request: HtmxHttpRequest, response: HttpResponse) -> HttpResponse:
    """With htmx, the whole page is loaded again (with the message) instead of swapped."""
    if request.htmx:
        return HttpResponseClientRedirect(response["Location"])
    return response
