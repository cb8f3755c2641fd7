"""Feedback for an evaluation: the open form behind a secret link (no login), and the
coordinators' page that lists what came in, opens or closes the link, and replaces it with a new
one (the old link then shows a page saying it no longer works).

The writes and the flood limits are in ``evaluation.feedback``.
"""

import logging
import re

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from agreements import rules
from agreements.access import get_for_user
from evaluation import feedback as services
from evaluation.forms_feedback import FeedbackForm
from evaluation.models import Evaluation, Feedback
from tromsvekst.audit.context import secret_url_kwargs

logger = logging.getLogger(__name__)

PER_PAGE = 50
SENT = "sendt"


# Keys are made by secrets.token_urlsafe (43 characters of A–Z, a–z, 0–9, - and _); anything
# else is not one and is not looked up.
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def _get_evaluation_by_token(token: str) -> Evaluation | None:
    """The evaluation whose feedback link this is, or None (a wrong, mangled or replaced key)."""
    if not TOKEN.fullmatch(token or ""):
        return None
    return Evaluation.objects.select_related("agreement").filter(feedback_token=token).first()


def _unknown_link(request: HttpRequest) -> HttpResponse:
    return _public(render(request, "evaluation/feedback_unknown.html", status=404))


def _public(response: HttpResponse) -> HttpResponse:
    # The address holds the secret: keep it out of search engines.
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


# The CSRF check is done by ``_feedback_form`` (``csrf_protect``), after the size of the
# request body is checked: the CSRF middleware would read the whole body first.
@secret_url_kwargs("token")
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def feedback_form(request: HttpRequest, token: str) -> HttpResponse:
    evaluation = _get_evaluation_by_token(token)
    if evaluation is None:
        return _unknown_link(request)
    if request.method == "POST" and _content_length(request) > services.MAX_BODY_BYTES:
        ctx = {
            "evaluation": evaluation,
            "agreement": evaluation.agreement,
            "form": None,
            "refusal": _(
                "Tilbakemeldingen er for stor til å tas imot. Teksten kan ha høyst 5000 tegn."
            ),
        }
        return _public(render(request, "evaluation/feedback_form.html", ctx, status=413))
    return _public(_feedback_form(request, evaluation))


@csrf_protect
def _feedback_form(request: HttpRequest, evaluation: Evaluation) -> HttpResponse:
    agreement = evaluation.agreement
    ctx: dict[str, object] = {"evaluation": evaluation, "agreement": agreement}
    if request.method != "POST" and request.GET.get(SENT) == "1":
        return render(request, "evaluation/feedback_thanks.html", ctx)
    if not evaluation.feedback_open:
        return render(request, "evaluation/feedback_closed.html", ctx)

    form = FeedbackForm(request.POST if request.method == "POST" else None, evaluation=evaluation)
    status, refusal, retry_after = 200, "", 0
    if request.method == "POST" and form.is_valid():
        thanks = f"{request.path}?{SENT}=1"
        if form.is_honeypot_filled:
            # Answered as if stored, so that the robot learns nothing.
            logger.info("Feedback for evaluation %s dropped: honeypot filled", evaluation.pk)
            return redirect(thanks)
        data = form.cleaned_data
        try:
            services.feedback_submit(
                evaluation=evaluation,
                sender=services.sender_hash(services.client_ip(request)),
                stakeholder=data["stakeholder"],
                stakeholder_kind=data["stakeholder_kind"],
                focus_area=data["focus_area"],
                text=data["text"],
                rating=data["rating"],
            )
        except services.FeedbackClosed:
            return render(request, "evaluation/feedback_closed.html", ctx)
        except services.FeedbackRateLimited as exc:
            status = 429
            refusal = exc.message
            retry_after = exc.retry_after
        else:
            return redirect(thanks)
    ctx |= {"form": form, "refusal": refusal}
    response = render(request, "evaluation/feedback_form.html", ctx, status=status)
    if status == 429:
        response["Retry-After"] = str(retry_after)
    return response


@require_http_methods(["GET", "HEAD"])
def feedback_list(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = get_for_user(request, Evaluation, pk)
    feedback = evaluation.feedback.select_related("focus_area").order_by("-created_at", "-pk")
    page = Paginator(feedback, PER_PAGE).get_page(request.GET.get("side"))
    form_url = reverse("evaluation:feedback-form", args=[evaluation.feedback_token])
    ctx = {
        "evaluation": evaluation,
        "agreement": evaluation.agreement,
        "page": page,
        "feedback": page.object_list,
        "public_url": request.build_absolute_uri(form_url),
        "can_edit": rules.can_edit_agreement(request.user, evaluation.agreement),
        "kinds": Feedback.StakeholderKind,
    }
    return render(request, "evaluation/feedback_list.html", ctx)


@require_POST
def feedback_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = get_for_user(request, Evaluation, pk, edit=True)
    wanted = request.POST.get("open")
    is_open = wanted == "1" if wanted in ("0", "1") else not evaluation.feedback_open
    try:
        evaluation = services.feedback_open_set(evaluation=evaluation, is_open=is_open)
    except services.FeedbackOpenRefused as exc:
        messages.error(request, str(exc))
    else:
        if evaluation.feedback_open:
            messages.success(
                request,
                _("Skjemaet er åpent. Alle som har lenken, kan nå sende tilbakemelding."),
            )
        else:
            messages.success(
                request,
                _("Skjemaet er stengt. Lenken viser nå bare at skjemaet er stengt."),
            )
    return redirect("evaluation:feedback-list", pk=evaluation.pk)


@require_http_methods(["GET", "POST"])
def feedback_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    """Replace the form's link with a new one, after a confirmation page. The old link stops
    working at once (it shows a page saying so); what was sent through it is kept."""
    evaluation = get_for_user(request, Evaluation, pk, edit=True)
    if request.method == "POST":
        services.feedback_link_rotate(evaluation=evaluation)
        messages.success(
            request,
            _(
                "Skjemaet har fått en ny lenke. Den gamle lenken virker ikke lenger, så del den "
                "nye med dem som skal kunne sende tilbakemelding."
            ),
        )
        return redirect("evaluation:feedback-list", pk=evaluation.pk)
    ctx = {"evaluation": evaluation, "agreement": evaluation.agreement}
    return render(request, "evaluation/feedback_rotate.html", ctx)
