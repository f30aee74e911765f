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
"""

import copy
import datetime
import decimal
import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet
from django.db.transaction import TransactionManagementError

_BASE_INT = -987_650_000  # no query of ours holds such a constant
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


@dataclass(frozen=True)
class _Compiled:
    queryset: QuerySet
    compiler: object
    sql: str
    slots: tuple  # per parameter: (argument name, list index or None) or ("", constant)


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
        run.as_sql = lambda *args, **kwargs: (compiled.sql, params)
        return self._materialize(compiled, run)

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
                where[(type(stand_ins[name]), stand_ins[name])] = (name, None)
                counter += 1
                continue
            items = []
            for position, item in enumerate(values[name]):
                items.append(_stand_in(counter, item))
                where[(type(items[-1]), items[-1])] = (name, position)
                counter += 1
            stand_ins[name] = items
        queryset = self.build(**stand_ins)
        compiler = queryset.query.get_compiler(using=queryset.db)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:  # an empty list in `__in`: no rows, whatever the values
            return _EMPTY
        slots, found = [], set()
        for param in params:
            key = (type(param), param)
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
        return _Compiled(queryset, compiler, sql, tuple(slots))


def fetch_together(*calls: tuple[CompiledQuery, dict]) -> list[list]:
    """Several compiled querysets in one round trip: their statements sent as one string
    (the connection binds parameters on the client, so PostgreSQL runs them in turn in one
    simple query), each result read in turn into what its `fetch` would give.
    `calls`: (query, its values) pairs; returns their rows in the same order."""
    statements = [query._statement(values) for query, values in calls]
    sent = [(compiled, params) for compiled, params in statements if compiled is not _EMPTY]
    results = []
    if sent:
        with connections[sent[0][0].queryset.db].cursor() as cursor:
            cursor.execute(
                "; ".join(compiled.sql for compiled, _params in sent),
                [param for _compiled, params in sent for param in params],
            )
            for index in range(len(sent)):
                if index:
                    cursor.nextset()
                results.append(cursor.fetchall())
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


def compiled_query(build: Callable[..., QuerySet]) -> CompiledQuery:
    """Decorator: `build(**arguments) -> QuerySet`, compiled on first use."""
    return CompiledQuery(build)
