"""Reminder e-mails, sent by ``manage.py send_reminders`` once a day (cron or a systemd timer).

**Milestone digest.** One e-mail per coordinator appointment (a ``Coordinator`` with the role
coordinator; someone who coordinates two agreements gets one digest per agreement), listing the
milestones they are responsible for (``Milestone.responsible``) that need attention:

- *overdue*: the due date has passed (Europe/Oslo) and the milestone is neither done nor
  cancelled (``Milestone.objects.overdue``);
- *stale*: open, and no progress update for 60 days: the last update is older than that, or there
  is none and the milestone was made more than 60 days ago (``Milestone.created_at``; for
  milestones made before that was recorded, the plan's first day) and the plan period started
  more than 60 days ago (milestones of plans that have not started are left alone). A milestone
  made today is not stale, however old its plan;
- *needs a due date*: open and without a due date, which happens only to a milestone carried
  over to a new plan (``services.plan_carry_over``): the coordinator is asked to set one.

Milestones of closed plans, readers and inactive users are left out.

*Never the same news twice.* Each thing a digest reports is recorded as a ``SentReminder`` whose
key names the coordinator, the milestone, the reason and the state that made it a reason::

    digest:<coordinator pk>:<milestone pk>:overdue:<due date>
    digest:<coordinator pk>:<milestone pk>:stale:<last update pk, or "none">
    digest:<coordinator pk>:<milestone pk>:due_date:none

A digest is sent only when at least one of its items has no such record yet; it then lists every
current item (the new ones marked) and records the new ones. So a second run sends nothing, a
milestone that becomes overdue triggers a new digest, as does one that goes stale again after a
later update or falls overdue again after its due date was moved. One key per digest (a hash of
the whole set) was considered and rejected: when one of three milestones is done, the remaining
two would be a "new" set and old news would be sent again.

**Meeting notice.** Seven days before a planned meeting (its start date in Europe/Oslo), each
participant with an e-mail address gets one notice with the time, the place or video link, and
links to the meeting brief and an .ics file. A run that was missed is caught up: any planned
meeting one to seven days ahead whose notice has not been sent. The key is
``meeting:<meeting pk>:<user pk>:<start in UTC, ISO 8601>``, so a meeting that is moved gets a new
notice (marked as a new time).

**Failures.** One message per recipient; a ``SentReminder`` is recorded only after the message was
handed to the mail server. If sending fails (``OSError``, which includes ``smtplib.SMTPException``
and a refused connection), a warning is logged, nothing is recorded (so the next run tries again),
and the run goes on with the others; the command then exits non-zero. Users without an e-mail
address are skipped with a warning.
"""

import datetime
import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formataddr

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMultiAlternatives
from django.db.models import F, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from actionplans.models import (
    CLOSED_STATUSES,
    ActionPlan,
    Milestone,
    MilestoneQuerySet,
    SentReminder,
)
from agreements.models import Coordinator, Meeting
from tromsvekst.lib.names import display_name

logger = logging.getLogger(__name__)

STALE_AFTER = datetime.timedelta(days=60)
NOTICE_DAYS_AHEAD = 7

Write = Callable[[str], None]


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _one_line(text: str) -> str:
    """E-mail subjects must not contain line breaks."""
    return " ".join(text.split())


@dataclass
class Mail:
    """One e-mail to one person, and the SentReminder keys to record once it is sent."""

    kind: str  # "digest" or "meeting"
    user: User
    subject: str
    text: str
    html: str
    keys: list[str]


@dataclass
class Outcome:
    digests: int = 0
    notices: int = 0
    failed: int = 0
    skipped: int = 0
    mails: list[Mail] = field(default_factory=list)

    @property
    def sent(self) -> int:
        return self.digests + self.notices

    def summary(self, *, dry_run: bool = False) -> str:
        digests = f"{self.digests} digest{'' if self.digests == 1 else 's'}"
        notices = f"{self.notices} meeting notice{'' if self.notices == 1 else 's'}"
        mails = f"{self.sent} e-mail{'' if self.sent == 1 else 's'}"
        verb = "Dry run, would send" if dry_run else "Sent"
        line = f"{verb} {mails}: {digests}, {notices}; {self.failed} failed."
        if self.skipped:
            line += f" Skipped {self.skipped} without an e-mail address."
        return line


