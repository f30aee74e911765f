"""Querysets built and compiled once per process, then run with new values.

On a parent's request, building and compiling the ORM's querysets cost more than the
statements themselves (a third of the opening rush's time in the ORM, ~1 ms per queryset).
`compiled_query(build)` calls `build` once, with stand-in values for its keyword arguments,
compiles the queryset it returns and remembers where each stand-in landed in the
statement's parameters; `.fetch(**values)` then runs that SQL with the real values, and
the ORM's own iterable turns the rows into what the queryset would have given (model
instances with their select_related, or .values() dicts, in its order).

The SQL names no schema: one statement serves every commune's search path. `build` must
use its arguments only (no clock, no settings read at call time), and each argument must
reach the parameters unchanged: an int, a date, a datetime, a str or a Decimal, or a list
of them (one statement per list length), compared as given: `__in`, `__range`, `=`, `<`.
An argument that a lookup transforms (`__icontains`) or drops is refused when the
statement is prepared, not silently run with a stale value.

Each statement is also prepared on the server, once per database connection (`PREPARE`,
then `EXECUTE name(values)`): PostgreSQL parses it once and, after a few executions, keeps
a generic plan, where planning cost more than running these short statements (the grid's
four reads: 2,9 → 1,2 ms a round trip). Prepared statements outlive rollbacks and follow
the search path (PostgreSQL parses a statement again for another schema); they end with
the connection, and the names this connection has prepared are kept on it. A parameter's
type is declared from its Python value (bigint, numeric, date, timestamptz, boolean;
a string's inferred from where it is used); a statement with any other parameter is run
as plain SQL. Only the arguments are parameters: the statement's constants (a time zone, a
kind's code, a rank) are written into it as SQL literals, so that the generic plan sees
them, as an index built on an expression of them does.
"""

import copy
import datetime
import decimal
import functools
import hashlib
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import DatabaseError, connections
from django.db.models import QuerySet
from django.db.transaction import TransactionManagementError
from psycopg.sql import Literal

# No query of ours holds such a constant, and every integer column can hold it: Django finds
# a lookup on a value out of its field's range empty (a smallint = -987650000: no row).
_BASE_INT = 32_767
_BASE_DAY = datetime.date(1, 1, 1)
_BASE_MOMENT = datetime.datetime(1, 1, 2, tzinfo=datetime.UTC)


def _stand_in(index: int, value):
    """A value of `value`'s type that nothing else in a statement can equal."""
    if isinstance(value, bool):
        raise TypeError("a bool is not preparable: build one statement per value")
    if isinstance(value, int):
        return _BASE_INT - index
    if isinstance(value, datetime.datetime):
        return _BASE_MOMENT + datetime.timedelta(seconds=index)
    if isinstance(value, datetime.date):
        return _BASE_DAY + datetime.timedelta(days=index)
    if isinstance(value, decimal.Decimal):
        return decimal.Decimal(_BASE_INT - index)
    if isinstance(value, str):
        return f"\x1fprepared-{index}\x1f"
    raise TypeError(f"{type(value).__name__} is not preparable")


_EMPTY = object()
# A parameter's type in PREPARE, by its Python kind (bool before int: a bool is an int;
# datetime before date).
_PG_TYPES = {
    bool: "boolean",
    int: "bigint",
    decimal.Decimal: "numeric",
    datetime.datetime: "timestamptz",
    datetime.date: "date",
    str: "unknown",  # as a quoted literal: typed by where it is used
}


def _kind(value) -> type:
    """A parameter's kind: the driver's Int2 of a smallint column is the int it was given."""
    for kind in _PG_TYPES:
        if isinstance(value, kind):
            return kind
    return type(value)


def _key(value) -> tuple:
    """A parameter as compared with the stand-ins."""
    return _kind(value), value


_PLACEHOLDER = re.compile(r"%(s|%)")
# Every prepared statement's name starts so; each is a SELECT (a queryset's, or the session's
# read: page_cache reads it as no write).
NAME_PREFIX = "preau_"
_SQL_OF: dict[str, str] = {}  # a prepared statement's name → its SQL, for the query log
_EXECUTE = re.compile(rf"EXECUTE ({NAME_PREFIX}[0-9a-f]{{24}})(?: \((?:%s(?:, %s)*)\))?")


def readable(sql: str) -> str:
    """`sql` with each EXECUTE of ours replaced by the statement's SQL (the same parameters
    in the same order): what the query log shows (tenants/postgresql/base.py)."""
    return _EXECUTE.sub(lambda match: _SQL_OF.get(match[1], match[0]), sql)


