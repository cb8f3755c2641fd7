"""Meetings as iCalendar (RFC 5545): an agreement's subscription feed and single-meeting files.

The feed lives at a secret URL (``CalendarFeed.token``) because calendar programs cannot log in;
whoever holds the URL sees the agreement's meetings, so coordinators can retire it with
``feed_rotate``. Times are written with ``TZID=Europe/Oslo`` and a matching VTIMEZONE, so a
meeting at 10:00 in Harstad stays at 10:00 on both sides of a change to or from summer time.

The VTIMEZONE is made from the time-zone database by ``vtimezone``: one DAYLIGHT and one STANDARD
component with a yearly RRULE (``BYMONTH=3;BYDAY=-1SU`` …) when the changes follow one rule over
the years covered, as every calendar program (Outlook included) understands; otherwise one RDATE
property per change, each on its own line (ical.js and vobject read only the first date of a
comma-separated RDATE list, which put meetings an hour off).

Each event's UID is ``meeting-<id>@<host of SITE_URL>`` (RFC 5545: a unique identifier with a
domain on the right), and its SEQUENCE is ``Meeting.sequence``, which the services raise on every
change a calendar shows.
"""

import calendar as gregorian
import datetime
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import (
    Calendar,
    Component,
    Event,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vDuration,
)

from agreements.models import Agreement, CalendarFeed, Meeting, new_calendar_token
from tromsvekst.lib.dates import local_today, local_tz

PRODID = "-//Tromsvekst-portalen//Møter//NB"
# How often calendar programs should fetch the feed again (RFC 7986, and the older X- property
# that Outlook reads).
REFRESH_INTERVAL = datetime.timedelta(hours=6)

ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"

STATUS = {
    Meeting.Status.DRAFT: "TENTATIVE",
    Meeting.Status.PLANNED: "CONFIRMED",
    Meeting.Status.HELD: "CONFIRMED",
    Meeting.Status.CANCELLED: "CANCELLED",
}

AbsoluteUrl = Callable[[str], str]

# RFC 5545 allows no control characters in a text value except the tab; line breaks are
# escaped by icalendar. Anything else a user typed (a pasted escape code, say) is left out.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text(value: str) -> str:
    return _CONTROL.sub("", value)


def feed_meetings(agreement: Agreement) -> QuerySet[Meeting]:
    """The meetings an agreement's feed shows: all but drafts, cancelled ones included."""
    return (
        Meeting.objects.filter(agreement=agreement)
        .exclude(status=Meeting.Status.DRAFT)
        .select_related("agreement", "inviting_party")
        .order_by("start", "pk")
    )


def uid_domain() -> str:
    """The host of ``SITE_URL`` (``tromsvekst.example.no``): the right-hand side of every UID."""
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def meeting_uid(meeting: Meeting) -> str:
    """Stable across changes, so calendar programs update the event instead of adding one."""
    return f"meeting-{meeting.pk}@{uid_domain()}"


