"""The household page's "Payeur par service" (gestion/familles/<id>/payeur/): which
guardian each service's invoices are addressed to. The write is
ledger.payers.account_set_payer; the read ledger.selectors.payer_of."""

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ledger import payers, selectors
from ledger.models import ServiceBook
from portal.roles import staff_permission
from portal.selectors import guardians_of, household_by_id


def household_section(request, household):
    """Each service of the commune with its payer (marked, or the first guardian)."""
    guardians = list(guardians_of(household))
    marked = selectors.payers_of(household)
    first = guardians[0] if guardians else None
    return {
        "rows": [
            (book, marked.get(book.code), marked.get(book.code) or first)
            for book in ServiceBook.objects.order_by("name")
        ],
        "guardians": guardians,
        "can_change": request.user.has_perm("ledger.set_payer"),
    }


@staff_permission("ledger.set_payer")
@require_POST
def payer_set(request, household_id):
    household = household_by_id(household_id)
    if household is None:
        raise Http404(_("Ce foyer n'existe pas."))
    raw = request.POST.get("guardian", "")
    try:
        if not raw.isdecimal() or len(raw) > 12:
            raise ValidationError(_("Choisissez le responsable payeur."))
        account = payers.account_set_payer(
            actor=request.user,
            household=household,
            service_code=request.POST.get("service", "")[:20],
            guardian_id=int(raw),
        )
    except ValidationError as error:
        flash.error(request, " ".join(error.messages))
    else:
        flash.success(
            request,
            _("Les prochaines factures du service %(service)s seront adressées à %(name)s.")
            % {"service": account.service.name, "name": payers.payer_name(account.payer)},
        )
    return redirect("gestion_household", household_id=household_id)
