"""Django's sessions in the database, each request's read of its session by SQL built once per
process (``tromsvekst.lib.queries.KeptSQL``): every page reads its session first, and Django's
building of that one query cost about as much as PostgreSQL's answering it (issue #14).

The table, the rows and everything else are Django's (``django.contrib.sessions.backends.db``):
``SESSION_ENGINE = "tromsvekst.accounts.sessions"``.
"""

import datetime
from typing import Any

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from tromsvekst.lib.queries import KeptSQL

# The session of a key that has not expired by ``now``, as Django's own store asks for it.
_SESSION = KeptSQL(
    lambda v: Session.objects.filter(session_key=v.key, expire_date__gt=v.now).values_list(
        "session_data", "expire_date"
    ),
    key=str,
    now=datetime.datetime,
)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Any:
        key = self.session_key
        rows = _SESSION.rows(key=key, now=timezone.now()) if key is not None else []
        if key is None or not rows:
            self._session_key = None
            return None
        ((data, expires),) = rows
        return Session(session_key=key, session_data=data, expire_date=expires)
