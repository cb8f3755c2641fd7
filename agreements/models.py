"""The agreement itself: parties, goals, focus areas, sub-goals, strategies and the people
appointed to follow it up."""

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tromsvekst.lib.names import display_name


class Party(models.Model):
    """An organisation that can be a party to agreements (a county, a regional council)."""

    class Kind(models.TextChoices):
        COUNTY = "county", _("Fylkeskommune")
        REGIONAL_COUNCIL = "regional_council", _("Regionråd")
        MUNICIPALITY = "municipality", _("Kommune")
        OTHER = "other", _("Annen")

    name = models.CharField(_("navn"), max_length=200, unique=True)
    slug = models.SlugField(_("kortnavn i adresser"), max_length=80, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    website = models.URLField(_("nettsted"), blank=True)

    class Meta:
        verbose_name = _("avtalepart")
        verbose_name_plural = _("avtaleparter")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AgreementQuerySet(models.QuerySet["Agreement"]):
    def public(self) -> "AgreementQuerySet":
        return self.filter(is_public=True)


class Agreement(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Utkast")
        ADOPTED = "adopted", _("Vedtatt")
        EXPIRED = "expired", _("Utløpt")

    slug = models.SlugField(_("kortnavn i adresser"), max_length=100, unique=True)
    title = models.CharField(_("tittel"), max_length=250)
    short_title = models.CharField(_("kort tittel"), max_length=120, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    start_year = models.PositiveSmallIntegerField(_("første år"))
    end_year = models.PositiveSmallIntegerField(_("siste år"))
    overall_goal = models.TextField(_("overordnet mål"))
    introduction = models.TextField(_("innledning"), blank=True)
    knowledge_basis = models.TextField(_("kunnskapsgrunnlag og prosess"), blank=True)
    focus_areas_intro = models.TextField(_("innledning til innsatsområdene"), blank=True)
    collaboration_structure = models.TextField(_("struktur for strategisk samhandling"), blank=True)
    central_themes_intro = models.TextField(_("innledning til sentrale tema"), blank=True)
    administrative_follow_up = models.TextField(_("administrativ oppfølging"), blank=True)
    long_term_effects_intro = models.TextField(_("innledning til langsiktige effekter"), blank=True)
    evaluation_text = models.TextField(_("om evaluering"), blank=True)
    process_intro = models.TextField(_("innledning til forankring og prosess"), blank=True)
    place_signed = models.CharField(_("sted for signering"), max_length=120, blank=True)
    is_public = models.BooleanField(
        _("offentlig"),
        default=False,
        help_text=_("Avtalesiden kan leses uten innlogging."),
    )
    progress_is_public = models.BooleanField(
        _("offentlig fremdriftsside"),
        default=False,
        help_text=_(
            "Fremdriften (status og frister, uten kommentarer og navn) kan leses uten innlogging. "
            "Gjelder bare offentlige avtaler."
        ),
    )
    is_example = models.BooleanField(
        _("eksempeldata"),
        default=False,
        help_text=_("Avtalen er laget som eksempel og er ikke en ekte avtale."),
    )
    parties: "models.ManyToManyField[Party, AgreementParty]" = models.ManyToManyField(
        Party, through="AgreementParty", related_name="agreements", verbose_name=_("avtaleparter")
    )

    objects = AgreementQuerySet.as_manager()

    class Meta:
        verbose_name = _("tromsvekstavtale")
        verbose_name_plural = _("tromsvekstavtaler")
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_year__gte=models.F("start_year")),
                name="agreement_period_ordered",
                violation_error_message=_("Siste år kan ikke være før første år."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("agreements:agreement-detail", args=[self.slug])

    @property
    def period(self) -> str:
        return f"{self.start_year}–{self.end_year}"


class AgreementParty(models.Model):
    """A party's place in one agreement, and how and when that party adopted it."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("avtale")
    )
    party = models.ForeignKey(
        Party, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("avtalepart")
    )
    adopted_by = models.CharField(
        _("vedtatt av"), max_length=200, blank=True, help_text=_("For eksempel «Troms fylkesting».")
    )
    adopted_on = models.DateField(_("vedtatt dato"), null=True, blank=True)
    case_number = models.CharField(
        _("saksnummer"), max_length=60, blank=True, help_text=_("For eksempel «25/01234».")
    )
    order = models.PositiveSmallIntegerField(_("rekkefølge"), default=0)

    class Meta:
        verbose_name = _("part i avtalen")
        verbose_name_plural = _("parter i avtalen")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "party"],
                name="agreement_party_once",
                violation_error_message=_("Parten er allerede med i denne avtalen."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.party} – {self.agreement}"


class Signatory(models.Model):
    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="signatories", verbose_name=_("avtale")
    )
    party = models.ForeignKey(
        Party, on_delete=models.PROTECT, related_name="signatories", verbose_name=_("avtalepart")
    )
    name = models.CharField(_("navn"), max_length=200)
    title = models.CharField(_("tittel"), max_length=200)
    order = models.PositiveSmallIntegerField(_("rekkefølge"), default=0)

    class Meta:
        verbose_name = _("underskriver")
        verbose_name_plural = _("underskrivere")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return f"{self.name}, {self.title}"


class BasisDocument(models.Model):
    """A plan, strategy or attachment the agreement rests on (§3)."""

    class Kind(models.TextChoices):
        PLAN = "plan", _("Plan eller strategi")
        ATTACHMENT = "attachment", _("Vedlegg")
        STATISTICS = "statistics", _("Statistikk og kunnskapsgrunnlag")

    agreement = models.ForeignKey(
        Agreement,
        on_delete=models.CASCADE,
        related_name="basis_documents",
        verbose_name=_("avtale"),
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.PLAN)
    title = models.CharField(_("tittel"), max_length=300)
    description = models.TextField(_("beskrivelse"), blank=True)
    url = models.URLField(_("lenke"), blank=True)
    order = models.PositiveSmallIntegerField(_("rekkefølge"), default=0)

    class Meta:
        verbose_name = _("kunnskapsgrunnlag")
        verbose_name_plural = _("kunnskapsgrunnlag")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.title


class FocusArea(models.Model):
    """Innsatsområde, numbered 1, 2, … within its agreement."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="focus_areas", verbose_name=_("avtale")
    )
    number = models.PositiveSmallIntegerField(_("nummer"))
    title = models.CharField(_("tittel"), max_length=300)

    class Meta:
        verbose_name = _("innsatsområde")
        verbose_name_plural = _("innsatsområder")
        ordering = ["agreement", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "number"],
                name="focus_area_number_unique_in_agreement",
                violation_error_message=_(
                    "Avtalen har allerede et innsatsområde med dette nummeret."
                ),
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="focus_area_number_positive"),
        ]

    def __str__(self) -> str:
        return _("Innsatsområde %(number)s – %(title)s") % {
            "number": self.number,
            "title": self.title,
        }


