"""The waiting lists of the staff workspace (gestion/liste-attente/): per site and day, the
families in line in the order of their requests and the places kept for them; an agent may
take a family off the list, with a reason (journaled)."""

import datetime

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from booking import selectors, services
from portal.roles import staff_permission

HORIZON = datetime.timedelta(days=92)


@staff_permission("booking.view_kitchen_list")
def waiting_page(request):
    today = timezone.localdate()
    site = selectors.site_by_id(request.GET.get("site", ""))
    days = []
    for service in selectors.active_services():
        by_day = {}
        for waiting_request, rank in selectors.waiting_lists(
            service, today, today + HORIZON, site=site
        ):
            key = (waiting_request.day, waiting_request.site.name)
            by_day.setdefault(key, []).append((waiting_request, rank))
        days += [(service, day, site_name, rows) for (day, site_name), rows in by_day.items()]
    return render(
        request,
        "booking/gestion/waiting.html",
        {
            "days": days,
            "sites": selectors.sites(),
            "site": site,
            "can_remove": request.user.has_perm("booking.book_for_family"),
        },
    )


@staff_permission("booking.book_for_family")
@require_POST
def waiting_remove(request):
    raw = request.POST.get("request", "")
    try:
        if not raw.isdecimal() or len(raw) > 9:
            raise services.WaitingRefused(_("Cette demande n'est plus sur la liste d'attente."))
        services.remove_waiting_request(
            actor=request.user, request_id=int(raw), reason=request.POST.get("reason", "")
        )
    except services.WaitingRefused as refusal:
        for message in refusal.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("La famille est retirée de la liste d'attente."))
    return redirect("gestion_waiting")
