"""Documents on meetings and milestones: attach one, download one, delete one.

Who may do what is the agreement's rule (``get_for_user``): everyone with a role in the
agreement may download, its coordinators and administrators attach and delete. A download is
always a download: ``Content-Disposition: attachment`` with the original name, the type detected
when the file was attached, ``X-Content-Type-Options: nosniff`` and a sandboxing
Content-Security-Policy, so no uploaded file is ever shown inside the portal.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from actionplans import attachments
from actionplans.access import MILESTONE_PAGE
from actionplans.forms_attachments import AttachmentForm
from actionplans.models import Attachment, Milestone
from agreements.access import get_for_user
from agreements.models import Meeting
from tromsvekst.lib import uploads
from tromsvekst.lib.forms import add_service_errors
from tromsvekst.lib.requests import signed_in_user

ANCHOR = "#dokumenter"


def _owner_context(owner: Model) -> dict:
    if isinstance(owner, Meeting):
        return {
            "meeting": owner,
            "agreement": owner.agreement,
            "owner_url": owner.get_absolute_url(),
        }
    assert isinstance(owner, Milestone)
    return {
        "milestone": owner,
        "plan": owner.action.plan,
        "agreement": owner.action.plan.agreement,
        "owner_url": owner.get_absolute_url(),
    }


def _form_page(
    request: HttpRequest, owner: Model, form: AttachmentForm, action: str, status: int = 200
) -> HttpResponse:
    ctx = _owner_context(owner) | {"form": form, "form_action": action}
    return render(request, "actionplans/attachments_form.html", ctx, status=status)


def _too_large(request: HttpRequest, owner: Model, action: str) -> HttpResponse:
    form = AttachmentForm(data={}, files={})
    form.errors["file"] = form.error_class([uploads.too_large_message(attachments.max_bytes())])
    return _form_page(request, owner, form, action, status=413)


# The CSRF check is made by ``_attach`` (``csrf_protect``), after the size of the request body is
# checked: the CSRF middleware would read (and spool to disk) the whole body first.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def meeting_attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_for_user(request, Meeting, pk, edit=True)
    action = reverse("actionplans:meeting-attachment-add", args=[meeting.pk])
    if uploads.body_too_large(request, attachments.max_bytes()):
        return _too_large(request, meeting, action)
    return _attach(request, meeting, action)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def milestone_attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = get_for_user(request, MILESTONE_PAGE, pk, edit=True)
    action = reverse("actionplans:milestone-attachment-add", args=[milestone.pk])
    if uploads.body_too_large(request, attachments.max_bytes()):
        return _too_large(request, milestone, action)
    return _attach(request, milestone, action)


@csrf_protect
def _attach(request: HttpRequest, owner: Model, action: str) -> HttpResponse:
    if request.method != "POST":
        return _form_page(request, owner, AttachmentForm(), action)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            data = uploads.read_limited(upload, attachments.max_bytes())
            saved = attachments.attachment_add(
                user=signed_in_user(request),
                data=data,
                name=upload.name or "",
                meeting=owner if isinstance(owner, Meeting) else None,
                milestone=owner if isinstance(owner, Milestone) else None,
            )
        except uploads.FileTooLarge as exc:
            form.add_error("file", exc.message)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("«%(name)s» er lagt ved.") % {"name": saved.original_name})
            return redirect(_owner_context(owner)["owner_url"] + ANCHOR)
    return _form_page(request, owner, form, action)


ATTACHMENT_PAGE = Attachment.objects.select_related("meeting", "milestone__action__plan__agreement")


@require_GET
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = get_for_user(request, ATTACHMENT_PAGE, pk)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def attachment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = get_for_user(request, ATTACHMENT_PAGE, pk, edit=True)
    owner = attachment.owner
    ctx = _owner_context(owner)
    if request.method == "POST":
        name = attachment.original_name
        attachments.attachment_delete(attachment)
        messages.success(request, _("«%(name)s» er slettet.") % {"name": name})
        return redirect(ctx["owner_url"] + ANCHOR)
    ctx["attachment"] = attachment
    return render(request, "actionplans/attachments_confirm_delete.html", ctx)
