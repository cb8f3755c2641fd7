"""Two-year action plans (handlingsplaner), their actions (tiltak), milestones (milepæler) and
the append-only progress updates coordinators log on them."""

import datetime
from typing import Any, NoReturn, Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Aggregate, Avg, Count, Max, Q
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agreements.models import AgendaItem, Agreement, Coordinator, Party, Strategy, SubGoal
from tromsvekst.lib.dates import local_today


class Status(models.TextChoices):
    """The status vocabulary for milestones (design notes). "Forfalt" is derived, not stored."""

    NOT_STARTED = "not_started", _("Ikke startet")
    ON_TRACK = "on_track", _("I rute")
    AT_RISK = "at_risk", _("Risiko")
    DELAYED = "delayed", _("Forsinket")
    DONE = "done", _("Fullført")
    CANCELLED = "cancelled", _("Avlyst")


CLOSED_STATUSES = (Status.DONE, Status.CANCELLED)
STATUSES_NEEDING_COMMENT = (Status.AT_RISK, Status.DELAYED)
# From better to worse, for "status changes for the worse".
STATUS_RANK = {
    Status.DONE: 0,
    Status.ON_TRACK: 1,
    Status.NOT_STARTED: 2,
    Status.AT_RISK: 3,
    Status.DELAYED: 4,
    Status.CANCELLED: 5,
}


class ActionPlanQuerySet(models.QuerySet["ActionPlan"]):
    def with_progress(self) -> "ActionPlanQuerySet":
        """Annotate each plan with its milestone count, status counts and average percent."""
        return self.annotate(**rollup_aggregates("actions__milestones__"))


class ActionPlan(models.Model):
    class PlanStatus(models.TextChoices):
        DRAFT = "draft", _("Utkast")
        ADOPTED = "adopted", _("Vedtatt")
        CLOSED = "closed", _("Avsluttet")

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="action_plans", verbose_name=_("avtale")
    )
    start_year = models.PositiveSmallIntegerField(_("første år"))
    end_year = models.PositiveSmallIntegerField(_("siste år"))
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    adopted_on = models.DateField(_("vedtatt dato"), null=True, blank=True)
    previous = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="next_plans",
        verbose_name=_("forrige plan"),
    )
    is_example = models.BooleanField(
        _("eksempeldata"), default=False, help_text=_("Planen er laget som eksempel.")
    )

    objects = ActionPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("handlingsplan")
        verbose_name_plural = _("handlingsplaner")
        ordering = ["agreement", "start_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "start_year", "end_year"],
                name="one_plan_per_agreement_and_period",
                violation_error_message=_(
                    "Avtalen har allerede en handlingsplan for denne perioden."
                ),
            ),
            models.CheckConstraint(
                condition=Q(end_year__gte=models.F("start_year")),
                name="plan_period_ordered",
                violation_error_message=_("Siste år kan ikke være før første år."),
            ),
        ]

    def __str__(self) -> str:
        return _("Handlingsplan %(period)s") % {"period": self.period}

    def get_absolute_url(self) -> str:
        return reverse("actionplans:plan-detail", args=[self.pk])

    @property
    def period(self) -> str:
        return f"{self.start_year}–{self.end_year}"

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.start_year, 1, 1)

    @property
    def last_day(self) -> datetime.date:
        return datetime.date(self.end_year, 12, 31)

    def clean(self) -> None:
        agreement = getattr(self, "agreement", None)
        if (
            agreement
            and self.start_year
            and self.end_year
            and (self.start_year < agreement.start_year or self.end_year > agreement.end_year)
        ):
            raise ValidationError(
                _("Planperioden må ligge innenfor avtalens periode (%(period)s).")
                % {"period": agreement.period}
            )


