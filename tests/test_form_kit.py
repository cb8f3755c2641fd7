"""The form kit (tromsvekst/lib/forms.py): every form renders its fields the same way.

The renderer is the project's FORM_RENDERER, so these are the forms as pages show them: the
``ds-input`` class on every widget (and on each radio button and checkbox), the field template
with label, «(valgfritt)», help text, error and their aria links, one date input, and one way to
put a service's refusal on a form.
"""

import datetime
import re

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.renderers import get_default_renderer

from actionplans.forms import ProgressForm
from actionplans.models import Milestone
from tromsvekst.lib.forms import (
    DateInput,
    PortalBoundField,
    PortalRenderer,
    TimeInput,
    add_service_errors,
)


class SampleForm(forms.Form):
    name = forms.CharField(label="Navn", max_length=10, help_text="Fullt navn.")
    note = forms.CharField(label="Notat", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    kind = forms.ChoiceField(label="Type", choices=[("a", "A"), ("b", "B")])
    direction = forms.ChoiceField(
        label="Retning", choices=[("up", "Opp"), ("down", "Ned")], widget=forms.RadioSelect
    )
    tags = forms.MultipleChoiceField(
        label="Merker",
        required=False,
        choices=[("x", "X"), ("y", "Y")],
        widget=forms.CheckboxSelectMultiple,
    )
    styled = forms.CharField(
        label="Egen stil", required=False, widget=forms.TextInput(attrs={"class": "own"})
    )
    day = forms.DateField(label="Dag", required=False, widget=DateInput)
    start = forms.TimeField(label="Start", required=False, widget=TimeInput)


def _tag(html: str, element_id: str) -> str:
    match = re.search(rf'<(input|select|textarea)\b[^>]*\bid="{element_id}"[^>]*>', html)
    assert match, f"no element with id {element_id} in {html}"
    return match[0]


def test_the_portal_renderer_is_the_default_and_uses_the_component():
    renderer = get_default_renderer()
    assert isinstance(renderer, PortalRenderer)
    assert renderer.field_template_name == "components/field.html"
    assert isinstance(SampleForm()["name"], PortalBoundField)


def test_every_widget_gets_ds_input_unless_it_names_its_own_class():
    form = SampleForm()
    html = "".join(str(form[name]) for name in form.fields)

    for element_id in ("id_name", "id_note", "id_kind", "id_day", "id_start"):
        assert 'class="ds-input"' in _tag(html, element_id), element_id
    for element_id in ("id_direction_0", "id_direction_1", "id_tags_0", "id_tags_1"):
        assert 'class="ds-input"' in _tag(html, element_id), element_id
    styled = _tag(html, "id_styled")
    assert 'class="own"' in styled
    assert "ds-input" not in styled
    # The form's own widgets are not changed: the class is added when the field is rendered.
    assert "class" not in form.fields["name"].widget.attrs


def test_a_field_group_has_label_help_error_and_their_aria_links():
    form = SampleForm(data={"name": "x" * 11, "kind": "a", "direction": "up"})
    assert not form.is_valid()

    group = form["name"].as_field_group()

    assert '<label class="ds-label" for="id_name">Navn</label>' in group
    assert '<p class="field-help" id="id_name_helptext">Fullt navn.</p>' in group
    assert re.search(r'<p class="ds-validation-message"[^>]*id="id_name_error">', group)
    widget = _tag(group, "id_name")
    assert 'aria-invalid="true"' in widget
    assert 'aria-describedby="id_name_helptext id_name_error"' in widget
    assert "valgfritt" not in group


def test_an_optional_field_says_so_and_a_conditionally_required_one_does_not():
    form = SampleForm()
    assert "(valgfritt)" in form["note"].as_field_group()

    form.fields["note"].conditionally_required = True  # type: ignore[attr-defined]  # kit's flag
    assert "valgfritt" not in form["note"].as_field_group()


def test_radio_buttons_are_a_fieldset_with_a_legend_and_the_error():
    form = SampleForm(data={"name": "Ada", "kind": "a"})
    assert not form.is_valid()

    group = form["direction"].as_field_group()

    assert re.search(r'<fieldset class="ds-fieldset" id="id_direction"', group)
    assert '<legend class="ds-label">Retning</legend>' in group
    assert 'id="id_direction_error"' in group
    assert 'aria-invalid="true"' in _tag(group, "id_direction_0")


def test_date_and_time_inputs_are_native_pickers_in_iso_form():
    form = SampleForm(initial={"day": datetime.date(2026, 3, 5), "start": datetime.time(9, 30)})
    html = str(form["day"]) + str(form["start"])

    assert 'type="date"' in _tag(html, "id_day")
    assert 'value="2026-03-05"' in _tag(html, "id_day")
    assert 'type="time"' in _tag(html, "id_start")
    assert 'value="09:30"' in _tag(html, "id_start")


def _bound(data: dict[str, str]) -> SampleForm:
    form = SampleForm(data=data)
    form.is_valid()
    return form


VALID = {"name": "Ada", "kind": "a", "direction": "up"}


def test_service_errors_go_beside_their_fields_by_model_name_or_mapped_name():
    form = _bound(VALID)
    exc = ValidationError({"title": ["Finnes alt."], "kind": ["Ikke nå."]})

    add_service_errors(form, exc, {"title": "name"})

    assert form.errors["name"] == ["Finnes alt."]
    assert form.errors["kind"] == ["Ikke nå."]
    assert NON_FIELD_ERRORS not in form.errors


def test_a_service_error_for_no_field_of_the_form_is_an_error_of_the_whole_form():
    form = _bound(VALID)

    add_service_errors(form, ValidationError({"agreement": ["Avtalen er avsluttet."]}))
    add_service_errors(form, ValidationError("Noen andre har endret dette."))

    assert form.non_field_errors() == ["Avtalen er avsluttet.", "Noen andre har endret dette."]


def test_a_field_that_already_has_an_error_keeps_only_that_one():
    form = _bound({**VALID, "name": "x" * 11})
    before = list(form.errors["name"])

    add_service_errors(form, ValidationError({"name": ["Fyll ut feltet."]}))

    assert form.errors["name"] == before


def test_progress_forms_of_two_milestones_have_ids_of_their_own():
    first = ProgressForm(milestone=Milestone(pk=7), focus=True)
    second = ProgressForm(milestone=Milestone(pk=8))
    html = "".join(form[name].as_field_group() for form in (first, second) for name in form.fields)

    for pk in (7, 8):
        for name in ("status", "percent", "comment", "evidence_url"):
            assert len(re.findall(rf'\bid="{name}-{pk}"', html)) == 1, (name, pk)
    assert 'aria-describedby="percent-7_helptext"' in _tag(html, "percent-7")
    assert "autofocus" in _tag(html, "status-7")
    assert "autofocus" not in _tag(html, "status-8")
    # The comment is required at «Risiko» and «Forsinket», so its label does not say «valgfritt».
    assert "valgfritt" not in first["comment"].as_field_group()
