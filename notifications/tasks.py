from celery import shared_task

# Attempts before a row is given up (notifications.services.deliver_outbox_email).
MAX_ATTEMPTS = 6
# The hard limit stays well under OUTBOX_STALE_SECONDS: a row still "sending" after that
# delay belongs to a worker that is gone, never to one still talking to the SMTP server.
SEND_TIME_LIMIT = 60


@shared_task(
    bind=True,
    max_retries=MAX_ATTEMPTS,
    acks_late=True,
    soft_time_limit=SEND_TIME_LIMIT - 15,
    time_limit=SEND_TIME_LIMIT,
)
def send_outbox_email(self, outbox_id: int):
    """Runs in the schema the row was queued in (tenant-schemas-celery's header)."""
    from notifications import services  # services enqueue this task: imported at run time

    retry_in = services.deliver_outbox_email(outbox_id)
    if retry_in is not None:
        raise self.retry(countdown=retry_in.total_seconds())


# The sweeper's beat and per-schema runs live in tenants.tasks: fanning out over the
# communes belongs to tenants, which sits above notifications.