class Action(models.Model):
    """Tiltak: a measure in a plan that serves one or more of the agreement's strategies."""

    plan = models.ForeignKey(
        ActionPlan,
        on_delete=models.CASCADE,
        related_name="actions",
        verbose_name=_("handlingsplan"),
    )
    number = models.CharField(
        _("nummer"), max_length=20, help_text=_("Entydig i planen, for eksempel «1.2-3».")
    )
    title = models.CharField(_("tittel"), max_length=300)
    description = models.TextField(_("beskrivelse"), blank=True)
    sub_goal = models.ForeignKey(
        SubGoal,
        on_delete=models.PROTECT,
        related_name="actions",
        verbose_name=_("delmål"),
        help_text=_("Delmålet tiltaket hører under i planen."),
    )
    strategies = models.ManyToManyField(
        Strategy, related_name="actions", verbose_name=_("strategier tiltaket følger opp")
    )
    lead_party = models.ForeignKey(
        Party,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_actions",
        verbose_name=_("ansvarlig part"),
    )
    responsible = models.ManyToManyField(
        Coordinator, blank=True, related_name="actions", verbose_name=_("ansvarlige koordinatorer")
    )
    partners = models.TextField(_("samarbeidspartnere"), blank=True)
    order = models.PositiveSmallIntegerField(_("rekkefølge"), default=0)
    carried_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="carried_to",
        verbose_name=_("videreført fra"),
    )
    agenda_items = models.ManyToManyField(
        AgendaItem, blank=True, related_name="actions", verbose_name=_("saker i møter")
    )

    class Meta:
        verbose_name = _("tiltak")
        verbose_name_plural = _("tiltak")
        ordering = ["plan", "order", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "number"],
                name="action_number_unique_in_plan",
                violation_error_message=_("Planen har allerede et tiltak med dette nummeret."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("actionplans:plan-detail", args=[self.plan_id]) + f"#tiltak-{self.pk}"

    def clean(self) -> None:
        plan = getattr(self, "plan", None)
        sub_goal = getattr(self, "sub_goal", None)
        if plan and sub_goal and sub_goal.agreement_id != plan.agreement_id:
            raise ValidationError({"sub_goal": _("Delmålet hører til en annen avtale enn planen.")})


class MilestoneQuerySet(models.QuerySet["Milestone"]):
    def open(self) -> "MilestoneQuerySet":
        return self.exclude(status__in=CLOSED_STATUSES)

    def overdue(self, today: datetime.date | None = None) -> "MilestoneQuerySet":
        """Due date passed (in Europe/Oslo) and neither done nor cancelled.

        A milestone without a due date (carried over, waiting for a new one) is never overdue.
        """
        return self.open().filter(due_date__lt=today or local_today())

    def needing_due_date(self) -> "MilestoneQuerySet":
        """Open milestones without a due date: carried over from the previous plan and waiting
        for the coordinator to set a new deadline ("Ny frist mangler")."""
        return self.open().filter(due_date__isnull=True)

    def in_plan(self, plan: ActionPlan) -> "MilestoneQuerySet":
        return self.filter(action__plan=plan)


class Milestone(models.Model):
    action = models.ForeignKey(
        Action, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("tiltak")
    )
    title = models.CharField(_("tittel"), max_length=300)
    description = models.TextField(_("beskrivelse"), blank=True)
    # None only for a milestone carried over to a new plan whose new deadline has not been set
    # yet ("Ny frist mangler"); every form requires a date.
    due_date = models.DateField(_("frist"), null=True, blank=True)
    responsible = models.ForeignKey(
        Coordinator,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="milestones",
        verbose_name=_("ansvarlig"),
    )
    # The current state: always the latest progress update's, written by services.progress_log.
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NOT_STARTED
    )
    percent = models.PositiveSmallIntegerField(
        _("prosent fullført"), default=0, validators=[MaxValueValidator(100)]
    )
    completed_on = models.DateField(_("fullført dato"), null=True, blank=True)
    version = models.PositiveIntegerField(_("versjon"), default=0, editable=False)
    last_update = models.ForeignKey(
        "ProgressUpdate",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("siste statusoppdatering"),
    )
    order = models.PositiveSmallIntegerField(_("rekkefølge"), default=0)
    carried_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="carried_to",
        verbose_name=_("videreført fra"),
    )
    agenda_items = models.ManyToManyField(
        AgendaItem, blank=True, related_name="milestones", verbose_name=_("saker i møter")
    )
    # When the milestone was made; None for milestones made before this was recorded.
    created_at = models.DateTimeField(
        _("opprettet"), default=timezone.now, null=True, editable=False
    )

    objects = MilestoneQuerySet.as_manager()

    class Meta:
        verbose_name = _("milepæl")
        verbose_name_plural = _("milepæler")
        ordering = [models.F("due_date").asc(nulls_last=True), "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__lte=100), name="milestone_percent_at_most_100"
            ),
        ]
        indexes = [models.Index(fields=["status", "due_date"], name="milestone_status_due")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("actionplans:milestone-detail", args=[self.pk])

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return (
            self.status not in CLOSED_STATUSES
            and self.due_date is not None
            and self.due_date < (today or local_today())
        )

    @property
    def needs_due_date(self) -> bool:
        """Open and without a due date: carried over and waiting for a new deadline."""
        return self.due_date is None and self.status not in CLOSED_STATUSES

    @property
    def overdue(self) -> bool:
        return self.is_overdue()

    def clean(self) -> None:
        if self.due_date and self.action_id:
            plan = self.action.plan
            if not plan.first_day <= self.due_date <= plan.last_day:
                raise ValidationError(
                    {
                        "due_date": _("Fristen må ligge innenfor planperioden %(period)s.")
                        % {"period": plan.period}
                    }
                )


class _Statuses(Protocol):
    @property
    def status(self) -> str: ...

    @property
    def previous_status(self) -> str: ...


class StatusChange:
    """What a progress update says about the status it moved from: a saved ``ProgressUpdate`` and
    the dashboard's lighter ``selectors.RecentUpdate`` read it the same way."""

    __slots__ = ()

    @property
    def status_changed(self: _Statuses) -> bool:
        return bool(self.previous_status) and self.previous_status != self.status

    @property
    def got_worse(self: _Statuses) -> bool:
        """Moved to a worse status (STATUS_RANK), e.g. from «I rute» to «Forsinket»."""
        if not self.previous_status:
            return False
        return STATUS_RANK[Status(self.status)] > STATUS_RANK[Status(self.previous_status)]

    @property
    def previous_status_label(self: _Statuses) -> str:
        return str(Status(self.previous_status).label) if self.previous_status else ""


class ProgressUpdate(StatusChange, models.Model):
    """Statusoppdatering. Append-only: never changed or deleted, only followed by another."""

    # No index of its own: update_milestone_time (below) starts with the milestone and serves
    # every lookup by milestone, and with the time beside it PostgreSQL reads only the window's
    # updates of each (the dashboard's status-change counts: 2.1 against 0.7-1.0 ms at county
    # scale, where it chose the milestone's own index and filtered 5,500 rows of 6,000).
    milestone = models.ForeignKey(
        Milestone,
        on_delete=models.CASCADE,
        related_name="updates",
        verbose_name=_("milepæl"),
        db_index=False,
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="progress_updates",
        verbose_name=_("skrevet av"),
    )
    created_at = models.DateTimeField(_("tidspunkt"), default=timezone.now, db_index=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    percent = models.PositiveSmallIntegerField(
        _("prosent fullført"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    comment = models.TextField(_("kommentar"), blank=True)
    evidence_url = models.URLField(_("lenke til dokumentasjon"), blank=True, max_length=500)
    previous_status = models.CharField(
        _("forrige status"), max_length=20, choices=Status.choices, blank=True
    )
    previous_percent = models.PositiveSmallIntegerField(_("forrige prosent"), null=True, blank=True)
    is_correction = models.BooleanField(
        _("rettelse"),
        default=False,
        help_text=_("Lagt inn av en administrator for å rette en feil."),
    )

    class Meta:
        verbose_name = _("statusoppdatering")
        verbose_name_plural = _("statusoppdateringer")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__lte=100), name="update_percent_at_most_100"
            ),
        ]
        indexes = [models.Index(fields=["milestone", "-created_at"], name="update_milestone_time")]

    def __str__(self) -> str:
        return f"{self.milestone}: {self.get_status_display()} {self.percent} %"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValidationError(
                _("En statusoppdatering kan ikke endres. Legg inn en ny i stedet.")
            )
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ValidationError(_("En statusoppdatering kan ikke slettes."))


class MilestoneDueDateChange(models.Model):
    """Fristendring: a milestone's due date moved from one date to another, by whom, when and
    why. Append-only like ProgressUpdate: written only by services.milestone_due_date_change,
    never changed or deleted, so a moved deadline always leaves a trace."""

    class Source(models.TextChoices):
        FORM = "form", _("Skjema")
        EXCEL = "excel", _("Excel-import")

    milestone = models.ForeignKey(
        Milestone,
        on_delete=models.CASCADE,
        related_name="due_date_changes",
        verbose_name=_("milepæl"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="due_date_changes",
        verbose_name=_("endret av"),
    )
    created_at = models.DateTimeField(_("tidspunkt"), default=timezone.now, db_index=True)
    # None when a milestone carried over without a deadline gets its first one in the new plan.
    old_due_date = models.DateField(_("gammel frist"), null=True, blank=True)
    new_due_date = models.DateField(_("ny frist"))
    reason = models.TextField(_("begrunnelse"), blank=True)
    was_overdue = models.BooleanField(
        _("var forfalt"),
        default=False,
        help_text=_("Den gamle fristen hadde passert uten at milepælen var fullført eller avlyst."),
    )
    source = models.CharField(
        _("endret i"), max_length=10, choices=Source.choices, default=Source.FORM
    )

    class Meta:
        verbose_name = _("fristendring")
        verbose_name_plural = _("fristendringer")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["milestone", "-created_at"], name="duechange_milestone_time")
        ]

    def __str__(self) -> str:
        return f"{self.milestone}: {self.old_due_date} → {self.new_due_date}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValidationError(_("En fristendring kan ikke endres."))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ValidationError(_("En fristendring kan ikke slettes."))

    @property
    def later(self) -> bool:
        """The deadline was moved to a later date (postponed)."""
        return self.old_due_date is not None and self.new_due_date > self.old_due_date


