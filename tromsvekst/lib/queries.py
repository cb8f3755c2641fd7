"""``AmongIds``: a column among many ids, with the ids as one parameter on PostgreSQL; and
``KeptSQL``: a values query whose SQL is built once per process on PostgreSQL.

``filter(pk__in=ids)`` writes one ``%s`` per id: for the few hundred milestone ids of a plan (the
dashboard) those parameters cost more to build, send and parse than the query's own work, and the
SQL differs with the number of ids, so it cannot be built once and kept (the search's union of 16
querysets, evaluation/search.py). ``AmongIds`` writes ``column = ANY(%s::bigint[])`` with the ids
as one array literal on PostgreSQL, and ``column IN (…)`` elsewhere. Ids beyond what a bigint can
hold match nothing, as ``tromsvekst.lib.lookups`` makes ``__in`` do.
"""

import datetime
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connections
from django.db.models import BooleanField, F, Func, QuerySet
from django.db.models.query import ValuesListIterable

BIGINT = (-(2**63), 2**63 - 1)


class AmongIds(Func):
    """``.filter(AmongIds("milestone_id", ids))``: the column (a field name or a path through
    relations, as ``F`` takes it) is one of ``ids``."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, column: str, ids: Iterable[int]) -> None:
        super().__init__(F(column))
        self.ids = _storable(ids)

    def as_sql(  # type: ignore[override]  # Func.as_sql's extra parameters are not needed here
        self, compiler: Any, connection: Any, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        column, params = compiler.compile(self.get_source_expressions()[0])
        if connection.vendor == "postgresql":
            return f"{column} = ANY(%s::bigint[])", (*params, array_literal(self.ids))
        if not self.ids:
            return "1 = 0", tuple(params)
        return f"{column} IN ({', '.join(['%s'] * len(self.ids))})", (*params, *self.ids)


def _storable(ids: Iterable[int]) -> list[int]:
    return [int(pk) for pk in ids if BIGINT[0] <= int(pk) <= BIGINT[1]]


def array_literal(ids: Iterable[int]) -> str:
    """PostgreSQL's text form of an array of integers: ``{1,2,3}``."""
    return "{" + ",".join(str(int(pk)) for pk in ids) + "}"


# --- KeptSQL --------------------------------------------------------------------------------------


class Shape:
    """The kind of a ``KeptSQL`` value that is part of the SQL itself (a LIMIT, a choice between
    two conditions): the SQL is kept once per value it is given."""


# What a value of each kind stands in as while the SQL is built: values no row or page ever has
# (negative ids, a moment in 1111), different for every name of one query. (A Shape value is
# never stood in for: it is part of the SQL.)
_KINDS: dict[type, Callable[[int], Any]] = {
    int: lambda n: -(7 * 10**14) - n,
    str: lambda n: f"\ue003stand-in {n}\ue003",
    datetime.datetime: lambda n: datetime.datetime(1111, 11, 11, 11, 11, n, tzinfo=datetime.UTC),
    datetime.date: lambda n: datetime.date(1111, 11, 1 + n),
    list: lambda n: [-(8 * 10**14) - n],  # ids, for AmongIds
}


