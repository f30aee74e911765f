"""The staff workspace "Gestion": its menu, dashboard panels and household-page sections.

Each app registers what it contributes from its AppConfig.ready() (as for the parents'
home page, portal/home.py), so portal shows bookings, money or payments without importing
those apps. Every entry names the permission it needs; what an agent sees is filtered here
on the server, and each page still checks its own permission (portal.roles.staff_permission).

    register_menu_entry(key="kitchen", label=_("Cuisine"), url_name="booking:kitchen",
                        permission="booking.view_kitchen_list", order=20)
    register_dashboard_panel(key="meals", template="booking/gestion/panel_meals.html",
                             context=meals_panel, permission="booking.view_reservation",
                             order=10)
    register_household_section(key="planning", title=_("Planning"),
                               template="booking/gestion/section_planning.html",
                               context=planning_section, permission="booking.view_order",
                               order=30)

A panel's or section's `context` returns a dict for its template, or None to show nothing.
Staff pages live in their domain app under /<commune>/gestion/ and extend
"gestion/base.html"; their URL names are flat with a `gestion_` prefix (each app's
`gestion_urls.py`, included under gestion/ by config/urls_commune.py).
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.http import HttpRequest
from django.urls import reverse


@dataclass(frozen=True)
class MenuEntry:
    key: str
    label: str
    url_name: str
    permission: str
    order: int

    @property
    def url(self) -> str:
        return reverse(self.url_name)


@dataclass(frozen=True)
class DashboardPanel:
    key: str
    template: str
    context: Callable[[HttpRequest], dict | None]
    permission: str
    order: int


@dataclass(frozen=True)
class HouseholdSection:
    key: str
    title: str
    template: str
    context: Callable[[HttpRequest, object], dict | None]
    permission: str
    order: int


_menu: dict[str, MenuEntry] = {}
_panels: dict[str, DashboardPanel] = {}
_sections: dict[str, HouseholdSection] = {}


def register_menu_entry(
    *, key: str, label: str, url_name: str, permission: str, order: int
) -> None:
    """One entry of the workspace menu; `label` is a lazy gettext string."""
    _menu[key] = MenuEntry(key, label, url_name, permission, order)


def register_dashboard_panel(
    *,
    key: str,
    template: str,
    context: Callable[[HttpRequest], dict | None],
    permission: str,
    order: int,
) -> None:
    """One panel of the Tableau de bord, rendered with `panel` = context(request)."""
    _panels[key] = DashboardPanel(key, template, context, permission, order)


def register_household_section(
    *,
    key: str,
    title: str,
    template: str,
    context: Callable[[HttpRequest, object], dict | None],
    permission: str,
    order: int,
) -> None:
    """One section of a household's page, rendered with `section` = context(request, household)."""
    _sections[key] = HouseholdSection(key, title, template, context, permission, order)


def _allowed(user, items):
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return []
    return [item for item in sorted(items, key=lambda i: i.order) if user.has_perm(item.permission)]


def menu_for(user) -> list[MenuEntry]:
    """The menu entries the user holds the permission of, in order."""
    return _allowed(user, _menu.values())


def dashboard_panels(request: HttpRequest) -> list[tuple[DashboardPanel, dict]]:
    """(panel, context) of each panel the agent may see and that has something to show."""
    shown = []
    for panel in _allowed(request.user, _panels.values()):
        context = panel.context(request)
        if context is not None:
            shown.append((panel, context))
    return shown


def household_sections(request: HttpRequest, household) -> list[tuple[HouseholdSection, dict]]:
    """(section, context) of each household section the agent may see, in order."""
    shown = []
    for section in _allowed(request.user, _sections.values()):
        context = section.context(request, household)
        if context is not None:
            shown.append((section, context))
    return shown


def _menu_of(request: HttpRequest) -> list[MenuEntry]:
    user = getattr(request, "user", None)  # absent on pages answered before authentication
    return menu_for(user) if user is not None else []


def gestion_menu(request: HttpRequest) -> dict:
    """Context processor: `gestion_menu`, computed only when a template reads it."""
    return {"gestion_menu": partial(_menu_of, request)}
