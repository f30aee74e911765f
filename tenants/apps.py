from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Communes"

    def ready(self):
        from django.core.signals import request_finished
        from django.db.backends.signals import connection_created

        from tenants.migration import install_fast_has_table
        from tenants.node_cache import forget_request_tokens
        from tenants.page_cache import install_write_watch

        install_fast_has_table()
        request_finished.connect(forget_request_tokens, dispatch_uid="node-cache-tokens")
        # Every connection's writes make the pages they change stale (tenants/page_cache.py).
        connection_created.connect(install_write_watch, dispatch_uid="page-cache-writes")
