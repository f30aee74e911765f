import datetime
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from ledger import services
from ledger.models import DocumentPdf
from ledger.tasks import render_document_pdf
from tenants.models import Commune
from tests.ledger.factories import OBSERVATIONS, at, credit_note, invoice, meal, payment

DAY = datetime.date(2017, 12, 14)


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


@pytest.fixture
def manual_invoice(cant, blanchard, maxime, lea):
    services.ledger_settings()
    from ledger.models import LedgerSettings

    LedgerSettings.objects.update(issuer_name="Jean MAIRE", issuer_title="Maire de Clairoix")
    return invoice(
        blanchard,
        [
            meal(maxime, datetime.date(2017, 12, 18)),
            meal(maxime, datetime.date(2017, 12, 19)),
            meal(lea, datetime.date(2017, 12, 21), "6.20", "Repas exceptionnel"),
        ],
        issued_at=at(DAY),
    )


def test_the_invoice_pdf_carries_what_the_manual_shows(manual_invoice, clairoix):
    text = pdf_text(services.store_pdf(manual_invoice).content)
    assert "Service de Restauration Scolaire" in text
    assert "Numéro FACTURE" in text and "FA2017000001" in text
    assert "Date FACTURE" in text and "Date Echéance" in text and "14/12/2017" in text
    assert "NOM PRENOM DATE TARIF TYPE QTE TOTAL" in text
    # Grouped like the manual: the child once, the group's quantity and total on its first row.
    assert "BLANCHARD Maxime 18/12/2017 4,70 € Repas 2 9,40 € 19/12/2017 4,70 € Repas" in text
    assert "BLANCHARD Léa 21/12/2017 6,20 € Repas exceptionnel" in text
    assert "OBSERVATIONS" in text and OBSERVATIONS in text
    assert "Monsieur BLANCHARD Bertrand" in text  # the addressee: the service's payeur
    assert "Montant FACTURE 15,60 €" in text
    assert clairoix.display_title in text
    assert "Jean MAIRE, Maire de Clairoix" in text
    assert "L1617-5" in text and "deux mois" in text


def test_the_font_is_embedded(manual_invoice):
    reader = PdfReader(io.BytesIO(services.store_pdf(manual_invoice).content))
    fonts = [f.get_object() for f in reader.pages[0]["/Resources"]["/Font"].values()]
    descriptors = [f["/FontDescriptor"].get_object() for f in fonts if "/FontDescriptor" in f]
    embedded = {str(d["/FontName"]).split("+")[-1] for d in descriptors if "/FontFile2" in d}
    assert {"BitstreamVeraSans-Roman", "BitstreamVeraSans-Bold"} <= embedded


def test_credit_note_and_receipt_pdfs(cant, blanchard, maxime):
    fa = invoice(blanchard, [meal(maxime, DAY)], issued_at=at(DAY))
    av = credit_note(blanchard, [meal(maxime, DAY)], issued_at=at(DAY), cancels=fa, reason="Absent")
    text = pdf_text(services.store_pdf(av).content)
    assert "Numéro AVOIR" in text and av.number in text and fa.number in text
    assert "Motif : Absent" in text and "Montant AVOIR 4,70 €" in text
    rg = payment(blanchard, "1234.50", paid_at=at(DAY), mode="cheque")
    text = pdf_text(services.store_pdf(rg).content)
    assert "Numéro REGLEMENT" in text and rg.number in text and "chèque" in text
    assert "1 234,50 €" in text


def test_rendered_once_and_served_as_stored(parent_client, manual_invoice, clairoix):
    url = f"/Clairoix/reservations/cant/factures/{manual_invoice.number}.pdf"
    first = parent_client.get(url).content
    # The town hall moves: an issued invoice does not change.
    Commune.objects.filter(pk=clairoix.pk).update(postal_address="2 place Neuve\n60280 Clairoix")
    assert parent_client.get(url).content == first
    assert DocumentPdf.objects.count() == 1
    assert "place Neuve" not in pdf_text(first)


def test_the_address_is_the_one_at_issue_time_even_when_rendered_later(
    cant, blanchard, maxime, clairoix
):
    Commune.objects.filter(pk=clairoix.pk).update(postal_address="1 rue de la Mairie")
    document = invoice(blanchard, [meal(maxime, DAY)])
    Commune.objects.filter(pk=clairoix.pk).update(postal_address="2 place Neuve")
    text = pdf_text(services.store_pdf(document).content)
    assert "1 rue de la Mairie" in text and "place Neuve" not in text


def test_issuing_queues_the_rendering_in_the_communes_schema(
    cant, blanchard, maxime, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(render_document_pdf, "apply_async", lambda **kwargs: queued.append(kwargs))
    with django_capture_on_commit_callbacks(execute=True):
        document = invoice(blanchard, [meal(maxime, DAY)])
    assert queued == [
        {"args": [document.pk], "headers": {"_schema_name": "c_clairoix"}, "retry": False}
    ]
    assert not DocumentPdf.objects.exists()
    render_document_pdf.apply(args=[document.pk])
    stored = DocumentPdf.objects.get(document=document)
    assert document.number in pdf_text(bytes(stored.content))


def test_a_broker_failure_leaves_the_pdf_for_on_demand_rendering(
    cant, blanchard, maxime, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(**kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr(render_document_pdf, "apply_async", broken)
    with django_capture_on_commit_callbacks(execute=True):
        document = invoice(blanchard, [meal(maxime, DAY)])
    assert document.total == Decimal("4.70")
    assert not DocumentPdf.objects.exists()
    assert services.store_pdf(document).content
