"""The outbox: e-mail leaves the portal outside the web request.

A view puts a row in ``OutgoingMail`` (``enqueue``, ``request_password_mail``) inside its own
transaction and answers. The rows the request queued are sent right after the response has been
handed to the server (Django's ``request_finished`` signal, fired when the server closes the
response), and ``manage.py send_outbox`` (cron, every minute) sends whatever is still waiting:
rows whose sending failed are tried again with growing pauses, up to ``MAX_ATTEMPTS`` times.

So no request waits for a mail server: a page that mails answers as fast as one that does not,
a mail server that is slow or down never shows on a page, and "Glemt passordet?" does the same
database work whether or not the address has an account (the account is looked up when the row
is sent).

Outgoing mail is not domain data and not in the audit log; it lives in the accounts app beside
``PasswordMail``, the throttle for the password e-mails it sends.
"""

import datetime
import logging
import smtplib
import threading
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.module_loading import import_string

from tromsvekst.accounts.models import OutgoingMail, PasswordMail

log = logging.getLogger(__name__)

# Sending is tried again after 2, 4, 8, … minutes; after this many failures the row is given up
# (about three days in all) and logged as an error.
MAX_ATTEMPTS = 12
# Password requests ("Glemt passordet?") queued from one requesting address per hour; more are
# answered the same on the page and dropped. Independent of whether the address has an account.
REQUESTS_PER_HOUR = 20
# Rows that were dealt with are deleted by send_outbox after this many days.
KEEP_DAYS = 30
# Makes the e-mails of a password request when it is sent: (user, EmailMessage) pairs and how
# many users the hourly limit held back. Named here, imported when needed (forms.py imports this).
RESET_MESSAGE_MAKER = "tromsvekst.accounts.forms.password_reset_messages"
# The salt from before the module moved here (audit/outbox.py): existing rows keep their keys.
REQUESTER_SALT = "audit.outbox.requester"

_queued = threading.local()


def requester_key(address: str) -> str:
    """A keyed hash of the requesting client's address (the address itself is never stored)."""
    return salted_hmac(REQUESTER_SALT, address or "", algorithm="sha256").hexdigest()


def _remember(pk: int) -> None:
    ids = getattr(_queued, "ids", None)
    if ids is None:
        ids = _queued.ids = []
    ids.append(pk)


def enqueue(*, to: str, subject: str, body: str) -> OutgoingMail:
    """Queue a message; it is sent after the response (or by send_outbox)."""
    mail = OutgoingMail.objects.create(
        kind=OutgoingMail.Kind.MESSAGE, to=to, subject=" ".join(subject.split())[:300], body=body
    )
    _remember(mail.pk)
    return mail


def request_password_mail(*, email: str, requester: str) -> None:
    """Queue "Glemt passordet?" for ``email``: two queries, whatever the address is."""
    since = timezone.now() - datetime.timedelta(hours=1)
    recent = OutgoingMail.objects.filter(
        kind=OutgoingMail.Kind.PASSWORD_RESET, requester=requester, created_at__gte=since
    ).count()
    if recent >= REQUESTS_PER_HOUR:
        log.warning("Password request dropped: %s from one address this hour", recent)
        return
    mail = OutgoingMail.objects.create(
        kind=OutgoingMail.Kind.PASSWORD_RESET, to=email[:254], requester=requester
    )
    _remember(mail.pk)


def _due(mail: OutgoingMail, now: datetime.datetime) -> bool:
    if mail.attempts == 0:
        return True
    return mail.created_at + datetime.timedelta(minutes=2**mail.attempts) <= now


def _deliver(mail: OutgoingMail, connection: BaseEmailBackend) -> str:
    """Send one row; returns its result. Raises on an SMTP failure."""
    if mail.kind == OutgoingMail.Kind.MESSAGE:
        message = EmailMessage(mail.subject, mail.body, to=[mail.to], connection=connection)
        message.send()
        return OutgoingMail.Result.SENT
    messages, held_back = import_string(RESET_MESSAGE_MAKER)(mail)
    for user, message in messages:
        message.connection = connection
        message.send()
        PasswordMail.objects.create(user=user, requester=mail.requester)
    if messages:
        return OutgoingMail.Result.SENT
    return OutgoingMail.Result.HELD_BACK if held_back else OutgoingMail.Result.NO_ACCOUNT


def send_waiting(*, ids: list[int] | None = None, now: datetime.datetime | None = None) -> dict:
    """Send the waiting rows (only ``ids``, if given) that are due. Returns counts by result,
    plus ``"retry"`` for rows that failed this time and will be tried again."""
    now = now or timezone.now()
    waiting = OutgoingMail.objects.filter(sent_at__isnull=True).order_by("created_at", "pk")
    if ids is not None:
        waiting = waiting.filter(pk__in=ids)
    counts: dict[str, int] = {}
    connection = get_connection()
    try:
        for pk in list(waiting.values_list("pk", flat=True)[:1000]):
            with transaction.atomic():
                # Locked, so that send_outbox and a request finishing never send a row twice.
                mail = (
                    OutgoingMail.objects.select_for_update(skip_locked=True)
                    .filter(pk=pk, sent_at__isnull=True)
                    .first()
                )
                if mail is None or not _due(mail, now):
                    continue
                try:
                    # A savepoint: a row that fails in the database does not spoil the others.
                    with transaction.atomic():
                        result = _deliver(mail, connection)
                except Exception as exc:  # noqa: BLE001 - one bad row must not stop the rest
                    mail.attempts += 1
                    mail.last_error = repr(exc)[:300]
                    if not isinstance(exc, smtplib.SMTPException | OSError):
                        log.exception("Outgoing mail %s could not be made", mail.pk)
                    if mail.attempts >= MAX_ATTEMPTS:
                        log.error("Gave up sending outgoing mail %s: %r", mail.pk, exc)
                        mail.result, mail.sent_at = OutgoingMail.Result.FAILED, now
                    else:
                        log.warning("Could not send outgoing mail %s: %r", mail.pk, exc)
                    result = mail.result or "retry"
                    # A broken connection is not reused for the next row.
                    connection.close()
                else:
                    mail.result, mail.sent_at = result, now
                mail.save(update_fields=["attempts", "last_error", "result", "sent_at"])
                counts[result] = counts.get(result, 0) + 1
    finally:
        connection.close()
    return counts


def prune(*, now: datetime.datetime | None = None) -> int:
    """Delete rows dealt with more than KEEP_DAYS ago; returns how many."""
    now = now or timezone.now()
    old = OutgoingMail.objects.filter(sent_at__lt=now - datetime.timedelta(days=KEEP_DAYS))
    return old.delete()[0]


def forget_queued(**kwargs: Any) -> None:
    """``request_started``: a new request starts with nothing queued."""
    _queued.ids = []


def send_after_response(**kwargs: Any) -> None:
    """``request_finished``: send what this request queued, now that the client has its answer.

    Never raises: what fails stays in the outbox for send_outbox. ``OUTBOX_SEND_AFTER_RESPONSE``
    (default True) turns it off, leaving everything to send_outbox.
    """
    ids = getattr(_queued, "ids", None)
    _queued.ids = []
    if not ids or not getattr(settings, "OUTBOX_SEND_AFTER_RESPONSE", True):
        return
    try:
        send_waiting(ids=ids)
    except Exception:  # the response is gone; nobody is left to show an error to
        log.exception("Sending the outbox after a response failed")
