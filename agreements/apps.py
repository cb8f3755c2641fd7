from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementsConfig(AppConfig):
    name = "agreements"
    verbose_name = _("Avtaler")

    def ready(self):
        # ``__in`` on integer fields ignores values no column can hold (tromsvekst/lookups.py).
        from tromsvekst import lookups  # noqa: F401
