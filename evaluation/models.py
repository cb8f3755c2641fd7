"""Evaluations (§6): the mid-term evaluation in 2026 and the final one in 2028, with their
assessments per delmål, indicators, feedback and the report."""

import secrets

from django.conf import settings
from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
)
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from actionplans.models import Action, ActionPlan
from agreements.models import Agreement, FocusArea, LongTermEffect, SubGoal


class Evaluation(models.Model):
    class Kind(models.TextChoices):
        MID_TERM = "mid_term", _("Midtveisevaluering")
        FINAL = "final", _("Sluttevaluering")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Utkast")
        IN_REVIEW = "in_review", _("Til gjennomgang")
        FINAL = "final", _("Endelig")

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="evaluations", verbose_name=_("avtale")
    )
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("år"))
    plans = models.ManyToManyField(
        ActionPlan, related_name="evaluations", verbose_name=_("handlingsplaner som vurderes")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    summary = models.TextField(_("sammendrag"), blank=True)
    conclusions = models.TextField(_("konklusjoner"), blank=True)
    snapshot_taken_at = models.DateTimeField(_("tall hentet"), null=True, blank=True)
    # Every covered milestone as it stood at the snapshot (selectors.snapshot_milestones): the
    # report's appendix, from the same read as the figures per delmål. None for a snapshot
    # taken before the rows were kept.
    milestone_snapshot = models.JSONField(
        _("milepæler ved uttak"), null=True, blank=True, default=None, editable=False
    )
    feedback_token = models.CharField(
        _("nøkkel for tilbakemeldingsskjema"),
        max_length=64,
        unique=True,
        default=secrets.token_urlsafe,
    )
    feedback_open = models.BooleanField(_("tilbakemeldingsskjemaet er åpent"), default=False)
    finalised_at = models.DateTimeField(_("ferdigstilt"), null=True, blank=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ferdigstilt av"),
    )
    final_pdf = models.FileField(_("endelig rapport (PDF)"), upload_to="evaluations/", blank=True)
    final_pdf_sha256 = models.CharField(_("SHA-256 av endelig rapport"), max_length=64, blank=True)
    is_example = models.BooleanField(_("eksempeldata"), default=False)

    class Meta:
        verbose_name = _("evaluering")
        verbose_name_plural = _("evalueringer")
        ordering = ["agreement", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "kind", "year"],
                name="one_evaluation_per_kind_and_year",
                violation_error_message=_("Avtalen har allerede en slik evaluering dette året."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("evaluation:evaluation-detail", args=[self.pk])

    @property
    def is_final(self) -> bool:
        return self.status == self.Status.FINAL


class SubGoalAssessment(models.Model):
    """The evaluation's judgement of one delmål, with its milestone figures frozen at snapshot."""

    class Rating(models.IntegerChoices):
        NOT_ACHIEVED = 1, _("Ikke oppnådd")
        PARTLY = 2, _("Delvis oppnådd")
        LARGELY = 3, _("I stor grad oppnådd")
        ACHIEVED = 4, _("Oppnådd")

    evaluation = models.ForeignKey(
        Evaluation,
        on_delete=models.CASCADE,
        related_name="assessments",
        verbose_name=_("evaluering"),
    )
    sub_goal = models.ForeignKey(
        SubGoal, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("delmål")
    )
    rating = models.PositiveSmallIntegerField(
        _("vurdering"), choices=Rating.choices, null=True, blank=True
    )
    narrative = models.TextField(_("vurdering i tekst"), blank=True)
    evidence = models.TextField(_("grunnlag og kilder"), blank=True)
    # Snapshot of the milestone figures, so the report does not move when progress is logged.
    snapshot = models.JSONField(_("milepæltall ved uttak"), default=dict, blank=True)

    class Meta:
        verbose_name = _("vurdering av delmål")
        verbose_name_plural = _("vurderinger av delmål")
        ordering = [
            "evaluation",
            "sub_goal__focus_area__number",
            "sub_goal__order",
            "sub_goal__code",
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "sub_goal"], name="one_assessment_per_sub_goal"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation}: {self.sub_goal}"


class Recommendation(models.Model):
    """A recommendation of the evaluation, and the actions of the next plan that carry it out."""

    evaluation = models.ForeignKey(
        Evaluation,
        on_delete=models.CASCADE,
        related_name="recommendations",
        verbose_name=_("evaluering"),
    )
    text = models.TextField(_("anbefaling"))
    actions = models.ManyToManyField(
        Action, blank=True, related_name="recommendations", verbose_name=_("tiltak som følger opp")
    )
    order = models.PositiveSmallIntegerField(_("rekkefølge"), default=0)

    class Meta:
        verbose_name = _("anbefaling")
        verbose_name_plural = _("anbefalinger")
        ordering = ["evaluation", "order", "pk"]

    def __str__(self) -> str:
        return self.text[:80]


class Indicator(models.Model):
    class Direction(models.TextChoices):
        HIGHER = "higher", _("Høyere er bedre")
        LOWER = "lower", _("Lavere er bedre")

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("avtale")
    )
    long_term_effect = models.ForeignKey(
        LongTermEffect,
        on_delete=models.PROTECT,
        related_name="indicators",
        verbose_name=_("langsiktig effekt"),
    )
    name = models.CharField(_("navn"), max_length=200)
    unit = models.CharField(_("enhet"), max_length=50)
    source = models.CharField(
        _("kilde"),
        max_length=200,
        help_text=_("For eksempel «SSB tabell 07459» eller «Troms i tall»."),
    )
    municipalities = models.TextField(
        _("kommuner"), blank=True, help_text=_("Kommunenummer, ett per linje eller kommaseparert.")
    )
    direction = models.CharField(
        _("retning"), max_length=10, choices=Direction.choices, default=Direction.HIGHER
    )
    baseline_year = models.PositiveSmallIntegerField(_("basisår"), null=True, blank=True)
    baseline_value = models.DecimalField(
        _("basisverdi"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    target_value = models.DecimalField(
        _("mål"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    target_year = models.PositiveSmallIntegerField(_("målår"), null=True, blank=True)
    is_example = models.BooleanField(_("eksempeldata"), default=False)
    # Where «Hent nye tall» fetches the values: an SSB statistics bank table and a PxWebApi v2
    # query (evaluation/indicators/ssb.py).
    ssb_table = models.CharField(
        _("SSB-tabell"),
        max_length=5,
        blank=True,
        validators=[RegexValidator(r"^[0-9]{5}$", _("Skriv tabellnummeret med fem sifre."))],
    )
    ssb_query = models.CharField(_("spørring mot SSB"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("indikator")
        verbose_name_plural = _("indikatorer")
        ordering = ["agreement", "long_term_effect__order", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def municipality_codes(self) -> list[str]:
        return [c for c in self.municipalities.replace(",", "\n").split() if c]


class IndicatorValue(models.Model):
    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="values", verbose_name=_("indikator")
    )
    year = models.PositiveSmallIntegerField(_("år"))
    value = models.DecimalField(_("verdi"), max_digits=14, decimal_places=2)
    source_note = models.CharField(_("kildenotat"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("indikatorverdi")
        verbose_name_plural = _("indikatorverdier")
        ordering = ["indicator", "year"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "year"], name="one_value_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.year}: {self.value}"


class IndicatorImportDraft(models.Model):
    """A file (uploaded or fetched from SSB) between reading it and confirming its preview.

    The bytes are kept in the database, not in a worker's memory or a session, so that the
    choice, preview and confirm steps work whichever server process answers them. A draft
    expires (``expires_at``); nothing is written to the indicator's values until the preview
    is confirmed.
    """

    class Origin(models.TextChoices):
        UPLOAD = "upload", _("Opplastet fil")
        SSB = "ssb", _("Hentet fra SSB")

    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.CASCADE,
        related_name="import_drafts",
        verbose_name=_("indikator"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lastet opp av"),
    )
    created_at = models.DateTimeField(_("lastet opp"), default=timezone.now)
    expires_at = models.DateTimeField(_("utløper"))
    origin = models.CharField(_("kilde"), max_length=10, choices=Origin.choices)
    file_name = models.CharField(_("filnavn"), max_length=200, blank=True)
    source_note = models.CharField(_("kildenotat"), max_length=300, blank=True)
    data = models.BinaryField(_("innhold"))
    sha256 = models.CharField(_("sjekksum (SHA-256)"), max_length=64)

    class Meta:
        verbose_name = _("importutkast for indikator")
        verbose_name_plural = _("importutkast for indikatorer")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.indicator}: {self.file_name}"


class IndicatorValueChange(models.Model):
    """The history of an indicator's values: every value added, corrected, deleted or imported,
    by whom, when and why."""

    class Kind(models.TextChoices):
        ADD = "add", _("Lagt til")
        CHANGE = "change", _("Rettet")
        DELETE = "delete", _("Slettet")
        IMPORT = "import", _("Importert")

    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.CASCADE,
        related_name="value_changes",
        verbose_name=_("indikator"),
    )
    year = models.PositiveSmallIntegerField(_("år"))
    kind = models.CharField(_("hva"), max_length=10, choices=Kind.choices)
    old_value = models.DecimalField(
        _("gammel verdi"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    new_value = models.DecimalField(
        _("ny verdi"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    source_note = models.CharField(_("kildenotat"), max_length=300, blank=True)
    reason = models.TextField(_("begrunnelse"), blank=True, validators=[MaxLengthValidator(1000)])
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("endret av"),
    )
    changed_at = models.DateTimeField(_("tidspunkt"), default=timezone.now)

    class Meta:
        verbose_name = _("endring av indikatorverdi")
        verbose_name_plural = _("endringer av indikatorverdier")
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.indicator} {self.year}: {self.get_kind_display()}"


class Feedback(models.Model):
    """Qualitative input for an evaluation, from a named stakeholder, through an open link."""

    class StakeholderKind(models.TextChoices):
        MUNICIPALITY = "municipality", _("Kommune")
        ORGANISATION = "organisation", _("Organisasjon eller virksomhet")
        PERSON = "person", _("Privatperson")

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="feedback", verbose_name=_("evaluering")
    )
    stakeholder = models.CharField(_("navn på avsender"), max_length=200)
    stakeholder_kind = models.CharField(
        _("type avsender"), max_length=20, choices=StakeholderKind.choices
    )
    focus_area = models.ForeignKey(
        FocusArea,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="feedback",
        verbose_name=_("innsatsområde"),
    )
    text = models.TextField(_("tilbakemelding"), validators=[MaxLengthValidator(5000)])
    rating = models.PositiveSmallIntegerField(
        _("vurdering (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    created_at = models.DateTimeField(_("mottatt"), default=timezone.now)
    # A keyed hash of the sender's address, for the rate limit; the address itself is not stored.
    sender_hash = models.CharField(_("avsender-nøkkel"), max_length=64, blank=True, editable=False)
    is_example = models.BooleanField(_("eksempeldata"), default=False)

    class Meta:
        verbose_name = _("tilbakemelding")
        verbose_name_plural = _("tilbakemeldinger")
        ordering = ["evaluation", "-created_at"]
        indexes = [models.Index(fields=["sender_hash", "created_at"], name="feedback_sender_time")]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="feedback_rating_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stakeholder}: {self.text[:60]}"
