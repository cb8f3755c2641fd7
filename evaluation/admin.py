from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Field
from django.http import HttpRequest

from evaluation.models import (
    Evaluation,
    Feedback,
    Indicator,
    IndicatorValue,
    Recommendation,
    SubGoalAssessment,
)


class SubGoalAssessmentInline(admin.StackedInline):
    model = SubGoalAssessment
    extra = 0
    fields = ["sub_goal", "rating", "narrative", "evidence", "snapshot"]
    readonly_fields = ["sub_goal", "snapshot"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Evaluation | None = None) -> bool:
        # One assessment per delmål is made with the snapshot (services.evaluation_create).
        return False

    def has_change_permission(self, request: HttpRequest, obj: Evaluation | None = None) -> bool:
        return obj is None or not obj.is_final


class RecommendationInline(admin.StackedInline):
    model = Recommendation
    extra = 0
    fields = ["text", "actions", "order"]
    filter_horizontal = ["actions"]

    def has_add_permission(self, request: HttpRequest, obj: Evaluation | None = None) -> bool:
        return obj is None or not obj.is_final

    def has_change_permission(self, request: HttpRequest, obj: Evaluation | None = None) -> bool:
        return obj is None or not obj.is_final

    def has_delete_permission(self, request: HttpRequest, obj: Evaluation | None = None) -> bool:
        return obj is None or not obj.is_final


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    """Evaluations are created in the portal (which takes the snapshot) and finalised there
    (which stores the PDF); a final evaluation is read-only here too."""

    list_display = ["__str__", "agreement", "status", "snapshot_taken_at", "finalised_at"]
    list_filter = ["agreement", "kind", "status", "is_example"]
    list_select_related = ["agreement"]
    filter_horizontal = ["plans"]
    readonly_fields = [
        "agreement",
        "kind",
        "year",
        "plans",
        "snapshot_taken_at",
        "finalised_at",
        "finalised_by",
        "final_pdf",
        "final_pdf_sha256",
        "feedback_token",
    ]
    fields = [
        "agreement",
        "kind",
        "year",
        "plans",
        "status",
        "summary",
        "conclusions",
        "snapshot_taken_at",
        "feedback_open",
        "feedback_token",
        "finalised_at",
        "finalised_by",
        "final_pdf",
        "final_pdf_sha256",
        "is_example",
    ]
    inlines = [SubGoalAssessmentInline, RecommendationInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Evaluation | None = None) -> bool:
        if obj is not None and obj.is_final:
            return False
        return super().has_change_permission(request, obj)

    def formfield_for_choice_field(
        self, db_field: Field, request: HttpRequest, **kwargs: Any
    ) -> forms.TypedChoiceField | None:
        if db_field.name == "status":
            # "Endelig" is reached only by finalising in the portal, which stores the PDF.
            kwargs["choices"] = [
                (value, label)
                for value, label in db_field.choices or ()
                if value != Evaluation.Status.FINAL
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)


class IndicatorValueInline(admin.TabularInline):
    model = IndicatorValue
    extra = 0
    fields = ["year", "value", "source_note"]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["name", "agreement", "long_term_effect", "unit", "source", "is_example"]
    list_filter = ["agreement", "is_example"]
    list_select_related = ["agreement", "long_term_effect"]
    search_fields = ["name", "source"]
    inlines = [IndicatorValueInline]


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["stakeholder", "stakeholder_kind", "evaluation", "focus_area", "created_at"]
    list_filter = ["evaluation__agreement", "stakeholder_kind", "is_example"]
    list_select_related = ["evaluation__agreement", "focus_area"]
    search_fields = ["stakeholder", "text"]
    readonly_fields = ["sender_hash"]
