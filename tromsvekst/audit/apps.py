from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "tromsvekst.audit"
    # The label the app had at the top level: its migrations, tables and model labels stay.
    label = "audit"
    verbose_name = _("Revisjonslogg")

    def ready(self) -> None:
        from tromsvekst.audit import context

        # The domain apps register their models from their own ready() (audit/registry.py).
        context.attribute_management_commands()
        context.redact_request_logs()
