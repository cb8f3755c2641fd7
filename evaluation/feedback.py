"""Feedback for an evaluation through its open link: storing it, the flood limits, and opening
and closing the link.

Who sent what is not known (the form needs no login), so the limits are counted per sender: a
keyed hash of the client's IP address (HMAC-SHA256 with a key derived from SECRET_KEY), stored
as ``Feedback.sender_hash``. The address itself is never stored, and without the secret key the
hash cannot be turned back into an address by trying them all.

Limits, all per sender and never for everyone: ``SENDER_LIMIT`` submissions per sender per hour
and ``SENDER_DAY_LIMIT`` per day (over all evaluations). There is no limit for the form as a
whole: one, or forty, flooding addresses must never close it for a genuine sender. Against a
flood from very many addresses the coordinators close the form or give it a new link. The
limits are checked while the evaluation row is locked (PostgreSQL), so parallel requests cannot
slip past them.
"""

import datetime
import math
import secrets

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from agreements.models import FocusArea
from evaluation.models import Evaluation, Feedback
from tromsvekst.lib import security

SENDER_LIMIT = 5
SENDER_WINDOW = datetime.timedelta(hours=1)
SENDER_DAY_LIMIT = 20
SENDER_DAY_WINDOW = datetime.timedelta(days=1)
# The largest request body the form accepts: 5,000 characters of text, each up to 12 bytes when
# percent-encoded (a four-byte UTF-8 character), plus the name and the other fields.
MAX_BODY_BYTES = 80 * 1024
HASH_SALT = "evaluation.feedback.sender"


class FeedbackClosed(Exception):
    """The link is closed: nothing is stored."""


class FeedbackRateLimited(Exception):
    """Too many submissions; ``message`` says so in Norwegian, ``retry_after`` in seconds."""

    def __init__(self, *, message: str, retry_after: int):
        self.message = message
        self.retry_after = retry_after
        super().__init__(message)


class FeedbackOpenRefused(Exception):
    """The link cannot be opened (the evaluation is final)."""


def client_ip(request: HttpRequest) -> str:
    """The client's address, by the portal's one rule for it (``tromsvekst.lib.security.client_ip``,
    the same as for login throttling): behind ``TRUSTED_PROXY_COUNT`` proxies, the entry of
    X-Forwarded-For that the outermost trusted proxy added, never what the client claimed. A
    rule that took a proxy's own address would make every sender one and the same."""
    return security.client_ip(request)


def sender_hash(ip: str) -> str:
    """The keyed hash stored instead of the address (64 hex digits)."""
    return salted_hmac(HASH_SALT, ip, algorithm="sha256").hexdigest()


def _retry_after(
    oldest: datetime.datetime, window: datetime.timedelta, now: datetime.datetime
) -> int:
    return max(1, math.ceil((oldest + window - now).total_seconds()))


def feedback_rate_check(
    *, evaluation: Evaluation, sender: str, now: datetime.datetime | None = None
) -> None:
    """Raise FeedbackRateLimited if one more submission from ``sender`` would pass a limit.
    Only the sender's own submissions count (``evaluation`` is kept for the callers)."""
    now = now or timezone.now()
    day = list(
        Feedback.objects.filter(sender_hash=sender, created_at__gt=now - SENDER_DAY_WINDOW)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:SENDER_DAY_LIMIT]
    )
    hour = [moment for moment in day if moment > now - SENDER_WINDOW][:SENDER_LIMIT]
    if len(hour) >= SENDER_LIMIT:
        raise FeedbackRateLimited(
            message=_(
                "Du har sendt %(n)s tilbakemeldinger den siste timen, og det er grensen. Vent "
                "litt og prøv igjen senere. Teksten din er ikke lagret, så ta gjerne en kopi."
            )
            % {"n": SENDER_LIMIT},
            retry_after=_retry_after(hour[-1], SENDER_WINDOW, now),
        )
    if len(day) >= SENDER_DAY_LIMIT:
        raise FeedbackRateLimited(
            message=_(
                "Du har sendt %(n)s tilbakemeldinger det siste døgnet, og det er grensen. Prøv "
                "igjen i morgen. Teksten din er ikke lagret, så ta gjerne en kopi."
            )
            % {"n": SENDER_DAY_LIMIT},
            retry_after=_retry_after(day[-1], SENDER_DAY_WINDOW, now),
        )


@transaction.atomic
def feedback_submit(
    *,
    evaluation: Evaluation,
    sender: str,
    stakeholder: str,
    stakeholder_kind: str,
    text: str,
    focus_area: FocusArea | None = None,
    rating: int | None = None,
) -> Feedback:
    """Store one piece of feedback, if the link is open and the limits allow it.

    Raises FeedbackClosed or FeedbackRateLimited, and then stores nothing.
    """
    # The row lock makes parallel submissions wait, so that the counts below are exact.
    locked = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if not locked.feedback_open:
        raise FeedbackClosed
    if focus_area is not None and focus_area.agreement_id != locked.agreement_id:
        focus_area = None
    now = timezone.now()
    feedback_rate_check(evaluation=locked, sender=sender, now=now)
    feedback = Feedback(
        evaluation=locked,
        stakeholder=stakeholder,
        stakeholder_kind=stakeholder_kind,
        focus_area=focus_area,
        text=text,
        rating=rating,
        created_at=now,
        sender_hash=sender,
    )
    feedback.full_clean()
    feedback.save()
    return feedback


@transaction.atomic
def feedback_open_set(*, evaluation: Evaluation, is_open: bool) -> Evaluation:
    """Open or close the evaluation's feedback link. A final evaluation cannot be opened."""
    locked = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if is_open and locked.is_final:
        raise FeedbackOpenRefused(
            _("Evalueringen er ferdigstilt, så skjemaet for tilbakemeldinger kan ikke åpnes.")
        )
    if locked.feedback_open != is_open:
        locked.feedback_open = is_open
        locked.save(update_fields=["feedback_open"])
    return locked


@transaction.atomic
def feedback_link_rotate(*, evaluation: Evaluation) -> Evaluation:
    """Give the feedback form a new secret key: the old link stops working at once. The audit
    log records that the key changed, never the key (registered secret in evaluation/apps.py)."""
    locked = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    locked.feedback_token = secrets.token_urlsafe()
    locked.save(update_fields=["feedback_token"])
    return locked
