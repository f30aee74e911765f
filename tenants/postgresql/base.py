"""django-tenants' PostgreSQL backend, with two round trips fewer.

- The connection's health check is the search path. A persistent connection is checked once
  per request before its first statement (CONN_HEALTH_CHECKS: Django sends `SELECT 1`), then
  django-tenants sends `SET search_path` for the request's commune. Here the check is that
  SET: one round trip instead of two; a connection that fails it is closed and reopened, as
  with Django's check.
- The query log (DEBUG, the tests' CaptureQueriesContext) shows the SQL of tenants.compiled's
  prepared statements, not `EXECUTE name (...)`.
- A rollback forgets the search path only if it was set inside the transaction rolled back
  (PostgreSQL then undoes the SET). django-tenants forgets it on every rollback, so a refused
  order (its transaction rolled back) sent the SET again for its next query.
"""

from django.db import Error as DatabaseError
from django.db.backends.postgresql.operations import DatabaseOperations as PostgresOperations
from django_tenants.postgresql_backend import base
from django_tenants.utils import quote_schema_name


class DatabaseOperations(PostgresOperations):
    def last_executed_query(self, cursor, sql, params):
        if isinstance(sql, str) and "EXECUTE " in sql:
            from tenants import compiled  # loaded with the models, after the backend

            shown = compiled.readable(sql)
            if shown != sql:
                return self.compose_sql(shown, params)
        return super().last_executed_query(cursor, sql, params)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
    # Whether the search path in force was set inside a transaction (a rollback undoes it).
    search_path_in_transaction = True

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
            self.search_path_in_transaction = not self.autocommit
        self.health_check_done = True

    def _handle_search_path(self, cursor=None):
        before = self.search_path_set_schemas
        in_transaction = not self.get_autocommit()
        super()._handle_search_path(cursor)
        if self.search_path_set_schemas is not before:  # a SET was sent (or failed)
            self.search_path_in_transaction = in_transaction

    def rollback(self):
        kept = None if self.search_path_in_transaction else self.search_path_set_schemas
        super().rollback()  # django-tenants forgets the search path
        self.search_path_set_schemas = kept
