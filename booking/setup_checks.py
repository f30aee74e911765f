"""booking's steps of a new commune's setup checklist (tenants/setup.py), run inside the
commune's schema."""

from django.utils import timezone

from booking.models import Price, SchoolYear, Service, Site


def has_service() -> bool:
    return Service.objects.filter(is_active=True).exists()


def has_prices() -> bool:
    return Price.objects.filter(meal_kind__service__is_active=True).exists()


def has_sites() -> bool:
    return Site.objects.filter(default_capacity__gt=0).exists()


def has_school_year() -> bool:
    return SchoolYear.objects.filter(last_day__gte=timezone.localdate()).exists()
