"""Publishing a task once a transaction has committed, without ever holding up a request.

Services enqueue through `publish_on_commit` (the one on-commit helper: the task runs in
the schema the connection is on when it is called); `publish` asks the broker once, with a
short connect timeout and no retry (config.settings, Celery section). When it is down the
work is not lost: the outbox sweeper re-enqueues pending e-mails and PDFs are rendered on
demand.
"""

import logging
from functools import partial

from django.db import connection, transaction

logger = logging.getLogger(__name__)


def publish(task, *args, schema_name: str) -> bool:
    """Queue `task(*args)` to run in `schema_name`; False (logged) if the broker is down."""
    try:
        task.apply_async(args=list(args), headers={"_schema_name": schema_name}, retry=False)
    except Exception:
        logger.warning("Broker down; %s%r in %s left for later", task.name, args, schema_name)
        return False
    return True


def publish_on_commit(task, *args) -> None:
    """Queue `task(*args)` once the current transaction commits (at once outside one), to
    run in the current schema."""
    transaction.on_commit(partial(publish, task, *args, schema_name=connection.schema_name))
