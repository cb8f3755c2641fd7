"""A base form for the admin pages that use ``autocomplete_fields``.

When such a form is shown again with its errors, Django's autocomplete widget looks up the posted
ids in the database as they came. An id that is not a number («abc», a NUL, 5,000 digits) makes
that lookup fail, and the page with a server error instead of «Velg et gyldig valg». This form
replaces such a value by 0, an id no row has, before anything looks at it: the field then says
the choice is not valid, as for any other unknown id.
"""

import re
from typing import Any

from django import forms
from django.db import models
from django.utils.datastructures import MultiValueDict

ID_RE = re.compile(r"[0-9]{1,18}")
NO_ROW = "0"


class SafeIdsModelForm(forms.ModelForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound or not isinstance(self.data, MultiValueDict):
            return
        data = None
        for name, field in self.fields.items():
            if not isinstance(field, forms.ModelChoiceField):
                continue
            if field.queryset is None:
                continue
            pk = field.queryset.model._meta.pk
            if field.to_field_name not in (None, pk.name) or not isinstance(
                pk, models.AutoField | models.IntegerField
            ):
                continue
            key = self.add_prefix(name)
            values = self.data.getlist(key)
            safe = [v if not v or ID_RE.fullmatch(v) else NO_ROW for v in values]
            if safe != values:
                data = data if data is not None else self.data.copy()
                data.setlist(key, safe)
        if data is not None:
            self.data = data
