"""Prices typed in the back office (a meal kind's "Tarifs"): saved with a journal row for
each price added, changed or deleted, in the admin's transaction."""

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from booking import journal
from ledger.money import format_euros


def save_price_formset(*, formset, actor) -> None:
    with transaction.atomic():
        before = {
            form.instance.pk: {
                "amount": form.initial.get("amount"),
                "valid_from": form.initial.get("valid_from"),
                "valid_until": form.initial.get("valid_until"),
            }
            for form in formset.initial_forms
        }
        formset.save()
        for price in formset.new_objects:
            journal.record_price(actor=actor, price=price)
        for price, _fields in formset.changed_objects:
            journal.record_price(actor=actor, price=price, before=before.get(price.pk))
        for price in formset.deleted_objects:
            journal.record_price(actor=actor, price=price, deleted=True)


# Quotient familial grids ------------------------------------------------------------------

ONE_EURO = Decimal("1.00")


def bracket_errors(brackets, *, ceiling: Decimal) -> list[str]:
    """What is wrong with a grid given as (qf_max or None, amount) pairs, in French; none
    for a valid grid. Brackets only carry their upper bound, so they are contiguous and
    cannot overlap once each bound is used once and one bracket is left open above."""
    if not brackets:
        return []
    errors = []
    bounds = [qf_max for qf_max, _amount in brackets if qf_max is not None]
    if len(bounds) != len(set(bounds)):
        errors.append(_("Deux tranches ont le même plafond de QF."))
    open_ones = len(brackets) - len(bounds)
    if open_ones != 1:
        errors.append(
            _("Une tranche, et une seule, doit laisser « QF jusqu'à » vide (les QF au-dessus).")
        )
    for _qf_max, amount in brackets:
        if amount is not None and amount > ceiling:
            errors.append(
                _("%(amount)s dépasse le tarif maximal du service (%(ceiling)s).")
                % {"amount": format_euros(amount), "ceiling": format_euros(ceiling)}
            )
    return errors


def is_cantine_a_1_euro(brackets) -> bool:
    """ "Cantine à 1 €": at least three brackets, the lowest at most 1,00 €."""
    amounts = [amount for _qf_max, amount in brackets if amount is not None]
    return len(amounts) >= 3 and min(amounts) <= ONE_EURO


def save_bracket_formset(*, formset, actor) -> None:
    with transaction.atomic():
        formset.save()
        price = formset.instance
        journal.record_price(actor=actor, price=price, before={"amount": price.amount})