def _server_statement(sql: str, kinds) -> tuple[str, str, str] | None:
    """(name, PREPARE text, EXECUTE text with a %s per parameter) of a compiled statement
    whose parameters are of `kinds` (_kind), or None if one has no declared type."""
    types = [_PG_TYPES.get(kind) for kind in kinds]
    if None in types:
        return None
    numbers = iter(range(1, len(types) + 1))
    body = _PLACEHOLDER.sub(lambda m: f"${next(numbers)}" if m[1] == "s" else "%", sql)
    signature = ", ".join(types)
    name = NAME_PREFIX + hashlib.sha1(f"{signature}|{sql}".encode()).hexdigest()[:24]  # noqa: S324
    prepare = f"PREPARE {name} ({signature}) AS {body}" if types else f"PREPARE {name} AS {body}"
    execute = (
        f"EXECUTE {name} (" + ", ".join(["%s"] * len(types)) + ")" if types else f"EXECUTE {name}"
    )
    return name, prepare, execute


_UNKNOWN = object()  # a PREPARE failed: which names exist is read from the server
_STALE = object()  # a table changed under them (a migration): deallocated, then prepared again


def _prepare(wrapper, statements) -> None:
    """PREPARE, in one round trip, those of `statements` this thread's connection has not.
    Sent on the driver's cursor once Django's has set the request's search path: like the
    connection's own set-up, outside the query log (it happens once per connection)."""
    wanted = [c for c in statements if c.prepare]
    known = getattr(wrapper.connection, "_preau_prepared", None)
    if not wanted or (isinstance(known, set) and all(c.name in known for c in wanted)):
        return
    with wrapper.cursor() as cursor:  # opens the connection and sets the search path
        raw = wrapper.connection
        names = getattr(raw, "_preau_prepared", None)
        if names is None:
            names = set()
        elif names is _UNKNOWN:
            cursor.cursor.execute("SELECT name FROM pg_prepared_statements")
            names = {row[0] for row in cursor.cursor.fetchall()}
        elif names is _STALE:
            cursor.cursor.execute("DEALLOCATE ALL")
            names = set()
        raw._preau_prepared = names
        missing = {c.name: c.prepare for c in wanted if c.name not in names}
        if not missing:
            return
        try:
            cursor.cursor.execute("; ".join(missing.values()))
        except Exception:
            raw._preau_prepared = _UNKNOWN  # some may exist now (they outlive a rollback)
            raise
        names.update(missing)


def _run(wrapper, statements, run):
    """run(), with `statements` prepared on the connection first. A column whose type a
    migration changed (varchar(100) → varchar(200)) fails a prepared statement that reads it
    ("cached plan must not change result type", in every process whose connection prepared
    it): that run fails as any statement would, and the connection prepares its statements
    again at its next run."""
    _prepare(wrapper, statements)
    try:
        return run()
    except DatabaseError as error:
        if getattr(error.__cause__, "sqlstate", None) == "0A000":  # feature_not_supported
            wrapper.connection._preau_prepared = _STALE
        raise


@dataclass(frozen=True)
class _Compiled:
    queryset: QuerySet
    compiler: object
    sql: str
    slots: tuple  # per parameter: (argument name, list index or None) or ("", constant)
    name: str = ""  # of the server's prepared statement ("" if run as plain SQL)
    prepare: str = ""
    execute: str = ""

    def sent(self) -> str:
        """What is sent with the parameters: EXECUTE, once prepared, or the SQL."""
        return self.execute or self.sql


class CompiledQuery:
    def __init__(self, build: Callable[..., QuerySet]):
        self.build = build
        self._compiled: dict[tuple, _Compiled] = {}
        self._lock = threading.Lock()

    def fetch(self, **values) -> list:
        """The queryset's rows for these values, as list(queryset) would give them."""
        compiled, params = self._statement(values)
        if compiled is _EMPTY:
            return []
        run = self._compiler(compiled)
        run.as_sql = lambda *args, **kwargs: (compiled.sent(), params)
        return _run(run.connection, [compiled], lambda: self._materialize(compiled, run))

    def _statement(self, values) -> tuple:
        """(the compiled statement of these values' shape, their parameters)."""
        shape = tuple(
            (name, len(value) if isinstance(value, list | tuple) else None)
            for name, value in sorted(values.items())
        )
        compiled = self._compiled.get(shape)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(shape) or self._compile(shape, values)
                self._compiled[shape] = compiled
        if compiled is _EMPTY:
            return _EMPTY, ()
        params = tuple(
            constant if not name else values[name] if index is None else values[name][index]
            for name, index, constant in compiled.slots
        )
        return compiled, params

    @staticmethod
    def _compiler(compiled):
        run = copy.copy(compiled.compiler)
        run.connection = connections[compiled.queryset.db]  # this thread's connection
        if compiled.queryset.query.select_for_update and run.connection.get_autocommit():
            raise TransactionManagementError("select_for_update outside of a transaction.")
        return run

    @staticmethod
    def _materialize(compiled, run) -> list:
        """The ORM's own iterable over what `run` executes (or was given)."""
        queryset = compiled.queryset._chain()
        # This clone only (a queryset chained from it is never run through here).
        queryset.query.get_compiler = lambda *args, **kwargs: run
        return list(queryset)

    def first(self, **values):
        """The first row, or None (the queryset should be sliced [:1] in `build`)."""
        rows = self.fetch(**values)
        return rows[0] if rows else None

    def _compile(self, shape, values) -> _Compiled:
        stand_ins, where, counter = {}, {}, 0
        for name, length in shape:
            if length is None:
                stand_ins[name] = _stand_in(counter, values[name])
                where[_key(stand_ins[name])] = (name, None)
                counter += 1
                continue
            items = []
            for position, item in enumerate(values[name]):
                items.append(_stand_in(counter, item))
                where[_key(items[-1])] = (name, position)
                counter += 1
            stand_ins[name] = items
        queryset = self.build(**stand_ins)
        compiler = queryset.query.get_compiler(using=queryset.db)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:  # an empty list in `__in`: no rows, whatever the values
            if not any(length == 0 for _name, length in shape):
                raise ValueError(f"{self.build.__qualname__}: no row possible") from None
            return _EMPTY
        slots, found = [], set()
        for param in params:
            key = _key(param)
            try:
                hit = where.get(key)
            except TypeError:  # an unhashable constant (a list): never one of ours
                hit = None
            if hit is None:
                slots.append(("", None, param))
            else:
                slots.append((hit[0], hit[1], None))
                found.add(key)
        missing = [where[key] for key in where if key not in found]
        if missing:
            raise ValueError(f"{self.build.__qualname__}: {missing} did not reach the SQL as given")
        if any(_kind(param) not in _PG_TYPES for param in params):
            return _Compiled(queryset, compiler, sql, tuple(slots))  # run as plain SQL
        sql, slots, kinds = _with_constants(sql, slots, params)
        server = _server_statement(sql, kinds)
        _SQL_OF[server[0]] = sql
        return _Compiled(queryset, compiler, sql, slots, *server)


