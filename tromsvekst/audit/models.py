"""The audit log: who created, changed or deleted which record of the domain data, when, and
what the fields held before and after. Append-only: an entry is never changed or deleted."""

from typing import Any, NoReturn

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


def _refuse_change() -> ValidationError:
    return ValidationError(_("En oppføring i revisjonsloggen kan ikke endres eller slettes."))


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise _refuse_change()

    def delete(self) -> NoReturn:
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

    def save(self, *args: Any, **kwargs: Any) -> None:
        # An existing row, or a new object carrying an existing row's key (which Django would
        # save with an UPDATE), is refused; only a plain insert passes.
        if not self._state.adding or (self.pk is not None and not kwargs.get("force_insert")):
            raise _refuse_change()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise _refuse_change()


class Revision(models.Model):
    """How many times an agreement's data has changed (``agreement_pk`` 0: data that belongs to
    no single agreement, such as the parties). Bumped after each transaction that wrote audited
    data; pages cached per revision (tromsvekst/lib/pagecache.py) are built again when it moves."""

    agreement_pk = models.PositiveBigIntegerField(_("avtale-ID"), unique=True)
    number = models.PositiveBigIntegerField(_("revisjon"), default=0)

    class Meta:
        verbose_name = _("revisjon")
        verbose_name_plural = _("revisjoner")

    def __str__(self) -> str:
        return f"{self.agreement_pk}: {self.number}"
