"""``__in`` on integer fields ignores values the column cannot hold, as Django's ``exact`` does.

Django (5.0+) answers ``filter(pk=10**20)`` with no rows, but ``filter(pk__in=[10**20])`` sends
the number to the database: SQLite raises OverflowError and the request ends in a 500. Every
``ModelMultipleChoiceField`` (the portal's forms, ModelForms' many-to-many fields, the admin)
cleans its ids with ``pk__in``, so a 20-digit id in any of them did. With this lookup the value
simply matches nothing and the field says the choice is not valid. Registered when the
``agreements`` app is ready.
"""

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import IntegerField
from django.db.models.lookups import In
from django.db.models.sql.compiler import SQLCompiler


@IntegerField.register_lookup
class IntegerFieldIn(In):
    def process_rhs(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, Any]:
        if self.rhs_is_direct_value():
            low, high = connection.ops.integer_field_range(
                self.lhs.output_field.get_internal_type()
            )
            self.rhs = [
                value
                for value in self.rhs
                if not isinstance(value, int)
                or ((low is None or value >= low) and (high is None or value <= high))
            ]
        return super().process_rhs(compiler, connection)
