"""Django's database sessions, read with one prepared statement.

Every logged-in request reads its session row; building that query with the ORM cost more
than running it (profiled: about half of a page served from the page cache). The row, the
rules (unexpired, in the current commune's schema through the search path) and everything
else (writes, expiry, clearsessions) are Django's own.
"""

from django.contrib.sessions.backends import db
from django.db import connection
from django.utils import timezone


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        table = connection.ops.quote_name(self.model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT session_data, expire_date FROM {table}"  # noqa: S608 - our table name
                " WHERE session_key = %s AND expire_date > %s",
                [self.session_key, timezone.now()],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return self.model(session_key=self.session_key, session_data=row[0], expire_date=row[1])
