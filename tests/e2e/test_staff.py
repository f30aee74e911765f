"""The staff login harness: each role's demo agent reaches the commune's back office."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import STAFF_LOGINS

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("role", list(STAFF_LOGINS["Clairoix"]))
def test_staff_login(staff_walk, staff_login, role):
    page = staff_login(role, path="admin/")
    expect(page.get_by_role("button", name="Déconnexion")).to_be_visible()
    staff_walk.shot(f"accueil-{role}")
