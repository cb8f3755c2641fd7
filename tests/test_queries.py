"""``tromsvekst.lib.queries.AmongIds``: a column among ids, one array parameter on PostgreSQL."""

from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tromsvekst.lib.queries import AmongIds, array_literal


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
