"""Reads for card payments."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.utils import timezone

from booking import selectors as booking_selectors
from tipi.models import (
    OperationEvent,
    PayfipSettings,
    PaymentOperation,
    Regie,
    payfip_mode_cache,
)
from tipi.payfip import PAYMENT_PAGE_VALIDITY

# Reconciliation asks the Treasury about operations pending for longer than this...
CHECK_AFTER = datetime.timedelta(minutes=5)
# ...until this age, when one with no answer is given up as expired.
GIVE_UP_AFTER = datetime.timedelta(hours=2)


def payfip_settings() -> PayfipSettings | None:
    return PayfipSettings.objects.order_by("pk").first()


def is_test_mode() -> bool:
    """The current commune's card payments are in test mode (the banner), cached in the
    process until PayfipSettings changes on any node (tipi.models.payfip_mode_cache)."""

    def read():
        row = payfip_settings()
        return row is not None and row.is_enabled and row.saisie == PayfipSettings.Mode.TEST

    return payfip_mode_cache.get(connection.schema_name, read)


def regie_for(service_code: str) -> Regie | None:
    return Regie.objects.filter(service_code=service_code).first()


def operation_by_id_op(id_op: str) -> PaymentOperation | None:
    if not id_op or len(id_op) > 36:
        return None
    return PaymentOperation.objects.filter(id_op=id_op).first()


def operation_of_household(household, refdet: str) -> PaymentOperation | None:
    return (
        PaymentOperation.objects.select_related("order__service", "invoice")
        .filter(household=household, refdet=refdet)
        .first()
    )


def live_operation_of(order) -> PaymentOperation | None:
    """The order's operation that is not known to be over (at most one: a partial unique
    constraint), whatever its age: a new one may be opened only once this one is over."""
    return (
        PaymentOperation.objects.filter(order=order, status__in=PaymentOperation.LIVE)
        .order_by("-created_at")
        .first()
    )


def live_operation_of_invoice(invoice) -> PaymentOperation | None:
    """The invoice's operation not known to be over (at most one, as for an order)."""
    return (
        PaymentOperation.objects.filter(invoice=invoice, status__in=PaymentOperation.LIVE)
        .order_by("-created_at")
        .first()
    )


def treasury_endpoint() -> str:
    """Where new card payments go: the platform's PayFiP, or the local simulator when the
    platform enables it. Never a commune's setting."""
    if settings.PAYFIP_SIMULATOR_ENABLED:
        return settings.PAYFIP_SIMULATOR_URL.rstrip("/")
    return settings.PAYFIP_URL.rstrip("/")


def is_platform_endpoint(url: str) -> bool:
    """An operation's recorded endpoint is called only if the platform still offers it."""
    allowed = {settings.PAYFIP_URL.rstrip("/")}
    if settings.PAYFIP_SIMULATOR_ENABLED:
        allowed.add(settings.PAYFIP_SIMULATOR_URL.rstrip("/"))
    return (url or "").rstrip("/") in allowed


def operations_to_reconcile(now=None):
    now = now or timezone.now()
    return list(
        PaymentOperation.objects.filter(
            status=PaymentOperation.Status.PENDING, created_at__lte=now - CHECK_AFTER
        ).order_by("created_at")
    )


def history(operation) -> list[OperationEvent]:
    return list(operation.events.all())


@dataclass
class PendingPayment:
    """A card payment the parent can still finish ("Reprendre le paiement") or drop."""

    order: object
    operation: PaymentOperation
    service_code: str
    service_name: str
    amount: Decimal
    valid_until: datetime.datetime

    @property
    def minutes_left(self) -> int:
        seconds = (self.valid_until - timezone.now()).total_seconds()
        return max(0, int(seconds // 60))


def pending_payments_of(household, now=None) -> list[PendingPayment]:
    """Orders of the household awaiting payment whose Treasury page can still be paid."""
    now = now or timezone.now()
    orders = {order.pk: order for order in booking_selectors.orders_awaiting_payment(household)}
    if not orders:
        return []
    operations = PaymentOperation.objects.filter(
        order_id__in=orders,
        status=PaymentOperation.Status.PENDING,
        created_at__gt=now - PAYMENT_PAGE_VALIDITY,
    ).order_by("order_id", "-created_at")
    pending, seen = [], set()
    for operation in operations:
        if operation.order_id in seen:
            continue
        seen.add(operation.order_id)
        order = orders[operation.order_id]
        valid_until = min(operation.created_at + PAYMENT_PAGE_VALIDITY, order.expires_at)
        if valid_until <= now:
            continue
        pending.append(
            PendingPayment(
                order=order,
                operation=operation,
                service_code=order.service.code,
                service_name=order.service.name,
                amount=operation.amount,
                valid_until=valid_until,
            )
        )
    return pending
