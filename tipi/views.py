"""Parent pages and the Treasury's notification. Thin: the rules are in tipi.services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from booking import selectors as booking_selectors
from booking import session as booking_session
from booking.services import OrderRefused
from ledger import selectors as ledger_selectors
from portal.shortcuts import household_or_404
from tipi import selectors, services, start
from tipi.models import PaymentOperation


@login_required
@require_POST
def pay(request, service_code):
    """From the recap: hold the places, then off to the Treasury's payment page."""
    household = household_or_404(request.user)
    service = booking_selectors.service_by_code(service_code)
    if service is None:
        raise Http404(_("Service inconnu."))
    order = booking_session.current_order(request.session, household, service)
    if order is None:
        raise Http404(_("Aucune commande en cours."))

    def build_url(viewname, kwargs):
        return request.build_absolute_uri(reverse(viewname, kwargs=kwargs))

    try:
        operation = start.start_payment(order=order, household=household, build_url=build_url)
    except OrderRefused as refusal:
        for error in refusal.errors:
            messages.error(request, str(error))
        messages.error(request, _("Rien n'a été enregistré : modifiez votre planning."))
        return redirect("booking:planning", service_code=service.code)
    except start.PaymentUnavailable as problem:
        messages.error(request, str(problem))
        return redirect("booking:planning", service_code=service.code)
    if operation.status != PaymentOperation.Status.PENDING:
        # The order's earlier payment has just concluded: its result, not a second page.
        return redirect("tipi:return", refdet=operation.refdet)
    return HttpResponseRedirect(services.payment_page_url(operation))


@login_required
@require_POST
def pay_invoice(request, service_code, number):
    """ "Payer en ligne" on one of the household's unpaid monthly invoices: off to the
    Treasury's payment page for what remains to pay on it."""
    household = household_or_404(request.user)
    invoice = ledger_selectors.monthly_invoice_of(household, service_code, number)
    if invoice is None:
        raise Http404(_("Facture inconnue."))

    def build_url(viewname, kwargs):
        return request.build_absolute_uri(reverse(viewname, kwargs=kwargs))

    try:
        operation = start.start_invoice_payment(
            invoice=invoice, household=household, user=request.user, build_url=build_url
        )
    except start.PaymentUnavailable as problem:
        messages.error(request, str(problem))
        return redirect("ledger:documents", service_code=invoice.account.service.code)
    if operation.status != PaymentOperation.Status.PENDING:
        return redirect("tipi:return", refdet=operation.refdet)
    return HttpResponseRedirect(services.payment_page_url(operation))


@csrf_exempt
@require_POST
def notify(request):
    """PayFiP's notification: an idOp and nothing to trust. The status is asked back over
    SOAP; an unknown or unpaid idOp changes nothing. The answer says nothing either way."""
    id_op = (request.POST.get("idOp") or request.POST.get("idop") or "").strip()
    services.settle(id_op=id_op, source="notification")
    return HttpResponse("OK", content_type="text/plain")


@csrf_exempt
def payment_return(request, refdet):
    """Where the Treasury sends the browser back. A POST (cross-site, without the Lax
    session cookie) is turned into a GET, which carries it."""
    if request.method == "POST":
        return HttpResponseRedirect(request.path, status=303)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    household = household_or_404(request.user)
    operation = selectors.operation_of_household(household, refdet)
    if operation is None:
        raise Http404(_("Paiement inconnu."))
    if operation.status == PaymentOperation.Status.PENDING:
        # The notification may not have arrived yet: ask the Treasury ourselves.
        operation = services.settle(id_op=operation.id_op, source="retour") or operation
    service_code = operation.service_code
    return render(
        request,
        "tipi/return.html",
        {
            "section": "reservations",
            "operation": operation,
            "Status": PaymentOperation.Status,
            "pending": operation.status
            in (PaymentOperation.Status.NEW, PaymentOperation.Status.PENDING),
            "planning_url": reverse("booking:planning", kwargs={"service_code": service_code}),
            "statement_url": reverse("ledger:statement", kwargs={"service_code": service_code}),
            "documents_url": reverse("ledger:documents", kwargs={"service_code": service_code}),
        },
    )


def _household_order_id(request):
    try:
        return int(request.POST.get("order", ""))
    except ValueError:
        return None


@login_required
@require_POST
def resume(request, service_code):
    """ "Reprendre le paiement": the same Treasury page, while it can still be paid."""
    household = household_or_404(request.user)
    order_id = _household_order_id(request)
    for pending in selectors.pending_payments_of(household):
        if pending.order.pk == order_id and pending.service_code == service_code:
            return HttpResponseRedirect(services.payment_page_url(pending.operation))
    messages.error(request, _("Ce paiement n'est plus en cours : rien n'a été réservé."))
    return redirect("booking:planning", service_code=service_code)


@login_required
@require_POST
def abandon(request, service_code):
    """ "Abandonner": the places held for the household's own pending order go back."""
    household = household_or_404(request.user)
    order_id = _household_order_id(request)
    if order_id is not None and services.abandon_payment(
        household=household, order_id=order_id, actor=request.user
    ):
        messages.success(
            request, _("Paiement abandonné : les places sont libérées, rien n'a été réservé.")
        )
    else:
        messages.error(request, _("Aucun paiement en cours à abandonner."))
    return redirect("booking:planning", service_code=service_code)
