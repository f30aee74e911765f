"""`migrate` over every commune without the square of the communes.

Django's migrate lists the tables of the schema (`table_names()`, a scan of the whole
`pg_class` catalog) several times per schema: with N schemas of ~50 tables each, a pass over
all of them costs N scans of a catalog that grows with N. Most passes have nothing to do in
most schemas, so before handing the schemas to django-tenants' executor we read every
schema's `django_migrations` in a few batched queries and leave out those that already list
every migration on disk. Communes that lack the same schema-only migrations are migrated
by Django in one of them and by replaying its SQL in the others (tenants/migration_replay.py).
What is left runs in django-tenants' standard executor, or its multiprocessing one when
there are many (`TENANT_MIGRATE_PARALLEL_FROM`, off by default).

Wired in by the `GET_EXECUTOR_FUNCTION` setting, which django-tenants' `migrate` reads.

Inside a schema that does migrate (a new commune, a pending migration), Django asks four
times whether `django_migrations` exists, each time by listing every table of the schema
(`MigrationRecorder.has_table`, a sequential scan of `pg_class`, which holds every commune's
tables). `install_fast_has_table()` (run from `TenantsConfig.ready`) answers the same question
with one `to_regclass` lookup on the catalog's (name, schema) index.
"""

import os
import sys

from django.conf import settings
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django_tenants.migration_executors import get_executor as tenants_get_executor
from django_tenants.utils import get_public_schema_name
from psycopg import sql

from tenants.migration_replay import (
    ReplayRunner,
    group_by_state,
    replay_enabled,
    replayable_plan,
)

# Schemas read per query (one UNION ALL over their django_migrations tables).
BATCH = 200
# Options that ask migrate for something other than "bring every schema up to date".
_NOT_A_PLAIN_PASS = ("app_label", "migration_name", "fake", "fake_initial", "plan", "prune")


def expected_migrations() -> set[tuple[str, str]]:
    """Every (app, name) an up-to-date schema records: Django records each migration in every
    schema, even when the router skips its operations there."""
    return set(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)


def recorded_migrations(schema_names, *, using="default") -> dict[str, set[tuple[str, str]]]:
    """The rows of each schema's django_migrations, for those among `schema_names` that
    have the table.

    One query finds which schemas have a django_migrations table (`to_regclass`), then one
    query per BATCH schemas reads their rows."""
    schema_names = list(schema_names)
    if not schema_names:
        return {}
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s FROM unnest(%s::text[]) AS s"
            " WHERE to_regclass(format('%%I.django_migrations', s)) IS NOT NULL",
            [schema_names],
        )
        with_table = [row[0] for row in cursor.fetchall()]
        recorded: dict[str, set[tuple[str, str]]] = {name: set() for name in with_table}
        for start in range(0, len(with_table), BATCH):
            batch = with_table[start : start + BATCH]
            query = sql.SQL(" UNION ALL ").join(
                sql.SQL("SELECT {}::text, app, name FROM {}.django_migrations").format(
                    sql.Literal(name), sql.Identifier(name)
                )
                for name in batch
            )
            cursor.execute(query.as_string(cursor.connection))
            for schema, app, name in cursor.fetchall():
                recorded[schema].add((app, name))
    return recorded


def up_to_date_schemas(schema_names, *, using="default") -> set[str]:
    """The schemas among `schema_names` whose django_migrations lists every migration."""
    expected = expected_migrations()
    recorded = recorded_migrations(schema_names, using=using)
    return {schema for schema, rows in recorded.items() if expected <= rows}


_django_has_table = MigrationRecorder.has_table


def _has_table(self) -> bool:
    """MigrationRecorder.has_table for the schema the connection is on, by index lookup."""
    if self._has_table:
        return True
    schema = getattr(self.connection, "schema_name", None)
    if not schema or self.connection.vendor != "postgresql":
        return _django_has_table(self)
    with self.connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_regclass(format('%%I.%%I', %s::text, %s::text)) IS NOT NULL",
            [schema, self.Migration._meta.db_table],
        )
        self._has_table = cursor.fetchone()[0]
    return self._has_table


def install_fast_has_table() -> None:
    MigrationRecorder.has_table = _has_table


def _skip_enabled() -> bool:
    return os.environ.get("PREAU_MIGRATE_SKIP_UP_TO_DATE", "1") != "0"


def get_executor(codename=None):
    """django-tenants' GET_EXECUTOR_FUNCTION: an executor that skips up-to-date schemas."""
    explicit = codename or os.environ.get("EXECUTOR")

    class SkippingExecutor:
        def __init__(self, args, options):
            self.args = args
            self.options = options

        def _executor(self, count):
            name = explicit
            if name is None:
                parallel_from = getattr(settings, "TENANT_MIGRATE_PARALLEL_FROM", None)
                using = self.options.get("database", "default")
                in_transaction = connections[using].in_atomic_block
                parallel = bool(parallel_from) and count >= parallel_from
                name = "multiprocessing" if parallel and not in_transaction else "standard"
            return tenants_get_executor(name)(self.args, self.options)

        def run_migrations(self, tenants=None):
            tenants = list(tenants or [])
            plain = not any(self.options.get(option) for option in _NOT_A_PLAIN_PASS)
            runner = None
            communes_pass = not self.options.get("schema_name") and tenants != [
                get_public_schema_name()
            ]
            if plain and _skip_enabled():
                using = self.options.get("database", "default")
                loader = MigrationLoader(None, ignore_no_migrations=True)
                expected = set(loader.graph.nodes)
                recorded = recorded_migrations(tenants, using=using)
                done = {schema for schema, rows in recorded.items() if expected <= rows}
                if done and int(self.options.get("verbosity", 1)) >= 1:
                    sys.stdout.write(f"{len(done)} schema(s) already up to date: skipped\n")
                tenants = [name for name in tenants if name not in done]
                if replay_enabled():
                    runner = ReplayRunner(self.args, self.options)
                    tenants = self._replay(runner, tenants, recorded, expected, loader)
            try:
                if tenants:
                    self._executor(len(tenants)).run_migrations(tenants=tenants)
            finally:
                if runner is not None:
                    runner.raise_failures()
            if plain and communes_pass:
                # The communes' pass of a whole migrate: bring the provisioning template along.
                from tenants.schema_template import refresh_template

                refresh_template(using=self.options.get("database") or "default")

        def _replay(self, runner, tenants, recorded, expected, loader):
            """Migrate the groups of schemas that can take the replay; return the others."""
            public = get_public_schema_name()
            candidates = {s: recorded[s] for s in tenants if s in recorded and s != public}
            replayed = set()
            for rows, schemas in group_by_state(candidates, expected).items():
                if len(schemas) < 2:
                    continue
                plan = replayable_plan(expected - rows, loader)
                if not plan.replayable:
                    runner.say(f"[replay] {len(schemas)} schema(s) need Django: {plan.reason}")
                    continue
                runner.run_group(schemas, set(rows), plan)
                replayed.update(schemas)
            return [name for name in tenants if name not in replayed]

        def run_multi_type_migrations(self, tenants):
            self._executor(len(tenants)).run_multi_type_migrations(tenants=tenants)

    return SkippingExecutor