SUB_GOAL_CODE_PATTERN = r"^[1-9][0-9]*\.[1-9][0-9]*$"


class SubGoal(models.Model):
    """Delmål, coded "1.1", "1.2", … The code is unique within the agreement."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="sub_goals", verbose_name=_("avtale")
    )
    focus_area = models.ForeignKey(
        FocusArea,
        on_delete=models.CASCADE,
        related_name="sub_goals",
        verbose_name=_("innsatsområde"),
    )
    code = models.CharField(_("kode"), max_length=10, help_text=_("For eksempel «1.2»."))
    text = models.TextField(_("delmål"))
    order = models.PositiveSmallIntegerField(_("rekkefølge"), default=0)

    class Meta:
        verbose_name = _("delmål")
        verbose_name_plural = _("delmål")
        ordering = ["focus_area__number", "order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "code"],
                name="sub_goal_code_unique_in_agreement",
                violation_error_message=_("Avtalen har allerede et delmål med denne koden."),
            ),
        ]

    def __str__(self) -> str:
        return _("Delmål %(code)s") % {"code": self.code}

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.focus_area_id and not self.agreement_id:
            self.agreement_id = self.focus_area.agreement_id
        super().save(*args, **kwargs)

    def clean(self) -> None:
        import re

        if self.code and not re.fullmatch(SUB_GOAL_CODE_PATTERN, self.code):
            raise ValidationError({"code": _("Koden skal være to tall med punktum, som «1.2».")})
        if self.focus_area_id and self.agreement_id != self.focus_area.agreement_id:
            raise ValidationError(
                {"focus_area": _("Innsatsområdet hører til en annen avtale enn delmålet.")}
            )
        if (
            self.focus_area_id
            and self.code
            and not self.code.startswith(f"{self.focus_area.number}.")
        ):
            raise ValidationError(
                {
                    "code": _("Koden må begynne med innsatsområdets nummer (%(number)s.).")
                    % {"number": self.focus_area.number}
                }
            )


class Strategy(models.Model):
    """One bullet under a delmål, verbatim."""

    sub_goal = models.ForeignKey(
        SubGoal, on_delete=models.CASCADE, related_name="strategies", verbose_name=_("delmål")
    )
    text = models.TextField(_("strategi"))
    note = models.CharField(
        _("fotnote"),
        max_length=300,
        blank=True,
        help_text=_("Kilde eller merknad fra avtaleteksten."),
    )
    note_url = models.URLField(_("lenke i fotnote"), blank=True)
    order = models.PositiveSmallIntegerField(_("rekkefølge"), default=0)

    class Meta:
        verbose_name = _("strategi")
        verbose_name_plural = _("strategier")
        ordering = ["sub_goal", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["sub_goal", "order"],
                name="strategy_order_unique_in_sub_goal",
                violation_error_message=_("Delmålet har allerede en strategi på denne plassen."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sub_goal.code}: {self.text[:80]}"

    @property
    def label(self) -> str:
        """A short reference such as "1.2.3" (the third strategy of delmål 1.2)."""
        return f"{self.sub_goal.code}.{self.order}"


class OrderedText(models.Model):
    """A numbered bullet of an agreement: a central theme, a long-term effect."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, verbose_name=_("avtale"))
    text = models.TextField(_("tekst"))
    order = models.PositiveSmallIntegerField(_("rekkefølge"), default=0)

    class Meta:
        abstract = True
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.text


