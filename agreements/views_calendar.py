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
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST, require_safe

from agreements import calendar
from agreements.access import get_agreement_for_user, get_meeting_for_user
from agreements.models import CalendarFeed
from tromsvekst.audit.context import secret_url_kwargs


def _local_next(request: HttpRequest, default: str) -> str:
    """The posted ``next`` if it is a path on this site, else ``default``."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _ics_response(body: bytes, *, filename: str | None = None) -> HttpResponse:
    response = HttpResponse(body, content_type=calendar.ICS_CONTENT_TYPE)
    if filename:
        response["Content-Disposition"] = content_disposition_header(True, filename)
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
    agreement = get_agreement_for_user(request, slug, edit=True)
    calendar.feed_rotate(agreement=agreement)
    messages.success(
        request,
        _(
            "Kalenderen har fått en ny lenke. Den gamle lenken virker ikke lenger: alle som "
            "abonnerer, må legge inn den nye."
        ),
    )
    default = reverse("agreements:meeting-schedule", args=[agreement.slug])
    return redirect(_local_next(request, default))


@require_safe
@cache_control(private=True, no_cache=True)
def meeting_ics(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_meeting_for_user(request, pk)
    body = calendar.meeting_calendar(meeting, absolute_url=request.build_absolute_uri)
    return _ics_response(body, filename=calendar.meeting_filename(meeting))
