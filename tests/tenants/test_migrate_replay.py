"""A migration pending in many communes: Django's migrate runs in one of them, the others
replay the SQL it executed (tenants/migration_replay.py). The pending migrations come from
the test-only app tests/tenants/migtest, whose other migration packages are swapped in."""

import re
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import connection, migrations, models
from django.db.models.signals import post_migrate
from django.test import override_settings
from django_tenants.utils import schema_context

from tenants.migration_replay import replayable_plan
from tenants.models import Commune

pytestmark = pytest.mark.django_db

PACKAGE = "tests.tenants.migtest.migrations_{}"


@pytest.fixture
def two_communes(clairoix, les_ageux):
    return ["c_clairoix", "c_les_ageux"]


@pytest.fixture
def communes(two_communes):
    """Three communes migrated the normal way (the third one created here: ~1 s or more)."""
    Commune(
        schema_name="c_margny", name="Margny", slug="Margny", contact_email="m@margny.test"
    ).save(verbosity=0)
    return [*two_communes, "c_margny"]


@pytest.fixture
def post_migrate_schemas():
    """The schemas in which post_migrate was sent."""
    fired = []

    def receiver(sender, **kwargs):
        fired.append(connection.schema_name)

    post_migrate.connect(receiver, weak=False, dispatch_uid="test-post-migrate-schemas")
    yield fired
    post_migrate.disconnect(dispatch_uid="test-post-migrate-schemas")


def migrate_with(package, capsys):
    with override_settings(MIGRATION_MODULES={"migtest": PACKAGE.format(package)}):
        try:
            call_command("migrate", verbosity=1, interactive=False)
        finally:
            output = capsys.readouterr().out
    return output


def leader_of(output):
    return re.search(r"\[replay\] \d+ migration\(s\): (\S+) by Django's migrate", output)[1]


