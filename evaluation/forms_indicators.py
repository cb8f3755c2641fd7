from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from agreements.models import Agreement
from evaluation import indicators
from evaluation.indicators import ssb
from evaluation.models import Indicator
from tromsvekst.lib import uploads

YEAR_HELP = _("Et årstall, for eksempel 2025.")


class NumberField(forms.DecimalField):
    """A number as Norwegians write it: «52 390», «3,5» (and «3.5»), shown with a decimal comma."""

    default_error_messages = {"invalid": _("Skriv et tall, for eksempel 52 390 eller 3,5.")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(localize=True, **kwargs)

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]  # django-stubs give DecimalField IntegerField's int | None; Django returns a Decimal
        if value in self.empty_values:
            return None
        try:
            value = indicators.parse_number(str(value))
        except (ValueError, ArithmeticError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        return super().to_python(value)


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = [
            "long_term_effect",
            "name",
            "unit",
            "source",
            "municipalities",
            "direction",
            "baseline_year",
            "baseline_value",
            "target_value",
            "target_year",
            "ssb_table",
            "ssb_query",
        ]
        labels = {
            "long_term_effect": _("Langsiktig effekt"),
            "name": _("Navn"),
            "unit": _("Enhet"),
            "source": _("Kilde"),
            "municipalities": _("Kommuner"),
            "direction": _("Retning"),
            "baseline_year": _("Basisår"),
            "baseline_value": _("Basisverdi"),
            "target_value": _("Målverdi"),
            "target_year": _("Målår"),
            "ssb_table": _("SSB-tabell"),
            "ssb_query": _("Spørring mot SSBs API"),
        }
        help_texts = {
            "long_term_effect": _("Den langsiktige effekten i kapittel 6 som indikatoren måler."),
            "name": _("For eksempel «Befolkning i Hålogalandsregionen»."),
            "unit": _("For eksempel «personer», «prosent» eller «antall»."),
            "municipalities": _(
                "Kommunenummer, ett per linje eller skilt med komma, for eksempel 1806, 5503. "
                "Ved import summeres verdiene for disse kommunene per år. La feltet stå tomt "
                "hvis filene har én serie for hele regionen."
            ),
            "direction": _("Om en høyere eller lavere verdi betyr at det går i riktig retning."),
            "baseline_year": YEAR_HELP,
            "target_year": YEAR_HELP,
            "ssb_table": _(
                "Tabellnummeret i SSBs statistikkbank, fem sifre, for eksempel 07459. Da kan "
                "du hente nye tall med «Hent nye tall» på indikatorens side."
            ),
            "ssb_query": _(
                "Hvilke tall som hentes, som i SSBs API (PxWebApi v2), for eksempel "
                "valueCodes[Region]=1806,5503&valueCodes[ContentsCode]=Personer1"
                "&valueCodes[Tid]=top(5). Står feltet tomt, hentes tabellens standarduttrekk."
            ),
        }
        widgets = {
            "municipalities": forms.Textarea(attrs={"rows": 4, "cols": False}),
            "ssb_table": forms.TextInput(
                attrs={"inputmode": "numeric", "autocomplete": "off", "size": 6}
            ),
            "ssb_query": forms.Textarea(attrs={"rows": 3, "cols": False, "spellcheck": "false"}),
            "direction": forms.RadioSelect,
        }

    def __init__(self, *args: Any, agreement: Agreement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agreement = agreement
        effect = self.fields["long_term_effect"]
        assert isinstance(effect, forms.ModelChoiceField)
        effect.queryset = agreement.long_term_effects.all()
        effect.empty_label = _("Velg langsiktig effekt")
        effect.error_messages["invalid_choice"] = _("Velg en av avtalens langsiktige effekter.")
        year_range = _("Skriv et årstall mellom %(min)s og %(max)s.") % {
            "min": indicators.YEAR_MIN,
            "max": indicators.YEAR_MAX,
        }
        for name in ("baseline_year", "target_year"):
            field = self.fields[name]
            field.validators += [
                MinValueValidator(indicators.YEAR_MIN, message=year_range),
                MaxValueValidator(indicators.YEAR_MAX, message=year_range),
            ]
            field.error_messages["invalid"] = year_range
            field.widget.attrs.update({"min": indicators.YEAR_MIN, "max": indicators.YEAR_MAX})
        for name in ("baseline_value", "target_value"):
            field = self.fields[name]
            assert isinstance(field, forms.DecimalField)
            self.fields[name] = NumberField(
                label=field.label,
                required=False,
                max_digits=field.max_digits,
                decimal_places=field.decimal_places,
                help_text=field.help_text,
            )
        for field in self.fields.values():
            field.error_messages["required"] = _("Fyll ut feltet.")
        effect.error_messages["required"] = _("Velg hvilken langsiktig effekt indikatoren måler.")

    def clean_municipalities(self) -> str:
        text = self.cleaned_data["municipalities"]
        codes: list[str] = []
        wrong: list[str] = []
        for part in text.replace(",", "\n").replace(";", "\n").split():
            code = indicators.normalise_municipality(part)
            if code is None:
                wrong.append(part)
            elif code not in codes:
                codes.append(code)
        if wrong:
            raise forms.ValidationError(
                _("Dette er ikke kommunenummer (fire sifre): %(codes)s.")
                % {"codes": ", ".join(f"«{w}»" for w in wrong[:10])}
            )
        return "\n".join(codes)

    def clean_ssb_table(self) -> str:
        return str(self.cleaned_data["ssb_table"]).strip()

    def clean_ssb_query(self) -> str:
        query = "".join(str(self.cleaned_data["ssb_query"]).split())
        problem = ssb.check_query(query)
        if problem:
            raise forms.ValidationError(problem)
        return query

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("ssb_query") and not data.get("ssb_table") and "ssb_table" not in self.errors:
            self.add_error("ssb_table", _("Skriv tabellnummeret spørringen gjelder."))
        pairs = (
            ("baseline_year", "baseline_value", _("Fyll ut både basisår og basisverdi.")),
            ("target_year", "target_value", _("Fyll ut både målår og målverdi.")),
        )
        for year, value, message in pairs:
            if year not in data or value not in data:
                continue  # already has an error
            if (data[year] is None) != (data[value] is None):
                self.add_error(year if data[year] is None else value, message)
        baseline, target = data.get("baseline_year"), data.get("target_year")
        if baseline and target and target < baseline:
            self.add_error("target_year", _("Målåret kan ikke være før basisåret."))
        return data

    def save(self, commit: bool = True) -> Indicator:
        self.instance.agreement = self.agreement
        indicator: Indicator = super().save(commit=commit)
        return indicator


class IndicatorImportForm(forms.Form):
    file = forms.FileField(
        label=_("Fil (CSV eller JSON-stat)"),
        error_messages={
            "required": _("Velg en fil å laste opp."),
            "empty": _("Filen er tom."),
            "invalid": _("Velg en fil å laste opp."),
            "missing": _("Velg en fil å laste opp."),
        },
        widget=forms.ClearableFileInput(
            attrs={"accept": ".csv,.json,.txt,text/csv,application/json"}
        ),
    )
    source_note = forms.CharField(
        label=_("Kildenotat"),
        required=False,
        max_length=indicators.SOURCE_NOTE_MAX,
        help_text=_(
            "For eksempel «SSB tabell 07459, hentet 3.3.2026». Lagres med hver verdi. Står "
            "det ikke noe her, brukes kolonnen «kilde» i CSV-filen, eller kilden og "
            "tabellnummeret i JSON-stat-filen."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "Høyst %(max)s MB. CSV slik Excel lagrer den (semikolondelt eller UTF-8), eller "
            "JSON-stat 1 eller 2 fra SSB."
        ) % {"max": uploads.megabytes(indicators.max_upload_bytes())}
