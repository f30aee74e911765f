"""The runbook's backup and restore drill (deploy/README.md), on committed data: a dump of
the whole database and one of a single commune's schema, restored into a copy and checked
there (rows, numbers, the ledger's immutability triggers)."""

import subprocess
from decimal import Decimal

import psycopg
import pytest
from django.db import connection
from django_tenants.utils import schema_context

from ledger import services as ledger_services
from ledger.services import register_service_book
from tests.conftest import wipe_schema_data
from tests.e2e.conftest import admin_sql, server_url
from tests.portal.factories import GuardianFactory

SCHEMA = "c_clairoix"


@pytest.fixture
def committed_payment(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with schema_context(SCHEMA):
            register_service_book(code="cant", name="Restaurant scolaire", invoice_title="RS")
            guardian = GuardianFactory()
            payment = ledger_services.record_payment(
                household=guardian.household,
                service_code="cant",
                amount=Decimal("42.30"),
                mode="cheque",
                recorded_by=guardian.user,
                idempotency_key="backup-drill",
            )
        yield payment
        connection.set_schema_to_public()
        wipe_schema_data(SCHEMA)


@pytest.fixture
def copy_database():
    name = f"{connection.settings_dict['NAME']}_restore_drill"
    admin_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}")
    yield name
    admin_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def run(*args):
    result = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result


def counts(url, schema):
    with psycopg.connect(url) as conn:
        tables = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY 1", [schema]
        ).fetchall()
        return {
            table: conn.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()[0]  # noqa: S608
            for (table,) in tables
        }


def assert_ledger_intact(url, number):
    with psycopg.connect(url) as conn:
        query = f"SELECT total FROM {SCHEMA}.ledger_document WHERE number = %s"  # noqa: S608
        row = conn.execute(query, [number]).fetchone()
        assert row == (Decimal("42.30"),)
        with pytest.raises(psycopg.errors.RestrictViolation):
            conn.execute(f"UPDATE {SCHEMA}.ledger_document SET total = 0")  # noqa: S608


def test_whole_database_and_one_commune_restore_into_a_copy(
    committed_payment, copy_database, tmp_path
):
    source = f"{server_url()}/{connection.settings_dict['NAME']}"
    copy = f"{server_url()}/{copy_database}"
    before = counts(source, SCHEMA)
    assert before["ledger_document"] == 1 and before["portal_household"] == 1

    # The whole database (every commune and the public schema).
    run("pg_dump", "--format=custom", "--file", str(tmp_path / "preau.dump"), source)
    run("pg_restore", "--no-owner", "--dbname", copy, str(tmp_path / "preau.dump"))
    with psycopg.connect(source) as a, psycopg.connect(copy) as b:
        schemas = "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'c\\_%' ORDER BY 1"
        assert a.execute(schemas).fetchall() == b.execute(schemas).fetchall()
        communes = "SELECT slug FROM public.tenants_commune ORDER BY 1"
        assert a.execute(communes).fetchall() == b.execute(communes).fetchall()
    assert counts(copy, SCHEMA) == before
    assert_ledger_intact(copy, committed_payment.number)

    # One commune: its schema alone, restored in place of a lost one.
    one = tmp_path / "clairoix.dump"
    run("pg_dump", "--format=custom", "--schema", SCHEMA, "--file", str(one), source)
    with psycopg.connect(copy, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {SCHEMA} CASCADE")
    run("pg_restore", "--no-owner", "--dbname", copy, str(one))
    assert counts(copy, SCHEMA) == before
    assert_ledger_intact(copy, committed_payment.number)
