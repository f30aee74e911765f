"""Several independent reads in one round trip: each queryset becomes a JSON array in one
SELECT, read back as the model instances (or .values() dicts) the ORM would have given.
For the reads that run on every booking request (ServiceRules: nine tables), where the
round trips, not the rows, are the cost."""

import json
from decimal import Decimal

from django.db import connection


def fetch(querysets: dict) -> dict[str, list]:
    """name → the rows of each queryset, in its order, all in one statement."""
    parts, params = [], []
    for queryset in querysets.values():
        sql, query_params = queryset.query.sql_with_params()
        # The ORM's own SQL; its parameters are passed apart.
        parts.append(f"(SELECT coalesce(json_agg(t), '[]'::json)::text FROM ({sql}) t)")  # noqa: S608
        params.extend(query_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        texts = cursor.fetchone()
    return {
        name: [_row(queryset, row) for row in json.loads(text, parse_float=Decimal)]
        for (name, queryset), text in zip(querysets.items(), texts, strict=True)
    }


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