def rollup_aggregates(prefix: str = "", today: datetime.date | None = None) -> dict[str, Aggregate]:
    """Aggregates for milestone roll-ups, relative to the milestone table by ``prefix``.

    Gives ``total``, one ``n_<status>`` per status, ``overdue``, ``avg_percent`` (the mean
    percent of milestones that are not cancelled) and ``last_update`` (the newest update's time). Used with ``aggregate`` and ``annotate``.
    """
    today = today or local_today()
    status = f"{prefix}status"
    out: dict[str, Aggregate] = {"total": Count(f"{prefix}pk", distinct=True)}
    for value in Status.values:
        out[f"n_{value}"] = Count(f"{prefix}pk", filter=Q(**{status: value}), distinct=True)
    out["overdue"] = Count(
        f"{prefix}pk",
        filter=Q(**{f"{prefix}due_date__lt": today}) & ~Q(**{f"{status}__in": CLOSED_STATUSES}),
        distinct=True,
    )
    out["avg_percent"] = Avg(f"{prefix}percent", filter=~Q(**{status: Status.CANCELLED}))
    out["last_update"] = Max(f"{prefix}last_update__created_at")
    return out


class SentReminder(models.Model):
    """A reminder e-mail that was sent, so that the same reminder is never sent twice."""

    key = models.CharField(_("nøkkel"), max_length=200, unique=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reminders",
        verbose_name=_("mottaker"),
    )
    sent_at = models.DateTimeField(_("sendt"), default=timezone.now)
    subject = models.CharField(_("emne"), max_length=300)

    class Meta:
        verbose_name = _("sendt påminnelse")
        verbose_name_plural = _("sendte påminnelser")
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return self.subject


