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
