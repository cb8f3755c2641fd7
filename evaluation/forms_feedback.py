from typing import Any, cast

from django import forms
from django.forms import BoundField
from django.utils.translation import gettext_lazy as _

from agreements.models import FocusArea
from evaluation.models import Evaluation, Feedback

TEXT_MAX = 5000
NAME_MAX = 200
HONEYPOT = "nettside"

RATING_CHOICES = [
    ("", _("Vil ikke gi karakter")),
    ("1", _("1 – svært dårlig")),
    ("2", _("2 – dårlig")),
    ("3", _("3 – middels")),
    ("4", _("4 – godt")),
    ("5", _("5 – svært godt")),
]


class NormalisedTextField(forms.CharField):
    """Line breaks count as one character, as the browser counts them in ``maxlength``
    (a browser sends each line break as CR LF, which Django would count as two)."""

    def to_python(self, value: Any) -> str | None:
        text = super().to_python(value)
        if text is None:  # (only with empty_value=None, which no field here has)
            return None
        return text.replace("\r\n", "\n").replace("\r", "\n")


class FeedbackForm(forms.Form):
    stakeholder = forms.CharField(
        label=_("Navn"),
        max_length=NAME_MAX,
        help_text=_("Navnet på kommunen, organisasjonen eller deg selv."),
        error_messages={
            "required": _("Skriv hvem tilbakemeldingen er fra."),
            "max_length": _("Navnet kan ha høyst %(limit_value)d tegn (det har %(show_value)d)."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    stakeholder_kind = forms.ChoiceField(
        label=_("Tilbakemeldingen er fra"),
        choices=Feedback.StakeholderKind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _(
                "Velg om tilbakemeldingen er fra en kommune, en organisasjon eller "
                "deg som privatperson."
            ),
            "invalid_choice": _("Velg et av alternativene."),
        },
    )
    focus_area: "forms.ModelChoiceField[FocusArea]" = forms.ModelChoiceField(
        label=_("Innsatsområde"),
        queryset=None,
        required=False,
        empty_label=_("Gjelder avtalen som helhet"),
        help_text=_("Velg innsatsområdet tilbakemeldingen gjelder mest, hvis det er ett."),
        error_messages={"invalid_choice": _("Velg et av innsatsområdene i listen.")},
    )
    text = NormalisedTextField(
        label=_("Tilbakemelding"),
        max_length=TEXT_MAX,
        help_text=_(
            "Hva har fungert, hva bør endres, og hva bør prioriteres videre? Høyst 5000 tegn."
        ),
        error_messages={
            "required": _("Skriv tilbakemeldingen."),
            "max_length": _(
                "Tilbakemeldingen kan ha høyst %(limit_value)d tegn. Den har %(show_value)d; "
                "kort den ned og send igjen."
            ),
        },
        widget=forms.Textarea(attrs={"rows": 10, "cols": False}),
    )
    rating = forms.TypedChoiceField(
        label=_("Hvor godt mener du samarbeidet i avtalen fungerer?"),
        choices=RATING_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Velg et av alternativene.")},
    )
    # A field people never see (the wrapper has the «hidden» attribute); robots that fill in
    # every field give themselves away. A filled-in form is answered as if it were stored.
    nettside = forms.CharField(
        label=_("La dette feltet stå tomt"),
        required=False,
        max_length=NAME_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args: Any, evaluation: Evaluation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        areas = cast("forms.ModelChoiceField[FocusArea]", self.fields["focus_area"])
        areas.queryset = evaluation.agreement.focus_areas.all()
        areas.label_from_instance = lambda area: f"{area.number}. {area.title}"  # type: ignore[method-assign, assignment]  # Django's documented way to label the choices

    @property
    def is_honeypot_filled(self) -> bool:
        return bool(self.data.get(HONEYPOT, "").strip())

    @property
    def visible_fields_list(self) -> list[BoundField]:
        return [field for field in self if field.name != HONEYPOT]
