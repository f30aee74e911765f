"""Provisioning from a template schema: a new commune is a copy of a migrated one.

Running every migration in a new schema costs Django's whole migrate (loading the graph,
rendering the model states of every migration, post-migrate content types, permissions and
role groups): seconds of Python on a loaded machine, whatever the number of communes. The
template schema `TEMPLATE_SCHEMA` is a schema migrated exactly like a new commune and never
written to afterwards; provisioning copies it into the new schema, in the provisioning's
transaction:

- tables (`CREATE TABLE ... LIKE`: columns, NOT NULL and CHECK constraints, defaults,
  identities with their sequences, storage, comments), then their rows (django_migrations,
  content types, permissions, role groups: whatever the migrations and post-migrate wrote),
  then every identity sequence set to the template's value;
- primary keys, unique and exclusion constraints, the other indexes, foreign keys (deferred,
  as Django makes them), by their names;
- functions, then triggers (the ledger's immutability triggers and deferred total checks).

Every catalog lookup goes through an index (the schema's objects found by `pg_depend`, the
rest by table oid): nothing scans the catalogs, which hold every commune's objects.

The template is current when its `django_migrations` lists exactly the migrations on disk.
`refresh_template` (re)builds it from scratch when it is not: after every `migrate` pass
(tenants/migration.py) and by `manage.py refresh_commune_template`. When it is missing or
stale, or holds an object this copy does not know, `clone_template` returns False and
provisioning falls back to running the migrations (`TenantMixin.create_schema`).
`tests/tenants/test_schema_template.py` compares a copied schema with a migrated one.
"""

import logging
from dataclasses import dataclass, field
from functools import cache

from django.core.management import call_command
from django.db import connections, transaction
from psycopg import sql

logger = logging.getLogger(__name__)

# Not a commune's name (those start with "c_", tenants.slugs), never a commune's schema.
TEMPLATE_SCHEMA = "preau_template"
# pg_advisory_xact_lock key: copies share it, a rebuild takes it alone.
_LOCK_KEY = 1_606_160_016


@cache
def _expected_migrations() -> frozenset[tuple[str, str]]:
    from tenants.migration import expected_migrations

    return frozenset(expected_migrations())


