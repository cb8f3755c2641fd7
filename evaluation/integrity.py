"""The final reports' stored PDFs, for the check after a backup and a restore.

Registered with ``tromsvekst.operations.stored_files`` in ``EvaluationConfig.ready()``: every
final evaluation names its frozen report PDF under MEDIA_ROOT and holds the SHA-256 of its bytes.
So does every document attached to a meeting or a milestone (``actionplans.Attachment``): the
check is registered here because the operations app may be known by this app only (layering).
"""

from collections.abc import Iterator

from actionplans.models import Attachment
from evaluation.models import Evaluation
from tromsvekst.operations.stored_files import StoredFile


def final_report_files() -> Iterator[StoredFile]:
    rows = (
        Evaluation.objects.exclude(final_pdf="")
        .order_by("pk")
        .values_list("pk", "final_pdf", "final_pdf_sha256")
    )
    for pk, name, sha256 in rows:
        yield StoredFile(row=f"evaluation {pk}", name=name, sha256=sha256)


def attachment_files() -> Iterator[StoredFile]:
    rows = Attachment.objects.order_by("pk").values_list("pk", "file", "sha256")
    for pk, name, sha256 in rows:
        yield StoredFile(row=f"attachment {pk}", name=name, sha256=sha256)
