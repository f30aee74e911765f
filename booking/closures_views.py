"""Workspace page "Fermetures": the closures past and to come, and declaring one.

Declaring goes through the same steps as the admin's page: the form, the preview of what
will be cancelled and credited (booking.closures.preview_closure), then the confirmation
(booking.closures.close_day: cancellations, credit notes, e-mails, journal row).
"""

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from booking.admin_views import ClosureForm, closure_steps
from booking.models import Closure
from portal.roles import staff_permission

PAST_SHOWN = 100


def _closure_lists():
    """Closures to come (all) and past (the latest PAST_SHOWN): two queries."""
    today = timezone.localdate()
    rows = Closure.objects.select_related("service", "site", "closed_by")
    upcoming = list(rows.filter(day__gte=today).order_by("day", "service__name", "site__name"))
    past = list(
        rows.filter(day__lt=today).order_by("-day", "service__name", "site__name")[:PAST_SHOWN]
    )
    return upcoming, past


@staff_permission("booking.view_closure")
def closure_list(request):
    upcoming, past = _closure_lists()
    return render(
        request,
        "booking/gestion/closures.html",
        {
            "upcoming": upcoming,
            "past": past,
            "past_shown": PAST_SHOWN,
            "can_add": request.user.has_perm("booking.add_closure"),
        },
    )


@staff_permission("booking.add_closure")
def closure_add(request):
    """Declare a closure: the form, the preview, the confirmation (admin_views.closure_steps)."""
    form = ClosureForm(request.POST or None)
    done, preview, previewed = closure_steps(request, form, done_url=reverse("gestion_closures"))
    if done is not None:
        return done
    return render(
        request,
        "booking/gestion/closure_add.html",
        {"form": form, "preview": preview, "previewed": previewed},
    )
