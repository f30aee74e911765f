"""A migration pending in many communes: Django migrates one, the others replay its SQL.

Django's migrate costs about 1 s per schema whatever it has to do (loading the graph,
rendering the project state, post_migrate), so a one-column migration over 1,000 communes
took some 17 minutes. Communes that lack exactly the same migrations are one group; in each
group of two or more:

1. If every pending migration is replayable (`replayable_plan`: atomic, not a squash, only
   schema operations or static RunSQL; no RunPython, no RenameModel), Django's normal path
   migrates the first schema (the leader) in one transaction while every statement its
   schema editor executes is recorded. Django writes unqualified names under the schema's
   search_path and derives index and constraint names from table and columns only, so the
   statements hold nothing of the leader's schema (checked: a statement naming it stops the
   replay).
2. Each other schema of the group then runs those statements and inserts the leader's new
   `django_migrations` rows, in its own transaction under its own search_path.
   post_migrate (content types, permissions, role groups: portal/roles.py) runs there only
   when the migrations add, delete or re-option a model; otherwise it would change nothing.
3. A schema whose replay fails is rolled back and migrated by Django's path instead (in one
   transaction); if that fails too the schema stays as it was and is reported. A leader that
   fails hands over to the next schema (at most MAX_LEADER_FAILURES times).

Groups of one schema, and groups whose migrations are not replayable, go to django-tenants'
executor as before. `PREAU_MIGRATE_REPLAY=0` turns the replay off.
"""

import os
import re
import sys
from dataclasses import dataclass, field

from django.db import connections, transaction
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations import operations as ops
from django.db.migrations.loader import MigrationLoader
from django.db.models.signals import post_migrate
from django_tenants.migration_executors.base import run_migrations as tenants_run_migrations

# Operations whose whole database effect is the SQL the schema editor executes.
REPLAYABLE_OPERATIONS = (
    ops.AddField,
    ops.RemoveField,
    ops.AlterField,
    ops.RenameField,
    ops.CreateModel,
    ops.DeleteModel,
    ops.AlterModelTable,
    ops.AlterModelTableComment,
    ops.AlterUniqueTogether,
    ops.AlterIndexTogether,
    ops.AlterOrderWithRespectTo,
    ops.AlterModelOptions,
    ops.AlterModelManagers,
    ops.AddIndex,
    ops.RemoveIndex,
    ops.RenameIndex,
    ops.AddConstraint,
    ops.RemoveConstraint,
    ops.AlterConstraint,
    # Static SQL: the replay runs the very statements Django would run in each schema.
    ops.RunSQL,
)
# Operations after which post_migrate has something to do: content types and permissions
# of a new model, or permissions from changed Meta options (then the role groups).
MODEL_SET_OPERATIONS = (ops.CreateModel, ops.DeleteModel, ops.AlterModelOptions)
MAX_LEADER_FAILURES = 3


def replay_enabled() -> bool:
    return os.environ.get("PREAU_MIGRATE_REPLAY", "1") != "0"


def _flatten(operations):
    for operation in operations:
        if isinstance(operation, ops.SeparateDatabaseAndState):
            yield from _flatten(operation.database_operations)
            state = _flatten(operation.state_operations)
            yield from (o for o in state if isinstance(o, MODEL_SET_OPERATIONS))
        else:
            yield operation


@dataclass
class Plan:
    """What a group of schemas lacks, and whether its SQL can be replayed."""

    pending: frozenset
    replayable: bool
    model_set_changes: bool
    reason: str = ""


