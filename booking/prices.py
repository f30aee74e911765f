"""Prices typed in the back office (a meal kind's "Tarifs"): saved with a journal row for
each price added, changed or deleted, in the admin's transaction."""

from django.db import transaction

from booking import journal


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
