"""The waiting list ("liste d'attente"): join and leave a full day, the promotion of the
first family in line when a place frees, the places kept for a prepaid family and their
expiry, a closed day's list emptied.

Locks. A freed place is given in the transaction that frees it, under the SiteDay row of
that day, which the freeing writer takes after its own household's lock (household → order
→ SiteDay → ledger counters). The promotion never takes the promoted family's household
lock nor writes a row referring to it (an insert would take a key-share lock on its
household row): it only changes the request's status, which reserves the place
(`places_taken` counts it), and writes the e-mail to the outbox. Booking the meal itself
(post-paid) is an on-commit task, `book_promoted`, that takes the family's lock first,
then the SiteDay row, re-checks and books; it is idempotent and the expiry sweep retries
what a lost task left.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from booking import credit, journal, selectors
from booking.models import DeadlineRule, Order, Reservation, WaitingRequest
from booking.selectors.waiting import HOLDING, LINE_ORDER, OPEN
from booking.services.rules import lock_site_days
from notifications.publish import publish_on_commit
from notifications.services import queue_email
from portal.quotients import quotients_of
from portal.selectors import guardians_of
from tenants.links import commune_url, current_commune


class WaitingRefused(ValidationError):
    """A request the waiting list cannot take (the day is not full, not the family's...)."""


def _enrolment(household, service, child_id):
    for enrolment in selectors.enrolments_of(household, service):
        if enrolment.child_id == child_id:
            return enrolment
    return None


def join_waiting_list(*, household, service, key: str, now=None) -> WaitingRequest:
    """ "Liste d'attente" on a full day, for a child of the household. Refused with a clear
    message when the key is not one of the family's boxes, the day is not full (book it),
    is closed, past its deadline, or already booked or asked for."""
    now = now or timezone.now()
    parsed = selectors.parse_cell_key(key or "")
    enrolment = _enrolment(household, service, parsed[0]) if parsed else None
    if enrolment is None:
        raise WaitingRefused(_("Enfant inconnu de votre foyer."))
    _child_id, meal_kind_id, day = parsed
    with transaction.atomic():
        lock_site_days([(enrolment.site_id, day)])
        rules = selectors.service_rules(service)
        meal_kind = next((k for k in rules.meal_kinds if k.pk == meal_kind_id), None)
        if meal_kind is None or not rules.is_planned(meal_kind, enrolment.planning_group, day):
            raise WaitingRefused(_("Ce jour n'est pas au planning de l'enfant."))
        if rules.closure_reason(enrolment.site_id, day) is not None:
            raise WaitingRefused(_("Le service est fermé ce jour."))
        if now >= rules.cutoff(DeadlineRule.Action.BOOK, day):
            raise WaitingRefused(_("Le délai de réservation de ce jour est dépassé."))
        if selectors.household_reservations(household, service, day, day).get(
            (enrolment.child_id, meal_kind_id, day)
        ):
            raise WaitingRefused(_("Ce repas est déjà réservé."))
        taken = selectors.places_taken([enrolment.site_id], day, day, household)
        if rules.has_room(taken, enrolment, day):
            raise WaitingRefused(_("Il reste des places ce jour : cochez-le pour le réserver."))
        request, created = WaitingRequest.objects.get_or_create(
            child_id=enrolment.child_id,
            meal_kind_id=meal_kind_id,
            day=day,
            status=WaitingRequest.Status.WAITING,
            defaults={"household": household, "site_id": enrolment.site_id},
        )
        if (
            not created
            or WaitingRequest.objects.filter(
                child_id=enrolment.child_id, meal_kind_id=meal_kind_id, day=day, status__in=HOLDING
            ).exists()
        ):
            raise WaitingRefused(_("Vous êtes déjà sur la liste d'attente de ce jour."))
    return request


def leave_waiting_list(*, household, service, key: str) -> int:
    """Leave the list (or give back a place kept): how many requests were withdrawn. A place
    given back goes to the next family at once."""
    parsed = selectors.parse_cell_key(key or "")
    if parsed is None:
        raise WaitingRefused(_("Enfant inconnu de votre foyer."))
    child_id, meal_kind_id, day = parsed
    now = timezone.now()
    with transaction.atomic():
        requests = list(
            WaitingRequest.objects.select_for_update()
            .filter(
                household=household,
                meal_kind__service=service,
                child_id=child_id,
                meal_kind_id=meal_kind_id,
                day=day,
                status__in=[WaitingRequest.Status.WAITING, WaitingRequest.Status.OFFERED],
            )
            .order_by("pk")
        )
        if not requests:
            raise WaitingRefused(_("Vous n'êtes pas sur la liste d'attente de ce jour."))
        WaitingRequest.objects.filter(pk__in=[r.pk for r in requests]).update(
            status=WaitingRequest.Status.LEFT
        )
        kept = [(r.site_id, r.day) for r in requests if r.status == WaitingRequest.Status.OFFERED]
        if kept:
            promote_waiting(service=service, pairs=kept, now=now)
    return len(requests)


def remove_waiting_request(*, actor, request_id: int, reason: str) -> WaitingRequest:
    """Staff take a family off the list (or back a kept place, which passes to the next),
    with a reason; the journal row is written in the same transaction."""
    reason = (reason or "").strip()
    if not reason:
        raise WaitingRefused(_("Indiquez le motif du retrait."))
    with transaction.atomic():
        request = (
            WaitingRequest.objects.select_related("site", "child", "meal_kind__service")
            .filter(
                pk=request_id,
                status__in=[WaitingRequest.Status.WAITING, WaitingRequest.Status.OFFERED],
            )
            .first()
        )
        if request is None:
            raise WaitingRefused(_("Cette demande n'est plus sur la liste d'attente."))
        lock_site_days([(request.site_id, request.day)])
        changed = WaitingRequest.objects.filter(pk=request.pk, status=request.status).update(
            status=WaitingRequest.Status.LEFT
        )
        if not changed:
            raise WaitingRefused(_("Cette demande n'est plus sur la liste d'attente."))
        journal.record_waiting_removed(actor=actor, request=request, reason=reason)
        if request.status == WaitingRequest.Status.OFFERED:
            promote_waiting(
                service=request.meal_kind.service, pairs=[(request.site_id, request.day)]
            )
    return request


def promote_waiting(*, service, pairs, now=None) -> list[WaitingRequest]:
    """Places may have freed on these (site id, day): give each free place to the first
    family in line, in the caller's transaction (which freed them). Locks the SiteDay rows
    (after the caller's household lock) and nothing of the promoted families."""
    now = now or timezone.now()
    pairs = sorted(set(pairs))
    if not pairs:
        return []
    days = [day for _site, day in pairs]
    # The lock first, then the look: a family joining waits for it, then sees the place.
    lock_site_days(pairs)
    if not WaitingRequest.objects.filter(
        meal_kind__service=service,
        status=WaitingRequest.Status.WAITING,
        site_id__in={site for site, _day in pairs},
        day__in=days,
    ).exists():
        return []
    rules = selectors.service_rules(service)
    taken = selectors.places_taken({site for site, _day in pairs}, min(days), max(days))
    promoted = []
    postpaid = selectors.is_postpaid(service)
    for site_id, day in pairs:
        if rules.closure_reason(site_id, day) is not None:
            continue  # a closed day's list is emptied by the closure
        cutoff = rules.cutoff(DeadlineRule.Action.BOOK, day)
        if now >= cutoff:
            continue  # too late to take the place: the list waits for nothing
        line = list(
            WaitingRequest.objects.select_for_update(of=("self",))
            .select_related("site", "child", "meal_kind", "household")
            .filter(
                meal_kind__service=service,
                site_id=site_id,
                day=day,
                status=WaitingRequest.Status.WAITING,
            )
            .order_by(*LINE_ORDER)
        )
        booked = _booked_children(site_id, day)
        for request in line:
            if not rules.has_room(taken, request, day):
                break
            if request.child_id in booked:  # booked meanwhile (another meal that day)
                continue
            taken[(site_id, day)] += 1
            request.offered_at = now
            if postpaid:
                request.status = WaitingRequest.Status.PROMOTED
                request.offered_until = None
            else:
                request.status = WaitingRequest.Status.OFFERED
                request.offered_until = min(
                    now + datetime.timedelta(hours=service.waiting_hold_hours), cutoff
                )
            request.save(update_fields=["status", "offered_at", "offered_until"])
            _queue_waiting_email(service, request, "booked" if postpaid else "offered")
            if postpaid:
                from booking import tasks

                publish_on_commit(tasks.book_promoted, request.pk)
            promoted.append(request)
    return promoted


def _booked_children(site_id, day) -> set:
    return set(
        Reservation.objects.filter(
            site_id=site_id, day=day, status__in=selectors.ACTIVE
        ).values_list("child_id", flat=True)
    )


def consume_requests(*, household, lines) -> None:
    """The family booked these meals (an order's additions, held or validated): its requests
    on them are served, their kept places become its reservations. In the order's
    transaction."""
    keys = {(line.child_id, line.meal_kind_id, line.day) for line in lines}
    if not keys:
        return
    # One statement whatever the lines: the family's open requests on exactly those meals.
    meals = Q()
    for child_id, meal_kind_id, day in sorted(keys):
        meals |= Q(child_id=child_id, meal_kind_id=meal_kind_id, day=day)
    WaitingRequest.objects.filter(meals, household=household, status__in=OPEN).update(
        status=WaitingRequest.Status.BOOKED
    )


def close_waiting_lists(*, service, targets) -> int:
    """A closure empties the lists of its (site id or None, day) targets, with an e-mail to
    each family that was in line or had a place kept. In the closure's transaction."""
    count = 0
    for site_id, day in targets:
        requests = WaitingRequest.objects.filter(
            meal_kind__service=service, day=day, status__in=OPEN
        )
        if site_id is not None:
            requests = requests.filter(site_id=site_id)
        for request in requests.select_related("site", "child", "meal_kind", "household"):
            request.status = WaitingRequest.Status.CLOSED
            request.save(update_fields=["status"])
            _queue_waiting_email(service, request, "closed")
            count += 1
    return count


def expire_waiting_offers(*, now=None, batch: int = 200) -> int:
    """Beat, in one commune: the places kept past their time pass to the next family.
    Idempotent: each request is re-read under its SiteDay lock. Also re-runs the post-paid
    bookings a lost task left."""
    now = now or timezone.now()
    count = 0
    expired = list(
        WaitingRequest.objects.filter(
            status=WaitingRequest.Status.OFFERED, offered_until__lte=now
        ).values_list("pk", flat=True)[:batch]
    )
    for request_id in expired:
        with transaction.atomic():
            request = WaitingRequest.objects.select_related("meal_kind__service").get(pk=request_id)
            lock_site_days([(request.site_id, request.day)])
            changed = WaitingRequest.objects.filter(
                pk=request_id, status=WaitingRequest.Status.OFFERED, offered_until__lte=now
            ).update(status=WaitingRequest.Status.EXPIRED)
            if changed:
                count += 1
                promote_waiting(
                    service=request.meal_kind.service,
                    pairs=[(request.site_id, request.day)],
                    now=now,
                )
    stale = now - datetime.timedelta(minutes=5)
    for request_id in WaitingRequest.objects.filter(
        status=WaitingRequest.Status.PROMOTED, offered_at__lte=stale
    ).values_list("pk", flat=True)[:batch]:
        book_promoted(request_id=request_id, now=now)
    return count


def book_promoted(*, request_id: int, now=None) -> WaitingRequest | None:
    """Post-paid: book the meal of a promoted request, in its own transaction, with the
    family's lock first, then the SiteDay row. Idempotent (a request already booked, or no
    longer promoted, is left)."""
    now = now or timezone.now()
    with transaction.atomic():
        request = (
            WaitingRequest.objects.select_related("meal_kind__service", "household", "child")
            .filter(pk=request_id, status=WaitingRequest.Status.PROMOTED)
            .first()
        )
        if request is None:
            return None
        credit.lock_household(request.household)
        lock_site_days([(request.site_id, request.day)])
        request = (
            WaitingRequest.objects.select_for_update()
            .filter(pk=request_id, status=WaitingRequest.Status.PROMOTED)
            .select_related("meal_kind__service", "household", "child")
            .first()
        )
        if request is None:
            return None
        service = request.meal_kind.service
        rules = selectors.service_rules(service)
        # The family's QF bracket on that day, as a booking of its own would be priced.
        quotients = quotients_of([request.household_id]).get(request.household_id, [])
        price = rules.price(request.meal_kind, request.day, quotients)
        guardian = guardians_of(request.household).first()
        if (
            price is None
            or guardian is None
            or rules.closure_reason(request.site_id, request.day) is not None
            or request.child_id in _booked_children(request.site_id, request.day)
        ):
            request.status = WaitingRequest.Status.EXPIRED
            request.save(update_fields=["status"])
            promote_waiting(service=service, pairs=[(request.site_id, request.day)], now=now)
            return request
        order = Order.objects.create(
            household=request.household,
            service=service,
            created_by=guardian.user,
            expires_at=now,
            status=Order.Status.VALIDATED,
            validated_at=now,
        )
        Reservation.objects.create(
            child=request.child,
            meal_kind=request.meal_kind,
            site_id=request.site_id,
            day=request.day,
            status=Reservation.Status.CONFIRMED,
            unit_price=price,
            order=order,
        )
        request.status = WaitingRequest.Status.BOOKED
        request.save(update_fields=["status"])
    return request


def _queue_waiting_email(service, request, kind: str) -> None:
    """One e-mail per guardian: "offered" (a place kept, the link to take it), "booked"
    (post-paid: the meal is booked) or "closed" (the day closed, the list emptied)."""
    commune = current_commune()
    context = {
        "commune": commune,
        "kind": kind,
        "service_name": service.name,
        "child": str(request.child),
        "meal": request.meal_kind.name,
        "day": date_format(request.day, "l d/m/Y"),
        "site": request.site.name,
        "until": (
            date_format(timezone.localtime(request.offered_until), "d/m/Y H:i")
            if request.offered_until
            else ""
        ),
        "take_url": commune_url(
            commune,
            "booking:waiting_take",
            kwargs={"service_code": service.code, "request_id": request.pk},
        ),
        "planning_url": commune_url(
            commune, "booking:planning", kwargs={"service_code": service.code}
        ),
    }
    for guardian in guardians_of(request.household):
        queue_email(
            to=guardian.user.email,
            template="booking/waiting_place",
            context=context,
            idempotency_key=f"waiting:{kind}:{request.pk}:{guardian.user_id}",
        )
