from celery import shared_task
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection

from notifications import services as outbox
from tenants.periodic import commune_lock, fan_out


@shared_task(soft_time_limit=20, time_limit=30)
def clear_sessions() -> int:
    """Daily: `clearsessions` in every schema (sessions live in each commune's)."""
    return fan_out(clear_sessions_in_schema, include_public=True)


@shared_task(soft_time_limit=240, time_limit=300)
def clear_sessions_in_schema() -> bool | None:
    """Runs in the schema it was queued for (tenant-schemas-celery's header); None when
    another run holds the lock."""
    with commune_lock("clear-sessions", ttl=310) as held:
        if not held:
            return None
        SessionStore.clear_expired()
        return True


@shared_task(soft_time_limit=20, time_limit=30)
def sweep_outbox() -> int:
    """Beat: one sweep_outbox_in_schema per schema (the console's public one included);
    returns how many were queued."""
    return fan_out(sweep_outbox_in_schema, include_public=True)


@shared_task(soft_time_limit=50, time_limit=60)
def sweep_outbox_in_schema() -> int | None:
    """Re-enqueue the outbox rows left pending or "sending" too long in this schema; returns
    how many, or None when another run holds the lock."""
    with commune_lock("sweep-outbox", ttl=70) as held:
        if not held:
            return None
        return sum(
            outbox.enqueue_delivery(outbox_id, connection.schema_name)
            for outbox_id in outbox.stale_pending_ids()
        )
