"""``AmongIds``: a column among many ids, with the ids as one parameter on PostgreSQL;
``KeptSQL``: a values query whose SQL is built once per process on PostgreSQL; and
``rows_together``: several such queries answered in one round trip on PostgreSQL.

``filter(pk__in=ids)`` writes one ``%s`` per id: for the few hundred milestone ids of a plan (the
dashboard) those parameters cost more to build, send and parse than the query's own work, and the
SQL differs with the number of ids, so it cannot be built once and kept (the search's union of 16
querysets, evaluation/search.py). ``AmongIds`` writes ``column = ANY(%s::bigint[])`` with the ids
as one array literal on PostgreSQL, and ``column IN (…)`` elsewhere. Ids beyond what a bigint can
hold match nothing, as ``tromsvekst.lib.lookups`` makes ``__in`` do.

A query sent after the application has worked for a millisecond or more can wait for the
database server's process to be woken as well as for its answer: on the two-core bench machine
from 0.2 ms up to 1.5 ms each, in its busier spells (``python -m benchmarks.roundtrip``), more
than the small queries of a page take to run (docs/benchmarks.md, issue #14). ``rows_together``
sends a page's independent queries at once, so the page waits once.
"""

import datetime
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from typing import Any, TypeVar

from django.db import connections
from django.db.models import BooleanField, F, Func, Model, QuerySet
from django.db.models.query import ValuesListIterable

BIGINT = (-(2**63), 2**63 - 1)
M = TypeVar("M", bound=Model)


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
        return rows_together(self.call(using=using, **values))[0]

    def call(self, *, using: str = "default", **values: Any) -> "KeptCall":
        """This query with ``values``, to be run with others by ``rows_together``."""
        if values.keys() != self.kinds.keys():
            raise TypeError(f"KeptSQL needs exactly {sorted(self.kinds)}, got {sorted(values)}")
        return KeptCall(self, using, values)

    def _statement(
        self, using: str, values: dict[str, Any], literals: dict[int, str] | None = None
    ) -> tuple[str, list[Any], dict[int, Any]]:
        """The kept SQL with ``values`` in place of the stand-ins, and the converters.
        ``literals``: the array literals of lists already written, by the list's id (calls run
        together often pass one list of a few hundred ids to each of their queries)."""
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
        written = {} if literals is None else literals
        own = []
        for i, param in enumerate(params):
            name = places.get(i)
            if name is None:
                own.append(param)
            elif self.kinds[name] is list:
                ids = values[name]
                if id(ids) not in written:
                    written[id(ids)] = _parameter(list, ids)
                own.append(written[id(ids)])
            else:
                own.append(values[name])
        return sql, own, converters

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


class KeptCall:
    """A ``KeptSQL`` query with one call's values, not yet run (``KeptSQL.call``)."""

    def __init__(self, kept: KeptSQL, using: str, values: dict[str, Any]) -> None:
        self.kept = kept
        self.using = using
        self.values = values


def rows_together(*calls: KeptCall) -> list[list[tuple[Any, ...]]]:
    """The rows of each call, in the order given: on PostgreSQL sent together and answered in
    one round trip (psycopg's pipeline mode), so that a page's independent small queries wait
    for the database once instead of once each; elsewhere run one after the other. Each query
    still goes through Django's cursor (counted, logged, wrapped as any other).

    The calls must not depend on each other's rows, and all use one database.
    """
    if not calls:
        return []
    using = calls[0].using
    if any(call.using != using for call in calls):
        raise ValueError("rows_together runs the queries of one database")
    connection = connections[using]
    if connection.vendor != "postgresql":
        return [list(call.kept._queryset(call.values).using(using)) for call in calls]
    literals: dict[int, str] = {}  # (the lists stay referenced by the calls while this runs)
    statements = [call.kept._statement(using, call.values, literals) for call in calls]
    with ExitStack() as stack:
        if len(statements) > 1:
            connection.ensure_connection()
            stack.enter_context(connection.connection.pipeline())
        cursors = []
        for sql, params, _converters in statements:
            cursor = stack.enter_context(connection.cursor())
            cursor.execute(sql, params)
            cursors.append(cursor)
        fetched = [cursor.fetchall() for cursor in cursors]
    return [
        _converted(rows, converters, connection)
        for rows, (_sql, _params, converters) in zip(fetched, statements, strict=True)
    ]


def _converted(
    rows: list[Any], converters: dict[int, Any], connection: Any
) -> list[tuple[Any, ...]]:
    """Rows as ``values_list`` gives them: each field converted as the ORM converts it."""
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


def model_columns(model: type[Model]) -> tuple[str, ...]:
    """The columns ``as_objects`` builds a model's objects from: every concrete field's."""
    return tuple(field.attname for field in model._meta.concrete_fields)


def as_objects(model: type[M], rows: Iterable[tuple[Any, ...]], using: str = "default") -> list[M]:
    """Model objects from rows of ``model_columns(model)``, as the ORM builds them from a query
    (``Model.from_db``): for a model read by a ``KeptSQL`` query."""
    names = model_columns(model)
    return [model.from_db(using, names, row) for row in rows]


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
