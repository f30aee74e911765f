"""Statement words and order, one "Imprimer" button, and a paid invoice that says so."""

import datetime

from ledger import services
from tests.ledger.factories import at, invoice, meal, payment
from tests.ledger.test_parent_pages import STATEMENT, text
from tests.ledger.test_pdf import pdf_text

DAY = datetime.date(2017, 12, 14)


def test_no_word_is_said_twice_and_the_invoice_comes_before_its_payment(
    parent_client, cant, blanchard, maxime
):
    # Paid by card: the payment is recorded a moment before the invoice it pays.
    paid = payment(blanchard, "4.70", paid_at=at(DAY, 10), order_reference="CMD-1")
    billed = invoice(
        blanchard, [meal(maxime, DAY + datetime.timedelta(days=4))], issued_at=at(DAY, 11)
    )
    page = text(parent_client.get(STATEMENT, {"du": "13/12/2017", "au": "15/12/2017"}))
    assert "Solde solde" not in page and "Règlement règlement" not in page
    assert "Solde de début" in page and "Solde de fin" in page
    assert page.index(billed.number) < page.index(paid.number)


def test_the_detail_page_has_one_imprimer_button(parent_client, cant, blanchard, maxime):
    billed = invoice(blanchard, [meal(maxime, DAY)], issued_at=at(DAY))
    page = text(parent_client.get(f"{STATEMENT}{billed.number}/"))
    assert page.count("Imprimer") == 1


def test_a_paid_invoice_pdf_says_acquittee_by_card(cant, blanchard, maxime):
    paid = payment(blanchard, "4.70", paid_at=at(DAY, 10), order_reference="CMD-1")
    billed = invoice(blanchard, [meal(maxime, DAY)], issued_at=at(DAY, 11))
    content = pdf_text(services.store_pdf(billed).content)
    assert f"Acquittée le 14/12/2017 par carte ({paid.number})" in content
    assert "Payable en ligne" not in content
    unpaid = services.issue_invoice(
        household=blanchard.household,
        service_code="cant",
        lines=[meal(maxime, DAY)],
        ordered_by=blanchard.user,
        order_reference="CMD-9",
        idempotency_key="fa-unpaid",
        issued_at=at(DAY, 12),
    )
    content = pdf_text(services.store_pdf(unpaid).content)
    assert "Acquittée" not in content and "Payable en ligne" in content


def test_pdf_lines_in_date_order_grouped_by_child_meal_and_price(cant, blanchard, maxime, lea):
    days = [DAY + datetime.timedelta(days=n) for n in (6, 4, 5)]
    billed = invoice(
        blanchard,
        [
            meal(maxime, days[0]),
            meal(lea, days[1], "6.20", "Repas exceptionnel"),
            meal(maxime, days[1]),
            meal(maxime, days[2], "4.90"),
        ],
        issued_at=at(DAY),
    )
    content = pdf_text(services.store_pdf(billed).content)
    # Date order inside each group of meal and price; a group's quantity and total once.
    assert (
        "BLANCHARD Maxime 18/12/2017 4,70 € Repas 2 9,40 € 20/12/2017 4,70 € Repas "
        "19/12/2017 4,90 € Repas 1 4,90 €"
    ) in content
    assert "BLANCHARD Léa 18/12/2017 6,20 € Repas exceptionnel 1 6,20 €" in content
