"""``AmongIds``: a column among many ids, with the ids as one parameter on PostgreSQL.

``filter(pk__in=ids)`` writes one ``%s`` per id: for the few hundred milestone ids of a plan (the
dashboard) those parameters cost more to build, send and parse than the query's own work, and the
SQL differs with the number of ids, so it cannot be built once and kept (the search's union of 16
querysets, evaluation/search.py). ``AmongIds`` writes ``column = ANY(%s::bigint[])`` with the ids
as one array literal on PostgreSQL, and ``column IN (…)`` elsewhere. Ids beyond what a bigint can
hold match nothing, as ``tromsvekst.lib.lookups`` makes ``__in`` do.
"""

from collections.abc import Iterable
from typing import Any

from django.db.models import BooleanField, F, Func

BIGINT = (-(2**63), 2**63 - 1)


class AmongIds(Func):
    """``.filter(AmongIds("milestone_id", ids))``: the column (a field name or a path through
    relations, as ``F`` takes it) is one of ``ids``."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, column: str, ids: Iterable[int]) -> None:
        super().__init__(F(column))
        self.ids = [int(pk) for pk in ids if BIGINT[0] <= int(pk) <= BIGINT[1]]

    def as_sql(  # type: ignore[override]  # Func.as_sql's extra parameters are not needed here
        self, compiler: Any, connection: Any, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        column, params = compiler.compile(self.get_source_expressions()[0])
        if connection.vendor == "postgresql":
            return f"{column} = ANY(%s::bigint[])", (*params, array_literal(self.ids))
        if not self.ids:
            return "1 = 0", tuple(params)
        return f"{column} IN ({', '.join(['%s'] * len(self.ids))})", (*params, *self.ids)


def array_literal(ids: Iterable[int]) -> str:
    """PostgreSQL's text form of an array of integers: ``{1,2,3}``."""
    return "{" + ",".join(str(int(pk)) for pk in ids) + "}"
