from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from actionplans.models import Action, ActionPlan, Milestone, ProgressUpdate, SentReminder
from actionplans.services import progress_log, progress_validate
from tromsvekst.lib.admin_forms import SafeIdsModelForm
from tromsvekst.lib.requests import signed_in_user


class CorrectionForm(SafeIdsModelForm):
    class Meta:
        model = ProgressUpdate
        fields = ["milestone", "status", "percent", "comment", "evidence_url"]

    def clean(self) -> dict[str, Any] | None:
        data = super().clean()
        if data is not None and {"status", "percent"} <= data.keys():
            progress_validate(
                status=data["status"], percent=data["percent"], comment=data.get("comment", "")
            )
        return data


class ActionInline(admin.TabularInline):
    model = Action
    extra = 0
    fields = ["number", "title", "sub_goal", "lead_party", "order"]
    show_change_link = True


@admin.register(ActionPlan)
class ActionPlanAdmin(admin.ModelAdmin):
    list_display = ["__str__", "agreement", "status", "adopted_on", "is_example"]
    list_filter = ["agreement", "status", "is_example"]
    search_fields = ["agreement__title"]
    inlines = [ActionInline]


class MilestoneInline(admin.TabularInline):
    """An action's milestones. Their due dates are changed in the portal's "Endre milepæl" form,
    which records each move (old, new, who, when, why) in the milestone's history; so here they
    are read-only, and new milestones are made on their own admin page or in the portal."""

    model = Milestone
    extra = 0
    fields = ["title", "due_date", "responsible", "status", "percent", "order"]
    readonly_fields = ["due_date", "status", "percent"]
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Action | None = None) -> bool:
        return False


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "plan", "sub_goal", "lead_party"]
    list_filter = ["plan__agreement", "plan", "lead_party"]
    search_fields = ["number", "title", "description"]
    filter_horizontal = ["strategies", "responsible"]
    list_select_related = ["plan__agreement", "sub_goal", "lead_party"]
    inlines = [MilestoneInline]


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    list_display = ["title", "action", "due_date", "status", "percent"]
    list_filter = ["status", "action__plan__agreement", "action__plan"]
    search_fields = ["title", "description", "action__number"]
    readonly_fields = ["status", "percent", "completed_on"]
    list_select_related = ["action__plan"]

    def get_readonly_fields(
        self, request: HttpRequest, obj: Milestone | None = None
    ) -> list[str] | tuple[str, ...]:
        # A due date set once is moved in the portal's form, which records the move and why.
        if obj is not None:
            return [*self.readonly_fields, "due_date"]
        return self.readonly_fields


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(admin.ModelAdmin):
    """Append-only: an administrator may add a correcting update, never change or delete one."""

    list_display = ["milestone", "status", "percent", "author", "created_at", "is_correction"]
    list_filter = ["status", "is_correction", "milestone__action__plan__agreement"]
    search_fields = ["milestone__title", "comment", "author__username"]
    form = CorrectionForm
    fields = ["milestone", "status", "percent", "comment", "evidence_url"]
    autocomplete_fields = ["milestone"]
    list_select_related = ["milestone", "author"]

    def has_change_permission(
        self, request: HttpRequest, obj: ProgressUpdate | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: ProgressUpdate | None = None
    ) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: ProgressUpdate, form: forms.ModelForm, change: bool
    ) -> None:
        update = progress_log(
            milestone=obj.milestone,
            user=signed_in_user(request),
            status=obj.status,
            percent=obj.percent,
            comment=obj.comment,
            evidence_url=obj.evidence_url,
            seen_version=obj.milestone.version,
            is_correction=True,
        )
        obj.pk = update.pk


@admin.register(SentReminder)
class SentReminderAdmin(admin.ModelAdmin):
    list_display = ["subject", "recipient", "sent_at"]
    search_fields = ["subject", "key", "recipient__username"]
    readonly_fields = ["key", "recipient", "sent_at", "subject"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SentReminder | None = None) -> bool:
        return False
