import datetime

import factory

from portal.models import Child, Guardian, Household
from tests.factories import UserFactory


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    name = factory.Sequence(lambda n: f"FAMILLE{n}")
    street_number = "12"
    street_name = "rue des Écoles"
    postal_code = "60280"
    city = "CLAIROIX"
    home_phone = "03 44 00 00 01"


class GuardianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Guardian

    user = factory.SubFactory(UserFactory)
    household = factory.SubFactory(HouseholdFactory)
    rank = Guardian.Rank.FIRST
    civility = Guardian.Civility.MR
    mobile_phone = "06 12 34 56 78"


class ChildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Child

    household = factory.SubFactory(HouseholdFactory)
    last_name = "BLANCHARD"
    first_name = factory.Sequence(lambda n: f"Enfant{n}")
    birth_date = datetime.date(2017, 3, 14)
    school = "École élémentaire"
    class_name = "CE2"


def bulk_households(count: int, *, start: int = 0, with_messages: bool = False) -> list[Household]:
    """`count` households with one guardian (an account) and one child each, in a few
    queries (bulk_create): the query-count tests' 10 and 500 families."""
    from django.contrib.auth import get_user_model

    from portal.models import ContactMessage

    User = get_user_model()
    numbers = range(start, start + count)
    households = Household.objects.bulk_create(
        [
            Household(name=f"FOYER{n:04d}", city="CLAIROIX", home_phone="03 44 00 00 01")
            for n in numbers
        ]
    )
    users = User.objects.bulk_create(
        [
            User(
                email=f"parent{n:04d}@example.org",
                first_name="Parent",
                last_name=f"FOYER{n:04d}",
                password="!",
            )
            for n in numbers
        ]
    )
    Guardian.objects.bulk_create(
        [
            Guardian(user=user, household=household, civility="MME", mobile_phone="06 99 00 00 00")
            for user, household in zip(users, households, strict=True)
        ]
    )
    Child.objects.bulk_create(
        [
            Child(household=household, last_name=household.name, first_name=f"Enfant{n}")
            for n, household in zip(numbers, households, strict=True)
        ]
    )
    if with_messages:
        ContactMessage.objects.bulk_create(
            [
                ContactMessage(household=household, author=user, subject="Question", body="Bonjour")
                for user, household in zip(users, households, strict=True)
            ]
        )
    return households
