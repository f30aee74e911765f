"""Provisioning copies a template schema (tenants/schema_template.py): the copy must be the
schema the migrations would have made, down to its triggers, sequences and seed rows."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context, schema_exists
from psycopg import sql

from tenants.models import Commune
from tenants.schema_template import (
    TEMPLATE_SCHEMA,
    clone_template,
    refresh_template,
    template_is_current,
)
from tenants.services import create_commune

COPIED, MIGRATED = "c_tplcopy", "c_tplmigrated"


def migrate_into(schema):
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{schema}"')
    call_command("migrate_schemas", tenant=True, schema_name=schema, interactive=False, verbosity=0)
    connection.set_schema_to_public()


def catalog(schema) -> dict:
    """What a schema holds, read with it alone on the search_path (definitions unqualified)."""
    queries = {
        "tables": """
            SELECT c.relname, c.relkind, c.relpersistence, c.reloptions, c.relreplident,
                   obj_description(c.oid, 'pg_class')
            FROM pg_class c WHERE c.relnamespace = %(ns)s::regnamespace ORDER BY 1""",
        "columns": """
            SELECT c.relname, row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum),
                   a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                   a.attidentity, a.attgenerated, pg_get_expr(d.adbin, d.adrelid),
                   a.attcollation, col_description(c.oid, a.attnum)
            FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
            LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
            WHERE c.relnamespace = %(ns)s::regnamespace AND c.relkind = 'r'
              AND a.attnum > 0 AND NOT a.attisdropped ORDER BY 1, 2""",
        "indexes": """
            SELECT c.relname, i.relname, pg_get_indexdef(x.indexrelid, 0, true),
                   x.indisvalid, x.indisprimary, x.indisunique
            FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid
            JOIN pg_class i ON i.oid = x.indexrelid
            WHERE c.relnamespace = %(ns)s::regnamespace ORDER BY 1, 2""",
        "constraints": """
            SELECT c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid),
                   k.condeferrable, k.condeferred, k.convalidated
            FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
            WHERE c.relnamespace = %(ns)s::regnamespace ORDER BY 1, 2""",
        "triggers": """
            SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid, true), t.tgenabled
            FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
            WHERE c.relnamespace = %(ns)s::regnamespace AND NOT t.tgisinternal ORDER BY 1, 2""",
        "functions": """
            SELECT p.proname, pg_get_function_arguments(p.oid), pg_get_function_result(p.oid),
                   p.prosrc, p.prolang, p.provolatile, p.prosecdef
            FROM pg_proc p WHERE p.pronamespace = %(ns)s::regnamespace ORDER BY 1""",
        "sequences": """
            SELECT sequencename, data_type::text, start_value, increment_by, max_value,
                   cycle, last_value
            FROM pg_sequences WHERE schemaname = %(ns)s ORDER BY 1""",
    }
    found = {}
    connection.set_schema(schema, include_public=False)
    try:
        with connection.cursor() as cursor:
            for name, query in queries.items():
                cursor.execute(query, {"ns": schema})
                found[name] = cursor.fetchall()
            rows = {}
            for table in [row[0] for row in found["tables"] if row[1] == "r"]:
                # django_migrations' `applied` is when; everything else is the seed itself.
                columns = "id, app, name" if table == "django_migrations" else "*"
                cursor.execute(f'SELECT {columns} FROM "{table}" ORDER BY 1')  # noqa: S608
                rows[table] = cursor.fetchall()
            found["rows"] = rows
    finally:
        connection.set_schema_to_public()
    return found


@pytest.fixture
def current_template(db):
    refresh_template()
    assert template_is_current()


def test_a_copied_schema_is_the_schema_the_migrations_make(current_template):
    migrate_into(MIGRATED)
    with transaction.atomic():
        assert clone_template(COPIED)
    copied, migrated = catalog(COPIED), catalog(MIGRATED)
    for part in ("tables", "columns", "indexes", "constraints", "triggers", "functions"):
        assert copied[part] == migrated[part], part
        assert copied[part], part  # something was compared
    assert copied["sequences"] == migrated["sequences"]
    assert copied["rows"] == migrated["rows"]
    # The seed rows are there: the migrations, the content types, the staff roles.
    assert len(copied["rows"]["django_migrations"]) > 50
    assert copied["rows"]["django_content_type"]
    assert copied["rows"]["auth_group"]
    assert copied["rows"]["auth_group_permissions"]
    assert {row[1] for row in copied["triggers"]} >= {
        "ledger_document_immutable",
        "ledger_document_total_matches_lines",
        "ledger_line_immutable",
    }


def test_the_test_communes_were_copied_from_the_template(clairoix, current_template):
    assert catalog(clairoix.schema_name)["triggers"] == catalog(TEMPLATE_SCHEMA)["triggers"]


def _forged_document(**changes):
    from ledger.models import Document

    fields = {
        "kind": "FA",
        "number": "FA2026000001",
        "year": 2026,
        "sequence": 1,
        "account_id": 1,
        "issued_at": timezone.now(),
        "total": Decimal("4.70"),
        "author_name": "x",
        "idempotency_key": "k",
        "invoice_title": "x",
    } | changes
    return Document.objects.create(**fields)


def test_the_ledger_triggers_work_in_a_copied_schema(current_template):
    class Undo(Exception):
        """Rolls the forged document back: its account does not exist."""

    with transaction.atomic():
        assert clone_template(COPIED)
    with pytest.raises(Undo), transaction.atomic(), schema_context(COPIED):
        document = _forged_document()
        # The immutability trigger, at once.
        with pytest.raises(DatabaseError, match="refused"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("UPDATE ledger_document SET total = 1 WHERE id = %s", [document.pk])
        # The deferred check of the total against the lines (none here), when asked for.
        with pytest.raises(DatabaseError, match="differs from its"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ledger_document_total_matches_lines IMMEDIATE")
        raise Undo


def test_a_copied_schema_numbers_its_rows_after_the_seed(current_template):
    from django.contrib.auth.models import Group

    with transaction.atomic():
        assert clone_template(COPIED)
    with schema_context(COPIED):
        seeded = set(Group.objects.values_list("pk", flat=True))
        new = Group.objects.create(name="Nouveau rôle")
    assert seeded and new.pk > max(seeded)


def test_a_stale_template_is_not_copied_and_migrate_rebuilds_it(db):
    refresh_template()
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {TEMPLATE_SCHEMA}.django_migrations WHERE app = 'ledger'"  # noqa: S608
            " AND name = (SELECT max(name) FROM"
            f" {TEMPLATE_SCHEMA}.django_migrations WHERE app = 'ledger')"
        )
    assert not template_is_current()
    with transaction.atomic():
        assert not clone_template(COPIED)
    assert not schema_exists(COPIED)

    call_command("migrate", verbosity=0)
    assert template_is_current()
    call_command("refresh_commune_template")
    assert template_is_current()


def test_a_missing_template_makes_provisioning_migrate(db):
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {TEMPLATE_SCHEMA} CASCADE")
    commune = create_commune(
        name="Margny", slug="Margny", contact_email="mairie@margny.test",
        admin_email="admin@margny.test",
    )  # fmt: skip
    assert Commune.objects.filter(schema_name=commune.schema_name).exists()
    with schema_context(commune.schema_name), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM auth_group")
        assert cursor.fetchone()[0] > 0


def test_a_failed_copy_leaves_nothing(current_template, monkeypatch):
    from tenants import schema_template

    real = schema_template._tables_script
    monkeypatch.setattr(
        schema_template,
        "_tables_script",
        lambda *args: sql.Composed([real(*args), sql.SQL(";\nSELECT 1/0")]),
    )
    with pytest.raises(DatabaseError):
        create_commune(
            name="Margny", slug="Margny", contact_email="mairie@margny.test",
            admin_email="admin@margny.test",
        )  # fmt: skip
    connection.set_schema_to_public()
    assert not schema_exists("c_margny")
    assert not Commune.objects.filter(slug="Margny").exists()


def test_the_command_says_when_the_template_is_current(current_template, capsys):
    call_command("refresh_commune_template")
    assert "already current" in capsys.readouterr().out


def test_a_copied_commune_serves_its_pages(current_template, client):
    commune = create_commune(
        name="Margny", slug="Margny", contact_email="mairie@margny.test",
        admin_email="admin@margny.test",
    )  # fmt: skip
    assert client.get(f"/{commune.slug}/").status_code == 200
