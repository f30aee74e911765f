"""The services' rules (ServiceRules) kept in each web process's memory, per commune and
service, under a version token in Redis (tenants/node_cache.py): every booking request
reads them, a commune changes them a few times a year.

Any write to a table the rules are made of, from any code of any process (a staff page,
the admin, a task, a factory in the tests), makes every node read them again: an execute
wrapper on every connection (`install_rules_watch`, like the page cache's) sees the
statement and invalidates the cache, at once and when the transaction commits
(NodeCache.invalidate). The one write it lets through is the places' lock
(`booking/services/rules.py`, `lock_site_days`: `WITH … INSERT INTO booking_siteday`),
which only creates the rows it locks, without a capacity: the rules do not change.

What the places' locks protect (closures, the locked days' capacity) is read again under
those locks anyway (`selectors.rules_under_locks`), so a validation never relies on a
copy; a grid or a draft may use a copy until the token is read again, at the next request.
"""

from booking import models
from tenants.node_cache import NodeCache

rules_cache = NodeCache("service-rules")

RULES_MODELS = (
    models.Closure,
    models.DeadlineRule,
    models.ExceptionalDay,
    models.MealKind,
    models.OpenMonth,
    models.Price,
    models.PriceBracket,
    models.SchoolYear,
    models.Service,
    models.SiteDay,
)
_WRITES = ("INSERT", "UPDATE", "DELETE", "MERGE", "COPY")


def _tables() -> tuple[str, ...]:
    return tuple(model._meta.db_table for model in RULES_MODELS)


TABLES = _tables()


def changes_rules(sql: str) -> bool:
    """Whether a statement writes to a table the rules are read from (TRUNCATE: always)."""
    head = sql.lstrip(" \t\n(")[:160]
    verb = head[:8].upper()
    if verb.startswith("TRUNCATE"):
        return True
    if not verb.startswith(_WRITES):
        return False
    return any(table in head for table in TABLES)


def watch_rules_writes(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    if isinstance(sql, str) and changes_rules(sql):
        rules_cache.invalidate_once()
    return result


def install_rules_watch(sender, connection, **kwargs):
    """connection_created: every connection of the process watches its writes."""
    if watch_rules_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(watch_rules_writes)
