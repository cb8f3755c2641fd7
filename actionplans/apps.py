from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionplansConfig(AppConfig):
    name = "actionplans"
    verbose_name = _("Handlingsplaner")

    def ready(self) -> None:
        from tromsvekst.audit import registry

        registry.register_app(
            self,
            # Not domain data: the record of reminder e-mails sent (written only by
            # send_reminders) is itself a log of what the system did.
            exclude={"sentreminder"},
            # A counter the portal keeps for itself; it changes with every save.
            skipped={"milestone": {"version"}},
        )
