"""Settings of bench_migrate.py: the product's, plus the test-only app tests/tenants/migtest
with its one-column migration (0002_sample_code), which the benchmark makes pending again
in the communes it measures."""

from config.settings import *  # noqa: F403

TENANT_APPS = [*TENANT_APPS, "tests.tenants.migtest"]  # noqa: F405
INSTALLED_APPS = [*INSTALLED_APPS, "tests.tenants.migtest"]  # noqa: F405
MIGRATION_MODULES = {"migtest": "tests.tenants.migtest.migrations_column"}
