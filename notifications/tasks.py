from celery import shared_task
from django.db import connection

from notifications import services

# The hard limit stays well under OUTBOX_STALE_SECONDS: a row still "sending" after that
# delay belongs to a worker that is gone, never to one still talking to the SMTP server.
SEND_TIME_LIMIT = 60


@shared_task(
    bind=True,
    max_retries=services.MAX_ATTEMPTS,
    acks_late=True,
    soft_time_limit=SEND_TIME_LIMIT - 15,
    time_limit=SEND_TIME_LIMIT,
)
def send_outbox_email(self, outbox_id: int):
    """Runs in the schema the row was queued in (tenant-schemas-celery's header)."""
    retry_in = services.deliver_outbox_email(outbox_id)
    if retry_in is not None:
        raise self.retry(countdown=retry_in.total_seconds())


@shared_task(soft_time_limit=20, time_limit=30)
def sweep_outbox() -> int:
    """Beat: one sweep_outbox_in_schema per schema (the console's public one included);
    returns how many were queued."""
    from tenants.periodic import fan_out

    return fan_out(sweep_outbox_in_schema, include_public=True)


@shared_task(soft_time_limit=50, time_limit=60)
def sweep_outbox_in_schema() -> int | None:
    """Re-enqueue the rows left pending or "sending" too long in this schema; returns how
    many, or None when another run holds the lock."""
    from tenants.periodic import commune_lock

    with commune_lock("sweep-outbox", ttl=70) as held:
        if not held:
            return None
        return sum(
            services.enqueue_delivery(outbox_id, connection.schema_name)
            for outbox_id in services.stale_pending_ids()
        )
