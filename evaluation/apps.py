from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = _("Evaluering")

    def ready(self) -> None:
        from evaluation.integrity import attachment_files, final_report_files
        from tromsvekst.audit import registry
        from tromsvekst.operations import stored_files

        # After a backup and a restore, each final report's PDF is checked against its row.
        stored_files.register(
            stored_files.StoredFileCheck(noun="final evaluation report", files=final_report_files)
        )
        # So is every document attached to a meeting or a milestone (actionplans.Attachment).
        stored_files.register(
            stored_files.StoredFileCheck(noun="attached document", files=attachment_files)
        )

        registry.register_app(
            self,
            # A copy of every covered milestone (their own changes are logged); thousands at
            # county scale.
            # An import draft's file: its checksum and size are enough for the log.
            skipped={"evaluation": {"milestone_snapshot"}, "indicatorimportdraft": {"data"}},
            # Secrets: the log says that they changed, never what they are.
            secret={"evaluation": {"feedback_token"}, "feedback": {"sender_hash"}},
        )
