"""The portal's form kit: one renderer, one field template, one date and time input, and one way
to put a service's refusal on a form.

``PortalRenderer`` is ``settings.FORM_RENDERER``. Every form then renders a field with
``templates/components/field.html`` (``{{ form.x.as_field_group }}``): the label with «(valgfritt)»
for an optional field, the help text, the widget and the error, and the widget's
``aria-describedby`` (help text and error) and ``aria-invalid``, which Django's ``BoundField``
adds. ``PortalBoundField`` gives every widget Designsystemet's ``ds-input`` class unless the
widget names a class of its own, so no form has to do that itself.

This module names no domain app (tromsvekst/lib imports none).
"""

from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import TemplatesSetting

INPUT_CLASS = "ds-input"


class PortalBoundField(forms.BoundField):
    """A bound field whose widget carries ``ds-input`` (Designsystemet styles inputs, selects,
    textareas, checkboxes and radio buttons by it). A widget that sets ``class`` itself keeps it.

    The class comes first among the attributes the bound field adds, so the HTML is the same as
    when each form set ``widget.attrs.setdefault("class", "ds-input")`` after building its fields.
    """

    def build_widget_attrs(
        self, attrs: dict[str, str | bool], widget: forms.Widget | None = None
    ) -> dict[str, str | bool]:
        widget = widget or self.field.widget
        built = super().build_widget_attrs(attrs, widget)
        if "class" in built or "class" in widget.attrs:
            return built
        return {"class": INPUT_CLASS, **built}


class PortalRenderer(TemplatesSetting):
    """Forms render with the project's template settings, so ``templates/components/`` is found
    (needs ``django.forms`` in ``INSTALLED_APPS`` for Django's own widget templates)."""

    field_template_name = "components/field.html"
    bound_field_class = PortalBoundField


class DateInput(forms.DateInput):
    """A native date picker; the value is sent as YYYY-MM-DD whatever the browser shows."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    """A native time picker (24-hour HH:MM)."""

    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%H:%M")


def add_service_errors(
    form: forms.BaseForm, exc: ValidationError, names: Mapping[str, str] | None = None
) -> None:
    """Put a service's refusal on the form, each message beside its field.

    ``exc`` is keyed by model field names; ``names`` maps a key to the form field's name where the
    two differ. A key the form has no field for becomes an error of the whole form (shown in the
    error summary), as does a refusal without keys. A field that already has an error keeps only
    that one: a malformed value is not also "missing".
    """
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for key, errors in exc.message_dict.items():
        name: str | None = (names or {}).get(key, key)
        if name not in form.fields:
            name = None
        elif name in form.errors:
            continue
        for error in errors:
            form.add_error(name, error)
