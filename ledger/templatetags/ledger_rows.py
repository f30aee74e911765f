"""The rows of "Consultation compte" and "Consultation factures", written from Python.

A page carries up to PAGE_SIZE (50) rows (ledger/statement_pages.py). Written by the
template engine, each row's dozen variable and tag nodes cost ~45 µs: most of a long
period's page, ×1,7 the page of a household with 10 documents (issue 17's goal: ×1,5).
These write the same markup, each value escaped as `{{ }}` escapes it (tenants.escaping.esc);
the actions other apps register on an unpaid monthly invoice are still their templates.
tests/ledger/test_row_markup.py renders the former loops next to these and compares them.
"""

from django import template
from django.utils.safestring import SafeString

from tenants.escaping import esc

register = template.Library()


def _opening(row) -> str:
    """The row's tag, label, date and author: what both pages show first."""
    return (
        f'\n    <tr class="row-{esc(row.row_type)}">\n'
        f'      <td><span class="row-tag">{esc(row.tag)}</span> '
        f'<a href="{esc(row.url)}">{esc(row.label)}</a></td>\n'
        f"      <td>{esc(row.date)}</td>\n"
        f"      <td>{esc(row.author_name)}</td>\n"
    )


def _phone_amount(row) -> str:
    return (
        f'      <td class="phone-only amount {esc(row.side_class)}">{esc(row.signed_amount)} '
        f'<span class="amount-side">{esc(row.side)}</span></td>\n'
    )


@register.simple_tag
def statement_rows(rows):
    """ "Consultation compte": a row per document, its amount as credit or debit."""
    return SafeString(
        "".join(
            _opening(row)
            + f'      <td class="num desktop-only">{esc(row.credit)}</td>\n'
            + f'      <td class="num desktop-only">{esc(row.debit)}</td>\n'
            + _phone_amount(row)
            + "    </tr>\n    "
            for row in rows
        )
    )


@register.simple_tag(takes_context=True)
def document_rows(context, rows, actions, print_word):
    """ "Consultation factures": a row per document, its amount, the actions registered for
    an invoice with something left to pay (each action's template gets `document`), and its
    PDF link."""
    templates = None  # the actions' templates, found once a page
    parts = []
    for row in rows:
        offered = ""
        if row.amount_due:
            if templates is None:
                templates = [context.template.engine.get_template(name) for name in actions]
            with context.push(document=row):
                offered = "".join(template.render(context) + " " for template in templates)
        parts.append(
            _opening(row)
            + f'      <td class="num desktop-only">{esc(row.amount)}</td>\n'
            + _phone_amount(row)
            + f'      <td class="actions-cell">{offered}<a class="button secondary" '
            + f'href="{esc(row.pdf_url)}" download aria-label="{esc(row.print_label)}">'
            + f"{esc(print_word)}</a></td>\n    </tr>\n    "
        )
    return SafeString("".join(parts))
