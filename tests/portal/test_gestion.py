"""The staff workspace's foundation: the menu each role sees, the layout, the journal."""

from html import unescape

import pytest
from django.db import transaction

from portal import gestion, journal, roles
from portal.models import JournalEntry
from tests.factories import UserFactory, agent_client


def menu_labels(user):
    user = type(user).objects.get(pk=user.pk)  # fresh permission cache
    return [str(entry.label) for entry in gestion.menu_for(user)]


def test_the_menu_shows_what_each_role_may_open(in_clairoix):
    menus = {role: menu_labels(agent_client(role)[1]) for role in roles.ROLE_NAMES}
    assert menus[roles.AGENT][:2] == ["Tableau de bord", "Cuisine"]
    assert "Journal" in menus[roles.AGENT]
    assert "Paramètres (administration)" not in menus[roles.AGENT]
    assert "Paramètres (administration)" not in menus[roles.LECTURE]
    assert "Paramètres (administration)" not in menus[roles.REGISSEUR]
    assert menus[roles.ADMINISTRATEUR][-1] == "Paramètres (administration)"
    # Every entry the administrator sees, every other role sees a part of it, in order.
    for role in (roles.AGENT, roles.REGISSEUR, roles.LECTURE):
        assert [label for label in menus[roles.ADMINISTRATEUR] if label in menus[role]] == menus[
            role
        ]


def test_parents_and_anonymous_visitors_get_no_menu(in_clairoix, blanchard):
    from django.contrib.auth.models import AnonymousUser

    assert gestion.menu_for(AnonymousUser()) == []
    assert gestion.menu_for(blanchard.user) == []


@pytest.mark.parametrize("role", roles.ROLE_NAMES)
def test_the_layout_renders_for_each_role(in_clairoix, role):
    client, user = agent_client(role)
    page = client.get("/Clairoix/gestion/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Clairoix" in html and "AGENT Claire" in html and "Se déconnecter" in html
    assert 'href="/Clairoix/gestion/"' in html and 'aria-current="page"' in html
    for label in menu_labels(user):
        assert label in unescape(html)  # "Liste d'attente" is escaped in the page
    assert "gestion.css" in html and "<style" not in html and "<script>" not in html


def test_the_menu_is_not_shown_to_a_role_without_the_page_s_permission(in_clairoix):
    client, _user = agent_client(roles.AGENT)
    html = client.get("/Clairoix/gestion/").content.decode()
    assert 'href="/Clairoix/admin/"' not in html  # the settings are the administrator's
    admin, _user = agent_client(roles.ADMINISTRATEUR, "admin@clairoix.test")
    assert 'href="/Clairoix/admin/"' in admin.get("/Clairoix/gestion/").content.decode()


def test_a_dashboard_panel_is_shown_only_with_its_permission(in_clairoix, settings, tmp_path):
    (tmp_path / "portal" / "gestion").mkdir(parents=True)
    (tmp_path / "portal" / "gestion" / "test_panel.html").write_text(
        "<p>panneau-test {{ panel.figure }}</p>"
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    calls = []

    def context(request):
        calls.append(request.user.email)
        return {"figure": 42}

    gestion.register_dashboard_panel(
        key="test_panel",
        template="portal/gestion/test_panel.html",
        context=context,
        permission="ledger.export_ledger",
        order=999,
    )
    try:
        agent, _ = agent_client(roles.AGENT)
        regisseur, _ = agent_client(roles.REGISSEUR)
        assert "panneau-test 42" not in agent.get("/Clairoix/gestion/").content.decode()
        assert calls == []  # not even computed for a role that may not see it
        assert "panneau-test 42" in regisseur.get("/Clairoix/gestion/").content.decode()
        assert calls == ["régisseur@clairoix.test"]
    finally:
        gestion._panels.pop("test_panel")


def test_a_journal_row_is_written_in_the_caller_s_transaction(in_clairoix, blanchard):
    agent = UserFactory(email="agent@clairoix.test", is_staff=True, first_name="Claire")
    with transaction.atomic():
        entry = journal.record_staff_action(
            actor=agent,
            action="test.action",
            summary="Une action",
            household_id=blanchard.household_id,
            details={"montant": "4.70"},
        )
    assert JournalEntry.objects.get() == entry
    assert entry.actor_name == "BLANCHARD Claire"

    with pytest.raises(ValueError), transaction.atomic():
        journal.record_staff_action(actor=agent, action="test.action", summary="Annulée")
        raise ValueError("the change fails: its journal row goes with it")
    assert list(JournalEntry.objects.values_list("summary", flat=True)) == ["Une action"]


def test_the_journal_page_filters_and_pages(in_clairoix, blanchard, dupont):
    journal.register_action("test.closure", "Fermeture (test)")
    journal.register_action("test.payment", "Paiement (test)")
    client, agent = agent_client(roles.AGENT)
    with transaction.atomic():
        for n in range(journal.PAGE_SIZE + 5):
            journal.record_staff_action(
                actor=agent,
                action="test.closure",
                summary=f"Fermeture n° {n}",
                household_id=blanchard.household_id,
            )
        journal.record_staff_action(
            actor=agent,
            action="test.payment",
            summary="Paiement DUPONT",
            household_id=dupont.household_id,
        )
    html = client.get("/Clairoix/gestion/journal/").content.decode()
    assert "Paiement DUPONT" in html and "Paiement (test)" in html
    assert "Page 1 sur 2" in html and "AGENT Claire" in html
    html = client.get("/Clairoix/gestion/journal/?action=test.payment").content.decode()
    assert "Paiement DUPONT" in html and "Fermeture n°" not in html
    html = client.get(f"/Clairoix/gestion/journal/?foyer={blanchard.household_id}&page=2")
    html = html.content.decode()
    assert "Fermeture n° 0" in html and "Paiement DUPONT" not in html
    # Anything else in the filters shows the whole journal, never an error.
    for query in ("?action=<x>", "?foyer=abc", "?page=-1", "?page=99999999999", "?foyer=999999"):
        assert client.get("/Clairoix/gestion/journal/" + query).status_code == 200


def test_the_journal_page_costs_the_same_queries_whatever_the_rows(in_clairoix, blanchard):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client, agent = agent_client(roles.LECTURE)
    counts = []
    for rows in (3, 60):
        with transaction.atomic():
            for n in range(rows):
                journal.record_staff_action(
                    actor=agent,
                    action="test.closure",
                    summary=f"n° {n}",
                    household_id=blanchard.household_id,
                )
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/Clairoix/gestion/journal/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_pages_answered_before_authentication_still_render(client, in_public):
    # An unknown commune's 404 is answered before the session middleware sets request.user.
    response = client.get("/Pas-une-commune/")
    assert response.status_code == 404