def _with_constants(sql: str, slots: list, params) -> tuple[str, tuple, list]:
    """`sql` with its constant parameters written in as SQL literals ('Europe/Paris', 'FA',
    0), the slots left (the arguments') and their kinds. PostgreSQL's generic plan of a prepared
    statement sees no parameter's value: with the constants as parameters, an expression
    such as `(issued_at AT TIME ZONE $1)::date` matched no index built on it, and a page of
    a statement sorted all the account's documents (ledger_doc_account_day)."""
    kept, kinds, remaining = [], [], iter(zip(slots, params, strict=True))

    def write(match) -> str:
        if match[1] == "%":
            return "%%"
        slot, param = next(remaining)
        if slot[0]:
            kept.append(slot)
            kinds.append(_kind(param))
            return "%s"
        return Literal(slot[2]).as_string(None).replace("%", "%%")

    return _PLACEHOLDER.sub(write, sql), tuple(kept), kinds


def fetch_together(*calls: tuple[CompiledQuery, dict]) -> list[list]:
    """Several compiled querysets in one round trip: their statements sent as one string
    (the connection binds parameters on the client, so PostgreSQL runs them in turn in one
    simple query), each result read in turn into what its `fetch` would give.
    `calls`: (query, its values) pairs; returns their rows in the same order."""
    statements = [query._statement(values) for query, values in calls]
    sent = [(compiled, params) for compiled, params in statements if compiled is not _EMPTY]
    results = []
    if sent:
        wrapper = connections[sent[0][0].queryset.db]

        def run():
            with wrapper.cursor() as cursor:
                cursor.execute(
                    "; ".join(compiled.sent() for compiled, _params in sent),
                    [param for _compiled, params in sent for param in params],
                )
                for index in range(len(sent)):
                    if index:
                        cursor.nextset()
                    results.append(cursor.fetchall())

        _run(wrapper, [compiled for compiled, _params in sent], run)
    rows = iter(results)
    answers = []
    for compiled, _params in statements:
        if compiled is _EMPTY:
            answers.append([])
            continue
        run = CompiledQuery._compiler(compiled)
        fetched = next(rows)
        if run.has_extra_select:
            fetched = [row[: run.col_count] for row in fetched]
        run.execute_sql = lambda *args, fetched=fetched, **kwargs: iter([fetched])
        answers.append(CompiledQuery._materialize(compiled, run))
    return answers


@functools.lru_cache(maxsize=256)
def _raw_statement(sql: str, kinds: tuple) -> _Compiled:
    server = _server_statement(sql, kinds)
    if server is None:
        return _Compiled(None, None, sql, ())
    _SQL_OF[server[0]] = sql
    return _Compiled(None, None, sql, (), *server)


def fetch_one_prepared(sql: str, params: list, using: str = "default") -> tuple | None:
    """The first row of hand-written SQL (%s parameters), run as a statement prepared on the
    server once per connection, as compiled querysets are: for SQL run on every request (the
    session's read, portal/accounts/sessions.py), which PostgreSQL planned at each run."""
    wrapper = connections[using]
    statement = _raw_statement(sql, tuple(_kind(param) for param in params))

    def run():
        with wrapper.cursor() as cursor:
            cursor.execute(statement.sent(), params)
            return cursor.fetchone()

    return _run(wrapper, [statement], run)


def compiled_query(build: Callable[..., QuerySet]) -> CompiledQuery:
    """Decorator: `build(**arguments) -> QuerySet`, compiled on first use."""
    return CompiledQuery(build)
