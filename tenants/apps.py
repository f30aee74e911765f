from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Communes"

    def ready(self):
        from django.core.signals import request_finished

        from tenants.migration import install_fast_has_table
        from tenants.node_cache import forget_request_tokens

        install_fast_has_table()
        request_finished.connect(forget_request_tokens, dispatch_uid="node-cache-tokens")
