"""`migrate` over every commune: up-to-date schemas are skipped with a few batched queries,
the rest go to django-tenants' executor; the migrations table is found by index lookup."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test.utils import CaptureQueriesContext

from tenants import migration
from tenants.models import Commune

pytestmark = pytest.mark.django_db


def clone_migrations_table(schema, *, source="c_clairoix", drop_last_of=None):
    """A schema holding only a copy of a commune's django_migrations (optionally missing
    the latest migration of one app), registered as a commune without creating anything."""
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{schema}"')
        cursor.execute(
            f'CREATE TABLE "{schema}".django_migrations'  # noqa: S608 - test schema names
            f' AS SELECT * FROM "{source}".django_migrations'
        )
        if drop_last_of:
            cursor.execute(
                f'DELETE FROM "{schema}".django_migrations'  # noqa: S608 - test schema names
                f' WHERE id = (SELECT max(id) FROM "{schema}".django_migrations WHERE app = %s)',
                [drop_last_of],
            )
    Commune.objects.bulk_create(
        [
            Commune(
                schema_name=schema,
                name=schema,
                slug=schema.replace("_", ""),
                contact_email="x@x.test",
            )
        ]
    )


def test_migrated_schemas_are_up_to_date_and_others_are_not():
    clone_migrations_table("c_behind", drop_last_of="booking")
    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "c_bare"')
    names = ["public", "c_clairoix", "c_les_ageux", "c_behind", "c_bare", "c_absent"]
    assert migration.up_to_date_schemas(names) == {"public", "c_clairoix", "c_les_ageux"}


class Delegate:
    """Stands in for django-tenants' executor, to see which schemas it is handed."""

    received = []

    def __init__(self, args, options):
        pass

    def run_migrations(self, tenants=None):
        Delegate.received.append(list(tenants))


@pytest.fixture
def delegate(monkeypatch):
    Delegate.received = []
    monkeypatch.setattr(migration, "tenants_get_executor", lambda name: Delegate)
    return Delegate


def test_migrate_hands_only_the_schemas_behind_to_the_executor(delegate):
    clone_migrations_table("c_behind", drop_last_of="ledger")
    call_command("migrate", verbosity=0, interactive=False)
    assert delegate.received == [["c_behind"]]


def test_a_targeted_migrate_is_not_filtered(delegate):
    call_command("migrate", "booking", verbosity=0, interactive=False)
    assert delegate.received == [["public"], ["c_clairoix", "c_les_ageux"]]


def test_a_noop_migrate_costs_the_same_queries_with_more_communes(delegate):
    call_command("migrate", verbosity=0, interactive=False)  # the connection set up once
    with CaptureQueriesContext(connection) as two:
        call_command("migrate", verbosity=0, interactive=False)
    for n in range(5):
        clone_migrations_table(f"c_extra{n}")
    with CaptureQueriesContext(connection) as seven:
        call_command("migrate", verbosity=0, interactive=False)
    assert delegate.received == []
    assert Commune.objects.exclude(schema_name="public").count() == 7
    # 8, and 2 to find the provisioning template current (tenants/schema_template.py).
    assert len(seven) == len(two) <= 10


def test_the_migrations_table_is_looked_up_in_the_schema_of_the_connection():
    with connection.cursor() as cursor:
        cursor.execute('CREATE SCHEMA "c_bare"')
    connection.set_schema("c_bare", include_public=False)
    try:
        # public has a django_migrations table; c_bare has none.
        assert MigrationRecorder(connection).has_table() is False
    finally:
        connection.set_schema_to_public()
    assert MigrationRecorder(connection).has_table() is True
    connection.set_schema("c_clairoix")
    with CaptureQueriesContext(connection) as queries:
        assert MigrationRecorder(connection).has_table() is True
    assert "pg_class" not in queries[-1]["sql"]
    assert "to_regclass" in queries[-1]["sql"]