# --- The time zone ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    """A change of UTC offset: ``local`` is the wall-clock time just before it (RFC 5545 writes a
    VTIMEZONE onset in the offset it changes from)."""

    local: datetime.datetime
    offset_from: datetime.timedelta
    offset_to: datetime.timedelta
    name: str

    @property
    def kind(self) -> tuple:
        return (self.offset_from, self.offset_to, self.name)


def _utcoffset(moment: datetime.datetime) -> datetime.timedelta:
    """The UTC offset of an aware moment (a tzinfo from the time-zone database always has one)."""
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError(f"{moment!r} has no UTC offset")
    return offset


def transitions(tz: datetime.tzinfo, first_year: int, last_year: int) -> list[Transition]:
    """Every change of UTC offset in ``tz`` from 1 January ``first_year`` to the end of
    ``last_year``, from the time-zone database, to the second."""
    found = []
    moment = datetime.datetime(first_year, 1, 1, tzinfo=datetime.UTC)
    end = datetime.datetime(last_year + 1, 1, 1, tzinfo=datetime.UTC)
    offset = _utcoffset(moment.astimezone(tz))
    day = datetime.timedelta(days=1)
    while moment < end:
        following = moment + day
        if following.astimezone(tz).utcoffset() != offset:
            low, high = moment, following  # offset at low is the old one, at high the new one
            while high - low > datetime.timedelta(seconds=1):
                middle = low + (high - low) / 2
                if middle.astimezone(tz).utcoffset() == offset:
                    low = middle
                else:
                    high = middle
            after = high.astimezone(tz)
            found.append(
                Transition(
                    local=(high + offset).replace(tzinfo=None),
                    offset_from=offset,
                    offset_to=_utcoffset(after),
                    name=after.tzname() or "",
                )
            )
            offset = _utcoffset(after)
        moment = following
    return found


def _yearly_byday(changes: list[Transition]) -> str | None:
    """``-1SU`` (last Sunday), ``2SU`` (second Sunday) … if every change in ``changes`` (one a
    year, in consecutive years) falls on that day of the same month at the same time, else None."""
    first = changes[0].local
    weekday = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[first.weekday()]
    years = [change.local.year for change in changes]
    if years != list(range(years[0], years[0] + len(years))):
        return None
    rules = set()
    for change in changes:
        local = change.local
        if (local.month, local.time(), local.weekday()) != (
            first.month,
            first.time(),
            first.weekday(),
        ):
            return None
        days_in_month = gregorian.monthrange(local.year, local.month)[1]
        rules.add("-1" if local.day + 7 > days_in_month else str((local.day - 1) // 7 + 1))
    # A rule like "the fourth Sunday" that is sometimes also the last one is left to RDATEs.
    return rules.pop() + weekday if len(rules) == 1 else None


def _observance(kind: type[Component], change: Transition) -> Component:
    component = kind()
    component.add("dtstart", change.local)
    component.add("tzoffsetfrom", change.offset_from)
    component.add("tzoffsetto", change.offset_to)
    component.add("tzname", change.name)
    return component


def vtimezone(tz: datetime.tzinfo, tzid: str, first_year: int, last_year: int) -> Timezone:
    """The VTIMEZONE of ``tz`` for ``first_year``–``last_year``: yearly RRULEs when its changes
    follow one rule in those years, else one RDATE line per change."""
    component = Timezone()
    component.add("tzid", tzid)
    changes = transitions(tz, first_year, last_year)
    if not changes:
        start = datetime.datetime(first_year, 1, 1)
        offset = _utcoffset(start.replace(tzinfo=tz))
        standard = _observance(
            TimezoneStandard,
            Transition(start, offset, offset, start.replace(tzinfo=tz).tzname() or tzid),
        )
        component.add_component(standard)
        return component
    kinds: dict[tuple, list[Transition]] = {}
    for change in changes:
        kinds.setdefault(change.kind, []).append(change)
    years = last_year - first_year + 1
    rules = {kind: _yearly_byday(group) for kind, group in kinds.items()}
    yearly = len(kinds) == 2 and all(
        rules[kind] and len(group) == years for kind, group in kinds.items()
    )
    for kind, group in kinds.items():
        first = group[0]
        observance = _observance(
            TimezoneDaylight if first.offset_to > first.offset_from else TimezoneStandard, first
        )
        if yearly:
            observance.add(
                "rrule", {"freq": "YEARLY", "bymonth": first.local.month, "byday": rules[kind]}
            )
        else:
            for change in group[1:]:
                observance.add("rdate", change.local)  # one property, one line, per date
        component.add_component(observance)
    return component


def meeting_event(
    meeting: Meeting, *, absolute_url: AbsoluteUrl, stamp: datetime.datetime
) -> Event:
    """One VEVENT for ``meeting``; ``absolute_url`` turns a path into a full URL."""
    tz = local_tz()
    page = absolute_url(meeting.get_absolute_url())
    summary = meeting.title
    if meeting.status == Meeting.Status.CANCELLED:
        summary = _("Avlyst: %(title)s") % {"title": meeting.title}
    elif meeting.status == Meeting.Status.DRAFT:
        summary = _("Utkast: %(title)s") % {"title": meeting.title}

    lines = [
        meeting.agreement.title,
        meeting.get_kind_display(),
        _("Inviterer: %(party)s") % {"party": meeting.inviting_party.name},
    ]
    if meeting.status == Meeting.Status.CANCELLED:
        lines.append(_("Møtet er avlyst."))
    if meeting.video_link:
        lines.append(_("Lenke til digitalt møte: %(url)s") % {"url": meeting.video_link})
    lines.append(_("Møteside: %(url)s") % {"url": page})

    event = Event()
    event.add("uid", meeting_uid(meeting))
    event.add("dtstamp", stamp.astimezone(datetime.UTC))
    event.add("sequence", meeting.sequence)
    event.add("dtstart", meeting.start.astimezone(tz))
    event.add("dtend", meeting.end.astimezone(tz))
    event.add("summary", _text(summary))
    event.add("description", _text("\n".join(lines)))
    location = meeting.place or meeting.video_link
    if location:
        event.add("location", _text(location))
    event.add("url", page)
    event.add("status", STATUS[Meeting.Status(meeting.status)])
    return event


def build_calendar(
    meetings: Iterable[Meeting],
    *,
    name: str,
    absolute_url: AbsoluteUrl,
    years: tuple[int, int] | None = None,
) -> bytes:
    """A VCALENDAR with one VEVENT per meeting and the VTIMEZONE they need, as bytes.

    ``years`` is the first and last year the time-zone rules must cover (the agreement period);
    the meetings' own years widen it.
    """
    tz = local_tz()
    stamp = timezone.now()
    meetings = list(meetings)

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _text(name))
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    # vDuration explicitly: icalendar would write an unknown property's timedelta as "6:00:00".
    calendar.add("refresh-interval", vDuration(REFRESH_INTERVAL), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH_INTERVAL))
    for meeting in meetings:
        calendar.add_component(meeting_event(meeting, absolute_url=absolute_url, stamp=stamp))

    known_years = [m.start.astimezone(tz).year for m in meetings]
    known_years += [m.end.astimezone(tz).year for m in meetings]
    if years:
        known_years += list(years)
    if not known_years:
        known_years = [local_today().year]
    # The VTIMEZONE goes before the events, as RFC 5545's examples (and some programs) have it.
    calendar.subcomponents.insert(
        0, vtimezone(tz, settings.TIME_ZONE, min(known_years) - 1, max(known_years) + 1)
    )
    ical: bytes = calendar.to_ical()
    return ical


def agreement_calendar(agreement: Agreement, *, absolute_url: AbsoluteUrl) -> bytes:
    """The agreement's subscription feed."""
    return build_calendar(
        feed_meetings(agreement),
        name=_("Møter: %(agreement)s") % {"agreement": agreement.short_title or agreement.title},
        absolute_url=absolute_url,
        years=(agreement.start_year, agreement.end_year),
    )