def attachment_path(instance: "Attachment", filename: str) -> str:
    """Where an attachment's bytes are stored: a random name, never the uploaded one (the
    original name is kept in the row and given back only as the download's file name)."""
    import uuid

    suffix = filename.rpartition(".")[2].lower() if "." in filename else "bin"
    return f"vedlegg/{timezone.now():%Y}/{uuid.uuid4().hex}.{suffix}"


class Attachment(models.Model):
    """A document (minutes, a presentation, a report) attached to a meeting or, as evidence, to a
    milestone: exactly one of the two. ``agreement`` is the owner's agreement, set when the file
    is attached, so access and the audit log find it the same way as for every other row.

    The bytes are stored through Django's storage API under a random name; the type is the one
    detected from the content (``actionplans.attachments.detect``), never the browser's claim."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("avtale")
    )
    meeting = models.ForeignKey(
        "agreements.Meeting",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name=_("møte"),
    )
    milestone = models.ForeignKey(
        Milestone,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name=_("milepæl"),
    )
    file = models.FileField(_("fil"), upload_to=attachment_path, max_length=300)
    original_name = models.CharField(_("filnavn"), max_length=255)
    size = models.PositiveBigIntegerField(_("størrelse (byte)"))
    content_type = models.CharField(_("filtype"), max_length=120)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("lastet opp av"),
    )
    uploaded_at = models.DateTimeField(_("lastet opp"), default=timezone.now)

    class Meta:
        verbose_name = _("vedlegg")
        verbose_name_plural = _("vedlegg")
        ordering = ["uploaded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(meeting__isnull=False, milestone__isnull=True)
                    | Q(meeting__isnull=True, milestone__isnull=False)
                ),
                name="attachment_one_owner",
                violation_error_message=_("Et vedlegg hører til ett møte eller én milepæl."),
            )
        ]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("actionplans:attachment-download", args=[self.pk])

    @property
    def owner(self) -> models.Model:
        """The meeting or the milestone the file is attached to."""
        owner = self.meeting if self.meeting_id else self.milestone
        assert owner is not None
        return owner

    @property
    def kind_label(self) -> str:
        """«PDF», «Word», «Excel» …: what the file is, for lists."""
        return str(ATTACHMENT_KINDS.get(self.content_type.split(";")[0], _("Fil")))


@receiver(post_delete, sender=Attachment)
def attachment_file_delete(
    sender: type[Attachment], instance: Attachment, using: str, **kwargs: object
) -> None:
    """An attachment's file goes with its row, also when the row goes with its meeting or
    milestone; once the deletion is committed, so a rolled-back deletion keeps the file."""
    storage, name = instance.file.storage, instance.file.name
    if name:
        transaction.on_commit(lambda: storage.delete(name), using=using)


# The types an attachment may have (actionplans.attachments.detect), as lists name them.
ATTACHMENT_KINDS = {
    "application/pdf": "PDF",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint",
    "application/vnd.oasis.opendocument.text": _("OpenDocument-tekst"),
    "application/vnd.oasis.opendocument.spreadsheet": _("OpenDocument-regneark"),
    "application/vnd.oasis.opendocument.presentation": _("OpenDocument-presentasjon"),
    "image/png": _("PNG-bilde"),
    "image/jpeg": _("JPEG-bilde"),
    "text/plain": _("Tekst"),
}
