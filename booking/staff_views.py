"""Commune staff pages: booking on behalf of a family (the kitchen list: kitchen_views.py)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from booking import selectors, services
from booking.views import planning_after_buttons
from portal.roles import staff_permission
from portal.selectors import household_by_id


@staff_permission("booking.book_for_family")
def agent_planning(request, household_id, service_code):
    """An agent books or cancels for a family; deadlines may be overridden with a reason.
    The order is recorded with the agent as "réalisé par" and its amount goes on the account."""
    household = household_by_id(household_id)
    if household is None:
        raise Http404(_("Foyer inconnu."))
    service = selectors.service_by_code(service_code)
    if service is None:
        raise Http404(_("Service inconnu."))
    wanted, errors = None, []
    if request.method == "POST":
        wanted = {key for key in request.POST if key.startswith("r-")}
        if "finalize" in request.POST:
            try:
                services.book_for_household(
                    household=household,
                    service=service,
                    wanted_keys=wanted,
                    agent=request.user,
                    overrides_deadlines=request.POST.get("override") == "1",
                    reason=request.POST.get("reason", ""),
                )
            except services.ReasonRequired as refusal:
                errors = [str(refusal)]
            except services.OrderRefused as refusal:
                errors = refusal.errors
            else:
                messages.success(request, _("Commande enregistrée pour le foyer."))
                return redirect(
                    "booking:agent_planning",
                    household_id=household.pk,
                    service_code=service.code,
                )
    post = request.POST if request.method == "POST" and not errors else {}
    page = planning_after_buttons(household, service, wanted, post)
    if (
        not page.children
        and request.method == "GET"
        and not selectors.enrolments_of(household, service)
    ):
        raise Http404(_("Aucun enfant de ce foyer n'est inscrit à ce service."))
    return render(
        request,
        "booking/agent_planning.html",
        {"household": household, "service": service, "planning": page, "errors": errors},
        status=400 if errors else 200,
    )
