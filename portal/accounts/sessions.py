"""Django's database sessions, read with the user in one prepared statement.

Every logged-in request reads its session row, then its user row; building those two
queries with the ORM cost more than running them, and each was a round trip. Here the
session row is read by SQL compiled once, joined to the user this process saw in that
session last time (the hint): the user row arrives in the same statement, as current as
the session, and `EmailBackend.get_user` takes it (`take_user_row`) if the session still
names that user, else reads it as before. The rules (unexpired, in the current commune's
schema through the search path) and everything else (writes, expiry, clearsessions) are
Django's own.
"""

import functools
import threading

from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.backends import db
from django.db import connection
from django.utils import timezone

HINTS_KEPT = 10_000  # (schema, session key) → user id; forgotten all at once beyond
_hints: dict[tuple[str, str], int] = {}
_taken = threading.local()  # .row: (schema, user id, the user's values) of this thread's load


@functools.cache
def _statements() -> tuple[str, str]:
    """The session row alone; the session row with one user's (its concrete fields, in the
    order of EmailBackend's own SELECT)."""
    quote = connection.ops.quote_name
    session = db.SessionStore.get_model_class()._meta.db_table
    user = get_user_model()._meta
    fields = user.concrete_fields
    columns = ", ".join(f"u.{quote(field.column)}" for field in fields)
    where = " WHERE s.session_key = %s AND s.expire_date > %s"
    alone = f"SELECT s.session_data, s.expire_date FROM {quote(session)} s{where}"  # noqa: S608
    joined = (
        f"SELECT s.session_data, s.expire_date, {columns} FROM {quote(session)} s"  # noqa: S608
        f" LEFT JOIN {quote(user.db_table)} u ON u.{quote(user.pk.column)} = %s{where}"
    )
    return alone, joined


def take_user_row(user_id) -> tuple | None:
    """The user row read with this thread's last session, once, if it is `user_id`'s."""
    row, _taken.row = getattr(_taken, "row", None), None
    if row is None or row[0] != connection.schema_name or row[1] != user_id:
        return None
    return row[2]


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        _taken.row = None
        alone, joined = _statements()
        schema = connection.schema_name
        hint = _hints.get((schema, self.session_key))
        now = timezone.now()
        with connection.cursor() as cursor:
            if hint is None:
                cursor.execute(alone, [self.session_key, now])
            else:
                cursor.execute(joined, [hint, self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            _hints.pop((schema, self.session_key), None)
            self._session_key = None
            return None
        if hint is not None and row[2] is not None:
            _taken.row = (schema, hint, row[2:])
        return self.model(session_key=self.session_key, session_data=row[0], expire_date=row[1])

    def load(self):
        data = super().load()
        self._remember_user(data)
        return data

    def save(self, must_create=False):
        super().save(must_create)
        self._remember_user(self._get_session(no_load=must_create))  # a login: at once

    def _remember_user(self, data) -> None:
        user_id = data.get(SESSION_KEY)
        if self.session_key is not None and user_id is not None:
            if len(_hints) >= HINTS_KEPT:
                _hints.clear()
            _hints[(connection.schema_name, self.session_key)] = (
                get_user_model()._meta.pk.to_python(user_id)
            )
