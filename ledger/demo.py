"""Demo accounts, loaded by `manage.py load_demo` inside each commune (idempotent).

Clairoix: the canteen's book, and the manual's statement for the BLANCHARD household, dated
within the last 30 days so that "Consultation compte" shows it by default.
"""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from ledger import services
from ledger.models import Document
from portal.selectors import guardian_of

OBSERVATIONS = "Le prix du repas prend en compte le temps d'animation pendant la pause méridienne"


def _at(day, hour):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def load(commune):
    if commune.slug != "Clairoix":
        return
    services.register_service_book(
        code="cant",
        name="Restaurant scolaire",
        invoice_title="Service de Restauration Scolaire",
        observations=OBSERVATIONS,
    )
    settings_row = services.ledger_settings()
    if not settings_row.issuer_name:
        type(settings_row).objects.filter(pk=settings_row.pk).update(
            issuer_name="Le Maire de Clairoix", issuer_title="Ordonnateur"
        )
    user = get_user_model().objects.filter(email__iexact="bertrand.blanchard@example.org").first()
    guardian = guardian_of(user) if user is not None else None
    if guardian is None:
        return
    household = guardian.household
    if Document.objects.filter(idempotency_key__startswith="demo-manual-").exists():
        return
    maxime = household.children.filter(first_name="Maxime").first()
    if maxime is None:
        return
    ordered = timezone.localdate() - datetime.timedelta(days=10)
    days = [ordered + datetime.timedelta(days=n) for n in (4, 5, 6)]

    def line(day, credits_line_id=None):
        return services.DocumentLine(
            child_id=maxime.pk,
            child_name=str(maxime),
            day=day,
            label="Repas",
            unit_price=Decimal("4.70"),
            credits_line_id=credits_line_id,
        )

    common = {"household": household, "service_code": "cant"}
    services.issue_invoice(
        **common,
        lines=[line(days[0]), line(days[1])],
        ordered_by=user,
        order_reference="DEMO-1",
        idempotency_key="demo-manual-fa1",
        issued_at=_at(ordered, 9),
    )
    services.record_payment(
        **common,
        amount=Decimal("9.40"),
        mode="card",
        recorded_by=user,
        idempotency_key="demo-manual-rg1",
        treasury_reference="DEMO-TICKET-1",
        paid_at=_at(ordered, 10),
    )
    second = services.issue_invoice(
        **common,
        lines=[line(days[2])],
        ordered_by=user,
        order_reference="DEMO-2",
        idempotency_key="demo-manual-fa2",
        issued_at=_at(ordered, 11),
    )
    services.record_payment(
        **common,
        amount=Decimal("4.70"),
        mode="card",
        recorded_by=user,
        idempotency_key="demo-manual-rg2",
        treasury_reference="DEMO-TICKET-2",
        paid_at=_at(ordered + datetime.timedelta(days=3), 10),
    )
    services.issue_credit_note(
        **common,
        lines=[line(days[2], credits_line_id=second.lines.get().pk)],
        ordered_by=user,
        order_reference="DEMO-3",
        idempotency_key="demo-manual-av1",
        cancels=second,
        issued_at=_at(ordered + datetime.timedelta(days=4), 10),
    )
