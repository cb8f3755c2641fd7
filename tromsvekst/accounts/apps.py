from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tromsvekst.accounts"
    label = "accounts"

    def ready(self) -> None:
        from django.core.signals import request_finished, request_started

        from tromsvekst.accounts import outbox

        # E-mail queued by a request is sent once its response has gone out (accounts/outbox.py).
        request_started.connect(outbox.forget_queued, dispatch_uid="audit.outbox.forget")
        request_finished.connect(outbox.send_after_response, dispatch_uid="audit.outbox.send")
