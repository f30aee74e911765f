"""Workspace page of the health declarations (gestion/sante/): the diets, allergies and
PAI the families declared, to validate or refuse. Health data (RGPD art. 9): the page
needs portal.validate_health_data and logs every child shown (portal.HealthDataAccess)."""

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import selectors, services
from portal.roles import staff_permission

PAGE = "gestion/sante"


@staff_permission("portal.validate_health_data")
def declarations(request):
    pending = list(selectors.pending_health_declarations()[:200])
    selectors.log_health_access(
        viewer=request.user, child_ids=[d.child_id for d in pending], page=PAGE
    )
    return render(
        request,
        "portal/gestion/health.html",
        {"declarations": pending, "menu_key": "health"},
    )


@staff_permission("portal.validate_health_data")
@require_POST
def review(request, declaration_id):
    accept = request.POST.get("decision") == "valider"
    try:
        declaration = services.health_declaration_review(
            actor=request.user, declaration_id=declaration_id, accept=accept
        )
    except ValidationError as error:
        flash.error(request, " ".join(error.messages))
    else:
        child = declaration.child
        flash.success(
            request,
            (
                _("Déclaration de %(child)s validée.")
                if accept
                else _("Déclaration de %(child)s refusée.")
            )
            % {"child": f"{child.first_name} {child.last_name}"},
        )
    return redirect("gestion_health")
