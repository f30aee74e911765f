import pytest

from tests.factories import PASSWORD, UserFactory
from tests.portal.factories import ChildFactory, GuardianFactory, HouseholdFactory


@pytest.fixture
def blanchard(in_clairoix):
    """Clairoix's BLANCHARD household: Bertrand (responsable 1), Maxime and Léa."""
    household = HouseholdFactory(name="BLANCHARD")
    bertrand = GuardianFactory(
        household=household,
        user=UserFactory(
            email="bertrand.blanchard@example.org", first_name="Bertrand", last_name="BLANCHARD"
        ),
    )
    ChildFactory(household=household, first_name="Maxime")
    ChildFactory(household=household, first_name="Léa", class_name="Moyenne section")
    return bertrand


@pytest.fixture
def dupont(in_clairoix):
    """Another Clairoix household, for the cross-household checks."""
    household = HouseholdFactory(name="DUPONT", street_name="allée des Tilleuls")
    guardian = GuardianFactory(
        household=household,
        user=UserFactory(email="anne.dupont@example.org", first_name="Anne", last_name="DUPONT"),
        civility="MME",
        mobile_phone="07 81 22 33 45",
    )
    ChildFactory(household=household, last_name="DUPONT", first_name="Zoé")
    return guardian


@pytest.fixture
def parent_client(client, blanchard):
    response = client.post(
        "/Clairoix/", {"username": "bertrand.blanchard@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    return client
