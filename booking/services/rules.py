"""The rules every write of an order applies: refusals, deadline and capacity checks, the
locks and the re-check under them (booking/services/orders.py and holds.py share them)."""

import datetime
from dataclasses import dataclass

from django.db import connection
from django.utils.translation import gettext as _

from booking import one_meal, selectors
from booking.models import DeadlineRule, Order, OrderLine, Reservation, SiteDay
from tenants.compiled import compiled_query

DRAFT_LIFETIME = datetime.timedelta(minutes=30)
# PayFiP's payment page lives 15 minutes; the places stay held a little longer.
HOLD_LIFETIME = datetime.timedelta(minutes=20)


@dataclass(frozen=True)
class LineError:
    child: str
    day: datetime.date | None
    message: str

    def __str__(self):
        if self.day is None:
            return f"{self.child} : {self.message}"
        return f"{self.child}, {self.day:%d/%m/%Y} : {self.message}"


class OrderRefused(Exception):
    """Some lines cannot be applied; nothing was. `reads`: what the check read (a
    booking.selectors.GridReads), so that the grid shown again reads none of it twice."""

    def __init__(self, errors, reads=None):
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors
        self.reads = reads


class PaymentRequired(Exception):
    pass


class ReasonRequired(Exception):
    """An agent books or cancels past the deadlines without saying why."""

    def __init__(self):
        super().__init__(_("Indiquez le motif pour réserver ou annuler hors délais."))


def check_addition(rules, enrolment, meal_kind, day, now, taken, overrides_deadlines):
    if meal_kind.service_id != rules.service.pk:
        return _("type de repas inconnu")
    closed = rules.closure_reason(enrolment.site_id, day)
    if closed is not None:
        return _("service fermé ce jour (%(reason)s)") % {"reason": closed}
    if not rules.is_planned(meal_kind, enrolment.planning_group, day):
        return _("ce jour n'est pas au planning de l'enfant")
    if not overrides_deadlines and now >= rules.cutoff(DeadlineRule.Action.BOOK, day):
        return _("délai de réservation dépassé (il fallait réserver avant le %(when)s)") % {
            "when": selectors.calendar.describe_cutoff(rules.cutoff(DeadlineRule.Action.BOOK, day))
        }
    if rules.price(meal_kind, day) is None:
        return _("aucun tarif n'est fixé pour ce jour")
    if not rules.has_room(taken, enrolment, day):
        return _("plus de place disponible")
    return None


def check_cancellation(rules, reservation, now, overrides_deadlines):
    if reservation.status != Reservation.Status.CONFIRMED:
        return _("réservation en attente de paiement")
    if not overrides_deadlines and now >= rules.cutoff(DeadlineRule.Action.CANCEL, reservation.day):
        return _("délai d'annulation dépassé")
    return None


