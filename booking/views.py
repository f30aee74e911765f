"""Parents' booking pages: services, the planning grid, the recap and its validation.

The draft order being reviewed is kept in the session, not in the URL.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from booking import selectors, services, session
from booking.models import Order
from portal.shortcuts import household_or_404
from tenants import page_cache


def _service_or_404(code):
    service = selectors.service_by_code(code)
    if service is None:
        raise Http404(_("Service inconnu."))
    return service


def _payment_url(service_code):
    try:
        return reverse("tipi:pay", kwargs={"service_code": service_code})
    except NoReverseMatch:
        return None


@login_required
def service_list(request):
    household_or_404(request.user)
    return render(
        request,
        "booking/services.html",
        {"section": "reservations", "services": selectors.active_services()},
    )


@login_required
def service_menu(request, service_code):
    household_or_404(request.user)
    service = _service_or_404(service_code)
    return render(
        request,
        "booking/service_menu.html",
        {
            "section": "reservations",
            "service": service,
            "service_code": service.code,
            "service_name": service.name,
            "service_page": "",
        },
    )


def apply_shortcut(planning, wanted, value, copy=False):
    """The no-JavaScript path of the shortcut buttons. "Tous les …" and "Comme pour …" only
    add days (never cancel a paid meal silently); "Tout décocher" ("none") removes them all."""
    parts = value.split("-")
    if len(parts) != 4:
        return wanted
    child_id, kind_id, month, target = parts
    tabs = {
        (str(c.child.pk), str(k.meal_kind.pk), m.month.strftime("%Y%m")): m
        for c, k, m in planning.cells()
    }
    month_tab = tabs.get((child_id, kind_id, month))
    if month_tab is None:
        return wanted
    enabled = [cell for cell in month_tab.cells if not cell.disabled]
    if copy:
        sibling = tabs.get((target, kind_id, month))
        if sibling is None:
            return wanted
        sibling_days = {cell.day for cell in sibling.cells if cell.key in wanted}
        wanted.update(cell.key for cell in enabled if cell.day in sibling_days)
        return wanted
    if target == "none":
        wanted.difference_update(cell.key for cell in enabled)
        return wanted
    wanted.update(cell.key for cell in enabled if target == "all" or str(cell.weekday) == target)
    return wanted


def planning_after_buttons(household, service, wanted, post, reads=None):
    """The grid for a posted state, with a pressed shortcut or "Comme pour" applied (the
    no-JavaScript path; with JavaScript they act in the page and never post)."""
    page = selectors.planning_for(household, service, wanted=wanted, reads=reads)
    for name, copy in (("shortcut", False), ("copy", True)):
        if wanted is not None and post.get(name):
            wanted = apply_shortcut(page, set(wanted), post[name], copy=copy)
            page = selectors.planning_for(household, service, wanted=wanted)
    return page


@login_required
@page_cache.cached_page
def planning(request, service_code):
    household = household_or_404(request.user)
    service = _service_or_404(service_code)
    wanted = None
    errors = []
    reads = None
    draft_kept = False
    if request.method == "POST":
        wanted = {key for key in request.POST if key.startswith("r-")}
        if "finalize" in request.POST:
            try:
                order = services.draft_order(
                    household=household,
                    service=service,
                    wanted_keys=wanted,
                    created_by=request.user,
                )
            except services.OrderRefused as refusal:
                errors, reads = refusal.errors, refusal.reads
            else:
                session.remember_draft(request.session, service, order)
                session.forget_wanted(request.session, service)
                return redirect("booking:recap", service_code=service.code)
    elif request.GET.get("modifier") and session.has_draft(request.session, service):
        order = session.current_order(request.session, household, service)
        if order is not None and order.status == Order.Status.DRAFT:
            wanted = selectors.wanted_keys_of_draft(order)
    elif request.GET.get("oublier"):
        session.forget_wanted(request.session, service)
    elif session.kept_wanted(request.session, service) is not None:
        wanted = session.kept_wanted(request.session, service)
        draft_kept = True
    post = request.POST if request.method == "POST" and not errors else {}
    page = planning_after_buttons(household, service, wanted, post, reads)
    if request.method == "POST" and "finalize" not in request.POST:
        # Without JavaScript each shortcut posts: the state shown is kept for the session,
        # so leaving the page loses nothing silently.
        session.keep_wanted(
            request.session,
            service,
            (cell.key for _c, _k, month in page.cells() for cell in month.cells if cell.checked),
        )
    added, cancelled = page.changes()
    page_cache.valid_until(request, page.next_cutoff)
    return render(
        request,
        "booking/planning.html",
        {
            "section": "reservations",
            "service": service,
            "service_code": service.code,
            "service_name": service.name,
            "service_page": "planning",
            "planning": page,
            "waiting_url": reverse("booking:waiting", kwargs={"service_code": service.code}),
            "errors": errors,
            "draft_kept": draft_kept and (added or cancelled),
            "added": added,
            "cancelled": cancelled,
        },
        status=400 if errors else 200,
    )


def current_order(request, household, service):
    """The order the parent is reviewing (booking.session), or 404."""
    order = session.current_order(request.session, household, service)
    if order is None:
        raise Http404(_("Aucune commande en cours."))
    return order


@login_required
@page_cache.cached_page
def recap(request, service_code):
    household = household_or_404(request.user)
    service = _service_or_404(service_code)
    order = current_order(request, household, service)
    if order.status != Order.Status.DRAFT:
        messages.info(request, _("Cette commande est déjà traitée."))
        return redirect("booking:planning", service_code=service.code)
    page_cache.valid_until(request, order.expires_at)
    return render(
        request,
        "booking/recap.html",
        {
            "section": "reservations",
            "service": service,
            "service_code": service.code,
            "service_name": service.name,
            "service_page": "planning",
            "recap": selectors.order_recap(order),
            "payment_url": _payment_url(service.code),
        },
    )


@login_required
@require_POST
def validate(request, service_code):
    household = household_or_404(request.user)
    service = _service_or_404(service_code)
    order = current_order(request, household, service)
    try:
        services.validate_order(order=order, household=household)
    except services.PaymentRequired:
        messages.error(request, _("Cette commande doit être payée avant d'être validée."))
        return redirect("booking:recap", service_code=service.code)
    except services.OrderRefused as refusal:
        for error in refusal.errors:
            messages.error(request, str(error))
        messages.error(request, _("Rien n'a été enregistré : modifiez votre planning."))
        return redirect("booking:planning", service_code=service.code)
    # The order stays in the session: a replayed "Valider" (double click) finds it validated.
    messages.success(
        request,
        _(
            "Vos réservations et annulations sont enregistrées. "
            "Un e-mail de confirmation vous est envoyé."
        ),
    )
    return redirect("booking:planning", service_code=service.code)


@login_required
@require_POST
def waiting_list(request, service_code):
    """ "Liste d'attente" / "Quitter la liste" of a full day, posted from the grid (the
    grid's ticks are kept: nothing else of the page is lost)."""
    household = household_or_404(request.user)
    service = _service_or_404(service_code)
    session.keep_wanted(
        request.session, service, (key for key in request.POST if key.startswith("r-"))
    )
    try:
        if request.POST.get("leave"):
            services.leave_waiting_list(
                household=household, service=service, key=request.POST["leave"]
            )
            messages.success(request, _("Vous avez quitté la liste d'attente de ce jour."))
        else:
            services.join_waiting_list(
                household=household, service=service, key=request.POST.get("join", "")
            )
            messages.success(
                request,
                _(
                    "Vous êtes sur la liste d'attente : si une place se libère, "
                    "un e-mail vous prévient."
                ),
            )
    except services.WaitingRefused as refusal:
        for message in refusal.messages:
            messages.error(request, message)
    return redirect("booking:planning", service_code=service.code)


@login_required
def waiting_take(request, service_code, request_id):
    """The e-mail's link: the planning with the place kept for the family ticked, ready to
    "Finaliser la commande" (looked up through the household)."""
    household = household_or_404(request.user)
    service = _service_or_404(service_code)
    offer = selectors.offer_of_household(household, request_id)
    if offer is None or offer.meal_kind.service_id != service.pk:
        messages.error(request, _("Cette place n'est plus gardée pour vous."))
        return redirect("booking:planning", service_code=service.code)
    page = selectors.planning_for(household, service)
    wanted = {cell.key for _c, _k, month in page.cells() for cell in month.cells if cell.checked}
    wanted.add(selectors.cell_key(offer.child_id, offer.meal_kind_id, offer.day))
    session.keep_wanted(request.session, service, wanted)
    messages.info(
        request,
        _("Une place est gardée pour %(child)s le %(day)s : finalisez la commande.")
        % {"child": offer.child, "day": f"{offer.day:%d/%m/%Y}"},
    )
    return redirect("booking:planning", service_code=service.code)
