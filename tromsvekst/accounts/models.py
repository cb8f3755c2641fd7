"""The portal's records of e-mail about accounts: the password e-mails sent (``PasswordMail``,
the throttle) and the outbox (``OutgoingMail``, ``tromsvekst/accounts/outbox.py``).

Both were made in the audit app; their tables keep the names they had there
(``audit_passwordmail``, ``audit_outgoingmail``), so moving them here moved no rows."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PasswordMail(models.Model):
    """A password e-mail sent (a forgotten password or an invitation): how often one person gets
    them is limited (tromsvekst/accounts/forms.py), so the form cannot be used to flood a mailbox."""

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
        db_table = "audit_passwordmail"
        indexes = [models.Index(fields=["user", "-sent_at"], name="audit_password_mail_user")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.sent_at:%Y-%m-%d %H:%M}"


class OutgoingMail(models.Model):
    """An e-mail waiting to be sent, or sent: the outbox (``tromsvekst/accounts/outbox.py``).

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
        db_table = "audit_outgoingmail"
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["sent_at", "created_at"], name="audit_outbox_waiting"),
            models.Index(fields=["requester", "created_at"], name="audit_outbox_requester"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} til {self.to} ({self.created_at:%Y-%m-%d %H:%M})"


class ExternalIdentity(models.Model):
    """A person's account at an OpenID Connect provider, linked to their user in the portal.

    Made at the first single sign-on, found by the provider's verified e-mail address; from then
    on the provider's stable subject finds the user, whatever their address becomes
    (tromsvekst/accounts/linking.py). Roles stay the portal's own."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="external_identities",
        verbose_name=_("bruker"),
    )
    provider = models.CharField(_("innloggingstjeneste"), max_length=20)
    subject = models.CharField(_("ID hos innloggingstjenesten"), max_length=255)
    # The address it was linked by, as the provider sent it then.
    email = models.EmailField(_("e-postadresse ved kobling"), max_length=254, blank=True)
    linked_at = models.DateTimeField(_("koblet"), default=timezone.now)
    last_used_at = models.DateTimeField(_("sist brukt"), null=True, blank=True)

    class Meta:
        verbose_name = _("ekstern innlogging")
        verbose_name_plural = _("eksterne innlogginger")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "subject"], name="accounts_identity_provider_subject"
            ),
            models.UniqueConstraint(fields=["user", "provider"], name="accounts_identity_user"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}: {self.subject}"