def query(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else None


def columns(schema, table="migtest_sample"):
    return dict(
        query(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = %s AND table_name = %s",
            [schema, table],
        )
    )


def indexes(schema, table="migtest_sample"):
    return {
        name: definition.replace(schema, "<schema>")
        for name, definition in query(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = %s AND tablename = %s",
            [schema, table],
        )
    }


def recorded(schema):
    return set(query(f'SELECT app, name FROM "{schema}".django_migrations'))  # noqa: S608


def rights(schema):
    """Each role group's permissions, and the migtest content types, in `schema`."""
    with schema_context(schema):
        ContentType.objects.clear_cache()
        groups = {
            group.name: sorted(group.permissions.values_list("content_type__app_label", "codename"))
            for group in Group.objects.all()
        }
        types = sorted(
            ContentType.objects.filter(app_label="migtest").values_list("model", flat=True)
        )
        extra = sorted(
            Permission.objects.filter(content_type__app_label="migtest").values_list(
                "codename", flat=True
            )
        )
    return groups, types, extra


def test_a_one_column_migration_is_replayed_in_every_commune(
    communes, capsys, post_migrate_schemas
):
    rights_before = {schema: rights(schema) for schema in communes}
    output = migrate_with("column", capsys)

    leader = leader_of(output)
    assert f"statement(s) replayed in {len(communes) - 1} schema(s)" in output
    for schema in communes:
        assert columns(schema)["code"] == "character varying"
        assert ("migtest", "0002_sample_code") in recorded(schema)
        assert indexes(schema) == indexes(leader)
        assert any("(code)" in d for d in indexes(schema).values())
        assert rights(schema) == rights_before[schema]
    # No model added or removed: among the communes, post_migrate (content types,
    # permissions, roles) only ran where Django's migrate did.
    assert set(post_migrate_schemas) - {"public"} == {leader}
    # Every row recorded: the next pass skips every commune.
    again = migrate_with("column", capsys)
    assert f"{len(communes)} schema(s) already up to date: skipped" in again


def test_a_new_model_gets_its_content_type_permissions_and_roles_in_every_commune(
    two_communes, capsys, post_migrate_schemas
):
    communes = two_communes
    output = migrate_with("model", capsys)

    leader = leader_of(output)
    assert f"replayed in {len(communes) - 1} schema(s)" in output
    groups, types, permissions = rights(leader)
    assert types == ["extra", "sample"]
    assert {"add_extra", "change_extra", "delete_extra", "view_extra"} <= set(permissions)
    for schema in communes:
        assert set(columns(schema, "migtest_extra")) == {"id", "label"}
        assert ("migtest", "0002_extra") in recorded(schema)
        assert rights(schema) == (groups, types, permissions)
    assert set(post_migrate_schemas) - {"public"} == set(communes)


def test_a_migration_running_python_takes_djangos_migrate_in_every_commune(two_communes, capsys):
    communes = two_communes
    output = migrate_with("python", capsys)

    assert "need Django: ('migtest', '0002_sample_rows') runs RunPython" in output
    assert "replayed" not in output
    for schema in communes:
        # The function ran in each schema (it writes the schema's own name).
        assert query(f'SELECT name FROM "{schema}".migtest_sample') == [(schema,)]  # noqa: S608
        assert ("migtest", "0002_sample_rows") in recorded(schema)


@pytest.mark.parametrize("broken", ["c_clairoix", "c_margny"], ids=["leader", "replaying"])
def test_a_failure_in_one_commune_is_reported_and_leaves_it_unchanged(request, capsys, broken):
    # Clairoix comes first (by name): Django's migrate there; then the others replay.
    communes = request.getfixturevalue("communes" if broken == "c_margny" else "two_communes")
    # That commune already has an index of the name the new column's index takes: the
    # column is added, then creating the index fails there.
    with connection.schema_editor() as editor:
        index = editor._create_index_name("migtest_sample", ["code"], suffix="")
    query(f'CREATE INDEX "{index}" ON "{broken}".migtest_sample (name)')
    indexes_before = indexes(broken)

    with pytest.raises(CommandError) as failed:
        migrate_with("column", capsys)

    assert "migrate failed in 1 schema(s)" in str(failed.value)
    assert f"{broken}: " in str(failed.value)
    assert "code" not in columns(broken)
    assert indexes(broken) == indexes_before
    assert ("migtest", "0002_sample_code") not in recorded(broken)
    for schema in set(communes) - {broken}:
        assert columns(schema)["code"] == "character varying"
        assert ("migtest", "0002_sample_code") in recorded(schema)


def plan_of(*operations, atomic=True, replaces=()):
    migration = type("Migration", (migrations.Migration,), {"atomic": atomic})("0009_x", "app")
    migration.operations = list(operations)
    migration.replaces = list(replaces)
    loader = SimpleNamespace(graph=SimpleNamespace(nodes={("app", "0009_x"): migration}))
    return replayable_plan({("app", "0009_x")}, loader)


def test_which_migrations_replay_and_which_need_post_migrate():
    column = migrations.AddField("sample", "code", models.CharField(max_length=3, default=""))
    model = migrations.CreateModel("Extra", [("id", models.AutoField(primary_key=True))])
    python = migrations.RunPython(migrations.RunPython.noop)

    assert plan_of(column, migrations.RunSQL("SELECT 1")).replayable
    assert not plan_of(column).model_set_changes
    assert plan_of(column, model).model_set_changes
    assert not plan_of(column, python).replayable
    assert not plan_of(migrations.RenameModel("Sample", "Other")).replayable
    assert not plan_of(column, atomic=False).replayable
    assert not plan_of(column, replaces=[("app", "0001_a")]).replayable
    state_only = migrations.SeparateDatabaseAndState(state_operations=[model])
    assert plan_of(state_only).replayable and plan_of(state_only).model_set_changes
    assert not plan_of(migrations.SeparateDatabaseAndState(database_operations=[python])).replayable
