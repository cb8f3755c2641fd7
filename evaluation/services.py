"""Writes to evaluations that carry a rule: creating one with its snapshot, refreshing the
snapshot, editing texts and assessments, recommendations, and finalising with the archived PDF.

Nothing about an evaluation can change once it is final; every write here locks the evaluation
row (on PostgreSQL) and refuses with ``EvaluationLocked`` if it is.
"""

import hashlib

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from actionplans.models import Action, ActionPlan
from agreements import rules
from agreements.models import Agreement, SubGoal
from evaluation import selectors
from evaluation.models import Evaluation, Recommendation, SubGoalAssessment
from tromsvekst.audit import capture as audit
from tromsvekst.lib.dates import local_today

EDITABLE_STATUSES = (Evaluation.Status.DRAFT, Evaluation.Status.IN_REVIEW)


class EvaluationLocked(Exception):
    """The evaluation is final: nothing in it may change."""

    def __init__(self, evaluation: Evaluation):
        self.evaluation = evaluation
        super().__init__(_("Evalueringen er endelig og kan ikke endres."))


def _lock(evaluation: Evaluation) -> Evaluation:
    """The evaluation's row, locked for this transaction; refuses if it is final."""
    locked = (
        Evaluation.objects.select_for_update().select_related("agreement").get(pk=evaluation.pk)
    )
    if locked.is_final:
        raise EvaluationLocked(locked)
    return locked


def _snapshot_take(evaluation: Evaluation) -> None:
    """One assessment per delmål of the agreement, its snapshot set to today's figures over the
    covered plans, and every covered milestone kept as it stands (the appendix): both from one
    read of the milestones, so the report cannot contradict itself. Ratings and texts already
    written are kept."""
    plans = list(evaluation.plans.all())
    today = local_today()
    rows = selectors.snapshot_milestones(plans, today)
    figures = selectors.snapshot_figures(evaluation.agreement, plans, rows, today)
    existing = {
        a.sub_goal_id: a
        for a in SubGoalAssessment.objects.filter(evaluation=evaluation).select_related("sub_goal")
    }
    missing = SubGoal.objects.in_bulk([pk for pk in figures if pk not in existing])
    new, changed, old_values = [], [], []
    for sub_goal_id, snapshot in figures.items():
        assessment = existing.get(sub_goal_id)
        if assessment is None:
            new.append(
                SubGoalAssessment(
                    evaluation=evaluation, sub_goal=missing[sub_goal_id], snapshot=snapshot
                )
            )
        else:
            old_values.append((assessment, {"snapshot": assessment.snapshot}))
            assessment.snapshot = snapshot
            changed.append(assessment)
    SubGoalAssessment.objects.bulk_create(new)
    SubGoalAssessment.objects.bulk_update(changed, ["snapshot"])
    # bulk_create and bulk_update send no signals: the audit log is written here.
    audit.record_bulk_created(new)
    audit.record_bulk_changed(old_values)
    evaluation.snapshot_taken_at = timezone.now()
    evaluation.milestone_snapshot = rows
    evaluation.save(update_fields=["snapshot_taken_at", "milestone_snapshot"])


@transaction.atomic
def evaluation_create(
    *, agreement: Agreement, kind: str, year: int, plans: list[ActionPlan]
) -> Evaluation:
    """Create an evaluation of ``plans`` and take the snapshot of their milestone figures."""
    if kind not in Evaluation.Kind.values:
        raise ValidationError({"kind": _("Velg midtveisevaluering eller sluttevaluering.")})
    if not agreement.start_year <= year <= agreement.end_year:
        raise ValidationError(
            {
                "year": _("Året må ligge i avtaleperioden (%(period)s).")
                % {"period": agreement.period}
            }
        )
    if any(plan.agreement_id != agreement.pk for plan in plans):
        raise ValidationError({"plans": _("Velg bare handlingsplaner i denne avtalen.")})
    try:
        with transaction.atomic():
            evaluation = Evaluation.objects.create(agreement=agreement, kind=kind, year=year)
    except IntegrityError as exc:
        raise ValidationError(
            {"year": _("Avtalen har allerede en slik evaluering dette året.")}
        ) from exc
    evaluation.plans.set(plans)
    _snapshot_take(evaluation)
    return evaluation


@transaction.atomic
def snapshot_refresh(*, evaluation: Evaluation) -> Evaluation:
    """Take the milestone figures again. Only while the evaluation is a draft: once it is sent
    for review, the figures the reviewers read stay put."""
    locked = _lock(evaluation)
    if locked.status != Evaluation.Status.DRAFT:
        raise ValidationError(_("Tallene kan bare hentes på nytt mens evalueringen er et utkast."))
    _snapshot_take(locked)
    return locked


@transaction.atomic
def evaluation_update(
    *, evaluation: Evaluation, summary: str, conclusions: str, status: str
) -> Evaluation:
    locked = _lock(evaluation)
    if status not in EDITABLE_STATUSES:
        raise ValidationError(
            {"status": _("Evalueringen kan bare være utkast eller til gjennomgang her.")}
        )
    locked.summary = summary
    locked.conclusions = conclusions
    locked.status = status
    locked.save(update_fields=["summary", "conclusions", "status"])
    return locked


