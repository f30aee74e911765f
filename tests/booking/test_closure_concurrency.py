"""Issue 10, item 5 under concurrency: an agent closes a day while families validate orders
for it, on real PostgreSQL connections. Whoever wins, no meal stays booked on the closed day
and no family pays for it: booked before the closure means cancelled and credited, after it
means refused."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django_tenants.utils import schema_context

from booking import closures, selectors, services
from booking.models import Reservation
from ledger import selectors as ledger_selectors
from ledger.models import Document, Line
from notifications.models import OutboxEmail
from tenants.models import Commune
from tests.booking.factories import families_with_a_draft, first_household_canteen, paris
from tests.conftest import wipe_schema_data
from tests.factories import UserFactory

NOW = paris(2026, 12, 15, 9, 0)
DAY = datetime.date(2027, 1, 4)
FAMILIES = 8


@pytest.fixture
def committed_drafts(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        clairoix = Commune.objects.get(slug="Clairoix")
        with schema_context(clairoix.schema_name):
            canteen = first_household_canteen()
            families = families_with_a_draft(canteen, FAMILIES, name="FERMETURE", day=DAY, now=NOW)
            agent = UserFactory(email="agent-fermeture@clairoix.test")
        yield clairoix, canteen, agent, families
        connection.set_schema_to_public()
        wipe_schema_data(clairoix.schema_name)


def test_a_closure_racing_validations_leaves_nothing_booked_or_owed(committed_drafts):
    clairoix, canteen, agent, families = committed_drafts
    barrier = threading.Barrier(FAMILIES + 1)
    outcomes, closed = [], []

    def validate(household, order):
        try:
            with schema_context(clairoix.schema_name):
                barrier.wait()
                try:
                    services.validate_order(
                        order=order, household=household, now=NOW, allow_debit=True
                    )
                    outcomes.append("validated")
                except services.OrderRefused as refusal:
                    outcomes.append(str(refusal))
        finally:
            connections.close_all()

    def close():
        try:
            with schema_context(clairoix.schema_name):
                barrier.wait()
                closed.append(
                    closures.close_day(
                        service=canteen.service, day=DAY, reason="grève", closed_by=agent
                    )
                )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=validate, args=family) for family in families]
    threads.append(threading.Thread(target=close))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(outcomes) == FAMILIES and len(closed) == 1
    validated = outcomes.count("validated")
    assert all("service fermé ce jour (grève)" in o for o in outcomes if o != "validated")
    with schema_context(clairoix.schema_name):
        assert not Reservation.objects.filter(day=DAY, status__in=selectors.ACTIVE).exists()
        for household, _order in families:
            assert ledger_selectors.balance(household, "cant") == Decimal("0.00")
        invoiced = Line.objects.filter(document__kind="FA").count()
        assert invoiced == validated == closed[0].reservations
        assert Line.objects.filter(credits__isnull=False).count() == invoiced
        assert Document.objects.filter(kind="AV").count() == validated
        notices = OutboxEmail.objects.filter(template="booking/closure_notice").count()
        assert notices == validated
