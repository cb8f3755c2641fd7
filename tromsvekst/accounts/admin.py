"""The links between users and their accounts at the single sign-on providers, for
administrators: who is linked to what, since when; a wrong link is removed here, and the person
is linked afresh (by verified e-mail or an invitation) at their next single sign-on."""

from django.contrib import admin
from django.http import HttpRequest

from tromsvekst.accounts.models import ExternalIdentity


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(admin.ModelAdmin):
    list_display = ("user", "provider", "subject", "email", "linked_at", "last_used_at")
    list_filter = ("provider",)
    search_fields = ("user__username", "user__email", "subject", "email")
    readonly_fields = ("user", "provider", "subject", "email", "linked_at", "last_used_at")
    list_select_related = ("user",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Links are made by signing in, never typed in.
        return False
