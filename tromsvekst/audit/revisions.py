"""A change counter per agreement: what cached pages are keyed on.

Every audited write (audit/capture.py) marks its agreement as changed; once the transaction has
committed, the agreement's counter goes up by one, in one UPDATE per agreement per transaction.
Counting after the commit means a page read between the write and the commit is cached under the
old number with the old data, and a page read after it sees the new number: never new numbers
with old data. A transaction that rolls back changes nothing.
"""

from collections.abc import Iterable

from django.db import IntegrityError, connections, transaction
from django.db.models import F

from tromsvekst.audit.models import Revision

# The counter for data that belongs to no single agreement (parties, user accounts).
SHARED = 0


def changed(agreement_pks: Iterable[int | None], using: str | None = None) -> None:
    """Mark agreements as changed by the current transaction (or now, outside one)."""
    using = using or "default"
    wanted = {pk or SHARED for pk in agreement_pks}
    connection = connections[using]
    if not connection.in_atomic_block:
        _bump(wanted, using)
        return
    # One bump per transaction: join the one already waiting for this commit, if any. The list
    # of commit hooks is emptied at every commit and rollback, so nothing outlives its
    # transaction.
    for _savepoints, hook, _robust in connection.run_on_commit:  # type: ignore[misc]  # django-stubs says (savepoints, hook); Django 5.2 keeps (savepoints, hook, robust)
        if isinstance(hook, _Bump):
            hook.pks |= wanted
            return
    transaction.on_commit(_Bump(wanted, using), using=using)


class _Bump:
    def __init__(self, pks: set[int], using: str):
        self.pks, self.using = set(pks), using

    def __call__(self) -> None:
        _bump(self.pks, self.using)


def _bump(agreement_pks: set[int], using: str) -> None:
    for pk in sorted(agreement_pks):
        counters = Revision.objects.using(using)
        if counters.filter(agreement_pk=pk).update(number=F("number") + 1):
            continue
        try:
            with transaction.atomic(using=using):
                counters.create(agreement_pk=pk, number=1)
        except IntegrityError:  # made by someone else at the same moment
            counters.filter(agreement_pk=pk).update(number=F("number") + 1)


def current(agreement_pk: int, using: str | None = None) -> tuple[int, int]:
    """The agreement's counter and the shared one, in one query."""
    numbers = dict(
        Revision.objects.using(using or "default")
        .filter(agreement_pk__in=[agreement_pk, SHARED])
        .values_list("agreement_pk", "number")
    )
    return numbers.get(agreement_pk, 0), numbers.get(SHARED, 0)
