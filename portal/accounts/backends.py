import functools

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import connection

from portal.accounts import sessions


@functools.cache
def _user_statement() -> tuple[str, list[str]]:
    """The ORM's own SELECT of one user by primary key, compiled once per process (building
    it cost more than running it, on every logged-in request); the fields in its order."""
    model = get_user_model()
    sql, _params = model._default_manager.filter(pk=0).order_by().query.sql_with_params()
    return sql, [field.attname for field in model._meta.concrete_fields]


class EmailBackend(ModelBackend):
    """Django's backend; the manager's natural key already ignores the e-mail's case."""

    def get_user(self, user_id):
        sql, attnames = _user_statement()
        row = sessions.take_user_row(user_id)  # read with the session, in its statement
        if row is None:
            with connection.cursor() as cursor:
                cursor.execute(sql, [user_id])
                row = cursor.fetchone()
            if row is None:
                return None
        user = get_user_model().from_db(connection.alias, attnames, row)
        return user if self.user_can_authenticate(user) else None


def lockout_username(request, credentials):
    """Count failures per account whatever case the e-mail was typed in (at most the 255
    characters axes' column holds; no address is longer than 254)."""
    # Django's login-failed signal names it "username"; axes' backend, the USERNAME_FIELD.
    credentials = credentials or {}
    username = credentials.get("username") or credentials.get("email") or ""
    return username.strip().lower()[:255]
