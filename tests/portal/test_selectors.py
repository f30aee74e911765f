"""Selectors return None for what the user may not see; the views decide the 404."""

import pytest
from django.http import Http404

from portal import selectors
from portal.shortcuts import household_or_404
from tests.factories import UserFactory


def test_a_staff_account_has_no_household_and_its_pages_answer_404(blanchard):
    staff = UserFactory(email="agent@clairoix.test", is_staff=True)
    assert selectors.household_of_user(staff) is None
    with pytest.raises(Http404):
        household_or_404(staff)
    assert selectors.household_of_user(blanchard.user) == blanchard.household
    assert household_or_404(blanchard.user) == blanchard.household
