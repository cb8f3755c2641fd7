"""The forms of an agreement's set-up (agreements/views_setup.py)."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agreements.models import Agreement, AgreementParty, Party, Signatory
from agreements.parse import LIST_KEYS, TEXT_FIELDS
from agreements.setup import RESERVED_SLUGS, Kind
from tromsvekst.lib.forms import DateInput

MAX_PASTE = 200_000  # characters; the Hålogaland agreement is about 15 000
# The texts the database keeps in a column of limited length (the others are TextFields).
MAX_LENGTHS: dict[object, int] = {"title": 300, "place_signed": 120}
FIRST_YEAR, LAST_YEAR = 2000, 2100


class AgreementCreateForm(forms.ModelForm):
    """The first step: what the agreement is called, its period and the county's party."""

    county = forms.ModelChoiceField(
        label=_("Fylkeskommunen"),
        queryset=Party.objects.filter(kind=Party.Kind.COUNTY),
        empty_label=None,
        help_text=_(
            "Fylkeskommunen er første part i avtalen. De andre partene legges til etterpå."
        ),
    )

    class Meta:
        model = Agreement
        fields = ["title", "short_title", "slug", "start_year", "end_year", "is_public"]
        fields += ["is_example"]
        help_texts = {
            "slug": _("Små bokstaver, tall og bindestrek, for eksempel «midt-troms»."),
            "short_title": _("Brukes i menyer og oversikter, for eksempel «Midt-Troms»."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("start_year", "end_year"):
            self.fields[name] = forms.IntegerField(
                label=self.fields[name].label,
                min_value=FIRST_YEAR,
                max_value=LAST_YEAR,
                required=True,
            )
        self.fields["short_title"].required = True

    def clean_slug(self) -> str:
        slug: str = self.cleaned_data["slug"]
        if slug in RESERVED_SLUGS:
            raise ValidationError(_("Kortnavnet er allerede i bruk. Velg et annet."))
        return slug

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_year"), data.get("end_year")
        if start and end and end < start:
            self.add_error("end_year", _("Siste år kan ikke være før første år."))
        return data


class AgreementTextsForm(forms.ModelForm):
    """The agreement's own texts and facts."""

    class Meta:
        model = Agreement
        fields = ["title", "short_title", "status", "start_year", "end_year", "is_public"]
        fields += ["is_example", "overall_goal", *TEXT_FIELDS[1:]]
        widgets = {"overall_goal": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("start_year", "end_year"):
            self.fields[name] = forms.IntegerField(
                label=self.fields[name].label, min_value=FIRST_YEAR, max_value=LAST_YEAR
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_year"), data.get("end_year")
        if start and end and end < start:
            self.add_error("end_year", _("Siste år kan ikke være før første år."))
        return data


class PartyAddForm(forms.ModelForm):
    """A party to the agreement: one the portal knows, or a new one by name and type."""

    party = forms.ModelChoiceField(
        label=_("Part som finnes i portalen"),
        queryset=Party.objects.none(),
        required=False,
        help_text=_("Eller fyll inn navn og type for en ny part nedenfor."),
    )
    new_name = forms.CharField(label=_("Navn på ny part"), max_length=200, required=False)
    new_kind = forms.ChoiceField(
        label=_("Type ny part"), choices=Party.Kind.choices, initial=Party.Kind.REGIONAL_COUNCIL
    )

    class Meta:
        model = AgreementParty
        fields = ["adopted_by", "adopted_on", "case_number"]
        widgets = {"adopted_on": DateInput()}

    def __init__(self, *args: Any, agreement: Agreement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = Party.objects.exclude(memberships__agreement=agreement)  # type: ignore[attr-defined]  # a ModelChoiceField, declared above

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        name = " ".join(data.get("new_name", "").split())
        data["new_name"] = name
        if data.get("party") and name:
            raise ValidationError(
                _("Velg en part som finnes, eller skriv navnet på en ny, ikke begge.")
            )
        if not data.get("party") and not name:
            self.add_error("party", _("Velg en part, eller skriv navnet på en ny part."))
        if name and Party.objects.filter(name__iexact=name).exists():
            self.add_error(
                "new_name", _("En part med dette navnet finnes allerede. Velg den i listen.")
            )
        return data


class ItemForm(forms.ModelForm):
    """One item of an agreement's structure (agreements.setup.KINDS), made by ``item_form``."""

    def __init__(self, *args: Any, agreement: Agreement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "party" in self.fields:
            self.fields["party"].queryset = Party.objects.filter(  # type: ignore[attr-defined]  # a ModelChoiceField for the foreign key
                memberships__agreement=agreement
            )
        for field in self.fields.values():
            if isinstance(field.widget, forms.Textarea):
                field.widget.attrs["rows"] = 4
            if isinstance(field, forms.DateField):
                field.widget = DateInput()


def item_form(kind: Kind) -> type[ItemForm]:
    """The form for one kind of item: its text fields."""
    made: type[ItemForm] = forms.modelform_factory(  # type: ignore[assignment]  # a subclass of the ItemForm passed as form=
        kind.model, form=ItemForm, fields=list(kind.fields)
    )
    return made


class SignatoryForm(ItemForm):
    class Meta:
        model = Signatory
        fields = ["party", "name", "title"]


class PasteForm(forms.Form):
    source = forms.CharField(
        label=_("Avtaleteksten"),
        max_length=MAX_PASTE,
        widget=forms.Textarea(attrs={"rows": 20}),
        help_text=_(
            "Lim inn hele teksten fra avtaledokumentet, fra «1 Innledning» til «Forankring og "
            "prosess». Du ser det som ble lest før noe lagres."
        ),
    )


class PreviewForm(forms.Form):
    """The parsed texts, each in a field of its own so that the person can correct them.

    The pasted text travels with the form (``source``) and is read again on saving; the fields
    are the texts at their places (``area-1``, ``goal-1-2``, ``strategy-1-2-3``, ``theme-1``, …).
    """

    source = forms.CharField(max_length=MAX_PASTE, widget=forms.HiddenInput)

    def __init__(self, *args: Any, parsed: dict, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parsed = parsed
        self.places: dict[str, tuple] = {}
        for name in TEXT_FIELDS:
            self._add(
                name,
                (name,),
                parsed.get(name, ""),
                str(getattr(Agreement._meta.get_field(name), "verbose_name", name)),
                required=name == "overall_goal",
            )
        for a, area in enumerate(parsed.get("focus_areas", [])):
            label = gettext("Innsatsområde %(n)s") % {"n": area["number"]}
            self._add(f"area-{a}", ("focus_areas", a, "title"), area["title"], label)
            for g, goal in enumerate(area["sub_goals"]):
                label = gettext("Delmål %(code)s") % {"code": goal["code"]}
                self._add(
                    f"goal-{a}-{g}", ("focus_areas", a, "sub_goals", g, "text"), goal["text"], label
                )
                for s, strategy in enumerate(goal["strategies"]):
                    label = gettext("Strategi %(code)s.%(n)s") % {"code": goal["code"], "n": s + 1}
                    place: tuple = ("focus_areas", a, "sub_goals", g, "strategies", s, "text")
                    self._add(f"strategy-{a}-{g}-{s}", place, strategy["text"], label)
        for key, template in zip(LIST_KEYS, LIST_LABELS, strict=True):
            for i, item in enumerate(parsed.get(key, [])):
                text = item["text"] if isinstance(item, dict) else item
                place = (key, i, "text") if isinstance(item, dict) else (key, i)
                self._add(f"{key}-{i}", place, text, str(template) % {"n": i + 1})

    def _add(
        self, name: str, place: tuple, text: str, label: str, *, required: bool = True
    ) -> None:
        self.places[name] = place
        self.fields[name] = forms.CharField(
            label=label,
            initial=text,
            required=required,
            max_length=MAX_LENGTHS.get(place[-1], MAX_PASTE),
            widget=forms.Textarea(attrs={"rows": 2 if len(text) < 160 else 4}),
        )

    def corrected(self) -> dict:
        """The parsed texts with the person's corrections."""
        import copy

        data = copy.deepcopy(self.parsed)
        for name, place in self.places.items():
            owner: Any = data
            for step in place[:-1]:
                owner = owner[step]
            text = self.cleaned_data[name].replace("\r\n", "\n").strip()
            owner[place[-1]] = text if len(place) == 1 else " ".join(text.split())
        return data


LIST_LABELS = [
    _("Sentralt tema %(n)s"),
    _("Langsiktig effekt %(n)s"),
    _("Forankring og prosess, steg %(n)s"),
]
