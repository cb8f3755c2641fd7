"""The upload form for a document attached to a meeting or a milestone."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from actionplans import attachments
from tromsvekst.lib import uploads

ACCEPT = ",".join(
    [".pdf", ".docx", ".xlsx", ".pptx", ".odt", ".ods", ".odp", ".png", ".jpg", ".jpeg"]
    + [".txt", ".csv"]
)


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("Fil"),
        max_length=1000,
        error_messages={
            "required": _("Velg en fil å laste opp."),
            "empty": _("Filen er tom."),
            "invalid": _("Velg en fil å laste opp."),
            "missing": _("Velg en fil å laste opp."),
            "max_length": _("Filnavnet er for langt."),
        },
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("%(types)s, høyst %(max)s MB.") % {
            "types": attachments.allowed_types_text(),
            "max": uploads.megabytes(attachments.max_bytes()),
        }
