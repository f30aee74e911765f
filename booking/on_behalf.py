"""An agent books or cancels for a family (gestion/foyers/<id>/<service>/): the order is
drafted and validated in one transaction with its journal row."""

from django.db import transaction

from booking import journal, services
from booking.models import Order, OrderLine


def book_for_family(
    *,
    household,
    service,
    wanted_keys,
    agent,
    overrides_deadlines: bool = False,
    reason: str = "",
    now=None,
) -> Order:
    """Draft and validate the agent's order (its amount goes on the account), with the
    journal row, in one transaction; raises services.OrderRefused and writes nothing."""
    with transaction.atomic():
        order = services.draft_order(
            household=household,
            service=service,
            wanted_keys=wanted_keys,
            created_by=agent,
            overrides_deadlines=overrides_deadlines,
            on_behalf_reason=reason,
            now=now,
        )
        order = services.validate_order(order=order, household=household, now=now, allow_debit=True)
        actions = list(OrderLine.objects.filter(order=order).values_list("action", flat=True))
        journal.record_on_behalf(
            actor=agent,
            household=household,
            service=service,
            order=order,
            added=actions.count(OrderLine.Action.ADD),
            cancelled=actions.count(OrderLine.Action.CANCEL),
        )
    return order