class CentralTheme(OrderedText):
    """§5.1: Evenes airport, power and grid capacity, …"""

    class Meta(OrderedText.Meta):
        verbose_name = _("sentralt tema")
        verbose_name_plural = _("sentrale tema")
        default_related_name = "central_themes"


class LongTermEffect(OrderedText):
    """§6: the long-term results the agreement aims at."""

    class Meta(OrderedText.Meta):
        verbose_name = _("langsiktig effekt")
        verbose_name_plural = _("langsiktige effekter")
        default_related_name = "long_term_effects"


class ProcessEvent(OrderedText):
    """A step in "Forankring og prosess" (vedlegg 1)."""

    when = models.CharField(
        _("tidspunkt"), max_length=100, blank=True, help_text=_("Som i teksten: «desember 2023».")
    )
    date = models.DateField(
        _("dato"), null=True, blank=True, help_text=_("Eksakt dato der teksten har en.")
    )

    class Meta(OrderedText.Meta):
        verbose_name = _("steg i forankring og prosess")
        verbose_name_plural = _("forankring og prosess")
        default_related_name = "process_events"


class AgreementRevision(models.Model):
    """A change to the text of an adopted agreement: who, when, which text, before and after."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("avtale")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("endret av"),
    )
    created_at = models.DateTimeField(_("endret"), auto_now_add=True)
    subject = models.CharField(_("hva"), max_length=300)
    field = models.CharField(_("felt"), max_length=120)
    old_text = models.TextField(_("tekst før"), blank=True)
    new_text = models.TextField(_("tekst etter"), blank=True)

    class Meta:
        verbose_name = _("endring i avtaleteksten")
        verbose_name_plural = _("endringer i avtaleteksten")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.subject}: {self.field}"


class Coordinator(models.Model):
    """A user appointed by a party for an agreement: a coordinator, or a reader (politician)."""

    class Role(models.TextChoices):
        COORDINATOR = "coordinator", _("Koordinator")
        READER = "reader", _("Leser")

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="coordinators", verbose_name=_("avtale")
    )
    party = models.ForeignKey(
        Party, on_delete=models.PROTECT, related_name="coordinators", verbose_name=_("avtalepart")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="appointments",
        verbose_name=_("bruker"),
    )
    role = models.CharField(_("rolle"), max_length=20, choices=Role.choices)
    title = models.CharField(_("stilling"), max_length=200, blank=True)
    phone = models.CharField(_("telefon"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("koordinator eller leser")
        verbose_name_plural = _("koordinatorer og lesere")
        ordering = ["agreement", "party", "user__last_name", "user__first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "user"],
                name="one_role_per_user_and_agreement",
                violation_error_message=_("Brukeren har allerede en rolle i denne avtalen."),
            ),
        ]

    def __str__(self) -> str:
        return f"{display_name(self.user)} ({self.get_role_display()}, {self.party})"


def new_calendar_token() -> str:
    import secrets

    return secrets.token_urlsafe(24)


class CalendarFeed(models.Model):
    """The secret token in an agreement's calendar feed URL. Rotating it retires the old URL."""

    agreement = models.OneToOneField(
        Agreement, on_delete=models.CASCADE, related_name="calendar_feed", verbose_name=_("avtale")
    )
    token = models.CharField(
        _("hemmelig nøkkel"), max_length=64, unique=True, default=new_calendar_token
    )
    rotated_at = models.DateTimeField(_("sist byttet"), auto_now=True)

    class Meta:
        verbose_name = _("kalenderabonnement")
        verbose_name_plural = _("kalenderabonnement")

    def __str__(self) -> str:
        return str(self.agreement)


