from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Revisjonslogg")

    def ready(self) -> None:
        from django.core.signals import request_finished, request_started

        from audit import capture, context, outbox

        capture.connect()
        context.attribute_management_commands()
        context.redact_request_logs()
        # E-mail queued by a request is sent once its response has gone out (audit/outbox.py).
        request_started.connect(outbox.forget_queued, dispatch_uid="audit.outbox.forget")
        request_finished.connect(outbox.send_after_response, dispatch_uid="audit.outbox.send")
