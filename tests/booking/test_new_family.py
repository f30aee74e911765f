"""« Nouvelle famille »: household, first guardian, children and enrolments in one step."""

import pytest
from django.core.exceptions import ValidationError

from booking.models import Enrolment
from booking.new_family import NewEnrolment, NewFamilyChild, enrolment_choices, family_create
from notifications.models import OutboxEmail
from portal.families import NewChild, NewGuardian, NewHousehold
from portal.journal import journal_entries
from portal.models import Household
from tests.factories import UserFactory


@pytest.fixture
def agent(in_clairoix):
    return UserFactory(email="agent@clairoix.test", last_name="AGENT", is_staff=True)


def _guardian():
    return NewGuardian(
        email="claire.martin@example.org", civility="MME", last_name="Martin", first_name="Claire"
    )


def test_a_family_is_created_with_its_children_enrolled_and_the_access_email(agent, canteen):
    choices = enrolment_choices()
    assert choices.services == [canteen.service]
    enrolment = NewEnrolment(canteen.service.pk, canteen.site.pk, canteen.elementary.pk)
    household = family_create(
        actor=agent,
        household=NewHousehold(name="Martin"),
        guardian=_guardian(),
        children=[
            NewFamilyChild(NewChild(first_name="Jules"), enrolment),
            NewFamilyChild(NewChild(first_name="Inès")),
        ],
    )
    enrolled = Enrolment.objects.get(child__household=household)
    assert (enrolled.child.first_name, enrolled.site, enrolled.planning_group) == (
        "Jules",
        canteen.site,
        canteen.elementary,
    )
    assert household.children.count() == 2
    assert OutboxEmail.objects.filter(to_email="claire.martin@example.org").count() == 1
    assert [e.action for e in journal_entries(household_id=household.pk)] == ["family.create"]


def test_an_unknown_site_creates_nothing(agent, canteen):
    before = Household.objects.count()
    with pytest.raises(ValidationError) as error:
        family_create(
            actor=agent,
            household=NewHousehold(name="Martin"),
            guardian=_guardian(),
            children=[
                NewFamilyChild(
                    NewChild(first_name="Jules"),
                    NewEnrolment(canteen.service.pk, 999999, canteen.elementary.pk),
                )
            ],
        )
    assert "children" in error.value.message_dict
    assert Household.objects.count() == before and not OutboxEmail.objects.exists()
