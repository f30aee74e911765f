"""tipi rows for tests that need an order with a card payment, without the Treasury."""

from decimal import Decimal

from django.utils import timezone


def order_with_payment(household, service, user, **operation_fields):
    """An order of `household` and one PaymentOperation for it (4,70 €, test mode, an
    address nothing listens on), with the commune's PayFiP settings. `operation_fields`
    override the operation's (id_op, status...)."""
    from booking.models import Order
    from tipi.models import PayfipSettings, PaymentOperation

    order = Order.objects.create(
        household=household, service=service, created_by=user, expires_at=timezone.now()
    )
    PayfipSettings.objects.create()
    fields = {
        "order": order,
        "household": household,
        "service_code": service.code,
        "amount": Decimal("4.70"),
        "mel": user.email,
        "objet": "Clairoix Restaurant scolaire",
        "numcli": "012345",
        "exer": "2026",
        "saisie": "T",
        "base_url": "http://127.0.0.1:9/",
        "refdet": "CANT0000001",
    }
    return PaymentOperation.objects.create(**{**fields, **operation_fields})