def replayable_plan(pending, loader: MigrationLoader | None = None) -> Plan:
    """Whether the migrations `pending` ((app, name) pairs) can be replayed from a leader."""
    loader = loader or MigrationLoader(None, ignore_no_migrations=True)
    model_set_changes = False
    for key in sorted(pending):
        migration = loader.graph.nodes.get(key)
        if migration is None:
            return Plan(frozenset(pending), False, True, f"{key} not on disk")
        if migration.replaces:
            return Plan(frozenset(pending), False, True, f"{key} is a squash")
        if not migration.atomic:
            return Plan(frozenset(pending), False, True, f"{key} is not atomic")
        for operation in _flatten(migration.operations):
            if not isinstance(operation, REPLAYABLE_OPERATIONS):
                name = type(operation).__name__
                return Plan(frozenset(pending), False, True, f"{key} runs {name}")
            model_set_changes = model_set_changes or isinstance(operation, MODEL_SET_OPERATIONS)
    return Plan(frozenset(pending), True, model_set_changes)


@dataclass
class Recording:
    """The statements the schema editor executed, and what post_migrate was given."""

    statements: list = field(default_factory=list)
    post_migrate_kwargs: dict | None = None
    new_rows: list = field(default_factory=list)


class _record_schema_editor:
    """Context manager: every statement any schema editor executes is appended."""

    def __init__(self, recording: Recording):
        self.recording = recording

    def __enter__(self):
        original = self.original = BaseDatabaseSchemaEditor.execute
        recording = self.recording

        def execute(editor, sql, params=()):
            result = original(editor, sql, params)
            recording.statements.append((str(sql), params))
            return result

        BaseDatabaseSchemaEditor.execute = execute

        def receiver(sender, **kwargs):
            if recording.post_migrate_kwargs is None:
                recording.post_migrate_kwargs = {
                    k: kwargs[k] for k in ("apps", "plan") if k in kwargs
                }

        self.receiver = receiver
        post_migrate.connect(receiver, weak=False, dispatch_uid="preau-replay-recorder")
        return recording

    def __exit__(self, *exc):
        BaseDatabaseSchemaEditor.execute = self.original
        post_migrate.disconnect(dispatch_uid="preau-replay-recorder")
        return False


