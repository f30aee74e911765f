"""The staff workspace's own pages: the Tableau de bord (panels from every app) and the
journal of staff actions."""

from django.db.models import Prefetch
from django.shortcuts import render

from portal import exports, gestion, journal
from portal.models import Child, Guardian, Household
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


@staff_permission("portal.view_household")
def exports_page(request):
    """Exports: every file the agent may download, with its period."""
    first, last = exports.parse_period({})
    return render(
        request,
        "portal/gestion/exports.html",
        {"exports": exports.exports_for(request.user), "first": first, "last": last},
    )


FAMILY_HEADERS = [
    "Foyer",
    "N° rue",
    "Nom voie",
    "Complément d'adresse",
    "Code postal",
    "Commune",
    "Domicile",
    "Responsable 1",
    "Adresse mail 1",
    "Portable 1",
    "Responsable 2",
    "Adresse mail 2",
    "Portable 2",
    "Enfants",
]


@staff_permission("portal.view_household")
def families_export(request):
    """Every household with its guardians and children (3 queries)."""
    households = Household.objects.prefetch_related(
        Prefetch("guardians", queryset=Guardian.objects.select_related("user").order_by("rank")),
        Prefetch("children", queryset=Child.objects.order_by("birth_date", "first_name")),
    ).order_by("name", "pk")
    rows = []
    for household in households:
        guardians = list(household.guardians.all())[:2]
        people = []
        for guardian in guardians:
            people += [guardian.user.get_full_name(), guardian.user.email, guardian.mobile_phone]
        people += [""] * (6 - len(people))
        children = ", ".join(
            f"{child.first_name} {child.last_name.upper()}" for child in household.children.all()
        )
        rows.append(
            [
                household.name,
                household.street_number,
                household.street_name,
                household.address_complement,
                household.postal_code,
                household.city,
                household.home_phone,
                *people,
                children,
            ]
        )
    return exports.export_response(
        exports.export_format(request.GET),
        filename="familles",
        title="Familles",
        headers=FAMILY_HEADERS,
        rows=rows,
    )
