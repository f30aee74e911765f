"""Django's database sessions, read with the user in one prepared statement.

Every logged-in request reads its session row, then its user row; building those two
queries with the ORM cost more than running them, and each was a round trip. Here the
session row is read by SQL written once and prepared on the server once per connection
(tenants.compiled.fetch_one_prepared: PostgreSQL plans the joins once), joined to the user
this process saw in that session last time (the hint): the user row arrives in the same
statement, as current as the session, and `EmailBackend.get_user` takes it
(`take_user_row`) if the session still names that user, else reads it as before. Other rows
of that user ride in the same statement when a module registers them (`read_with_session`:
the portal's guardian with the household, so a parent's page does not ask for them again);
each is taken once, in the request that read it (`take_companion`). The rules (unexpired,
in the current commune's schema through the search path) and everything else (writes,
expiry, clearsessions) are Django's own.
"""

import functools
import threading

from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.backends import db
from django.db import connection
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from tenants.compiled import fetch_one_prepared

HINTS_KEPT = 10_000  # (schema, session key) → user id; forgotten all at once beyond
_hints: dict[tuple[str, str], int] = {}
_taken = threading.local()  # .row: (schema, user id, the user's values) of this thread's load
# .companions: (schema, user id, {name: values}) of the same load, until the request ends.
_companions: list[tuple[str, list[str], str]] = []  # (name, columns, LEFT JOINs on u)


def read_with_session(name: str, columns: list[str], joins: str) -> None:
    """Read `columns` with the session and its user: SQL on the tables that `joins` LEFT
    JOINs from the user row `u` (one row at most per user). Registered from an AppConfig's
    ready(), before the first request; registering a name again replaces its columns."""
    _companions[:] = [entry for entry in _companions if entry[0] != name]
    _companions.append((name, list(columns), joins))
    _statements.cache_clear()


@functools.cache
def _statements() -> tuple[str, str, str]:
    """The session row alone; the session row with one user's (its concrete fields, in the
    order of EmailBackend's own SELECT); the same with the companions' columns (a commune's
    schema: their tables are not in the public one)."""
    quote = connection.ops.quote_name
    session = db.SessionStore.get_model_class()._meta.db_table
    user = get_user_model()._meta
    fields = user.concrete_fields
    columns = ", ".join(f"u.{quote(field.column)}" for field in fields)
    where = " WHERE s.session_key = %s AND s.expire_date > %s"
    alone = f"SELECT s.session_data, s.expire_date FROM {quote(session)} s{where}"  # noqa: S608
    select = f"SELECT s.session_data, s.expire_date, {columns}"
    joined = f" FROM {quote(session)} s LEFT JOIN {quote(user.db_table)} u"
    joined += f" ON u.{quote(user.pk.column)} = %s"
    extra = "".join(f", {column}" for _name, columns, _joins in _companions for column in columns)
    joins = "".join(f" {joins}" for _name, _columns, joins in _companions)
    return alone, select + joined + where, select + extra + joined + joins + where


def _split(values: tuple) -> tuple[tuple, dict[str, tuple]]:
    """A joined row's values after the session's: the user's, and each companion's."""
    width = len(get_user_model()._meta.concrete_fields)
    user, at, companions = values[:width], width, {}
    for name, columns, _joins in _companions:
        companions[name] = values[at : at + len(columns)]
        at += len(columns)
    return user, companions


def take_user_row(user_id) -> tuple | None:
    """The user row read with this thread's last session, once, if it is `user_id`'s."""
    row, _taken.row = getattr(_taken, "row", None), None
    if row is None or row[0] != connection.schema_name or row[1] != user_id:
        return None
    return row[2]


def take_companion(name: str, user_id) -> tuple | None:
    """`name`'s values read with this request's session, once, if it is `user_id`'s."""
    companions = getattr(_taken, "companions", None)
    if companions is None or companions[0] != connection.schema_name or companions[1] != user_id:
        return None
    return companions[2].pop(name, None)


def forget_companions(**_kwargs) -> None:
    """The request ended (request_finished): the next one reads its own."""
    _taken.row = _taken.companions = None


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        _taken.row = _taken.companions = None
        alone, joined, with_companions = _statements()
        schema = connection.schema_name
        in_commune = schema != get_public_schema_name()
        if in_commune:
            joined = with_companions
        hint = _hints.get((schema, self.session_key))
        now = timezone.now()
        if hint is None:
            row = fetch_one_prepared(alone, [self.session_key, now])
        else:
            row = fetch_one_prepared(joined, [hint, self.session_key, now])
        if row is None:
            _hints.pop((schema, self.session_key), None)
            self._session_key = None
            return None
        if hint is not None and row[2] is not None:
            if in_commune:
                user, companions = _split(row[2:])
                _taken.companions = (schema, hint, companions)
            else:
                user = row[2:]
            _taken.row = (schema, hint, user)
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
