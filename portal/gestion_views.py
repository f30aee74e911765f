"""The staff workspace's own pages: the Tableau de bord (panels from every app) and the
journal of staff actions."""

from django.shortcuts import render

from portal import gestion, journal
from portal.roles import staff_permission


@staff_permission("portal.view_household")
def home(request):
    """Tableau de bord: each app's panels the agent may see (portal/gestion.py)."""
    return render(
        request,
        "portal/gestion/home.html",
        {"panels": gestion.dashboard_panels(request), "hide_breadcrumbs": True},
    )


@staff_permission("portal.view_journalentry")
def journal_page(request):
    """Journal: every staff change, filtered by action and household, newest first."""
    action = request.GET.get("action", "")
    codes = dict(journal.action_choices())
    if action not in codes:
        action = ""
    household_id = request.GET.get("foyer", "")
    household = (
        journal.journal_household(int(household_id))
        if household_id.isdecimal() and len(household_id) < 10
        else None
    )
    page_number = request.GET.get("page", "1")
    page = journal.journal_entries(
        household_id=household.pk if household else None,
        action=action or None,
        page=int(page_number) if page_number.isdecimal() and len(page_number) < 7 else 1,
    )
    rows = [(entry, journal.action_label(entry.action)) for entry in page]
    return render(
        request,
        "portal/gestion/journal.html",
        {
            "page": page,
            "rows": rows,
            "actions": journal.action_choices(),
            "action": action,
            "household": household,
            "households": journal.journal_households(),
        },
    )
