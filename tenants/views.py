from celery import current_app as celery_app
from django.contrib import messages
from django.contrib.auth.decorators import user_passes_test
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenants import selectors, services
from tenants.forms import CommuneCreationForm
from tenants.models import Commune

operator_required = user_passes_test(
    lambda user: user.is_active and user.is_staff, login_url="console:login"
)


def landing(request):
    return render(request, "tenants/landing.html")


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def healthz(request):
    """Database and broker reachable: 200, else 503 naming what failed."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:
        checks["database"] = f"error: {type(error).__name__}"
    try:
        with celery_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, timeout=2)
        checks["broker"] = "ok"
    except Exception as error:
        checks["broker"] = f"error: {type(error).__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )


@operator_required
def console_home(request):
    overview = selectors.console_overview()
    rows = [
        {
            "commune": item.commune,
            "path": "/" + item.commune.slug + "/",
            "figures": item.figures,
            "steps_done": item.steps_done,
            "steps_total": len(item.checklist),
        }
        for item in overview
    ]
    return render(
        request,
        "console/home.html",
        {"rows": rows, "labels": selectors.statistic_labels()},
    )


@operator_required
def console_create_commune(request):
    form = CommuneCreationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            commune = services.create_commune(**form.cleaned_data)
        except ValidationError as error:
            for field, field_errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, field_errors)
        else:
            messages.success(
                request,
                _("La commune %(name)s est créée ; son administrateur a reçu une invitation.")
                % {"name": commune.name},
            )
            return redirect("console:home")
    return render(request, "console/create_commune.html", {"form": form})


@operator_required
def console_commune(request, pk):
    """One commune: its setup checklist, with links into its workspace and settings."""
    commune = selectors.commune_by_id(pk)
    if commune is None:
        raise Http404
    checklist = selectors.setup_checklist(commune)
    return render(
        request,
        "console/commune.html",
        {
            "commune": commune,
            "checklist": checklist,
            "steps_done": sum(item.done for item in checklist),
            "path": f"/{commune.slug}/",
        },
    )


@operator_required
def console_suspend_commune(request, pk):
    """ "Suspendre" asks first, saying what a suspension blocks and what goes on."""
    commune = selectors.commune_by_id(pk)
    if commune is None:
        raise Http404
    return render(request, "console/suspend.html", {"commune": commune})


@operator_required
@require_POST
def console_set_commune_state(request, pk):
    commune = get_object_or_404(Commune, pk=pk)
    active = request.POST.get("active") == "1"
    if not active and request.POST.get("confirm") != "1":
        return redirect("console:suspend_commune", pk=commune.pk)
    services.set_commune_active(commune, active=active)
    if active:
        messages.success(request, _("%(name)s est réactivée.") % {"name": commune.name})
    else:
        messages.success(request, _("%(name)s est suspendue.") % {"name": commune.name})
    return redirect("console:home")