# --- Milestone digests --------------------------------------------------------------------------


@dataclass
class DigestItem:
    milestone: Milestone
    overdue: bool
    stale: bool
    keys: list[str]
    is_new: bool = False
    needs_due_date: bool = False

    @property
    def edit_url(self) -> str:
        return _absolute(reverse("actionplans:milestone-edit", args=[self.milestone.pk]))

    @property
    def url(self) -> str:
        return _absolute(reverse("actionplans:milestone-detail", args=[self.milestone.pk]))

    @property
    def progress_url(self) -> str:
        return _absolute(reverse("actionplans:progress-log", args=[self.milestone.pk]))

    @property
    def last_update_at(self) -> datetime.datetime | None:
        update = self.milestone.last_update
        return update.created_at if update else None


def _digest_keys(
    coordinator_pk: int,
    milestone: Milestone,
    *,
    overdue: bool,
    stale: bool,
    needs_due_date: bool = False,
) -> list[str]:
    prefix = f"digest:{coordinator_pk}:{milestone.pk}"
    keys = []
    if overdue and milestone.due_date is not None:  # (overdue means a due date has passed)
        keys.append(f"{prefix}:overdue:{milestone.due_date.isoformat()}")
    if stale:
        keys.append(f"{prefix}:stale:{milestone.last_update_id or 'none'}")
    if needs_due_date:
        keys.append(f"{prefix}:due_date:none")
    return keys


def milestone_is_stale(milestone: Milestone, today: datetime.date) -> bool:
    """Open and no progress update for 60 days on ``today`` (see the module docstring): the last
    update is older than that, or there is none and both the plan period and the milestone
    (``created_at``, when known) are older than that. Reads ``last_update`` and
    ``action.plan``: select them with the milestone."""
    if milestone.status in CLOSED_STATUSES:
        return False
    cutoff = _local_midnight(today - STALE_AFTER)
    if milestone.last_update is not None:  # (no query when last_update_id is None)
        return milestone.last_update.created_at < cutoff
    if milestone.action.plan.first_day > today - STALE_AFTER:
        return False
    return milestone.created_at is None or milestone.created_at < cutoff


def milestones_needing_attention(today: datetime.date) -> MilestoneQuerySet:
    """Open milestones with a responsible coordinator that are overdue, stale or without a due
    date on ``today`` (a superset: ``digest_items`` decides)."""
    cutoff = _local_midnight(today - STALE_AFTER)
    started_long_ago = Q(action__plan__start_year__lte=(today - STALE_AFTER).year) & (
        Q(created_at__isnull=True) | Q(created_at__lt=cutoff)
    )
    return (
        Milestone.objects.open()
        .filter(
            responsible__role=Coordinator.Role.COORDINATOR,
            responsible__user__is_active=True,
        )
        .exclude(action__plan__status=ActionPlan.PlanStatus.CLOSED)
        .filter(
            Q(due_date__lt=today)
            | Q(due_date__isnull=True)
            | Q(last_update__created_at__lt=cutoff)
            | (Q(last_update__isnull=True) & started_long_ago)
        )
        .select_related(
            "responsible__user",
            "responsible__agreement",
            "action__plan",
            "last_update",
        )
        .order_by("responsible_id", F("due_date").asc(nulls_first=True), "action__number", "pk")
    )


