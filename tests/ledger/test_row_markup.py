"""The rows of "Consultation compte" and "Consultation factures" are written from Python
(ledger/templatetags/ledger_rows.py) for speed: a family must read the same table as with
the former template loops (kept below), character for character, escaping included, with
the registered actions ("Payer en ligne") on an invoice left to pay."""

import datetime
from decimal import Decimal

from django.template import Context, engines

from ledger.invoice_actions import invoice_actions
from ledger.statement_pages import Row

FORMER_STATEMENT = """{% load i18n %}
    {% for row in page.rows %}
    <tr class="row-{{ row.row_type }}">
      <td><span class="row-tag">{{ row.tag }}</span> <a href="{{ row.url }}">{{ row.label }}</a></td>
      <td>{{ row.date }}</td>
      <td>{{ row.author_name }}</td>
      <td class="num desktop-only">{{ row.credit }}</td>
      <td class="num desktop-only">{{ row.debit }}</td>
      <td class="phone-only amount {{ row.side_class }}">{{ row.signed_amount }} <span class="amount-side">{{ row.side }}</span></td>
    </tr>
    {% empty %}
    <tr><td colspan="5">{% translate "Aucune opération sur cette période." %}</td></tr>
    {% endfor %}
"""  # noqa: E501 - the former template's lines, as they were
STATEMENT = """{% load i18n ledger_rows %}
    {% if page.rows %}{% statement_rows page.rows %}{% else %}
    <tr><td colspan="5">{% translate "Aucune opération sur cette période." %}</td></tr>
    {% endif %}
"""
FORMER_DOCUMENTS = """{% load i18n %}
    {% for row in page.rows %}
    <tr class="row-{{ row.row_type }}">
      <td><span class="row-tag">{{ row.tag }}</span> <a href="{{ row.url }}">{{ row.label }}</a></td>
      <td>{{ row.date }}</td>
      <td>{{ row.author_name }}</td>
      <td class="num desktop-only">{{ row.amount }}</td>
      <td class="phone-only amount {{ row.side_class }}">{{ row.signed_amount }} <span class="amount-side">{{ row.side }}</span></td>
      <td class="actions-cell">{% if row.amount_due %}{% for action in invoice_actions %}{% include action with document=row %} {% endfor %}{% endif %}<a class="button secondary" href="{{ row.pdf_url }}" download aria-label="{{ row.print_label }}">{{ print }}</a></td>
    </tr>
    {% empty %}
    <tr><td colspan="5">{% translate "Aucune facture, aucun avoir ni règlement sur cette période." %}</td></tr>
    {% endfor %}
"""  # noqa: E501 - the former template's lines, as they were
DOCUMENTS = """{% load i18n ledger_rows %}
    {% if page.rows %}{% document_rows page.rows invoice_actions print %}{% else %}
    <tr><td colspan="5">{% translate "Aucune facture, aucun avoir ni règlement sur cette période." %}</td></tr>
    {% endif %}
"""  # noqa: E501 - the template's lines


def row(number, *, credit, author="Mairie", amount_due=None, label=None) -> Row:
    amount = "4,70\u00a0€"
    return Row(
        pk=len(number),
        number=number,
        row_type="payment" if credit else "invoice",
        tag="Règlement" if credit else "Réservation",
        label=label or f"facture n° {number}",
        day=datetime.date(2017, 12, 18),
        date="18/12/2017",
        author_name=author,
        is_credit=credit,
        amount=amount,
        signed_amount=f"+{amount}" if credit else f"−{amount}",
        side="crédit" if credit else "débit",
        side_class="credit" if credit else "debit",
        credit=amount if credit else "",
        debit="" if credit else amount,
        print_label=f"Imprimer {number} (PDF)",
        monthly=amount_due is not None,
        url=f"/Clairoix/reservations/cant/document/{number}/?a=1&b=2",
        pdf_url=f"/Clairoix/reservations/cant/document/{number}/pdf/",
        amount_due=amount_due,
    )


ROWS = [
    row("FA2017-000001", credit=False, author="O'Neil <b>\"&</b>", label="facture <i>n°</i> 1"),
    row("RG2017-000002", credit=True),
    row("FA2017-000003", credit=False, amount_due=Decimal("4.70")),
    row("FA2017-000004", credit=False, amount_due=Decimal("0.00")),
]


def rendered(source: str, rows: list[Row]) -> str:
    context = {
        "page": {"rows": rows},
        "invoice_actions": invoice_actions(),
        "print": "Imprimer",
        "service_code": "cant",
        "csrf_token": "a-token",
    }
    return engines["django"].from_string(source).template.render(Context(context))


def test_compte_rows_read_as_the_former_loop_wrote_them():
    page = rendered(STATEMENT, ROWS)

    assert page == rendered(FORMER_STATEMENT, ROWS)
    assert "O&#x27;Neil &lt;b&gt;&quot;&amp;&lt;/b&gt;" in page
    assert "?a=1&amp;b=2" in page
    assert rendered(STATEMENT, []) == rendered(FORMER_STATEMENT, [])


def test_factures_rows_read_as_the_former_loop_wrote_them_with_the_actions_offered():
    page = rendered(DOCUMENTS, ROWS)

    assert page == rendered(FORMER_DOCUMENTS, ROWS)
    # "Payer en ligne" (tipi) on the invoice with 4,70 € left to pay, and on no other row.
    assert page.count("Payer en ligne FA2017-000003") == 1
    assert page.count("Payer en ligne") == 2  # its button's label and its text
    assert rendered(DOCUMENTS, []) == rendered(FORMER_DOCUMENTS, [])
