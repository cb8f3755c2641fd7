from django import forms
from django.contrib import admin
from django.forms import BaseInlineFormSet
from django.http import HttpRequest

from agreements.models import (
    AgendaItem,
    Agreement,
    AgreementParty,
    BasisDocument,
    CalendarFeed,
    CentralTheme,
    Coordinator,
    Decision,
    FocusArea,
    FollowUpTask,
    LongTermEffect,
    Meeting,
    Party,
    ProcessEvent,
    Signatory,
    Strategy,
    SubGoal,
)
from tromsvekst.lib.admin_forms import SafeIdsModelForm


class AgreementPartyInline(admin.TabularInline):
    model = AgreementParty
    extra = 0
    # Ids that are no numbers get a message, not a server error (tromsvekst/lib/admin_forms.py).
    form = SafeIdsModelForm
    autocomplete_fields = ["party"]


class SignatoryInline(admin.TabularInline):
    model = Signatory
    extra = 0


class BasisDocumentInline(admin.TabularInline):
    model = BasisDocument
    extra = 0


class FocusAreaInline(admin.TabularInline):
    model = FocusArea
    extra = 0
    show_change_link = True


class CentralThemeInline(admin.TabularInline):
    model = CentralTheme
    extra = 0


class LongTermEffectInline(admin.TabularInline):
    model = LongTermEffect
    extra = 0


class ProcessEventInline(admin.TabularInline):
    model = ProcessEvent
    extra = 0


class CoordinatorInline(admin.TabularInline):
    model = Coordinator
    extra = 0
    # Ids that are no numbers get a message, not a server error (tromsvekst/lib/admin_forms.py).
    form = SafeIdsModelForm
    autocomplete_fields = ["user", "party"]


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ["title", "period", "status", "is_public", "is_example"]
    list_filter = ["status", "is_public", "is_example"]
    search_fields = ["title", "short_title", "slug", "overall_goal"]
    prepopulated_fields = {"slug": ["short_title"]}
    inlines = [
        AgreementPartyInline,
        SignatoryInline,
        BasisDocumentInline,
        FocusAreaInline,
        CentralThemeInline,
        LongTermEffectInline,
        ProcessEventInline,
        CoordinatorInline,
    ]


@admin.register(Party)
class PartyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "website"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class SubGoalInline(admin.StackedInline):
    model = SubGoal
    extra = 0
    fields = ["code", "text", "order"]
    show_change_link = True


@admin.register(FocusArea)
class FocusAreaAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "agreement"]
    list_filter = ["agreement"]
    search_fields = ["title"]
    inlines = [SubGoalInline]

    def save_formset(
        self,
        request: HttpRequest,
        form: forms.ModelForm,
        formset: BaseInlineFormSet,
        change: bool,
    ) -> None:
        for instance in formset.save(commit=False):
            instance.agreement_id = form.instance.agreement_id
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()


class StrategyInline(admin.StackedInline):
    model = Strategy
    extra = 0


@admin.register(SubGoal)
class SubGoalAdmin(admin.ModelAdmin):
    list_display = ["code", "text", "focus_area", "agreement"]
    list_filter = ["agreement", "focus_area__number"]
    search_fields = ["code", "text"]
    list_select_related = ["focus_area", "agreement"]
    inlines = [StrategyInline]


@admin.register(Strategy)
class StrategyAdmin(admin.ModelAdmin):
    list_display = ["label", "text", "sub_goal"]
    list_filter = ["sub_goal__agreement"]
    search_fields = ["text", "sub_goal__code"]
    list_select_related = ["sub_goal"]


@admin.register(AgreementParty)
class AgreementPartyAdmin(admin.ModelAdmin):
    list_display = ["party", "agreement", "adopted_by", "adopted_on"]
    list_filter = ["agreement"]
    search_fields = ["party__name", "agreement__title"]


@admin.register(Signatory)
class SignatoryAdmin(admin.ModelAdmin):
    list_display = ["name", "title", "party", "agreement"]
    list_filter = ["agreement"]
    search_fields = ["name", "title"]


@admin.register(BasisDocument)
class BasisDocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "agreement", "order"]
    list_filter = ["kind", "agreement"]
    search_fields = ["title", "description"]


@admin.register(CentralTheme, LongTermEffect)
class OrderedTextAdmin(admin.ModelAdmin):
    list_display = ["order", "text", "agreement"]
    list_filter = ["agreement"]
    search_fields = ["text"]


@admin.register(ProcessEvent)
class ProcessEventAdmin(admin.ModelAdmin):
    list_display = ["order", "when", "text", "agreement"]
    list_filter = ["agreement"]
    search_fields = ["text"]


@admin.register(Coordinator)
class CoordinatorAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "party", "agreement", "title"]
    list_filter = ["role", "agreement", "party"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "title"]
    # Ids that are no numbers get a message, not a server error (tromsvekst/lib/admin_forms.py).
    form = SafeIdsModelForm
    autocomplete_fields = ["user", "party"]
    list_select_related = ["user", "party", "agreement"]


class AgendaItemInline(admin.StackedInline):
    model = AgendaItem
    extra = 0
    show_change_link = True


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["title", "agreement", "start", "kind", "status", "is_example"]
    list_filter = ["agreement", "kind", "status", "is_example"]
    search_fields = ["title", "place", "minutes"]
    date_hierarchy = "start"
    filter_horizontal = ["participants"]
    inlines = [AgendaItemInline]


class DecisionInline(admin.StackedInline):
    model = Decision
    extra = 0
    show_change_link = True


@admin.register(AgendaItem)
class AgendaItemAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "meeting", "sub_goal", "central_theme"]
    list_filter = ["meeting__agreement"]
    search_fields = ["title", "description"]
    list_select_related = ["meeting", "sub_goal", "central_theme"]
    inlines = [DecisionInline]


class FollowUpTaskInline(admin.TabularInline):
    model = FollowUpTask
    extra = 0


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "agenda_item", "created_at"]
    list_filter = ["agenda_item__meeting__agreement"]
    search_fields = ["text"]
    inlines = [FollowUpTaskInline]


@admin.register(FollowUpTask)
class FollowUpTaskAdmin(admin.ModelAdmin):
    list_display = ["title", "responsible", "due_date", "done"]
    list_filter = ["done", "decision__agenda_item__meeting__agreement"]
    search_fields = ["title"]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ["agreement", "rotated_at"]
    readonly_fields = ["token", "rotated_at"]
