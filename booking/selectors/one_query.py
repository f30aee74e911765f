"""Several independent reads in one round trip: each queryset becomes a JSON array in one
SELECT, read back as the model instances (or .values() dicts) the ORM would have given.
For the reads that run on every booking request (ServiceRules: nine tables), where the
round trips, not the rows, are the cost."""

import json
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection


@dataclass(frozen=True)
class Statement:
    """The one SELECT of several querysets, compiled: run it as often as needed (the SQL
    names no schema, so one statement serves every commune's search path)."""

    sql: str
    params: tuple
    querysets: dict


def prepare(querysets: dict) -> Statement:
    parts, params = [], []
    for queryset in querysets.values():
        sql, query_params = queryset.query.sql_with_params()
        # The ORM's own SQL; its parameters are passed apart.
        parts.append(f"(SELECT coalesce(json_agg(t), '[]'::json)::text FROM ({sql}) t)")  # noqa: S608
        params.extend(query_params)
    return Statement("SELECT " + ", ".join(parts), tuple(params), dict(querysets))


def run(statement: Statement) -> dict[str, list]:
    """name → the rows of each queryset, in its order, all in one statement."""
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, statement.params)
        texts = cursor.fetchone()
    return {
        name: [_row(queryset, row) for row in json.loads(text, parse_float=Decimal)]
        for (name, queryset), text in zip(statement.querysets.items(), texts, strict=True)
    }


def fetch(querysets: dict) -> dict[str, list]:
    return run(prepare(querysets))


def _row(queryset, row: dict):
    opts = queryset.model._meta
    if queryset.query.values_select:  # .values(): a dict of Python values per field
        return {
            key: None if value is None else opts.get_field(key).to_python(value)
            for key, value in row.items()
        }
    fields = opts.concrete_fields
    values = [
        None if row[field.column] is None else field.to_python(row[field.column])
        for field in fields
    ]
    return queryset.model.from_db(queryset.db, [field.attname for field in fields], values)