def meeting_calendar(meeting: Meeting, *, absolute_url: AbsoluteUrl) -> bytes:
    """One meeting, to download and open in a calendar program."""
    agreement = meeting.agreement
    return build_calendar(
        [meeting],
        name=agreement.short_title or agreement.title,
        absolute_url=absolute_url,
    )


_ASCII = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "Ae", "Ø": "O", "Å": "A"})


def meeting_filename(meeting: Meeting) -> str:
    """``varmote-2026-2026-05-05.ics``: the title in ASCII and the local date."""
    from django.utils.text import slugify

    day = meeting.start.astimezone(local_tz()).date().isoformat()
    name = slugify(meeting.title.translate(_ASCII))[:60].strip("-") or "mote"
    return f"{name}-{day}.ics"


# --- The secret feed URL ------------------------------------------------------------------------


def feed_for(agreement: Agreement) -> CalendarFeed:
    """The agreement's feed, made on first need."""
    feed, _created = CalendarFeed.objects.get_or_create(agreement=agreement)
    return feed


def feed_rotate(*, agreement: Agreement) -> CalendarFeed:
    """Give the feed a new secret token: the old URL stops working at once."""
    with transaction.atomic():
        feed = feed_for(agreement)
        feed = CalendarFeed.objects.select_for_update().get(pk=feed.pk)
        feed.token = new_calendar_token()
        feed.save(update_fields=["token", "rotated_at"])
    return feed


def feed_path(agreement: Agreement) -> str:
    return reverse("agreements:calendar-feed", args=[feed_for(agreement).token])


def feed_url(request: HttpRequest, agreement: Agreement) -> str:
    """The absolute feed URL to show to people who may read the agreement's meetings."""
    return request.build_absolute_uri(feed_path(agreement))
