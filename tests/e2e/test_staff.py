"""The staff login harness: each role's demo agent lands in the commune's workspace, at
desktop and tablet sizes, and the menu shows what the role may use."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import STAFF_LOGINS

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("role", list(STAFF_LOGINS["Clairoix"]))
def test_staff_login(staff_walk, staff_login, role):
    page = staff_login(role)
    expect(page.get_by_role("heading", name="Tableau de bord", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    menu = staff_walk.menu()
    expect(menu.get_by_role("link", name="Journal")).to_be_visible()
    settings = menu.get_by_role("link", name="Paramètres (administration)")
    if role == "Administrateur":
        expect(settings).to_be_visible()
    else:
        expect(settings).to_have_count(0)
    staff_walk.shot(f"tableau-de-bord-{role}")
    staff_walk.open_menu_entry("Journal")
    expect(page.get_by_role("heading", name="Journal", level=1)).to_be_visible()
