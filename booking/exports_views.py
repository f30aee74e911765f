"""booking's exports (gestion/exports/): the reservations of a period."""

from booking.models import Reservation
from portal import exports
from portal.roles import staff_permission

RESERVATION_HEADERS = [
    "Date",
    "Foyer",
    "Nom",
    "Prénom",
    "Classe",
    "Site",
    "Service",
    "Repas",
    "État",
    "Tarif",
    "Commande",
]


@staff_permission("booking.view_reservation")
def reservations_export(request):
    """Every meal reserved or held between two days, one row each (one query)."""
    period, refused = exports.period_or_redirect(request)
    if refused:
        return refused
    first, last = period
    reservations = (
        Reservation.objects.filter(
            day__range=(first, last),
            status__in=[Reservation.Status.CONFIRMED, Reservation.Status.HELD],
        )
        .select_related("child__household", "site", "meal_kind__service", "order")
        .order_by("day", "site__name", "child__last_name", "child__first_name", "pk")
    )
    rows = (
        [
            r.day,
            r.child.household.name,
            r.child.last_name,
            r.child.first_name,
            r.child.class_name,
            r.site.name,
            r.meal_kind.service.name,
            r.meal_kind.name,
            r.get_status_display(),
            r.unit_price,
            r.order.reference,
        ]
        for r in reservations.iterator(chunk_size=2000)
    )
    return exports.export_response(
        exports.export_format(request.GET),
        filename=f"reservations-{first:%Y-%m-%d}-{last:%Y-%m-%d}",
        title="Réservations",
        headers=RESERVATION_HEADERS,
        rows=rows,
    )
