"""The action plan as an Excel file: download it, and upload it again to update the plan.

The work is in ``actionplans.excel``; these views check access, and show what came of it.
"""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from actionplans import excel
from actionplans.access import get_plan_for_user
from actionplans.models import Status
from tromsvekst import uploads

MAX_ERRORS_SHOWN = 100


class PlanImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Excel-fil (.xlsx)"),
        error_messages={
            "required": gettext_lazy("Velg en fil å laste opp."),
            "empty": gettext_lazy("Filen er tom."),
            "invalid": gettext_lazy("Velg en fil å laste opp."),
            "missing": gettext_lazy("Velg en fil å laste opp."),
        },
        widget=forms.ClearableFileInput(
            attrs={"accept": f".xlsx,{excel.XLSX_CONTENT_TYPE}", "class": "ds-input"}
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "Høyst %(max)s MB og %(rows)s rader. Planen leses fra det første arket."
        ) % {"max": uploads.megabytes(excel.max_upload_bytes()), "rows": excel.MAX_ROWS}


@require_http_methods(["GET", "HEAD"])
def plan_export(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_plan_for_user(request, pk, edit=False)
    response = HttpResponse(excel.plan_workbook(plan), content_type=excel.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=excel.export_filename(plan)
    )
    response["Cache-Control"] = "private, no-store"
    return response


# The CSRF check is made by ``_plan_import`` (``csrf_protect``), after the size of the request
# body is checked: the CSRF middleware would read (and spool to disk) the whole body first.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def plan_import(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_plan_for_user(request, pk, edit=True)
    if uploads.body_too_large(request, excel.max_upload_bytes()):
        form = PlanImportForm(data={}, files={})
        form.errors["file"] = form.error_class(
            [uploads.too_large_message(excel.max_upload_bytes())]
        )
        return _render(request, plan, form, [], status=413)
    return _plan_import(request, plan)


@csrf_protect
def _plan_import(request: HttpRequest, plan) -> HttpResponse:
    if request.method == "POST":
        form = PlanImportForm(request.POST, request.FILES)
    else:
        form = PlanImportForm()
    errors: list[str] = []
    if form.is_bound and form.is_valid():
        try:
            rows = excel.read_plan_file(plan=plan, upload=form.cleaned_data["file"])
            summary = excel.plan_import(plan=plan, user=request.user, rows=rows)
        except excel.PlanFileError as exc:
            errors = exc.errors
        else:
            messages.success(request, summary.message())
            return redirect(plan)
    return _render(request, plan, form, errors)


def _render(request, plan, form, errors: list[str], status: int = 200) -> HttpResponse:
    ctx = {
        "plan": plan,
        "agreement": plan.agreement,
        "form": form,
        "errors": errors[:MAX_ERRORS_SHOWN],
        "errors_hidden": max(len(errors) - MAX_ERRORS_SHOWN, 0),
        "columns": [column.header for column in excel.COLUMNS],
        "status_labels": Status.labels,
        "import_comment": excel.IMPORT_COMMENT,
        "file_name": form.cleaned_data["file"].name if errors else "",
        "title": _("Importer handlingsplanen fra Excel"),
    }
    return render(request, "actionplans/plan_import.html", ctx, status=status)
