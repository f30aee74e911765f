"""Many households at once (bulk_create), for the query-count tests of the workspace pages:
each with a guardian's e-mail, a child enrolled in the canteen, its meals on `days`, an
invoice for them, a payment of part of it, and a "Nous contacter" message."""

import datetime
from decimal import Decimal

from django.utils import timezone

from booking.models import Enrolment, Order, Reservation
from ledger.models import Account, Document, Line, ServiceBook
from portal.models import Child, ContactMessage, Guardian, Household
from tests.factories import UserFactory

PRICE = Decimal("4.70")


def bulk_households(canteen, count: int, days: list[datetime.date], *, author=None):
    """`count` households eating on `days`; half of them in debit."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    author = author or UserFactory(email=f"bulk-agent-{count}@clairoix.test", is_staff=True)
    households = Household.objects.bulk_create(
        [
            Household(name=f"FOYER{count:04d}X{n:04d}", postal_code="60280", city="CLAIROIX")
            for n in range(count)
        ]
    )
    users = User.objects.bulk_create(
        [
            User(email=f"parent{count}x{n}@example.org", first_name="Parent", last_name=h.name)
            for n, h in enumerate(households)
        ]
    )
    Guardian.objects.bulk_create(
        [
            Guardian(user=u, household=h, rank=1, civility="MME", mobile_phone="06 12 34 56 78")
            for u, h in zip(users, households, strict=True)
        ]
    )
    children = Child.objects.bulk_create(
        [
            Child(household=h, last_name=h.name, first_name="Camille", class_name="CE1")
            for h in households
        ]
    )
    Enrolment.objects.bulk_create(
        [
            Enrolment(
                child=c,
                service=canteen.service,
                site=canteen.site,
                planning_group=canteen.elementary,
            )
            for c in children
        ]
    )
    now = timezone.now()
    orders = Order.objects.bulk_create(
        [
            Order(
                household=h,
                service=canteen.service,
                status=Order.Status.VALIDATED,
                created_by=author,
                expires_at=now,
                validated_at=now,
            )
            for h in households
        ]
    )
    Reservation.objects.bulk_create(
        [
            Reservation(
                child=c,
                meal_kind=canteen.meal,
                site=canteen.site,
                day=day,
                status=Reservation.Status.CONFIRMED,
                unit_price=PRICE,
                order=o,
            )
            for c, o in zip(children, orders, strict=True)
            for day in days
        ]
    )
    book = ServiceBook.objects.get(code=canteen.service.code)
    accounts = Account.objects.bulk_create([Account(household=h, service=book) for h in households])
    year = now.year
    base = 100000 + count * 10
    documents = []

    def document(kind, n, account, **fields):
        return Document(
            kind=kind,
            number=f"{kind}{year}{base + n:06d}",
            year=year,
            sequence=base + n,
            account=account,
            issued_at=now,
            total=PRICE * len(days),
            author=author,
            author_name="Agent",
            idempotency_key=f"bulk-{kind}-{count}-{n}",
            invoice_title="Service de Restauration Scolaire",
            **fields,
        )

    for n, account in enumerate(accounts):
        documents.append(document(Document.Kind.INVOICE, n, account))
        if n % 2 == 0:  # half the households paid, in cash or by cheque
            mode = Document.PaymentMode.CHEQUE if n % 4 else Document.PaymentMode.CASH
            documents.append(document(Document.Kind.PAYMENT, n, account, payment_mode=mode))
    Document.objects.bulk_create(documents)
    invoices = [d for d in documents if d.kind == Document.Kind.INVOICE]
    Line.objects.bulk_create(
        [
            Line(
                document=invoice,
                position=position,
                child=child,
                child_name=f"{child.last_name} {child.first_name}",
                day=day,
                label="Repas",
                unit_price=PRICE,
                quantity=1,
                amount=PRICE,
            )
            for invoice, child in zip(invoices, children, strict=True)
            for position, day in enumerate(days, start=1)
        ]
    )
    ContactMessage.objects.bulk_create(
        [
            ContactMessage(household=h, author=u, subject="Question", body="Bonjour")
            for h, u in zip(households, users, strict=True)
        ]
    )
    return households


def bulk_booked_households(canteen, count: int, days: list[datetime.date], *, tag: str):
    """`count` households, each a guardian with an e-mail and a child enrolled and booked on
    `days` (one validated order), nothing invoiced: a post-paid month to invoice."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    households = Household.objects.bulk_create(
        [Household(name=f"FOYER{tag}X{n:05d}", city="CLAIROIX") for n in range(count)]
    )
    users = User.objects.bulk_create(
        [User(email=f"p{tag}x{n}@example.org", last_name=f"P{n}") for n in range(count)]
    )
    Guardian.objects.bulk_create(
        [
            Guardian(user=u, household=h, rank=1, civility="MME")
            for u, h in zip(users, households, strict=True)
        ]
    )
    children = Child.objects.bulk_create(
        [Child(household=h, last_name=h.name, first_name="Camille") for h in households]
    )
    Enrolment.objects.bulk_create(
        [
            Enrolment(
                child=c,
                service=canteen.service,
                site=canteen.site,
                planning_group=canteen.elementary,
            )
            for c in children
        ]
    )
    now = timezone.now()
    orders = Order.objects.bulk_create(
        [
            Order(
                household=h,
                service=canteen.service,
                created_by=u,
                status=Order.Status.VALIDATED,
                expires_at=now,
                validated_at=now,
            )
            for u, h in zip(users, households, strict=True)
        ]
    )
    Reservation.objects.bulk_create(
        [
            Reservation(
                child=c,
                meal_kind=canteen.meal,
                site=canteen.site,
                day=day,
                status=Reservation.Status.CONFIRMED,
                unit_price=PRICE,
                order=o,
            )
            for c, o in zip(children, orders, strict=True)
            for day in days
        ]
    )
    return households
