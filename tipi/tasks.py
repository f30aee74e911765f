from celery import shared_task
from django_tenants.utils import schema_context

from tipi import services


@shared_task
def reconcile_payments() -> int:
    """Ask the Treasury about card payments still pending, in every commune: a payment whose
    notification never came is still applied."""
    from tenants.selectors import all_communes

    checked = 0
    for commune in all_communes():
        with schema_context(commune.schema_name):
            checked += services.reconcile()["checked"]
    return checked
