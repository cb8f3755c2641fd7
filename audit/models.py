"""The audit log: who created, changed or deleted which record of the domain data, when, and
what the fields held before and after. Append-only: an entry is never changed or deleted."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The username recorded for what management commands and other code outside a web request do.
SYSTEM = "system"
# The username recorded for what someone does without logging in (the open feedback form).
ANONYMOUS = "anonym"


def _refuse_change():
    return ValidationError(_("En oppføring i revisjonsloggen kan ikke endres eller slettes."))


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise _refuse_change()

    def delete(self):
        raise _refuse_change()


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        CREATED = "opprettet", _("Opprettet")
        CHANGED = "endret", _("Endret")
        DELETED = "slettet", _("Slettet")

    when = models.DateTimeField(_("tidspunkt"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("bruker"),
    )
    # Kept when the user is deleted later; "system" for management commands.
    username = models.CharField(_("brukernavn"), max_length=150)
    action = models.CharField(_("handling"), max_length=10, choices=Action.choices)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("type")
    )
    object_id = models.PositiveBigIntegerField(_("objekt-ID"))
    object_repr = models.CharField(_("objekt"), max_length=300)
    # The agreement the record belonged to, as it was (not a foreign key: it outlives the agreement).
    agreement_pk = models.PositiveBigIntegerField(_("avtale-ID"), null=True, blank=True)
    # {field: {"før": …, "etter": …}}; a creation has only "etter", a deletion only "før", and a
    # secret field only {"skjult": true}.
    changes = models.JSONField(_("endringer"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    # "POST /sti/" for a web request, "manage.py kommando" for a management command.
    source = models.CharField(_("kilde"), max_length=300, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("oppføring i revisjonsloggen")
        verbose_name_plural = _("revisjonslogg")
        ordering = ["-when", "-pk"]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="audit_object"),
            models.Index(fields=["agreement_pk", "-when"], name="audit_agreement_when"),
            models.Index(fields=["username", "-when"], name="audit_username_when"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.object_repr}"

    def save(self, *args, **kwargs) -> None:
        # An existing row, or a new object carrying an existing row's key (which Django would
        # save with an UPDATE), is refused; only a plain insert passes.
        if not self._state.adding or (self.pk is not None and not kwargs.get("force_insert")):
            raise _refuse_change()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise _refuse_change()


class Revision(models.Model):
    """How many times an agreement's data has changed (``agreement_pk`` 0: data that belongs to
    no single agreement, such as the parties). Bumped after each transaction that wrote audited
    data; pages cached per revision (tromsvekst/pagecache.py) are built again when it moves."""

    agreement_pk = models.PositiveBigIntegerField(_("avtale-ID"), unique=True)
    number = models.PositiveBigIntegerField(_("revisjon"), default=0)

    class Meta:
        verbose_name = _("revisjon")
        verbose_name_plural = _("revisjoner")

    def __str__(self) -> str:
        return f"{self.agreement_pk}: {self.number}"


class PasswordMail(models.Model):
    """A password e-mail sent (a forgotten password or an invitation): how often one person gets
    them is limited (tromsvekst/accounts.py), so the form cannot be used to flood a mailbox."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("bruker"),
    )
    sent_at = models.DateTimeField(_("sendt"), default=timezone.now)
    # Who asked for it (OutgoingMail.requester); empty for invitations. The hourly limit counts
    # per person and requesting address, so requests from elsewhere cannot use it up.
    requester = models.CharField(_("avsender-nøkkel"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("sendt passordlenke")
        verbose_name_plural = _("sendte passordlenker")
        indexes = [models.Index(fields=["user", "-sent_at"], name="audit_password_mail_user")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.sent_at:%Y-%m-%d %H:%M}"


class OutgoingMail(models.Model):
    """An e-mail waiting to be sent, or sent: the outbox (``audit/outbox.py``).

    Web requests never talk to the mail server: they put a row here, and the row is sent right
    after the response has gone out, or by ``manage.py send_outbox`` (cron) if that failed. So a
    page answers as fast whether or not a mail goes out, and a mail server that is slow or down
    never holds up a user.

    A *message* carries its text. A *password request* ("Glemt passordet?") carries only the
    address typed into the form: whether it belongs to an account is looked up when the row is
    sent, outside the request, so the request does the same work either way.
    """

    class Kind(models.TextChoices):
        MESSAGE = "melding", _("Melding")
        PASSWORD_RESET = "passord", _("Passordlenke")

    class Result(models.TextChoices):
        WAITING = "", _("Venter")
        SENT = "sendt", _("Sendt")
        NO_ACCOUNT = "ingen", _("Ingen bruker med adressen (ingenting sendt)")
        HELD_BACK = "holdt", _("Holdt tilbake av grensen for passordlenker")
        FAILED = "feilet", _("Ga opp etter flere forsøk")

    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    to = models.EmailField(_("til"), max_length=254)
    subject = models.CharField(_("emne"), max_length=300, blank=True)
    body = models.TextField(_("tekst"), blank=True)
    # A keyed hash of the address the request came from (password requests: the limits are per
    # requesting address and person, so that nobody can use up a real user's password e-mails).
    requester = models.CharField(_("avsender-nøkkel"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("lagt i kø"), default=timezone.now)
    sent_at = models.DateTimeField(_("behandlet"), null=True, blank=True)
    result = models.CharField(
        _("resultat"), max_length=10, choices=Result.choices, blank=True, default=""
    )
    attempts = models.PositiveSmallIntegerField(_("forsøk"), default=0)
    last_error = models.CharField(_("siste feil"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("utgående e-post")
        verbose_name_plural = _("utgående e-post")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["sent_at", "created_at"], name="audit_outbox_waiting"),
            models.Index(fields=["requester", "created_at"], name="audit_outbox_requester"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} til {self.to} ({self.created_at:%Y-%m-%d %H:%M})"
