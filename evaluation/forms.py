from typing import Any, cast

from django import forms
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from actionplans.models import Action, ActionPlan
from agreements.models import Agreement
from evaluation import selectors
from evaluation.models import Evaluation, Recommendation, SubGoalAssessment


def _plan_label(plan: ActionPlan) -> str:
    return str(_("Handlingsplan %(period)s") % {"period": plan.period})


def _action_label(action: Action) -> str:
    return f"{action.number} {Truncator(action.title).chars(120)} ({action.plan.period})"


class EvaluationCreateForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Type evaluering"),
        choices=Evaluation.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Velg midtveisevaluering eller sluttevaluering.")},
    )
    year = forms.IntegerField(
        label=_("År"),
        required=False,
        error_messages={"invalid": _("Skriv et årstall, for eksempel 2026.")},
    )
    plans = forms.ModelMultipleChoiceField(
        label=_("Handlingsplaner som vurderes"),
        queryset=ActionPlan.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Velger du ingen, tas planene med som er avsluttet senest i evalueringsåret "
            "(midtveisevalueringen vurderer den første handlingsplanen)."
        ),
        error_messages={
            "invalid_choice": _("Velg bare handlingsplaner i denne avtalen."),
            "invalid_pk_value": _("Velg bare handlingsplaner i denne avtalen."),
        },
    )

    def __init__(self, *args: Any, agreement: Agreement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agreement = agreement
        plans = cast("forms.ModelMultipleChoiceField[ActionPlan]", self.fields["plans"])
        plans.queryset = ActionPlan.objects.filter(agreement=agreement).order_by("start_year")
        plans.label_from_instance = _plan_label  # type: ignore[method-assign, assignment]  # Django's documented way to label the choices
        self.fields["year"].help_text = _(
            "Står feltet tomt, brukes %(mid_term)s for midtveisevalueringen og %(final)s for "
            "sluttevalueringen (avtalens kapittel 6)."
        ) % {
            "mid_term": selectors.default_year(agreement, Evaluation.Kind.MID_TERM),
            "final": selectors.default_year(agreement, Evaluation.Kind.FINAL),
        }
        if not self.is_bound:
            done = set(
                Evaluation.objects.filter(agreement=agreement).values_list("kind", flat=True)
            )
            kind = (
                Evaluation.Kind.FINAL
                if Evaluation.Kind.MID_TERM in done
                else Evaluation.Kind.MID_TERM
            )
            year = selectors.default_year(agreement, kind)
            self.initial.update(
                kind=kind,
                year=year,
                plans=list(selectors.default_plans(agreement, year).values_list("pk", flat=True)),
            )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        kind = data.get("kind")
        if not kind or "year" not in data:
            return data
        if data["year"] is None:
            data["year"] = selectors.default_year(self.agreement, kind)
        year = data["year"]
        agreement = self.agreement
        if not agreement.start_year <= year <= agreement.end_year:
            self.add_error(
                "year",
                _("Året må ligge i avtaleperioden (%(period)s).") % {"period": agreement.period},
            )
            return data
        if Evaluation.objects.filter(agreement=agreement, kind=kind, year=year).exists():
            self.add_error("year", _("Avtalen har allerede en slik evaluering dette året."))
        if not data.get("plans"):
            data["plans"] = list(selectors.default_plans(agreement, year))
        return data


class EvaluationForm(forms.ModelForm):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (Evaluation.Status.DRAFT, Evaluation.Status.DRAFT.label),
            (Evaluation.Status.IN_REVIEW, Evaluation.Status.IN_REVIEW.label),
        ],
        widget=forms.RadioSelect,
        help_text=_(
            "«Til gjennomgang» låser tallene fra handlingsplanen. Evalueringen gjøres endelig "
            "med knappen «Ferdigstill» på evalueringssiden."
        ),
    )

    class Meta:
        model = Evaluation
        fields = ["summary", "conclusions", "status"]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 8}),
            "conclusions": forms.Textarea(attrs={"rows": 6}),
        }
        labels = {"summary": _("Sammendrag"), "conclusions": _("Konklusjoner")}
        help_texts = {
            "summary": _("Vises først i rapporten. Tomme linjer skiller avsnitt."),
            "conclusions": _("Vises etter sammendraget."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class AssessmentForm(forms.ModelForm):
    rating = forms.TypedChoiceField(
        label=_("Vurdering"),
        choices=[("", _("Ikke vurdert ennå")), *SubGoalAssessment.Rating.choices],
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        help_text=_("Fire trinn, fra «Ikke oppnådd» til «Oppnådd»."),
    )

    class Meta:
        model = SubGoalAssessment
        fields = ["rating", "narrative", "evidence"]
        widgets = {
            "narrative": forms.Textarea(attrs={"rows": 8}),
            "evidence": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {"narrative": _("Vurdering i tekst"), "evidence": _("Grunnlag og kilder")}
        help_texts = {
            "narrative": _("Hva er oppnådd, og hva gjenstår? Tomme linjer skiller avsnitt."),
            "evidence": _("Dokumenter, tall og tilbakemeldinger vurderingen bygger på."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class RecommendationForm(forms.ModelForm):
    class Meta:
        model = Recommendation
        fields = ["text", "actions", "order"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 4}),
            "actions": forms.CheckboxSelectMultiple,
        }
        labels = {
            "text": _("Anbefaling"),
            "actions": _("Tiltak i neste handlingsplan som følger opp anbefalingen"),
            "order": _("Rekkefølge"),
        }
        help_texts = {
            "actions": _(
                "Hvor anbefalingen ble fulgt opp. Bare tiltak i planen etter evalueringen."
            ),
            "order": _("Anbefalinger med lavere tall vises først."),
        }
        error_messages = {
            "text": {"required": _("Skriv anbefalingen.")},
            "actions": {
                "invalid_choice": _(
                    "Velg bare tiltak i handlingsplanen som kommer etter evalueringen."
                ),
                "invalid_pk_value": _(
                    "Velg bare tiltak i handlingsplanen som kommer etter evalueringen."
                ),
            },
            "order": {"invalid": _("Skriv et helt tall.")},
        }

    def __init__(self, *args: Any, evaluation: Evaluation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        actions = cast("forms.ModelMultipleChoiceField[Action]", self.fields["actions"])
        actions.queryset = selectors.next_plan_actions(evaluation)
        actions.label_from_instance = _action_label  # type: ignore[method-assign, assignment]  # Django's documented way to label the choices
        actions.required = False
