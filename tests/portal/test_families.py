"""Families in the workspace: the search, a new household, the portal access e-mail."""

import pytest
from django.core.exceptions import ValidationError

from notifications.models import OutboxEmail
from portal import families
from portal.journal import journal_entries
from portal.models import Child, Household
from tests.factories import UserFactory
from tests.portal.factories import GuardianFactory


@pytest.fixture
def agent(in_clairoix):
    return UserFactory(email="agent@clairoix.test", last_name="AGENT", is_staff=True)


def _names(query):
    return [h.name for h in families.search_households(query=query)]


@pytest.mark.parametrize(
    "query",
    [
        "blanch",
        "BLANCHARD",
        "Léa",
        "maxime",
        "bertrand.blanchard@example",
        "06 12 34",
        "0612345678",
        "+33612345678",
    ],
)
def test_search_finds_a_family_by_name_child_email_or_phone(blanchard, dupont, query):
    # BLANCHARD's guardian has the factory's mobile 06 12 34 56 78; DUPONT 07 81 22 33 45.
    assert _names(query) == ["BLANCHARD"]


def test_search_by_home_phone_and_nothing_for_a_blank_query(blanchard, dupont):
    Household.objects.filter(pk=dupont.household_id).update(home_phone="03 44 99 88 77")
    assert _names("0344998877") == ["DUPONT"]
    assert _names("") == [] and _names("   ") == []
    assert _names("zzz") == []


def test_search_costs_three_queries(blanchard, dupont, django_assert_num_queries):
    with django_assert_num_queries(3):
        [household] = families.search_households(query="Zoé")
        assert [c.first_name for c in household.children.all()] == ["Zoé"]
        assert [g.user.email for g in household.guardians.all()] == ["anne.dupont@example.org"]


def _new(**household):
    return families.NewHousehold(
        **{
            "name": "Martin",
            "postal_code": "60280",
            "city": "Clairoix",
            "children": [families.NewChild(first_name="Jules")],
            **household,
        }
    )


def _guardian(**fields):
    return families.NewGuardian(
        **{
            "email": "claire.martin@example.org",
            "civility": "MME",
            "last_name": "Martin",
            "first_name": "Claire",
            "mobile_phone": "0601020304",
            **fields,
        }
    )


def test_a_new_household_gets_its_guardian_children_access_email_and_journal(agent):
    household = families.household_create(actor=agent, household=_new(), guardian=_guardian())
    assert household.name == "MARTIN" and household.city == "CLAIROIX"
    [guardian] = household.guardians.all()
    assert guardian.user.email == "claire.martin@example.org"
    assert guardian.mobile_phone == "06 01 02 03 04"
    assert not guardian.user.has_usable_password()
    assert [(c.last_name, c.first_name) for c in Child.objects.filter(household=household)] == [
        ("MARTIN", "Jules")
    ]
    email = OutboxEmail.objects.get()
    assert email.to_email == "claire.martin@example.org" and email.template == "portal/access"
    [entry] = journal_entries(household_id=household.pk)
    assert entry.action == "family.create" and entry.actor == agent


@pytest.mark.parametrize(
    ("household", "guardian", "field"),
    [
        ({"name": " "}, {}, "name"),
        ({}, {"email": ""}, "email"),
        ({}, {"civility": "X"}, "civility"),
        ({}, {"mobile_phone": "12"}, "mobile_phone"),
        ({"postal_code": "6028"}, {}, "postal_code"),
        ({"children": [families.NewChild(first_name="")]}, {}, "children"),
    ],
)
def test_bad_input_creates_nothing_and_says_where(agent, household, guardian, field):
    with pytest.raises(ValidationError) as error:
        families.household_create(
            actor=agent, household=_new(**household), guardian=_guardian(**guardian)
        )
    assert field in error.value.message_dict
    assert not Household.objects.exists() and not OutboxEmail.objects.exists()


def test_an_email_already_used_is_refused(agent, blanchard):
    with pytest.raises(ValidationError) as error:
        families.household_create(
            actor=agent,
            household=_new(),
            guardian=_guardian(email="Bertrand.Blanchard@example.org"),
        )
    assert "email" in error.value.message_dict
    assert Household.objects.count() == 1


def test_access_email_is_sent_again_to_a_guardian_of_the_household(agent, blanchard):
    email = families.guardian_send_access(
        actor=agent, household_id=blanchard.household_id, guardian_id=blanchard.pk
    )
    assert email.to_email == "bertrand.blanchard@example.org" and email.template == "portal/access"
    [entry] = journal_entries(household_id=blanchard.household_id)
    assert entry.action == "family.access_email" and entry.details["resent"] is True


def test_access_email_refused_for_a_guardian_of_another_household(agent, blanchard, dupont):
    with pytest.raises(ValidationError):
        families.guardian_send_access(
            actor=agent, household_id=blanchard.household_id, guardian_id=dupont.pk
        )
    assert not OutboxEmail.objects.exists()


def test_emails_sent_to_a_household_are_listed(agent, blanchard, dupont):
    second = GuardianFactory(
        household=blanchard.household, rank=2, user__email="Sophie@Example.org"
    )
    families.guardian_send_access(
        actor=agent, household_id=blanchard.household_id, guardian_id=second.pk
    )
    families.guardian_send_access(
        actor=agent, household_id=dupont.household_id, guardian_id=dupont.pk
    )
    household = families.household_for_staff(household_id=blanchard.household_id)
    assert [e.to_email for e in families.emails_sent_to(household)] == ["Sophie@Example.org"]