def template_is_current(*, using: str = "default") -> bool:
    """The template exists and its django_migrations lists exactly the migrations on disk."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT to_regclass(format('%%I.django_migrations', %s::text)) IS NOT NULL",
            [TEMPLATE_SCHEMA],
        )
        if not cursor.fetchone()[0]:
            return False
        cursor.execute(
            sql.SQL("SELECT app, name FROM {}.django_migrations")
            .format(sql.Identifier(TEMPLATE_SCHEMA))
            .as_string(cursor.connection)
        )
        recorded = {tuple(row) for row in cursor.fetchall()}
    return recorded == _expected_migrations()


def refresh_template(*, using: str = "default", force: bool = False) -> bool:
    """Rebuild the template from scratch unless it is current; True when rebuilt."""
    connection = connections[using]
    if not force and template_is_current(using=using):  # the usual case: two queries
        return False
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        if not force and template_is_current(using=using):  # rebuilt meanwhile
            return False
        name = sql.Identifier(TEMPLATE_SCHEMA)
        with connection.cursor() as cursor:
            cursor.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE; CREATE SCHEMA {}")
                .format(name, name)
                .as_string(cursor.connection)
            )
        try:
            call_command(
                "migrate_schemas",
                tenant=True,
                schema_name=TEMPLATE_SCHEMA,
                interactive=False,
                verbosity=0,
                database=using,
            )
        finally:
            connection.set_schema_to_public()
    logger.info("Rebuilt the communes' template schema %s", TEMPLATE_SCHEMA)
    return True


def clone_template(schema_name: str, *, using: str = "default") -> bool:
    """Create `schema_name` as a copy of the template, in the current transaction.

    Returns False, having changed nothing, when the template is missing or stale or holds
    an object kind this copy does not handle: the caller then migrates instead."""
    connection = connections[using]
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [_LOCK_KEY])
        if not template_is_current(using=using):
            return False
        try:
            with transaction.atomic(using=using):
                return _clone(connection, schema_name)
        except _CannotCopy as error:
            logger.warning("Template not copied (%s): provisioning migrates", error)
            return False
        finally:
            connection.set_schema_to_public()


class _CannotCopy(Exception):
    pass


@dataclass
class _Template:
    tables: list[str] = field(default_factory=list)  # by name
    columns: dict[str, list[str]] = field(default_factory=dict)
    # table, column, sequence (qualified), its type
    identities: list[tuple[str, str, str, str]] = field(default_factory=list)
    indexes: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # by oid: name, def
    foreign_keys: list[tuple[str, str, str]] = field(default_factory=list)  # table, name, def
    functions: list[str] = field(default_factory=list)
    triggers: list[str] = field(default_factory=list)


def _clone(connection, schema_name: str) -> bool:
    # Definitions read with the template alone on the search_path come out unqualified,
    # and are replayed with the new schema first on it.
    connection.set_schema(TEMPLATE_SCHEMA, include_public=False)
    with connection.cursor() as cursor:
        template = _read_template(cursor)
    connection.set_schema(schema_name)
    with connection.cursor() as cursor:
        conn = cursor.connection
        new_schema = sql.Identifier(schema_name)
        cursor.execute(sql.SQL("CREATE SCHEMA {}").format(new_schema).as_string(conn))
        cursor.execute(_tables_script(template, schema_name, conn).as_string(conn))
        # LIKE ... INCLUDING INDEXES copies each index's stored definition (its expression
        # trees as they are, not deparsed and parsed again) under a name of its own choosing,
        # in the template's order: the names are put back by renaming.
        cursor.execute(
            "SELECT c.relname, i.relname, pg_get_indexdef(x.indexrelid, 0, true)"
            " FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid"
            " JOIN pg_class i ON i.oid = x.indexrelid"
            " WHERE c.relname = ANY(%s) AND c.relnamespace = %s::regnamespace"
            " ORDER BY c.relname, x.indexrelid",
            [template.tables, schema_name],
        )
        copied: dict[str, list[tuple[str, str]]] = {}
        for table, name, definition in cursor.fetchall():
            copied.setdefault(table, []).append((name, definition))
        renames = _index_renames(template, copied)
        statements = [
            sql.SQL("ALTER INDEX {} RENAME TO {}").format(sql.Identifier(old), sql.Identifier(new))
            for old, new in renames
        ]
        for table, name, definition in template.foreign_keys:
            statements.append(
                sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                    sql.Identifier(table), sql.Identifier(name), sql.SQL(definition)
                )
            )
        prefix = f"{TEMPLATE_SCHEMA}."  # a plain identifier: PostgreSQL writes it unquoted
        new_prefix = sql.SQL("{}.").format(new_schema).as_string(conn)
        for definition in template.functions:
            head, body = definition.split("\n", 1)
            if prefix not in head:  # pg_get_functiondef always names the schema
                raise _CannotCopy(f"unexpected function definition {head!r}")
            statements.append(sql.SQL(head.replace(prefix, new_prefix, 1) + "\n" + body))
        statements += [sql.SQL(definition) for definition in template.triggers]
        if statements:
            cursor.execute(sql.SQL(";\n").join(statements).as_string(conn))
    return True


def _unnamed(definition: str, name: str) -> str:
    return definition.replace(f" INDEX {name} ON ", " INDEX ? ON ", 1)


def _index_renames(template: _Template, copied) -> list[tuple[str, str]]:
    """(copy's name, template's name) for every index, checked definition by definition."""
    pairs = []
    for table in template.tables:
        wanted, made = template.indexes.get(table, []), copied.get(table, [])
        if len(wanted) != len(made):
            raise _CannotCopy(f"{table}: {len(made)} indexes copied, {len(wanted)} expected")
        for (name, definition), (new_name, new_definition) in zip(wanted, made, strict=True):
            if _unnamed(definition, name) != _unnamed(new_definition, new_name):
                raise _CannotCopy(f"{table}: index {name} copied as {new_definition!r}")
            if name != new_name:
                pairs.append((new_name, name))
    # A name LIKE chose may be another index's name in the template: such indexes move to
    # a temporary name first.
    targets = {new for _old, new in pairs}
    clashing = [(old, f"preau_tmp_{i}") for i, (old, _new) in enumerate(pairs) if old in targets]
    temporary = dict(clashing)
    return clashing + [(temporary.get(old, old), new) for old, new in pairs]


def _read_template(cursor) -> _Template:
    template = _Template()
    cursor.execute(
        "SELECT d.classid::regclass::text, d.objid,"
        " CASE WHEN d.classid = 'pg_class'::regclass"
        "  THEN (SELECT relkind::text FROM pg_class WHERE oid = d.objid) END"
        " FROM pg_depend d"
        " WHERE d.refclassid = 'pg_namespace'::regclass AND d.refobjid = %s::regnamespace",
        [TEMPLATE_SCHEMA],
    )
    tables, sequences, functions = [], [], []
    for catalog, oid, relkind in cursor.fetchall():
        if catalog == "pg_class" and relkind == "r":
            tables.append(oid)
        elif catalog == "pg_class" and relkind == "S":
            sequences.append(oid)
        elif catalog == "pg_proc":
            functions.append(oid)
        else:
            raise _CannotCopy(f"the template holds a {catalog} ({relkind})")
    if not tables:
        raise _CannotCopy("the template has no table")

    cursor.execute(
        "SELECT c.relname, a.attname, a.attidentity <> '',"
        " pg_get_serial_sequence(c.oid::regclass::text, a.attname),"
        " (SELECT s.seqtypid::regtype::text FROM pg_sequence s"
        "  WHERE s.seqrelid = pg_get_serial_sequence(c.oid::regclass::text, a.attname)::regclass)"
        " FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid"
        " WHERE c.oid = ANY(%s) AND a.attnum > 0 AND NOT a.attisdropped"
        " AND a.attgenerated = '' ORDER BY c.relname, a.attnum",
        [tables],
    )
    for table, column, is_identity, sequence, sequence_type in cursor.fetchall():
        if table not in template.columns:
            template.tables.append(table)
        template.columns.setdefault(table, []).append(column)
        if is_identity:
            template.identities.append((table, column, sequence, sequence_type))
    # Sequences owned by an identity column come with their table; any other is unknown.
    if len(template.identities) != len(sequences):
        raise _CannotCopy("the template holds a sequence no identity column owns")

    cursor.execute(
        "SELECT c.relname, k.conname, pg_get_constraintdef(k.oid)"
        " FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid"
        " WHERE k.conrelid = ANY(%s) AND k.contype = 'f' ORDER BY c.relname, k.conname",
        [tables],
    )
    # CHECK constraints come with LIKE ... INCLUDING CONSTRAINTS, primary keys, unique and
    # exclusion constraints with INCLUDING INDEXES, constraint triggers with their trigger.
    template.foreign_keys = cursor.fetchall()

    cursor.execute(
        "SELECT c.relname, i.relname, pg_get_indexdef(x.indexrelid, 0, true)"
        " FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid"
        " JOIN pg_class i ON i.oid = x.indexrelid"
        " WHERE x.indrelid = ANY(%s) ORDER BY c.relname, x.indexrelid",
        [tables],
    )
    for table, name, definition in cursor.fetchall():
        template.indexes.setdefault(table, []).append((name, definition))

    cursor.execute(
        "SELECT pg_get_functiondef(p.oid) FROM pg_proc p"
        " WHERE p.oid = ANY(%s) AND p.prokind = 'f' ORDER BY p.proname",
        [functions],
    )
    template.functions = [row[0] for row in cursor.fetchall()]
    if len(template.functions) != len(functions):
        raise _CannotCopy("the template holds a procedure or an aggregate")

    cursor.execute(
        "SELECT pg_get_triggerdef(t.oid, true) FROM pg_trigger t"
        " WHERE t.tgrelid = ANY(%s) AND NOT t.tgisinternal ORDER BY t.tgrelid, t.tgname",
        [tables],
    )
    template.triggers = [row[0] for row in cursor.fetchall()]
    return template


def _tables_script(template: _Template, schema_name: str, conn) -> sql.Composed:
    """The tables with their indexes, their rows, their identity sequences' values."""
    source = sql.Identifier(TEMPLATE_SCHEMA)
    statements = []
    for table in template.tables:
        statements.append(
            sql.SQL("CREATE TABLE {table} (LIKE {source}.{table} INCLUDING ALL)").format(
                table=sql.Identifier(table), source=source
            )
        )
    for table in template.tables:
        columns = sql.SQL(", ").join(map(sql.Identifier, template.columns[table]))
        statements.append(
            sql.SQL(
                "INSERT INTO {table} ({columns}) OVERRIDING SYSTEM VALUE"
                " SELECT {columns} FROM {source}.{table}"
            ).format(table=sql.Identifier(table), columns=columns, source=source)
        )
    prefix = f"{TEMPLATE_SCHEMA}."
    for table, column, sequence, sequence_type in template.identities:
        if sequence_type != "bigint":  # LIKE makes every identity's sequence a bigint one
            statements.append(
                sql.SQL("ALTER SEQUENCE {} AS {}").format(
                    sql.SQL(sequence.replace(prefix, "", 1)), sql.SQL(sequence_type)
                )
            )
        statements.append(
            sql.SQL(
                "SELECT setval(pg_get_serial_sequence({table}, {column}), last_value, is_called)"
                " FROM {sequence}"
            ).format(
                table=sql.Literal(sql.Identifier(schema_name, table).as_string(conn)),
                column=sql.Literal(column),
                sequence=sql.SQL(sequence),  # regclass text, quoted by PostgreSQL
            )
        )
    return sql.SQL(";\n").join(statements)