def digest_items(today: datetime.date) -> dict[Coordinator, list[DigestItem]]:
    """Every coordinator with something to report, and the items, new ones marked."""
    grouped: dict[int, tuple[Coordinator, list[DigestItem]]] = {}
    for milestone in milestones_needing_attention(today):
        overdue = milestone.is_overdue(today)
        stale = milestone_is_stale(milestone, today)
        needs_due_date = milestone.due_date is None
        coordinator = milestone.responsible
        if coordinator is None or not (overdue or stale or needs_due_date):
            continue  # (the query has only milestones with a responsible coordinator)
        item = DigestItem(
            milestone=milestone,
            overdue=overdue,
            stale=stale,
            needs_due_date=needs_due_date,
            keys=_digest_keys(
                coordinator.pk,
                milestone,
                overdue=overdue,
                stale=stale,
                needs_due_date=needs_due_date,
            ),
        )
        grouped.setdefault(coordinator.pk, (coordinator, []))[1].append(item)

    all_keys = [key for _c, items in grouped.values() for item in items for key in item.keys]
    sent = set(SentReminder.objects.filter(key__in=all_keys).values_list("key", flat=True))
    out = {}
    for coordinator, items in grouped.values():
        for item in items:
            item.is_new = any(key not in sent for key in item.keys)
        out[coordinator] = items
    return out


def digest_mail(coordinator: Coordinator, items: list[DigestItem], today: datetime.date) -> Mail:
    agreement = coordinator.agreement
    ctx = {
        "user": coordinator.user,
        "name": coordinator.user.first_name or display_name(coordinator.user),
        "agreement": agreement,
        "items": items,
        # "New since the last reminder" only makes sense when some items are not new.
        "mark_new": any(not item.is_new for item in items),
        "overdue_count": sum(1 for item in items if item.overdue),
        "stale_count": sum(1 for item in items if item.stale),
        "due_date_count": sum(1 for item in items if item.needs_due_date),
        "stale_days": STALE_AFTER.days,
        "today": today,
        "dashboard_url": _absolute(reverse("actionplans:dashboard", args=[agreement.slug])),
        "site_url": settings.SITE_URL,
    }
    subject = _("Milepæler som trenger oppfølging: %(agreement)s") % {
        "agreement": agreement.short_title or agreement.title
    }
    return Mail(
        kind="digest",
        user=coordinator.user,
        subject=_one_line(subject),
        text=render_to_string("actionplans/email/digest.txt", ctx),
        html=render_to_string("actionplans/email/digest.html", ctx),
        keys=[key for item in items for key in item.keys],
    )


def digest_mails(today: datetime.date) -> list[Mail]:
    """The digests to send on ``today``: those with at least one item not reported before."""
    return [
        digest_mail(coordinator, items, today)
        for coordinator, items in digest_items(today).items()
        if any(item.is_new for item in items)
    ]


# --- Meeting notices ----------------------------------------------------------------------------


def _brief_url(meeting: Meeting) -> str:
    try:
        path = reverse("actionplans:meeting-brief", args=[meeting.pk])
    except NoReverseMatch:
        path = reverse("agreements:meeting-detail", args=[meeting.pk])
    return _absolute(path)


def meeting_notice_key(meeting: Meeting, user: User) -> str:
    start = meeting.start.astimezone(datetime.UTC).isoformat()
    return f"meeting:{meeting.pk}:{user.pk}:{start}"


def meetings_ahead(today: datetime.date) -> QuerySet[Meeting]:
    """Planned meetings starting one to seven days after ``today`` (Europe/Oslo)."""
    return (
        Meeting.objects.filter(
            status=Meeting.Status.PLANNED,
            start__gte=_local_midnight(today + datetime.timedelta(days=1)),
            start__lt=_local_midnight(today + datetime.timedelta(days=NOTICE_DAYS_AHEAD + 1)),
        )
        .select_related("agreement", "inviting_party")
        .prefetch_related("participants")
        .order_by("start", "pk")
    )