class ReplayRunner:
    """Runs the groups of a pass; collects what failed."""

    def __init__(self, args, options):
        self.args = args
        self.options = options
        self.using = options.get("database", "default")
        self.verbosity = int(options.get("verbosity", 1))
        self.failures: dict[str, str] = {}
        self.not_attempted: list[str] = []

    def raise_failures(self) -> None:
        """Stop the command with every schema that failed or was not attempted, if any."""
        if not (self.failures or self.not_attempted):
            return
        from django.core.management import CommandError

        lines = [f"{schema}: {error}" for schema, error in sorted(self.failures.items())]
        if self.not_attempted:
            lines.append(f"not attempted: {', '.join(self.not_attempted)}")
        raise CommandError(
            f"migrate failed in {len(self.failures)} schema(s) (each left as it was):\n"
            + "\n".join(lines)
        )

    def say(self, message: str) -> None:
        if self.verbosity >= 1:
            sys.stdout.write(message + "\n")
            sys.stdout.flush()

    def django_path(self, schema: str) -> None:
        """Django's migrate in one schema, in one transaction."""
        connection = connections[self.using]
        with transaction.atomic(using=self.using):
            depth = len(connection.atomic_blocks)
            try:
                tenants_run_migrations(self.args, self.options, "replay", schema)
            except BaseException:
                # A schema editor whose deferred SQL (an index) fails raises from its
                # __exit__ before leaving its atomic block (Django): leave the blocks it left
                # open, so that ours rolls back this schema and nothing else.
                while len(connection.atomic_blocks) > depth:
                    connection.atomic_blocks[-1].__exit__(*sys.exc_info())
                raise

    def recorded(self, schema: str) -> set:
        connection = connections[self.using]
        with connection.cursor() as cursor:
            cursor.execute(
                f'SELECT app, name FROM "{schema}".django_migrations'  # noqa: S608 - a schema name
            )
            return set(cursor.fetchall())

    def lead(self, schema: str, before: set, plan: Plan) -> Recording | None:
        """Migrate `schema` by Django's path, recording its SQL; None if it failed."""
        recording = Recording()
        try:
            with _record_schema_editor(recording):
                self.django_path(schema)
        except Exception as error:  # noqa: BLE001 - reported, and the schema is unchanged
            self.failures[schema] = f"{type(error).__name__}: {error}"
            self.say(f"[replay:{schema}] migrate failed, schema unchanged: {error}")
            return None
        finally:
            connections[self.using].set_schema_to_public()
        recording.new_rows = sorted(self.recorded(schema) - before)
        return recording

    def replay_in(self, schema: str, recording: Recording, plan: Plan) -> None:
        connection = connections[self.using]
        apps_, names = zip(*recording.new_rows, strict=True) if recording.new_rows else ((), ())
        try:
            with transaction.atomic(using=self.using):
                connection.set_schema(schema)
                with connection.cursor() as cursor:
                    for statement, params in recording.statements:
                        cursor.execute(statement, params)
                    cursor.execute(
                        "INSERT INTO django_migrations (app, name, applied)"
                        " SELECT app, name, now() FROM unnest(%s::text[], %s::text[])"
                        " AS t(app, name)",
                        [list(apps_), list(names)],
                    )
                if plan.model_set_changes:
                    from django.core.management.sql import emit_post_migrate_signal

                    emit_post_migrate_signal(
                        0, False, self.using, **(recording.post_migrate_kwargs or {})
                    )
            return
        except Exception as error:  # noqa: BLE001 - rolled back; Django's path next
            self.say(f"[replay:{schema}] replay failed ({error}); Django's migrate instead")
        finally:
            connection.set_schema_to_public()
        try:
            self.django_path(schema)
        except Exception as error:  # noqa: BLE001 - reported, and the schema is unchanged
            self.failures[schema] = f"{type(error).__name__}: {error}"
            self.say(f"[replay:{schema}] migrate failed, schema unchanged: {error}")
        finally:
            connection.set_schema_to_public()

    def run_group(self, schemas: list[str], before: set, plan: Plan) -> None:
        schemas = list(schemas)
        leader_failures = 0
        recording = None
        while schemas and recording is None:
            if leader_failures >= MAX_LEADER_FAILURES:
                self.not_attempted.extend(schemas)
                self.say(
                    f"[replay] {len(schemas)} schema(s) not attempted after"
                    f" {leader_failures} failures of the same migrations"
                )
                return
            leader = schemas.pop(0)
            recording = self.lead(leader, before, plan)
            if recording is None:
                leader_failures += 1
        if recording is None:
            return
        if set(recording.new_rows) != set(plan.pending) or self._names_schema(recording, leader):
            self.say(f"[replay:{leader}] SQL not replayable: Django's migrate in the others")
            for schema in schemas:
                self.replay_fallback(schema)
            return
        for schema in schemas:
            self.replay_in(schema, recording, plan)
        self.say(
            f"[replay] {len(plan.pending)} migration(s): {leader} by Django's migrate,"
            f" {len(recording.statements)} statement(s) replayed in {len(schemas)} schema(s)"
        )

    def replay_fallback(self, schema: str) -> None:
        try:
            self.django_path(schema)
        except Exception as error:  # noqa: BLE001 - reported, and the schema is unchanged
            self.failures[schema] = f"{type(error).__name__}: {error}"
            self.say(f"[replay:{schema}] migrate failed, schema unchanged: {error}")
        finally:
            connections[self.using].set_schema_to_public()

    @staticmethod
    def _names_schema(recording: Recording, schema: str) -> bool:
        pattern = re.compile(r"(?<![\w$])" + re.escape(schema) + r"(?![\w$])")
        return any(pattern.search(statement) for statement, _params in recording.statements)


def group_by_state(recorded: dict[str, set], expected: set) -> dict[frozenset, list[str]]:
    """Schemas keyed by the exact set of rows their django_migrations holds."""
    groups: dict[frozenset, list[str]] = {}
    for schema, rows in recorded.items():
        if expected <= rows:
            continue
        groups.setdefault(frozenset(rows), []).append(schema)
    return groups
