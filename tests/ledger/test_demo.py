from decimal import Decimal

from ledger import demo, selectors
from ledger.models import Document, ServiceBook
from tests.ledger.factories import OBSERVATIONS


def test_demo_reproduces_the_manuals_statement_and_is_idempotent(clairoix, blanchard):
    demo.load(clairoix)
    demo.load(clairoix)
    book = ServiceBook.objects.get(code="cant")
    assert (book.name, book.invoice_title, book.observations) == (
        "Restaurant scolaire",
        "Service de Restauration Scolaire",
        OBSERVATIONS,
    )
    assert Document.objects.count() == 5
    assert selectors.balance(blanchard.household, "cant") == Decimal("4.70")


def test_demo_statement_shows_on_the_default_page(parent_client, clairoix):
    demo.load(clairoix)
    page = parent_client.get("/Clairoix/reservations/cant/compte/").content.decode()
    assert page.count('<tr class="row-') == 7  # opening, 5 documents, closing


def test_demo_does_nothing_in_les_ageux(les_ageux):
    from django_tenants.utils import schema_context

    with schema_context(les_ageux.schema_name):
        demo.load(les_ageux)
        assert not ServiceBook.objects.exists()
