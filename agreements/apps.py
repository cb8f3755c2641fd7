from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementsConfig(AppConfig):
    name = "agreements"
    verbose_name = _("Avtaler")

    def ready(self) -> None:
        # ``__in`` on integer fields ignores values no column can hold (tromsvekst/lib/lookups.py).
        # What the audit log records of this app, and the agreement every entry belongs to.
        from agreements import rules
        from agreements.models import Agreement
        from tromsvekst.audit import registry
        from tromsvekst.lib import lookups  # noqa: F401

        registry.register_app(
            self,
            # A counter the portal keeps for itself; it changes with every save.
            skipped={"meeting": {"sequence"}},
            # A secret: the log says that it changed, never what it is.
            secret={"calendarfeed": {"token"}},
        )
        registry.register_root(
            Agreement,
            choices=lambda: list(Agreement.objects.order_by("title").values_list("pk", "title")),
            may_read_log=rules.is_admin,
        )