class KeptSQL:
    """A ``values_list`` query whose SQL is built once per process and run with each call's
    values: for the pages whose dozen small queries cost more to build with the ORM than
    PostgreSQL takes to answer them (the dashboard made fresh, docs/benchmarks.md).

        _FOLLOW_UPS = KeptSQL(
            lambda v: FollowUpTask.objects.filter(agreement=v.agreement).values_list("title"),
            agreement=int,
        )
        rows = _FOLLOW_UPS.rows(agreement=agreement.pk)

    ``build`` makes the queryset from ``v``, whose attributes are the names given with their
    kinds: ``int``, ``str``, ``datetime.datetime``, ``datetime.date``, ``list`` (ids, used with
    ``AmongIds``) or ``Shape``. Everything else in the query must be the same on every call:
    what a call changes goes through ``v``. On PostgreSQL the queryset is built once with a
    stand-in for each value, its SQL kept, and each call puts its own values where the
    stand-ins were (the SQL must hold each stand-in as a parameter, or the first call refuses).
    A value that is None, and a ``Shape`` value, reach ``build`` as they are: the SQL is kept
    once for each such set of values. Elsewhere (SQLite, whose ``AmongIds`` writes one parameter
    per id) the queryset is built with the call's values every time. Rows come back as
    ``values_list`` gives them: tuples, converted by the fields as the ORM converts them.
    """

    def __init__(self, build: Callable[[Any], QuerySet[Any]], **kinds: type) -> None:
        unknown = {
            name: kind for name, kind in kinds.items() if kind is not Shape and kind not in _KINDS
        }
        if unknown:
            raise TypeError(f"KeptSQL cannot stand in for {unknown}")
        self.build = build
        self.kinds = kinds
        # Per database alias and shape: the SQL, its parameters, where each value goes, the
        # converters.
        self._kept: dict[tuple[Any, ...], tuple[str, list[Any], dict[int, str], dict[int, Any]]]
        self._kept = {}

    def rows(self, *, using: str = "default", **values: Any) -> list[tuple[Any, ...]]:
        if values.keys() != self.kinds.keys():
            raise TypeError(f"KeptSQL needs exactly {sorted(self.kinds)}, got {sorted(values)}")
        connection = connections[using]
        if connection.vendor != "postgresql":
            return list(self._queryset(values).using(using))
        shape = {
            name: value
            for name, value in values.items()
            if value is None or self.kinds[name] is Shape
        }
        key = (using, *sorted(shape.items()))
        kept = self._kept.get(key)
        if kept is None:
            kept = self._kept[key] = self._compile(using, shape)
        sql, params, places, converters = kept
        own = [
            _parameter(self.kinds[places[i]], values[places[i]]) if i in places else param
            for i, param in enumerate(params)
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, own)
            rows = cursor.fetchall()
        if not converters:
            return [tuple(row) for row in rows]
        converted = []
        for row in rows:
            fields = list(row)
            for i, (functions, expression) in converters.items():
                for convert in functions:
                    fields[i] = convert(fields[i], expression, connection)
            converted.append(tuple(fields))
        return converted

    def _queryset(self, values: dict[str, Any]) -> QuerySet[Any]:
        queryset = self.build(_Values(values))
        if queryset._iterable_class is not ValuesListIterable:
            raise TypeError("KeptSQL keeps values_list() queries only")
        return queryset

    def _compile(
        self, using: str, shape: dict[str, Any]
    ) -> tuple[str, list[Any], dict[int, str], dict[int, Any]]:
        stand_ins = {
            name: _KINDS[kind](n)
            for n, (name, kind) in enumerate(self.kinds.items())
            if name not in shape
        }
        compiler = self._queryset(stand_ins | shape).query.get_compiler(using)
        sql, params = compiler.as_sql()
        wanted = {_parameter(self.kinds[name], value): name for name, value in stand_ins.items()}
        places = {i: wanted[param] for i, param in enumerate(params) if _hashable_in(param, wanted)}
        missing = set(stand_ins) - set(places.values())
        if missing:
            raise ValueError(f"KeptSQL: the SQL holds no parameter for {sorted(missing)}")
        fields = [selected[0] for selected in compiler.select[: compiler.col_count]]
        return sql, list(params), places, compiler.get_converters(fields)


class _Values:
    """What ``KeptSQL``'s build function reads its values from."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"KeptSQL was given no value named {name!r}")


def _parameter(kind: type, value: Any) -> Any:
    """A value as it stands among the SQL's parameters on PostgreSQL."""
    return array_literal(_storable(value)) if kind is list else value


def _hashable_in(param: Any, wanted: dict[Any, str]) -> bool:
    try:
        return param in wanted
    except TypeError:  # a parameter no stand-in can be (a list, a dict)
        return False