class MeetingQuerySet(models.QuerySet["Meeting"]):
    def held(self) -> "MeetingQuerySet":
        return self.filter(status=Meeting.Status.HELD)

    def upcoming(self, now: datetime.datetime | None = None) -> "MeetingQuerySet":
        from django.utils import timezone

        return self.filter(status=Meeting.Status.PLANNED, end__gte=now or timezone.now()).order_by(
            "start"
        )


class Meeting(models.Model):
    """A meeting between the parties (§5.1: two a year, one physical and one digital)."""

    class Kind(models.TextChoices):
        PHYSICAL = "physical", _("Fysisk møte")
        DIGITAL = "digital", _("Digitalt møte")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Utkast")
        PLANNED = "planned", _("Planlagt")
        HELD = "held", _("Avholdt")
        CANCELLED = "cancelled", _("Avlyst")

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="meetings", verbose_name=_("avtale")
    )
    title = models.CharField(_("tittel"), max_length=200)
    kind = models.CharField(_("type møte"), max_length=10, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    start = models.DateTimeField(_("starter"))
    end = models.DateTimeField(_("slutter"))
    place = models.CharField(_("sted"), max_length=300, blank=True)
    video_link = models.URLField(_("lenke til digitalt møte"), blank=True, max_length=500)
    inviting_party = models.ForeignKey(
        Party,
        on_delete=models.PROTECT,
        related_name="invited_meetings",
        verbose_name=_("inviterende part"),
    )
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="meetings",
        verbose_name=_("deltakere"),
    )
    minutes = models.TextField(_("referat"), blank=True)
    is_example = models.BooleanField(_("eksempeldata"), default=False)
    sequence = models.PositiveIntegerField(
        _("endringsnummer"), default=0, editable=False, help_text=_("For kalenderprogrammer.")
    )

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("møte")
        verbose_name_plural = _("møter")
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")),
                name="meeting_ends_after_start",
                violation_error_message=_("Møtet må slutte etter at det starter."),
            ),
        ]
        indexes = [models.Index(fields=["agreement", "start"], name="meeting_agreement_start")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("agreements:meeting-detail", args=[self.pk])


class AgendaItem(models.Model):
    """Sak: an item on a meeting's agenda, linked to what it is about.

    Links to actions and milestones are declared on those models (in ``actionplans``) so that
    this app does not depend on that one.
    """

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="agenda_items", verbose_name=_("møte")
    )
    number = models.PositiveSmallIntegerField(_("saksnummer"))
    title = models.CharField(_("tittel"), max_length=300)
    description = models.TextField(_("beskrivelse"), blank=True)
    sub_goal = models.ForeignKey(
        SubGoal,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="agenda_items",
        verbose_name=_("delmål"),
    )
    central_theme = models.ForeignKey(
        CentralTheme,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="agenda_items",
        verbose_name=_("sentralt tema"),
    )

    class Meta:
        verbose_name = _("sak")
        verbose_name_plural = _("saker")
        ordering = ["meeting", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "number"],
                name="agenda_item_number_unique_in_meeting",
                violation_error_message=_("Møtet har allerede en sak med dette nummeret."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class Decision(models.Model):
    """Vedtak made on an agenda item."""

    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.CASCADE, related_name="decisions", verbose_name=_("sak")
    )
    text = models.TextField(_("vedtak"))
    created_at = models.DateTimeField(_("registrert"), auto_now_add=True)

    class Meta:
        verbose_name = _("vedtak")
        verbose_name_plural = _("vedtak")
        ordering = ["agenda_item", "pk"]

    def __str__(self) -> str:
        return self.text[:80]


