from celery import shared_task

from booking import services
from tenants.periodic import commune_lock, fan_out


@shared_task(soft_time_limit=20, time_limit=30)
def expire_holds() -> int:
    """Beat: one expire_holds_in_commune per commune; returns how many were queued."""
    return fan_out(expire_holds_in_commune)


@shared_task(soft_time_limit=50, time_limit=60)
def expire_holds_in_commune() -> int | None:
    """Release the places of payments that never concluded, in the commune the task was
    queued for; None when another run for that commune still holds the lock."""
    with commune_lock("expire-holds", ttl=70) as held:
        if not held:
            return None
        return services.expire_holds()


@shared_task(soft_time_limit=20, time_limit=30)
def close_attendance_days() -> int:
    """Beat: one close_attendance_days_in_commune per commune; returns how many were queued."""
    return fan_out(close_attendance_days_in_commune)


@shared_task(soft_time_limit=110, time_limit=120)
def close_attendance_days_in_commune() -> int | None:
    """Close the registers past their service's closing hour (and bill what was eaten
    without reservation); None when another run for that commune still holds the lock."""
    with commune_lock("close-attendance", ttl=130) as held:
        if not held:
            return None
        return services.close_due_attendance_days()


def expire_waiting_offers() -> int:
    """Beat: one expire_waiting_offers_in_commune per commune."""
    return fan_out(expire_waiting_offers_in_commune)


@shared_task(soft_time_limit=50, time_limit=60)
def expire_waiting_offers_in_commune() -> int | None:
    """Places kept for a waiting family past their time pass to the next one."""
    with commune_lock("expire-waiting-offers", ttl=70) as held:
        if not held:
            return None
        return services.expire_waiting_offers()


@shared_task(soft_time_limit=20, time_limit=30)
def book_promoted(request_id: int):
    """Post-paid: book the meal of a family promoted from the waiting list (idempotent)."""
    request = services.book_promoted(request_id=request_id)
    return request.status if request is not None else None
