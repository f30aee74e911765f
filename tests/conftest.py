"""Two test communes are created once per run (schema creation is the slow part); every
test runs inside a transaction rolled back at its end, across all schemas."""

import pytest
from django.db import connection
from django_tenants.utils import get_public_schema_name, schema_context

TEST_COMMUNES = {
    "clairoix": {"name": "Clairoix", "slug": "Clairoix", "contact_email": "mairie@clairoix.test"},
    "les_ageux": {
        "name": "Les Ageux",
        "slug": "Les-Ageux",
        "contact_email": "mairie@les-ageux.test",
    },
}


# `make test` runs the suite on two pytest-xdist workers (`-n 2 --dist loadgroup`); each has
# its own test database and Redis keys (config/settings_test.py). The tests below share
# something started once or named once, so each group runs on one worker, in order.
XDIST_GROUPS = {
    # The product started once per session (tests/e2e/conftest.py), on fixed database names.
    "tests/e2e/": "e2e",
    # nginx, two web nodes, two workers and a beat on one fixed database.
    "tests/deploy/test_multinode.py": "multinode",
    # Real processes and fault injection (a PostgreSQL restarted, a worker killed, the broker
    # down): heavy and timed, one at a time rather than next to each other.
    "tests/test_postgres_restart.py": "processes",
    "tests/notifications/test_crash_delivery.py": "processes",
    "tests/notifications/test_broker_down.py": "processes",
    "tests/notifications/test_worker_integration.py": "processes",
}


def xdist_group_of(nodeid: str) -> str | None:
    for prefix, group in XDIST_GROUPS.items():
        if nodeid.startswith(prefix):
            return group
    return None


@pytest.hookimpl(tryfirst=True)  # before xdist reads the marks
def pytest_collection_modifyitems(items):
    for item in items:
        group = xdist_group_of(item.nodeid)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadgroup` grouped by XDIST_GROUPS itself. xdist 3.8 sends each group as an
    "@group" suffix of the node id it writes to `item._nodeid`, but pytest 9 builds
    `nodeid` from elsewhere: the suffix never reached the scheduler, and the groups were
    spread over the workers (two browser products then dropped each other's databases)."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return xdist_group_of(nodeid) or nodeid

    return GroupScheduling(config, log)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from django.test.utils import setup_databases, teardown_databases

    from tenants.models import Commune
    from tenants.slugs import schema_name_for_slug

    with django_db_blocker.unblock():
        # pytest-django creates the test database only for tests marked django_db or using
        # `db`; tests on committed data (real threads, a real worker) use neither, so a
        # run of only those would otherwise touch the development database.
        created = None
        if not connection.settings_dict["NAME"].startswith("test_"):
            created = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        for spec in TEST_COMMUNES.values():
            Commune(schema_name=schema_name_for_slug(spec["slug"]), **spec).save(verbosity=0)
    yield
    if created is not None:
        with django_db_blocker.unblock():
            teardown_databases(created, verbosity=0)


@pytest.fixture(autouse=True)
def _public_schema_between_tests():
    from tenants.node_cache import clear_local_caches

    # What a test's rolled-back transaction read is never served to the next one.
    clear_local_caches()
    yield
    connection.set_schema_to_public()


def _commune(key):
    from tenants.models import Commune

    return Commune.objects.get(slug=TEST_COMMUNES[key]["slug"])


@pytest.fixture
def clairoix(db):
    return _commune("clairoix")


@pytest.fixture
def les_ageux(db):
    return _commune("les_ageux")


@pytest.fixture
def in_clairoix(clairoix):
    with schema_context(clairoix.schema_name):
        yield clairoix


@pytest.fixture
def in_public(db):
    with schema_context(get_public_schema_name()):
        yield


# Families, usable by every app's tests.


@pytest.fixture
def blanchard(in_clairoix):
    """Clairoix's BLANCHARD household: Bertrand (responsable 1), Maxime and Léa."""
    from tests.factories import UserFactory
    from tests.portal.factories import ChildFactory, GuardianFactory, HouseholdFactory

    household = HouseholdFactory(name="BLANCHARD")
    bertrand = GuardianFactory(
        household=household,
        user=UserFactory(
            email="bertrand.blanchard@example.org", first_name="Bertrand", last_name="BLANCHARD"
        ),
    )
    ChildFactory(household=household, first_name="Maxime")
    ChildFactory(household=household, first_name="Léa", class_name="Moyenne section")
    return bertrand


@pytest.fixture
def dupont(in_clairoix):
    """Another Clairoix household, for the cross-household checks."""
    from tests.factories import UserFactory
    from tests.portal.factories import ChildFactory, GuardianFactory, HouseholdFactory

    household = HouseholdFactory(name="DUPONT", street_name="allée des Tilleuls")
    guardian = GuardianFactory(
        household=household,
        user=UserFactory(email="anne.dupont@example.org", first_name="Anne", last_name="DUPONT"),
        civility="MME",
        mobile_phone="07 81 22 33 45",
    )
    ChildFactory(household=household, last_name="DUPONT", first_name="Zoé")
    return guardian


@pytest.fixture
def canteen_2027(blanchard):
    """The canteen (booking.demo's builder) on a fixed calendar: school year 2026-2027 zone
    B, January to March 2027 open; Maxime and Léa enrolled."""
    from tests.booking.factories import canteen_2027

    return canteen_2027(blanchard.household)


@pytest.fixture
def canteen(blanchard):
    """The same canteen around today, for pages that use the real clock: the next 3 months."""
    from tests.booking.factories import canteen_around_today

    return canteen_around_today(blanchard.household)


@pytest.fixture
def parent_client(client, blanchard):
    from tests.factories import PASSWORD

    response = client.post(
        "/Clairoix/", {"username": "bertrand.blanchard@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    return client


# The staff roles (groups and their permissions) are made by a migration: kept too.
KEPT_TABLES = {
    "django_migrations",
    "django_content_type",
    "auth_permission",
    "auth_group",
    "auth_group_permissions",
}


def wipe_schema_data(schema_name):
    """Empty a commune's tables after a test that committed (threads, real worker).

    Issued documents refuse deletion by trigger; replica mode lets the test clean up."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", [schema_name])
        tables = [row[0] for row in cursor.fetchall() if row[0] not in KEPT_TABLES]
        if not tables:
            return
        cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(
                "TRUNCATE " + ", ".join(f'"{schema_name}"."{t}"' for t in tables) + " CASCADE"
            )
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")