class FollowUpTaskQuerySet(models.QuerySet["FollowUpTask"]):
    def open(self) -> "FollowUpTaskQuerySet":
        return self.filter(done=False)


class FollowUpTask(models.Model):
    """Oppfølging: a task that follows from a decision, open until marked done."""

    decision = models.ForeignKey(
        Decision, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("vedtak")
    )
    title = models.CharField(_("oppgave"), max_length=300)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="follow_up_tasks",
        verbose_name=_("ansvarlig"),
    )
    due_date = models.DateField(_("frist"))
    done = models.BooleanField(_("utført"), default=False)
    done_on = models.DateField(_("utført dato"), null=True, blank=True)

    objects = FollowUpTaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("oppfølgingsoppgave")
        verbose_name_plural = _("oppfølgingsoppgaver")
        ordering = ["done", "due_date", "pk"]

    def __str__(self) -> str:
        return self.title


class Invitation(models.Model):
    """An invitation by e-mail to a role in an agreement, waiting for the person to answer.

    A coordinator invites by name and e-mail address; whether the address has an account is not
    looked up then, so the coordinator learns nothing about accounts outside the agreement. The
    person gets a signed link (agreements.services.invitation_token) and accepts (then the role
    is made, for their existing account or a new one) or declines (then nothing is left).
    """

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("avtale")
    )
    party = models.ForeignKey(
        Party, on_delete=models.PROTECT, related_name="invitations", verbose_name=_("avtalepart")
    )
    role = models.CharField(_("rolle"), max_length=20, choices=Coordinator.Role.choices)
    name = models.CharField(_("navn"), max_length=300)
    email = models.EmailField(_("e-postadresse"), max_length=254)
    title = models.CharField(_("stilling"), max_length=200, blank=True)
    phone = models.CharField(_("telefon"), max_length=40, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invitert av"),
    )
    created_at = models.DateTimeField(_("invitert"), auto_now_add=True)

    class Meta:
        verbose_name = _("invitasjon")
        verbose_name_plural = _("invitasjoner")
        ordering = ["agreement", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "agreement",
                name="one_invitation_per_address_and_agreement",
                violation_error_message=_("Adressen er allerede invitert til denne avtalen."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}> ({self.get_role_display()}, {self.party})"
