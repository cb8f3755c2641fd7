from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = _("Evaluering")

    def ready(self) -> None:
        from tromsvekst.audit import registry

        registry.register_app(
            self,
            # A copy of every covered milestone (their own changes are logged); thousands at
            # county scale.
            skipped={"evaluation": {"milestone_snapshot"}},
            # Secrets: the log says that they changed, never what they are.
            secret={"evaluation": {"feedback_token"}, "feedback": {"sender_hash"}},
        )
