from celery import shared_task
from django.db import connection
from django_tenants.utils import get_public_schema_name, schema_context

from notifications import services


@shared_task(bind=True, max_retries=services.MAX_ATTEMPTS, acks_late=True)
def send_outbox_email(self, outbox_id: int):
    """Runs in the schema the row was queued in (tenant-schemas-celery's header)."""
    retry_in = services.deliver_outbox_email(outbox_id)
    if retry_in is not None:
        raise self.retry(countdown=retry_in.total_seconds())


@shared_task
def sweep_outbox() -> int:
    """Re-enqueue the rows left pending in every schema; returns how many."""
    from tenants.selectors import all_communes

    schemas = [get_public_schema_name()] + [c.schema_name for c in all_communes()]
    enqueued = 0
    for schema_name in schemas:
        with schema_context(schema_name):
            for outbox_id in services.stale_pending_ids():
                enqueued += services.enqueue_delivery(outbox_id, connection.schema_name)
    return enqueued
