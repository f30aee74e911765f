from django.apps import AppConfig


class MigtestConfig(AppConfig):
    """A test-only commune app (config/settings_test.py): its other migration packages are
    swapped in with MIGRATION_MODULES to make a migration pending in every commune."""

    name = "tests.tenants.migtest"
    label = "migtest"
