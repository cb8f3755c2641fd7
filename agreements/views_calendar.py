"""Meetings in calendar programs: the agreement's subscription feed, its secret URL, and a
single meeting as an .ics file.

Who may do what:

- ``calendar_feed``: anyone holding the secret URL, without login (calendar programs cannot log
  in). An unknown or retired token gives 404.
- ``calendar_rotate``: POST only; coordinators of the agreement and administrators. Anonymous
  users are sent to login, outsiders get 404, readers 403.
- ``meeting_ics``: whoever may read the agreement's internal pages (its coordinators and
  readers, administrators); anonymous users are sent to login, outsiders get 404.

The access check is ``agreements.access.check_agreement_access``, the same rule as
``actionplans.access`` (this app must not import ``actionplans``).
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST, require_safe

from agreements import calendar
from agreements.access import get_for_user
from agreements.models import Agreement, CalendarFeed, Meeting
from tromsvekst.audit.context import secret_url_kwargs
from tromsvekst.lib.security import safe_next


def _ics_response(body: bytes, *, filename: str | None = None) -> HttpResponse:
    response = HttpResponse(body, content_type=calendar.ICS_CONTENT_TYPE)
    # (None only for an inline response without a filename; this one is an attachment.)
    disposition = content_disposition_header(True, filename) if filename else None
    if disposition:
        response["Content-Disposition"] = disposition
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@secret_url_kwargs("token")
@require_safe
@cache_control(private=True, no_cache=True)
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    feed = get_object_or_404(CalendarFeed.objects.select_related("agreement"), token=token)
    body = calendar.agreement_calendar(feed.agreement, absolute_url=request.build_absolute_uri)
    return _ics_response(body)


@require_POST
def calendar_rotate(request: HttpRequest, slug: str) -> HttpResponse:
    agreement = get_for_user(request, Agreement, slug, field="slug", edit=True)
    calendar.feed_rotate(agreement=agreement)
    messages.success(
        request,
        _(
            "Kalenderen har fått en ny lenke. Den gamle lenken virker ikke lenger: alle som "
            "abonnerer, må legge inn den nye."
        ),
    )
    default = reverse("agreements:meeting-schedule", args=[agreement.slug])
    return redirect(safe_next(request, default))


@require_safe
@cache_control(private=True, no_cache=True)
def meeting_ics(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_for_user(request, Meeting.objects.select_related("inviting_party"), pk)
    body = calendar.meeting_calendar(meeting, absolute_url=request.build_absolute_uri)
    return _ics_response(body, filename=calendar.meeting_filename(meeting))
