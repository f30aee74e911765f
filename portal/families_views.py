"""Workspace pages of the families (gestion/familles/): the search and one page per
household built from the sections the apps register (portal.gestion)."""

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import families
from portal.gestion import household_sections
from portal.roles import staff_permission


@staff_permission("portal.view_household")
def search(request):
    query = request.GET.get("q", "")[:100]
    found = families.search_households(query=query)
    return render(
        request,
        "portal/gestion/families.html",
        {
            "query": query.strip(),
            "households": found,
            "truncated": len(found) >= families.SEARCH_LIMIT,
            "can_create": request.user.has_perm("portal.manage_families"),
        },
    )


@staff_permission("portal.view_household")
def household(request, household_id):
    row = families.household_for_staff(household_id=household_id)
    if row is None:
        raise Http404(_("Ce foyer n'existe pas."))
    return render(
        request,
        "portal/gestion/household.html",
        {"household": row, "sections": household_sections(request, row)},
    )


@staff_permission("portal.manage_families")
@require_POST
def send_access(request, household_id, guardian_id):
    try:
        email = families.guardian_send_access(
            actor=request.user, household_id=household_id, guardian_id=guardian_id
        )
    except ValidationError as error:
        flash.error(request, " ".join(error.messages))
    else:
        flash.success(
            request, _("E-mail d'accès au portail envoyé à %(email)s.") % {"email": email.to_email}
        )
    return redirect("gestion_household", household_id=household_id)
