"""Booking's sections of the workspace household page: enrolments, planning (upcoming
meals and the agent planning to book or cancel for the family), orders."""

import datetime

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from booking.models import Enrolment, Order, Reservation
from booking.selectors import ACTIVE, active_services

UPCOMING_DAYS = 14


def enrolments(request, household):
    return {
        "enrolments": list(
            Enrolment.objects.filter(child__household=household)
            .select_related("child", "service", "site", "planning_group")
            .order_by("service__position", "child__birth_date", "child__first_name")
        )
    }


def planning(request, household):
    today = timezone.localdate()
    upcoming = list(
        Reservation.objects.filter(
            child__household=household,
            status__in=ACTIVE,
            day__range=(today, today + datetime.timedelta(days=UPCOMING_DAYS)),
        )
        .select_related("child", "meal_kind", "site")
        .order_by("day", "child__first_name")
    )
    enrolled = set(
        Enrolment.objects.filter(child__household=household).values_list("service_id", flat=True)
    )
    return {
        "services": [s for s in active_services() if s.pk in enrolled],
        "upcoming": upcoming,
        "days": UPCOMING_DAYS,
        "can_book": request.user.has_perm("booking.book_for_family"),
    }


def orders(request, household):
    return {
        "orders": list(
            Order.objects.filter(household=household)
            .exclude(status=Order.Status.DRAFT)
            .select_related("service", "created_by")
            .annotate(
                added=Count("lines", filter=Q(lines__action="add")),
                cancelled=Count("lines", filter=Q(lines__action="cancel")),
            )
            .order_by("-created_at", "-pk")[:20]
        )
    }


def register() -> None:
    from portal.gestion import register_household_section

    for key, title, context, permission, order in (
        ("enrolments", _("Inscriptions"), enrolments, "booking.view_enrolment", 30),
        ("planning", _("Planning"), planning, "booking.view_reservation", 40),
        ("orders", _("Commandes"), orders, "booking.view_order", 70),
    ):
        register_household_section(
            key=key,
            title=title,
            template=f"booking/gestion/sections/{key}.html",
            context=context,
            permission=permission,
            order=order,
        )
