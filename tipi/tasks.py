from celery import shared_task

from tenants.periodic import commune_lock, fan_out
from tipi import services


@shared_task(soft_time_limit=20, time_limit=30)
def reconcile_payments() -> int:
    """Beat: one reconcile_payments_in_commune per commune; returns how many were queued."""
    return fan_out(reconcile_payments_in_commune)


@shared_task(soft_time_limit=240, time_limit=300)
def reconcile_payments_in_commune() -> int | None:
    """Ask the Treasury about card payments still pending in this commune: a payment whose
    notification never came is still applied. None when another run holds the lock."""
    with commune_lock("reconcile-payments", ttl=310) as held:
        if not held:
            return None
        return services.reconcile()["checked"]
