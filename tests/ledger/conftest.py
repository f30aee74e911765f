import pytest

from tests.ledger.factories import ServiceBookFactory


@pytest.fixture
def cant(in_clairoix):
    return ServiceBookFactory()


@pytest.fixture
def maxime(blanchard):
    return blanchard.household.children.get(first_name="Maxime")


@pytest.fixture
def lea(blanchard):
    return blanchard.household.children.get(first_name="Léa")
