from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Communes"

    def ready(self):
        from tenants.migration import install_fast_has_table

        install_fast_has_table()
