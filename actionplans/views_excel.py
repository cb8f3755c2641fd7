"""The action plan as an Excel file: download it, and upload it again to update the plan.

The work is in ``actionplans.excel``; these views check access, and show what came of it.

Importing takes two requests. The upload is checked and shown as a preview (what will be added,
changed field by field, left alone), and nothing is saved; what the preview would write is kept
in the session (``PENDING``) with the file's SHA-256 and the plan's fingerprint. «Bekreft
import» (``plan_import_confirm``) then writes exactly that, or refuses if the plan has changed
since the preview or the confirmation is for another file than the one last previewed.
"""

import base64
import hashlib
import json
import zlib

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from actionplans import excel
from actionplans.forms import PlanImportConfirmForm, PlanImportForm
from actionplans.models import ActionPlan, Status
from agreements.access import get_for_user
from tromsvekst.lib import uploads
from tromsvekst.lib.requests import signed_in_user

MAX_ERRORS_SHOWN = uploads.MAX_ERRORS
# The session key of the import waiting for «Bekreft import» (one at a time per session).
PENDING = "plan_import_pending"


@require_http_methods(["GET", "HEAD"])
def plan_export(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_for_user(request, ActionPlan, pk, edit=False)
    response = HttpResponse(excel.plan_workbook(plan), content_type=excel.XLSX_CONTENT_TYPE)
    disposition = content_disposition_header(
        as_attachment=True, filename=excel.export_filename(plan)
    )
    if disposition:  # (None only for an inline response without a filename)
        response["Content-Disposition"] = disposition
    response["Cache-Control"] = "private, no-store"
    return response


# The CSRF check is made by ``_plan_import`` (``csrf_protect``), after the size of the request
# body is checked: the CSRF middleware would read (and spool to disk) the whole body first.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def plan_import(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_for_user(request, ActionPlan, pk, edit=True)
    if uploads.body_too_large(request, excel.max_upload_bytes()):
        form = PlanImportForm(data={}, files={})
        form.errors["file"] = form.error_class(
            [uploads.too_large_message(excel.max_upload_bytes())]
        )
        return _render(request, plan, form, [], status=413)
    return _plan_import(request, plan)


@csrf_protect
def _plan_import(request: HttpRequest, plan: ActionPlan) -> HttpResponse:
    if request.method == "POST":
        form = PlanImportForm(request.POST, request.FILES)
    else:
        form = PlanImportForm()
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = excel.read_plan_file(plan=plan, upload=upload)
            changes = excel.plan_import_changes(plan=plan, rows=rows)
        except excel.PlanFileError as exc:
            return _render(request, plan, form, exc.errors, truncated=exc.truncated)
        upload.seek(0)
        digest = hashlib.sha256(upload.read(excel.max_upload_bytes() + 1)).hexdigest()
        if changes.has_changes:
            request.session[PENDING] = {
                "plan": plan.pk,
                "digest": digest,
                "data": _pack(changes.as_data()),
            }
        else:
            request.session.pop(PENDING, None)
        ctx = {
            "plan": plan,
            "agreement": plan.agreement,
            "changes": changes,
            "digest": digest,
            "file_name": uploads.excerpt(upload.name or ""),
            "import_comment": excel.IMPORT_COMMENT,
            "title": _("Se over importen før den lagres"),
        }
        return render(request, "actionplans/plan_import_preview.html", ctx)
    return _render(request, plan, form, [])


@require_POST
def plan_import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """«Bekreft import»: write what the preview showed; «Avbryt»: forget it. Either way the
    pending import is gone afterwards."""
    plan = get_for_user(request, ActionPlan, pk, edit=True)
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict) or pending.get("plan") != plan.pk:
        messages.error(
            request,
            _("Ingen import av denne planen venter på bekreftelse. Last opp filen på nytt."),
        )
        return redirect("actionplans:plan-import", pk=plan.pk)
    if "avbryt" in request.POST:
        del request.session[PENDING]
        messages.info(request, _("Importen er avbrutt. Ingenting er lagret."))
        return redirect(plan)
    form = PlanImportConfirmForm(request.POST)
    if form.is_bound and not form.errors.get("digest") and "reason" in form.errors:
        messages.error(
            request,
            _("Ingenting er lagret: %(errors)s Last opp filen på nytt.")
            % {"errors": " ".join(str(error) for error in form.errors["reason"])},
        )
        return redirect("actionplans:plan-import", pk=plan.pk)
    if not form.is_valid() or form.cleaned_data["digest"] != pending.get("digest"):
        messages.error(
            request,
            _(
                "Du bekreftet en annen fil enn den du sist lastet opp og så over, så ingenting er "
                "lagret. Se over den siste forhåndsvisningen, eller last opp filen på nytt."
            ),
        )
        return redirect("actionplans:plan-import", pk=plan.pk)
    del request.session[PENDING]
    try:
        summary = excel.plan_import_apply(
            plan=plan,
            user=signed_in_user(request),
            data=_unpack(pending["data"]),
            reason=form.cleaned_data["reason"],
        )
    except excel.PlanFileError as exc:
        for error in exc.errors:
            messages.error(request, error)
        return redirect("actionplans:plan-import", pk=plan.pk)
    messages.success(request, summary.message())
    return redirect(plan)


def _pack(data: dict) -> str:
    """What the preview would write, compressed for the session (5,000 new milestones with
    descriptions are 2 MB of JSON, a tenth of that packed)."""
    return base64.b64encode(zlib.compress(json.dumps(data).encode(), 6)).decode("ascii")


def _unpack(packed: str) -> dict:
    data: dict = json.loads(zlib.decompress(base64.b64decode(packed)))
    return data


def _render(
    request: HttpRequest,
    plan: ActionPlan,
    form: forms.Form,
    errors: list[str],
    status: int = 200,
    truncated: bool = False,
) -> HttpResponse:
    ctx = {
        "plan": plan,
        "agreement": plan.agreement,
        "form": form,
        "errors": errors[:MAX_ERRORS_SHOWN],
        "errors_truncated": truncated or len(errors) > MAX_ERRORS_SHOWN,
        "more_errors": uploads.more_errors_message(),
        "columns": [column.header for column in excel.COLUMNS],
        "id_columns": [column.header for column in excel.ID_COLUMNS],
        "status_labels": Status.labels,
        "import_comment": excel.IMPORT_COMMENT,
        "file_name": uploads.excerpt(form.cleaned_data["file"].name) if errors else "",
        "title": _("Importer handlingsplanen fra Excel"),
    }
    return render(request, "actionplans/plan_import.html", ctx, status=status)
