"""The audit log in the Django admin: administrators can read and filter it, nobody can add,
change or delete an entry."""

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from tromsvekst.audit.display import change_rows
from tromsvekst.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["when", "username", "action", "content_type", "object_repr", "agreement_pk"]
    list_filter = [
        "action",
        ("content_type", admin.RelatedOnlyFieldListFilter),
        "when",
        ("user", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["object_repr", "username", "source"]
    date_hierarchy = "when"
    list_select_related = ["content_type"]
    fields = (
        "when",
        "user",
        "username",
        "action",
        "content_type",
        "object_id",
        "object_repr",
        "agreement_pk",
        "source",
        "changes_table",
    )
    readonly_fields = fields

    @admin.display(description=_("endringer"))
    def changes_table(self, entry: AuditEntry) -> str:
        rows = change_rows(entry)
        if not rows:
            return "–"
        return format_html(
            '<table><thead><tr><th scope="col">{}</th><th scope="col">{}</th>'
            '<th scope="col">{}</th></tr></thead><tbody>{}</tbody></table>',
            _("Felt"),
            _("Før"),
            _("Etter"),
            format_html_join(
                "",
                '<tr><th scope="row">{}</th><td>{}</td><td>{}</td></tr>',
                ((row.label, row.before, row.after) for row in rows),
            ),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False
