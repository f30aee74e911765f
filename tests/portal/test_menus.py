"""The portal's menus come from what booking and ledger register (portal/menus.py): the
portal's templates name none of their pages."""

import re
from pathlib import Path

from portal import menus

PORTAL_TEMPLATES = Path(__file__).resolve().parents[2] / "portal" / "templates"


def test_the_service_menu_lists_the_registered_pages_in_the_manuals_order(in_clairoix):
    menu = menus.service_menu("cant")
    assert [(page["key"], str(page["label"])) for page in menu] == [
        ("planning", "Réservation"),
        ("statement", "Consultation compte"),
        ("documents", "Consultation factures"),
    ]
    assert [page["url"] for page in menu] == [
        "/reservations/cant/reservation/",
        "/reservations/cant/compte/",
        "/reservations/cant/factures/",
    ]
    assert menus.reservations_url() == "/reservations/"


def test_the_portals_templates_reverse_no_page_of_a_higher_app():
    for path in PORTAL_TEMPLATES.rglob("*.html"):
        assert not re.search(r"\{% url ['\"](booking|ledger|tipi):", path.read_text()), path
    assert menus.service_notices() == ["tipi/service_notice.html"]


def test_each_commune_s_pages_link_to_its_own_addresses(clairoix, les_ageux):
    from django.urls import set_urlconf

    from tenants.middleware import commune_urlconf

    seen = {}
    try:
        for commune in (clairoix, les_ageux, clairoix):
            set_urlconf(commune_urlconf(commune))
            seen[commune.slug] = (menus.portal_addresses(), menus.service_menu("cant"))
    finally:
        set_urlconf(None)
    addresses, menu = seen["Clairoix"]
    assert addresses["contact"] == "/Clairoix/nous-contacter/" and addresses["logout"].startswith(
        "/Clairoix/"
    )
    assert menu[0]["url"] == "/Clairoix/reservations/cant/reservation/"
    addresses, menu = seen["Les-Ageux"]
    assert addresses["contact"] == "/Les-Ageux/nous-contacter/"
    assert menu[1]["url"] == "/Les-Ageux/reservations/cant/compte/"
