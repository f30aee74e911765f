from celery import shared_task
from django_tenants.utils import schema_context

from booking import services


@shared_task
def expire_holds() -> int:
    """Release the places of payments that never concluded, in every commune."""
    from tenants.selectors import all_communes

    released = 0
    for commune in all_communes():
        with schema_context(commune.schema_name):
            released += services.expire_holds()
    return released
