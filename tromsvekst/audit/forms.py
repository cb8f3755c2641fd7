import datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from tromsvekst.audit.capture import audited_models
from tromsvekst.audit.models import ANONYMOUS, SYSTEM, AuditEntry
from tromsvekst.lib.forms import DateInput

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def object_type_choices() -> "list[tuple[str, StrOrPromise]]":
    """Every kind of record the log holds, by the model's label (no query needed)."""
    models = [*audited_models(), get_user_model()]
    return sorted(
        ((m._meta.label_lower, capfirst(m._meta.verbose_name) or "") for m in models),
        key=lambda choice: str(choice[1]).lower(),
    )


def _user_label(username: str) -> "StrOrPromise":
    if username == SYSTEM:
        return _("Systemet (kommandoer)")
    if username == ANONYMOUS:
        return _("Uten innlogging")
    return username


DAY_RANGE_MESSAGE = _("Skriv en dato mellom 1.1.1900 og 31.12.2100.")
DAY_RANGE = [
    MinValueValidator(datetime.date(1900, 1, 1), message=DAY_RANGE_MESSAGE),
    MaxValueValidator(datetime.date(2100, 12, 31), message=DAY_RANGE_MESSAGE),
]


class AuditFilterForm(forms.Form):
    """The log page's filters, read from the query string."""

    agreement = forms.TypedChoiceField(label=_("Avtale"), required=False, coerce=int)
    user = forms.ChoiceField(label=_("Bruker"), required=False)
    object_type = forms.ChoiceField(label=_("Type"), required=False)
    action = forms.ChoiceField(
        label=_("Handling"),
        required=False,
        choices=[("", _("Alle")), *AuditEntry.Action.choices],
    )
    # Year 1 or 9999 cannot be turned into a moment in UTC (a server error): refused instead.
    date_from = forms.DateField(
        label=_("Fra og med dato"), required=False, widget=DateInput, validators=DAY_RANGE
    )
    date_to = forms.DateField(
        label=_("Til og med dato"), required=False, widget=DateInput, validators=DAY_RANGE
    )

    def __init__(
        self,
        *args: Any,
        agreement_choices: list[tuple[int, str]],
        usernames: list[str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        all_: list[tuple[str | int, StrOrPromise]] = [("", _("Alle"))]
        choices = {
            "agreement": all_ + list(agreement_choices),
            "user": all_ + [(name, _user_label(name)) for name in usernames],
            "object_type": all_ + list(object_type_choices()),
        }
        for name, options in choices.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = options

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("Til-datoen kan ikke være før fra-datoen."))
        return data
