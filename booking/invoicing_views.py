"""Workspace page "Facturation": a post-paid service's month, previewed then issued in one
batch (booking.invoicing), and the batches issued so far."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from booking import invoicing
from booking.models import BillingMode, Service
from ledger import batch as ledger_batch
from ledger.money import format_euros
from portal.roles import staff_permission


def _month(text: str | None) -> datetime.date:
    """ "2027-01" → 1 January 2027; anything else → last month."""
    try:
        return datetime.datetime.strptime(text or "", "%Y-%m").date()
    except ValueError:
        return (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


@staff_permission("ledger.issue_invoice_batch")
def invoicing_page(request):
    services = list(Service.objects.filter(billing_mode=BillingMode.POSTPAID))
    wanted = request.POST.get("service") or request.GET.get("service")
    service = next((s for s in services if s.code == wanted), services[0] if services else None)
    month = _month(request.POST.get("month") or request.GET.get("month"))
    if request.method == "POST" and service is not None:
        try:
            batch = invoicing.invoice_batch_issue(service=service, month=month, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if batch is None:
                messages.info(request, _("Rien à facturer : toutes les familles du mois le sont."))
            else:
                messages.success(
                    request,
                    _("Lot émis : %(count)s factures, %(total)s.")
                    % {"count": batch.invoice_count, "total": format_euros(batch.total)},
                )
        return redirect(
            f"{reverse('gestion_invoicing')}?service={service.code}&month={month:%Y-%m}"
        )
    preview = invoicing.invoice_batch_preview(service=service, month=month) if service else None
    return render(
        request,
        "booking/gestion/invoicing.html",
        {
            "services": services,
            "service": service,
            "month": month,
            "month_value": f"{month:%Y-%m}",
            "preview": preview,
            "batches": ledger_batch.batches_of(service_code=service.code) if service else [],
        },
    )