@transaction.atomic
def assessment_update(
    *, assessment: SubGoalAssessment, rating: int | None, narrative: str, evidence: str
) -> SubGoalAssessment:
    _lock(assessment.evaluation)
    if rating is not None and rating not in SubGoalAssessment.Rating.values:
        raise ValidationError({"rating": _("Velg et trinn på skalaen.")})
    assessment.rating = rating
    assessment.narrative = narrative
    assessment.evidence = evidence
    assessment.save(update_fields=["rating", "narrative", "evidence"])
    return assessment


def _check_actions(evaluation: Evaluation, actions: list[Action]) -> None:
    allowed = set(selectors.next_plan_actions(evaluation).values_list("pk", flat=True))
    if any(action.pk not in allowed for action in actions):
        raise ValidationError(
            {"actions": _("Velg bare tiltak i handlingsplanen som kommer etter evalueringen.")}
        )


@transaction.atomic
def recommendation_save(
    *,
    evaluation: Evaluation,
    text: str,
    order: int,
    actions: list[Action],
    recommendation: Recommendation | None = None,
) -> Recommendation:
    """Add a recommendation (or change ``recommendation``), linked to actions of the next plan."""
    _lock(evaluation)
    if recommendation is not None and recommendation.evaluation_id != evaluation.pk:
        raise ValidationError(_("Anbefalingen hører til en annen evaluering."))
    if not text.strip():
        raise ValidationError({"text": _("Skriv anbefalingen.")})
    _check_actions(evaluation, actions)
    recommendation = recommendation or Recommendation(evaluation=evaluation)
    recommendation.text = text
    recommendation.order = order
    recommendation.save()
    recommendation.actions.set(actions)
    return recommendation


@transaction.atomic
def recommendation_delete(*, recommendation: Recommendation) -> None:
    _lock(recommendation.evaluation)
    recommendation.delete()


def unrated_sub_goals(evaluation: Evaluation) -> list[str]:
    """Codes of the delmål that have no rating yet."""
    return list(
        SubGoalAssessment.objects.filter(evaluation=evaluation, rating__isnull=True)
        .order_by("sub_goal__focus_area__number", "sub_goal__order", "sub_goal__code")
        .values_list("sub_goal__code", flat=True)
    )


class SnapshotOutOfDate(ValidationError):
    """The plans have changed since the evaluation's figures were taken."""

    def __init__(self, changes: list[str]):
        self.changes = changes
        super().__init__(
            _(
                "Tallene i rapporten er ikke lenger de samme som i handlingsplanen (%(changes)s). "
                "Velg «Hent tallene på nytt» før du ferdigstiller, eller hent dem på nytt mens "
                "evalueringen er et utkast og se over vurderingene."
            )
            % {"changes": "; ".join(changes)}
        )


def evaluation_finalise(
    *, evaluation: Evaluation, user: User, refresh_snapshot: bool = False
) -> Evaluation:
    """Make the evaluation final, render its report to PDF/A once and store it with its SHA-256.

    Refused if the user may not finalise (county coordinators and administrators may), if the
    evaluation is already final, if a delmål has no rating, or if the plans have changed since
    the snapshot (``SnapshotOutOfDate``) unless ``refresh_snapshot`` asks to take the figures
    again first, in the same transaction: every number in the frozen report comes from one
    snapshot. Downloads of a final evaluation serve the stored file, so the archived report never
    changes.
    """
    from evaluation.report import render_report_pdf

    if not rules.can_finalise_evaluation(user, evaluation.agreement):
        raise PermissionDenied
    stored_name = None
    try:
        with transaction.atomic():
            locked = _lock(evaluation)
            missing = unrated_sub_goals(locked)
            if missing:
                raise ValidationError(
                    _(
                        "Alle delmål må ha en vurdering før evalueringen kan ferdigstilles. "
                        "Mangler: %(codes)s."
                    )
                    % {"codes": ", ".join(missing)}
                )
            changes = selectors.snapshot_changes(locked)
            if changes and not refresh_snapshot:
                raise SnapshotOutOfDate(changes)
            if changes:
                _snapshot_take(locked)
            locked.status = Evaluation.Status.FINAL
            locked.finalised_at = timezone.now()
            locked.finalised_by = user
            pdf = render_report_pdf(locked)
            digest = hashlib.sha256(pdf).hexdigest()
            name = (
                f"{slugify(locked.agreement.slug)}-{locked.kind.replace('_', '-')}-"
                f"{locked.year}-{digest[:12]}.pdf"
            )
            locked.final_pdf.save(name, ContentFile(pdf), save=False)
            stored_name = locked.final_pdf.name
            locked.final_pdf_sha256 = digest
            locked.save(
                update_fields=[
                    "status",
                    "finalised_at",
                    "finalised_by",
                    "final_pdf",
                    "final_pdf_sha256",
                ]
            )
    except BaseException:
        if stored_name:
            locked.final_pdf.storage.delete(stored_name)
        raise
    return locked
