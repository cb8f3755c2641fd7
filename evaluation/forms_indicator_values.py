"""The forms of an indicator's import steps (the choice of categories, the confirmation of a
preview) and of a value typed in by hand (add, correct, delete with a reason)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.utils.translation import gettext_lazy as _

from evaluation import indicators
from evaluation.forms_indicators import NumberField

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

REASON_MAX = 1000
FINGERPRINT_RE = r"^[0-9a-f]{64}$"


def _reason_field(*, required: bool) -> forms.CharField:
    return forms.CharField(
        label=_("Begrunnelse"),
        required=required,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Hvorfor verdien endres, for eksempel «SSB har rettet tallet for 2023»."),
        error_messages={"required": _("Skriv hvorfor.")},
    )


class IndicatorValueForm(forms.Form):
    """One year's value typed in by hand; without ``year`` the year is asked for (a new value),
    with it the value of that year is corrected."""

    year = forms.IntegerField(
        label=_("År"),
        help_text=_("Et årstall, for eksempel 2025."),
        validators=[
            MinValueValidator(indicators.YEAR_MIN),
            MaxValueValidator(indicators.YEAR_MAX),
        ],
    )
    value = NumberField(label=_("Verdi"), max_digits=14, decimal_places=2)
    source_note = forms.CharField(
        label=_("Kildenotat"),
        required=False,
        max_length=indicators.SOURCE_NOTE_MAX,
        help_text=_("For eksempel «SSB tabell 07459, hentet 3.3.2026»."),
    )

    def __init__(self, *args: Any, year: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        year_range = _("Skriv et årstall mellom %(min)s og %(max)s.") % {
            "min": indicators.YEAR_MIN,
            "max": indicators.YEAR_MAX,
        }
        self.fields["year"].error_messages.update(
            {"invalid": year_range, "min_value": year_range, "max_value": year_range}
        )
        self.fields["year"].widget.attrs.update(
            {"min": indicators.YEAR_MIN, "max": indicators.YEAR_MAX}
        )
        if year is not None:
            del self.fields["year"]
        for field in self.fields.values():
            field.error_messages["required"] = _("Fyll ut feltet.")
        # A correction needs a reason; a new value may have one.
        self.fields["reason"] = _reason_field(required=year is not None)


class IndicatorValueDeleteForm(forms.Form):
    reason = _reason_field(required=True)


class IndicatorChoiceForm(forms.Form):
    """One select per dimension of the file that needs a choice (``ChoiceNeeded.dimensions``);
    the fields are named d0, d1 … in the file's order, so that a dimension's id (any text in
    the file) is never a field name. ``hidden``: the same choices, carried by the preview's
    confirm button."""

    def __init__(
        self,
        data: Any = None,
        *,
        dimensions: list[indicators.Dimension],
        hidden: bool = False,
    ) -> None:
        # The hidden copy sits on the same page as the selects: no ids of its own.
        super().__init__(data, auto_id=False if hidden else "id_%s")
        self.dimensions = list(dimensions)
        for index, dimension in enumerate(self.dimensions):
            choices: list[tuple[str, StrOrPromise]] = [
                (c.code, c.label or c.code) for c in dimension.categories
            ]
            self.fields[f"d{index}"] = forms.ChoiceField(
                label=dimension.label or dimension.id,
                choices=choices if hidden else [("", _("Velg")), *choices],
                widget=forms.HiddenInput if hidden else forms.Select,
                help_text=(
                    _("Indikatoren har ingen kommuneliste: velg hvilken region tallene gjelder.")
                    if dimension.role == "region"
                    else ""
                ),
                error_messages={
                    "required": _("Velg en kategori."),
                    "invalid_choice": _("Velg en av kategoriene i listen."),
                },
            )

    def choices(self) -> dict[str, str]:
        """{dimension id: category code}, from a valid form."""
        return {
            dimension.id: self.cleaned_data[f"d{index}"]
            for index, dimension in enumerate(self.dimensions)
        }

    def chosen_labels(self) -> list[tuple[str, str]]:
        """(dimension label, category label) of each choice, from a valid form."""
        pairs = []
        for index, dimension in enumerate(self.dimensions):
            code = self.cleaned_data[f"d{index}"]
            label = next((c.label for c in dimension.categories if c.code == code), code)
            pairs.append((dimension.label or dimension.id, label or code))
        return pairs


class IndicatorImportConfirmForm(forms.Form):
    """«Lagre tallene»: the checksum of the stored values the preview was made from."""

    fingerprint = forms.CharField(
        widget=forms.HiddenInput,
        max_length=64,
        validators=[RegexValidator(FINGERPRINT_RE)],
        error_messages={"required": _("Forhåndsvisningen mangler. Se over tallene og lagre.")},
    )
