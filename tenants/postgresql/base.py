"""django-tenants' PostgreSQL backend, whose connection health check is the search path.

A persistent connection is checked once per request before its first statement
(CONN_HEALTH_CHECKS: Django sends `SELECT 1`), then django-tenants sends `SET search_path`
for the request's commune. Here the check is that SET: one round trip instead of two, and
a connection that fails it is closed and reopened, as with Django's check.
"""

from django.db import Error as DatabaseError
from django_tenants.postgresql_backend import base
from django_tenants.utils import quote_schema_name


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self):
        if self.connection is None or not self.health_check_enabled or self.health_check_done:
            return
        search_paths = self._get_cursor_search_paths()
        schemas = ",".join(quote_schema_name(schema) for schema in search_paths)
        try:
            # The driver's cursor, as Django's own check: outside the query log and wrappers.
            with self.connection.cursor() as cursor:
                cursor.execute(f"SET search_path = {schemas}")
        except (DatabaseError, self.Database.Error):
            self.close()
        else:
            self.search_path_set_schemas = search_paths
        self.health_check_done = True
