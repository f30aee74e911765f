"""Issue 17, item 5: "Finaliser la commande" and "Valider" cost the same statements whatever
the days and children of the order, and the places' locks (the SiteDay rows every family
booking the same day waits on) are held for a few statements only."""

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking.models import Reservation
from ledger import services as ledger_services
from ledger.models import Document
from tests.booking.pages import PLANNING, grid

VALIDATE = "/Clairoix/reservations/cant/valider/"
# Counted as the test client sees them: the request's own five (search_path, session, user,
# guardian and household, service) and the savepoints of the test's transaction included.
# Before issue 17: 26 and 46 for one day, 57 for three (one INSERT per reservation); then 17
# and 38; the household's enrolments, reservations, places and waiting requests in one round
# trip (tenants.compiled.fetch_together), the ledger's balance in one statement, the
# invoice's reads (its key, book, children, account, settings, payer) in one: 14 and 30.
FINALIZE_QUERIES = 14
VALIDATE_QUERIES = 30
# From the lock statement to the end: closures, places taken, the writes (13), and the
# release of the request's savepoint.
UNDER_PLACE_LOCKS = 14


def grid_with(client, per_child, children=2):
    """The grid's ticked boxes plus the first `per_child` free days of the first `children`."""
    planning = grid(client)
    keys = []
    for index, tab in enumerate(planning.children):
        cells = tab.kinds[0].months[0].cells
        keys += [cell.key for cell in cells if cell.checked]
        if index < children:
            free = [cell for cell in cells if not cell.disabled and not cell.checked]
            keys += [cell.key for cell in free[:per_child]]
    return keys


def finalize_and_validate(client, keys):
    with CaptureQueriesContext(connection) as finalize:
        response = client.post(PLANNING, {**dict.fromkeys(keys, "on"), "finalize": "1"})
    assert response.status_code == 302, response.content.decode()[:2000]
    with CaptureQueriesContext(connection) as validate:
        response = client.post(VALIDATE)
    assert response.status_code == 302
    return finalize.captured_queries, validate.captured_queries


def under_place_locks(queries):
    sql = [query["sql"] for query in queries]
    first = next(i for i, text in enumerate(sql) if "FOR UPDATE OF s" in text)
    return sql[first:]


def test_finaliser_and_valider_cost_the_same_whatever_the_days_and_children(
    parent_client, canteen, blanchard
):
    ledger_services.record_payment(
        household=blanchard.household,
        service_code="cant",
        amount=Decimal("200.00"),
        mode="cash",
        recorded_by=blanchard.user,
        idempotency_key="prepaid",
    )
    # A first order creates what is created once (the invoice counter, the ledger settings).
    finalize_and_validate(parent_client, grid_with(parent_client, 1, children=1))
    small = finalize_and_validate(parent_client, grid_with(parent_client, 1, children=1))
    large = finalize_and_validate(parent_client, grid_with(parent_client, 4))  # 2 children × 4

    assert Reservation.objects.filter(status="confirmed").count() == 10
    assert Document.objects.filter(kind="FA").count() == 3
    limits = (("Finaliser", FINALIZE_QUERIES, 0), ("Valider", VALIDATE_QUERIES, 1))
    for name, limit, index in limits:
        assert len(small[index]) == len(large[index]), name
        assert len(large[index]) <= limit, (name, [q["sql"][:120] for q in large[index]])
    locked = under_place_locks(large[1])
    assert len(locked) == len(under_place_locks(small[1]))
    assert len(locked) <= UNDER_PLACE_LOCKS, [text[:120] for text in locked]
    # Nothing is read row by row under the locks, and no e-mail is rendered there.
    assert not any(text.startswith("SELECT") and "portal_guardian" in text for text in locked)
