"""The search field (header and the search page)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from evaluation.search import MAX_QUERY_CHARS


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Søk etter"),
        max_length=MAX_QUERY_CHARS,
        help_text=_(
            "Ord fra avtaletekster, tiltak, milepæler, statuskommentarer, møter, saker, vedtak, "
            "oppgaver og evalueringer. Bruk anførselstegn for en frase."
        ),
        error_messages={
            "required": _("Skriv et ord å søke etter."),
            "max_length": _("Søket kan være høyst %(limit_value)d tegn."),
            "null_characters_not_allowed": _("Søket inneholder et tegn som ikke kan brukes."),
        },
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