def meeting_notice_mail(meeting: Meeting, user: User, today: datetime.date, *, moved: bool) -> Mail:
    local_start = timezone.localtime(meeting.start)
    days = (local_start.date() - today).days
    when = formats.date_format(local_start, r"l j. F Y \k\l. H.i")
    ctx = {
        "user": user,
        "name": user.first_name or display_name(user),
        "meeting": meeting,
        "agreement": meeting.agreement,
        "days": days,
        "moved": moved,
        "brief_url": _brief_url(meeting),
        "meeting_url": _absolute(meeting.get_absolute_url()),
        "ics_url": _absolute(reverse("agreements:meeting-ics", args=[meeting.pk])),
        "site_url": settings.SITE_URL,
    }
    if moved:
        subject = _("Nytt tidspunkt: %(title)s, %(when)s") % {"title": meeting.title, "when": when}
    else:
        subject = ngettext(
            "Møte om %(days)s dag: %(title)s, %(when)s",
            "Møte om %(days)s dager: %(title)s, %(when)s",
            days,
        ) % {"days": days, "title": meeting.title, "when": when}
    return Mail(
        kind="meeting",
        user=user,
        subject=_one_line(subject),
        text=render_to_string("actionplans/email/meeting_notice.txt", ctx),
        html=render_to_string("actionplans/email/meeting_notice.html", ctx),
        keys=[meeting_notice_key(meeting, user)],
    )


def meeting_notice_mails(today: datetime.date) -> list[Mail]:
    meetings = list(meetings_ahead(today))
    pairs = [
        (meeting, user)
        for meeting in meetings
        for user in sorted(meeting.participants.all(), key=lambda u: u.pk)
        if user.is_active
    ]
    if not pairs:
        return []
    keys = [meeting_notice_key(meeting, user) for meeting, user in pairs]
    sent = set(SentReminder.objects.filter(key__in=keys).values_list("key", flat=True))
    # A notice for another start time of the same meeting means the meeting was moved.
    earlier_filter = Q(pk__in=[])
    for meeting in meetings:
        earlier_filter |= Q(key__startswith=f"meeting:{meeting.pk}:")
    notified = {
        ":".join(key.split(":", 3)[:3])
        for key in SentReminder.objects.filter(earlier_filter).values_list("key", flat=True)
    }
    mails = []
    for meeting, user in pairs:
        if meeting_notice_key(meeting, user) in sent:
            continue
        moved = f"meeting:{meeting.pk}:{user.pk}" in notified
        mails.append(meeting_notice_mail(meeting, user, today, moved=moved))
    return mails


# --- Sending ------------------------------------------------------------------------------------


def _send(mail: Mail) -> bool:
    message = EmailMultiAlternatives(
        subject=mail.subject,
        body=mail.text,
        to=[formataddr((display_name(mail.user), mail.user.email))],
    )
    message.attach_alternative(mail.html, "text/html")
    try:
        return message.send() == 1
    except (OSError, smtplib.SMTPException) as exc:
        logger.warning("Could not send %s to %s: %s", mail.kind, mail.user.email, exc)
        return False


def send_reminders(
    *,
    today: datetime.date,
    dry_run: bool = False,
    info: Write = lambda line: None,
    warn: Write = lambda line: None,
) -> Outcome:
    """Build and send the day's digests and meeting notices; see the module docstring."""
    outcome = Outcome()
    with translation.override(settings.LANGUAGE_CODE):
        mails = digest_mails(today) + meeting_notice_mails(today)
    for mail in mails:
        if not mail.user.email:
            outcome.skipped += 1
            warn(f"Skipped {mail.kind} for {mail.user.get_username()}: no e-mail address.")
            continue
        if dry_run:
            ok = True
            info(f"Would send {mail.kind} to {mail.user.email}: {mail.subject}")
        else:
            ok = _send(mail)
            if ok:
                SentReminder.objects.bulk_create(
                    [
                        SentReminder(key=key, recipient=mail.user, subject=mail.subject[:300])
                        for key in mail.keys
                    ],
                    ignore_conflicts=True,
                )
                info(f"Sent {mail.kind} to {mail.user.email}: {mail.subject}")
            else:
                outcome.failed += 1
                warn(f"Failed to send {mail.kind} to {mail.user.email}; will retry next run.")
        if ok:
            outcome.mails.append(mail)
            if mail.kind == "digest":
                outcome.digests += 1
            else:
                outcome.notices += 1
    return outcome
