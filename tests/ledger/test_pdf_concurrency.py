"""Two downloads of a new document's PDF at the same moment: rendered once, same bytes."""

import datetime
import threading

import pytest
from django.db import connection, connections
from django_tenants.utils import schema_context

from ledger import services
from ledger.models import DocumentPdf
from tenants.models import Commune
from tests.conftest import wipe_schema_data
from tests.ledger.factories import ServiceBookFactory, at, invoice, meal

DAY = datetime.date(2017, 12, 18)


@pytest.fixture
def committed_invoice(django_db_setup, django_db_blocker):
    from tests.factories import UserFactory
    from tests.portal.factories import ChildFactory, GuardianFactory, HouseholdFactory

    with django_db_blocker.unblock():
        clairoix = Commune.objects.get(slug="Clairoix")
        with schema_context(clairoix.schema_name):
            ServiceBookFactory()
            guardian = GuardianFactory(
                household=HouseholdFactory(name="PDFRACE"),
                user=UserFactory(email="pdf.race@example.org"),
            )
            child = ChildFactory(household=guardian.household, first_name="Maxime")
            document = invoice(guardian, [meal(child, DAY)], issued_at=at(DAY))
        yield clairoix, document
        connection.set_schema_to_public()
        wipe_schema_data(clairoix.schema_name)


def test_two_simultaneous_downloads_render_the_pdf_once(committed_invoice, monkeypatch):
    clairoix, document = committed_invoice
    renders = []
    real_render = services.render_document

    def counting_render(doc):
        renders.append(doc.pk)
        return real_render(doc)

    monkeypatch.setattr(services, "render_document", counting_render)
    barrier = threading.Barrier(2)
    served = []

    def download():
        try:
            with schema_context(clairoix.schema_name):
                barrier.wait()
                served.append(bytes(services.store_pdf(document).content))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=download) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert renders == [document.pk]
    assert len(served) == 2 and served[0] == served[1] and served[0].startswith(b"%PDF")
    with schema_context(clairoix.schema_name):
        assert DocumentPdf.objects.filter(document=document).count() == 1