def lock_site_days(pairs) -> dict:
    """Lock the (site, day) rows the order's lines need, in a fixed order so that two
    orders never wait on each other crosswise; returns (site id, day) → the capacity the
    row overrides the site's with (None: the site's). One statement: the missing rows are
    created (a row this transaction creates is invisible to the others, who wait on it),
    the others locked in (site, day) order."""
    pairs = sorted(set(pairs))
    if not pairs:
        return {}
    table = SiteDay._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH wanted AS (
                SELECT * FROM unnest(%s::bigint[], %s::date[]) AS wanted (site_id, day)
            ), created AS (
                INSERT INTO {table} (site_id, day) SELECT site_id, day FROM wanted
                ON CONFLICT (site_id, day) DO NOTHING RETURNING site_id, day
            )
            SELECT s.site_id, s.day, s.capacity FROM {table} s
            JOIN wanted w ON w.site_id = s.site_id AND w.day = s.day
            ORDER BY s.site_id, s.day
            FOR UPDATE OF s
            """,  # noqa: S608 - the model's own table
            [[site_id for site_id, _day in pairs], [day for _site_id, day in pairs]],
        )
        locked = {(site_id, day): capacity for site_id, day, capacity in cursor.fetchall()}
    return {pair: locked.get(pair) for pair in pairs}


def recheck(order, lines, now, *, enrolments=None, rules=None):
    """Lock the places, re-check every line; returns (enrolments by child id, additions,
    cancellations, reservations cancelled by line id). Raises OrderRefused naming each
    failing day.

    Called under the household's lock. What that lock protects (the enrolments, the
    household's reservations) may be given or is read before the places' locks; `rules`,
    read before any lock, are completed under the places' locks with what those protect
    (closures, capacities: selectors.rules_under_locks). Under the places' locks: the lock
    statement, the closures and the places taken, then the caller's writes."""
    if enrolments is None:
        enrolments = {
            e.child_id: e for e in selectors.enrolments_of(order.household, order.service)
        }
    additions = [line for line in lines if line.action == OrderLine.Action.ADD]
    cancellations = [line for line in lines if line.action == OrderLine.Action.CANCEL]
    errors = []
    for line in lines:
        if line.child_id not in enrolments:
            errors.append(LineError(str(line.child), line.day, _("enfant non inscrit")))
    if errors:
        raise OrderRefused(errors)
    days = [line.day for line in lines]
    current = selectors.household_reservations(order.household, order.service, min(days), max(days))
    # Cancellations too: the place they free goes to the waiting list under the same locks,
    # taken together in one sorted pass (booking/services/waiting.py).
    capacities = lock_site_days((enrolments[line.child_id].site_id, line.day) for line in lines)
    if rules is None:
        rules = selectors.service_rules(order.service)  # after the locks: sees a closure just made
    else:
        rules = selectors.rules_under_locks(rules, capacities)
    taken = selectors.places_taken(
        {e.site_id for e in enrolments.values()}, min(days), max(days), order.household
    )
    for line in additions:
        enrolment = enrolments[line.child_id]
        if (line.child_id, line.meal_kind_id, line.day) in current:
            errors.append(LineError(str(line.child), line.day, _("déjà réservé")))
            continue
        problem = check_addition(
            rules, enrolment, line.meal_kind, line.day, now, taken, order.overrides_deadlines
        )
        if problem:
            errors.append(LineError(str(line.child), line.day, problem))
        else:
            taken[(enrolment.site_id, line.day)] += 1
    reservations = {}
    for line in cancellations:
        reservation = current.get((line.child_id, line.meal_kind_id, line.day))
        problem = (
            _("cette réservation n'existe plus")
            if reservation is None
            else check_cancellation(rules, reservation, now, order.overrides_deadlines)
        )
        if problem:
            errors.append(LineError(str(line.child), line.day, problem))
        else:
            reservations[line.pk] = reservation
    cancelled = {(line.child_id, line.meal_kind_id, line.day) for line in cancellations}
    added = {(line.child_id, line.meal_kind_id, line.day) for line in additions}
    for child_id, day in one_meal.conflicts(set(current) - cancelled, added):
        errors.append(LineError(str(enrolments[child_id].child), day, one_meal.refusal()))
    if errors:
        raise OrderRefused(errors)
    return enrolments, additions, cancellations, reservations


def locked_order(order, household) -> Order:
    """The household's lock first (credit), then the order's row: one statement, its rows
    locked in that order (FOR UPDATE OF household, order)."""
    locked = _locked_order.first(order_id=order.pk, household_id=household.pk)
    if locked is None:
        raise Order.DoesNotExist("No such order in this household.")
    return locked


@compiled_query
def _locked_order(order_id, household_id):
    # The order's and its household's rows only: locking the joined service row too would
    # queue every writer of the service behind it (and deadlock a closure's commit).
    return (
        Order.objects.select_for_update(of=("household", "self"))
        .select_related("service", "household", "created_by")
        .filter(pk=order_id, household_id=household_id)
        .order_by()
    )


def ensure_open_draft(order, now):
    if order.status != Order.Status.DRAFT or now >= order.expires_at:
        raise OrderRefused(
            [LineError(order.service.name, None, _("cette commande n'est plus valable"))]
        )
