"""The parents' menus: the "Réservations" tab, each service's sub-menu (the manual's
Réservation | Consultation compte | Consultation factures) and the notices under it.

Apps register their pages from their AppConfig.ready() (as for the home page's panels in
portal/home.py), so the portal links to booking's, ledger's and tipi's pages without knowing them.
"""

import functools
from dataclasses import dataclass

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse


@dataclass(frozen=True)
class ServicePage:
    key: str  # the `service_page` a view puts in its context to mark the page current
    label: str
    viewname: str  # reversed with the service's code
    order: int = 100


_service_pages: dict[str, ServicePage] = {}
_reservations_viewname: list[str] = []
_service_notices: list[str] = []


def register_service_page(key: str, label, viewname: str, order: int = 100) -> None:
    _service_pages[key] = ServicePage(key=key, label=label, viewname=viewname, order=order)


def register_reservations_page(viewname: str) -> None:
    """The page the "Réservations" tab opens (the portal's home when none is registered)."""
    _reservations_viewname[:] = [viewname]


def register_service_notice(template: str) -> None:
    """A template shown under a service's menu and on its home card (tipi: the pending card
    payment), rendered with `service_code` and the page's context."""
    if template not in _service_notices:
        _service_notices.append(template)


def service_notices() -> list[str]:
    return list(_service_notices)


@functools.lru_cache(maxsize=4096)
def _address(urlconf, prefix: str, viewname: str, args: tuple) -> str | None:
    try:
        return reverse(viewname, urlconf=urlconf, args=args)
    except NoReverseMatch:
        return None


def address(viewname: str, *args) -> str | None:
    """reverse() of a menu's page in the current commune's URLs (None when there is no such
    page), computed once per process: the addresses never change while it runs."""
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    return _address(urlconf, get_script_prefix(), viewname, args)


def service_menu(service_code: str) -> list[dict]:
    """The sub-menu of one service: key, label and address of each registered page."""
    entries = []
    for page in sorted(_service_pages.values(), key=lambda p: p.order):
        url = address(page.viewname, service_code)
        if url is not None:
            entries.append({"key": page.key, "label": page.label, "url": url})
    return entries


def reservations_url() -> str:
    for viewname in _reservations_viewname:
        return address(viewname)
    return address("portal:home")


def portal_addresses() -> dict[str, str]:
    """The portal's tabs (portal/base.html): the addresses of its own pages."""
    return {
        "reservations": reservations_url(),
        "contact_details": address("portal:contact_details_menu"),
        "contact": address("portal:contact"),
        "logout": address("portal:logout"),
    }
