"""tipi test data: the commune's PayFiP settings, its régie and payment operations, without
the Treasury (an operation's order comes from tests/booking/factories.py)."""

from decimal import Decimal

import factory

from tests.booking.factories import OrderFactory
from tipi.models import PayfipSettings, PaymentOperation, Regie

NOWHERE = "http://127.0.0.1:9/"  # an address nothing listens on


class PayfipSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PayfipSettings

    saisie = PayfipSettings.Mode.TEST


class RegieFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Regie
        django_get_or_create = ("service_code",)

    service_code = "cant"
    numcli = "012345"


class PaymentOperationFactory(factory.django.DjangoModelFactory):
    """An operation for an order (4,70 €, test mode, an address nothing listens on)."""

    class Meta:
        model = PaymentOperation

    order = factory.SubFactory(OrderFactory)
    household = factory.SelfAttribute("order.household")
    service_code = factory.SelfAttribute("order.service.code")
    amount = Decimal("4.70")
    mel = factory.SelfAttribute("order.created_by.email")
    objet = "Clairoix Restaurant scolaire"
    numcli = "012345"
    exer = "2026"
    saisie = "T"
    base_url = NOWHERE


def order_with_payment(household, service, user, **operation_fields):
    """An order of `household` and one PaymentOperation for it (4,70 €, test mode, an
    address nothing listens on), with the commune's PayFiP settings. `operation_fields`
    override the operation's (id_op, status...)."""
    order = OrderFactory(household=household, service=service, created_by=user)
    PayfipSettingsFactory()
    fields = {"refdet": "CANT0000001", "mel": user.email, **operation_fields}
    return PaymentOperationFactory(order=order, **fields)
