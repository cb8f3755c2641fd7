"""The meeting brief (møtebrief): a page and a PDF for the politicians."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from actionplans.selectors import meeting_brief as build_brief
from actionplans.views_dashboard import headline_links
from agreements.access import get_for_user
from agreements.models import Meeting
from tromsvekst.lib.pdf import PdfUnavailable, render_pdf


def _ctx(meeting: Meeting, *, pdf: bool = False) -> dict:
    brief = build_brief(meeting)
    links = None
    if brief.headline is not None:
        # The overdue figures lead to the brief's own list (overdue as of the meeting's date);
        # the PDF links nowhere outside itself.
        links = headline_links(brief.headline, overdue_url="#brief-overdue-h")
        if pdf:
            links = {
                "total": None,
                "overdue": links["overdue"],
                "rows": [r | {"url": None} for r in links["rows"]],
            }
    return {
        "meeting": meeting,
        "agreement": meeting.agreement,
        "brief": brief,
        "headline_links": links,
        "pdf": pdf,
        "generated_at": timezone.localtime(),
    }


@require_GET
def meeting_brief(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_for_user(request, Meeting.objects.select_related("inviting_party"), pk)
    return render(request, "actionplans/meeting_brief.html", _ctx(meeting))


@require_GET
def meeting_brief_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_for_user(request, Meeting.objects.select_related("inviting_party"), pk)
    try:
        pdf = render_pdf(
            "actionplans/meeting_brief_pdf.html", _ctx(meeting, pdf=True), pdf_tags=True
        )
    except PdfUnavailable:
        ctx = _ctx(meeting) | {"pdf_error": _("PDF kan ikke lages på denne serveren akkurat nå.")}
        return render(request, "actionplans/meeting_brief.html", ctx, status=503)
    date = timezone.localdate(meeting.start).isoformat()
    filename = f"motebrief-{slugify(meeting.agreement.slug)}-{date}.pdf"
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
