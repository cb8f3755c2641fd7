"""``tromsvekst.lib.queries``: ``AmongIds`` (a column among ids, one array parameter on
PostgreSQL) and ``KeptSQL`` (a values query whose SQL is built once per process on PostgreSQL)."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from psycopg import pq

from tromsvekst.audit.models import AuditEntry
from tromsvekst.lib.queries import (
    AmongIds,
    KeptSQL,
    Shape,
    array_literal,
    as_objects,
    model_columns,
    rows_together,
)

UTC = datetime.UTC


def test_among_ids_finds_the_rows_of_those_ids_and_ignores_ids_no_column_can_hold(db):
    first, second, third = (User.objects.create(username=f"person{n}") for n in range(3))

    chosen = User.objects.filter(AmongIds("pk", [third.pk, first.pk, 10**20, -(10**20)]))

    assert list(chosen.order_by("pk")) == [first, third]
    assert not User.objects.filter(AmongIds("pk", [])).exists()
    assert not User.objects.filter(AmongIds("pk", [10**20])).exists()
    assert list(User.objects.filter(AmongIds("pk", {second.pk}))) == [second]


def test_on_postgresql_the_sql_is_the_same_for_any_number_of_ids(db):
    people = [User.objects.create(username=f"person{n}") for n in range(5)]
    with CaptureQueriesContext(connection) as queries:
        list(User.objects.filter(AmongIds("pk", [people[0].pk])))
        list(User.objects.filter(AmongIds("pk", [p.pk for p in people])))

    sql = [query["sql"] for query in queries]
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql[0]
        assert sql[0].split("ANY(")[0] == sql[1].split("ANY(")[0]
    else:
        assert sql[1].count(",") > sql[0].count(",")
    assert array_literal([3, 1, 2]) == "{3,1,2}"


class _Counting:
    """A KeptSQL build function that counts how often it builds its queryset."""

    def __init__(self, build):
        self.build, self.calls = build, 0

    def __call__(self, v):
        self.calls += 1
        return self.build(v)


def _entry(user, when, changes):
    return AuditEntry.objects.create(
        when=when,
        user=user,
        username=user.username,
        action=AuditEntry.Action.CHANGED,
        content_type=ContentType.objects.get_for_model(User),
        object_id=user.pk,
        object_repr=str(user),
        changes=changes,
    )


def test_kept_sql_gives_what_the_orm_gives_for_each_calls_own_values(db):
    ada, bo, cy = (User.objects.create(username=name) for name in ("ada", "bo", "cy"))
    moments = [datetime.datetime(2026, 3, day, 12, tzinfo=UTC) for day in (1, 2, 3)]
    for person in (ada, bo, cy):
        for when in moments:
            _entry(person, when, {"who": person.username, "day": when.day})

    def orm(v):
        return (
            AuditEntry.objects.filter(AmongIds("user_id", v.people), when__gte=v.since)
            .exclude(username=v.not_named)
            .order_by("when", "username")
            .values_list("username", "when", "changes")
        )

    build = _Counting(orm)
    kept = KeptSQL(build, people=list, since=datetime.datetime, not_named=str)
    calls = [
        {"people": [ada.pk, bo.pk], "since": moments[1], "not_named": "bo"},
        {"people": [bo.pk, cy.pk, 10**20], "since": moments[0], "not_named": "nobody"},
        {"people": [], "since": moments[0], "not_named": "ada"},
        {"people": [cy.pk], "since": moments[2], "not_named": "ada"},
    ]
    for values in calls:
        expected = list(orm(type("V", (), values)))
        assert kept.rows(**values) == expected
    # The JSON column comes back as the field reads it (its converter), not as text.
    assert kept.rows(**calls[0])[0] == ("ada", moments[1], {"who": "ada", "day": 2})
    # Built once on PostgreSQL, with the stand-ins; built for every call elsewhere.
    assert build.calls == (1 if connection.vendor == "postgresql" else len(calls) + 1)


def test_kept_sql_is_kept_once_for_each_shape_and_for_each_value_left_out(db):
    ada = User.objects.create(username="ada")
    days = [datetime.datetime(2026, 3, day, tzinfo=UTC) for day in range(1, 6)]
    for when in days:
        _entry(ada, when, {})

    def newest(v):
        entries = AuditEntry.objects.filter(user=v.person).order_by("-when")
        if v.before is not None:
            entries = entries.filter(when__lt=v.before)
        return entries.values_list("when")[: v.limit]

    build = _Counting(newest)
    kept = KeptSQL(build, person=int, before=datetime.datetime, limit=Shape)

    assert kept.rows(person=ada.pk, before=None, limit=2) == [(days[4],), (days[3],)]
    assert kept.rows(person=ada.pk, before=days[2], limit=2) == [(days[1],), (days[0],)]
    assert kept.rows(person=ada.pk, before=days[4], limit=1) == [(days[3],)]
    assert kept.rows(person=ada.pk, before=None, limit=1) == [(days[4],)]
    assert kept.rows(person=ada.pk + 1000, before=days[3], limit=2) == []
    assert kept.rows(person=ada.pk, before=days[3], limit=2) == [(days[2],), (days[1],)]
    # Four shapes (with or without «before», LIMIT 1 or 2); each built once on PostgreSQL.
    assert build.calls == (4 if connection.vendor == "postgresql" else 6)


def test_kept_sql_refuses_what_it_cannot_keep(db):
    with pytest.raises(TypeError, match="cannot stand in"):
        KeptSQL(lambda v: User.objects.values_list("pk"), person=float)
    whole_rows = KeptSQL(lambda v: User.objects.filter(pk=v.person), person=int)
    with pytest.raises(TypeError, match="values_list"):
        whole_rows.rows(person=1)
    named = KeptSQL(lambda v: User.objects.filter(pk=v.person).values_list("pk"), person=int)
    with pytest.raises(TypeError, match="exactly"):
        named.rows(someone=1)
    # A value the SQL does not hold as a parameter of its own (here turned into text first)
    # would be the stand-in's on every call: refused on PostgreSQL, where the SQL is kept.
    changed = KeptSQL(
        lambda v: User.objects.filter(username=str(v.person)).values_list("pk"), person=int
    )
    if connection.vendor == "postgresql":
        with pytest.raises(ValueError, match="no parameter for \\['person'\\]"):
            changed.rows(person=1)
    else:
        assert changed.rows(person=1) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements")
def test_on_postgresql_a_query_run_again_is_prepared_once_and_run_with_new_values(db):
    # tromsvekst.lib.env.database_from_url: server-side binding, prepared from the second run.
    first, second = (User.objects.create(username=f"person{n}") for n in range(2))
    for person in (first, second, first):
        assert User.objects.filter(pk=person.pk).values_list("username").get() == (person.username,)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements"
            " WHERE statement LIKE %s AND statement LIKE %s",
            ['SELECT "auth_user"."username" %', '%WHERE "auth_user"."id" = $1 %'],
        )
        (prepared,) = cursor.fetchone()
    assert prepared == 1


def test_rows_together_gives_each_calls_rows_as_it_gives_them_alone_through_djangos_cursor(db):
    ada, bo = (User.objects.create(username=name) for name in ("ada", "bo"))
    when = datetime.datetime(2026, 3, 1, tzinfo=UTC)
    _entry(ada, when, {"n": 1})
    _entry(bo, when, {"n": 2})
    names = KeptSQL(
        lambda v: (
            User.objects.filter(AmongIds("pk", v.people)).order_by("pk").values_list("username")
        ),
        people=list,
    )
    changes = KeptSQL(
        lambda v: AuditEntry.objects.filter(user=v.person).values_list("changes"), person=int
    )
    calls = [
        names.call(people=[ada.pk, bo.pk]),
        changes.call(person=bo.pk),
        names.call(people=[]),
        changes.call(person=ada.pk),
    ]
    pipelined = []

    def note_the_mode(execute, sql, params, many, context):
        if connection.vendor == "postgresql":
            pipelined.append(connection.connection.pgconn.pipeline_status)
        return execute(sql, params, many, context)

    with (
        CaptureQueriesContext(connection) as queries,
        connection.execute_wrapper(note_the_mode),
    ):
        together = rows_together(*calls)

    assert together == [[("ada",), ("bo",)], [({"n": 2},)], [], [({"n": 1},)]]
    assert together[0] == names.rows(people=[ada.pk, bo.pk])
    assert together[3] == changes.rows(person=ada.pk)
    # Every query went through Django's cursor (counted, wrapped) ...
    assert len(queries) == 4
    # ... and on PostgreSQL all four were sent in one pipeline, answered in one round trip.
    if connection.vendor == "postgresql":
        assert pipelined == [pq.PipelineStatus.ON] * 4
    assert rows_together() == []
    with pytest.raises(ValueError, match="one database"):
        rows_together(names.call(people=[]), names.call(people=[], using="other"))


def test_as_objects_builds_the_objects_the_orm_builds(db):
    ada = User.objects.create(username="ada", first_name="Ada", email="ada@example.org")
    kept = KeptSQL(
        lambda v: User.objects.filter(username=v.name).values_list(*model_columns(User)), name=str
    )

    (built,) = as_objects(User, kept.rows(name="ada"))
    loaded = User.objects.get(pk=ada.pk)

    assert built == loaded
    assert [getattr(built, name) for name in model_columns(User)] == [
        getattr(loaded, name) for name in model_columns(User)
    ]
    assert (built._state.adding, built._state.db) == (False, "default")
