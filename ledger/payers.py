"""The payeur of a service: the guardian a household's invoices for that service are
addressed to (ledger.Account.payer). The read is ledger.selectors.payer_of; the write, and
how an invoice names its addressee, are here."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ledger.models import Account, ServiceBook
from portal import selectors as portal_selectors
from portal import services as portal_services
from portal.journal import record_staff_action, register_action


def payer_name(guardian) -> str:
    """How an invoice names its addressee: "Madame Marie DUPONT"."""
    return f"{guardian.get_civility_display()} {guardian.user.get_full_name()}".strip()


register_action("ledger.payer", gettext_lazy("Famille : payeur d'un service désigné"))


@transaction.atomic
def account_set_payer(*, actor, household, service_code: str, guardian_id: int):
    """Mark which guardian a service's invoices are addressed to (the next invoices; an
    issued one keeps its addressee); one journal row. A guardian of another household or
    an unknown service changes nothing."""
    book = ServiceBook.objects.filter(code=service_code).first()
    if book is None:
        raise ValidationError(_("Service inconnu : %(code)s") % {"code": service_code})
    guardian = portal_selectors.guardians_of(household).filter(pk=guardian_id).first()
    if guardian is None:
        raise ValidationError(_("Ce responsable n'appartient pas à ce foyer."))
    portal_services.lock_household(household_id=household.pk)
    account, _created = Account.objects.get_or_create(household=household, service=book)
    previous = account.payer
    if previous is not None and previous.pk == guardian.pk:
        return account
    account.payer = guardian
    account.save(update_fields=["payer"])
    record_staff_action(
        actor=actor,
        action="ledger.payer",
        summary=_("Payeur du service %(service)s : %(name)s (%(rank)s)")
        % {"service": book.name, "name": payer_name(guardian), "rank": guardian.get_rank_display()},
        household_id=household.pk,
        details={
            "service": service_code,
            "payer_id": guardian.pk,
            "previous_payer_id": previous.pk if previous else None,
        },
    )
    return account
