"""Booking test data: factories for single rows, and the canteen (booking.demo's builder,
the one the demo uses) for a household of the tests."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from booking import demo, services
from booking.calendar import PARIS
from booking.models import (
    Closure,
    Enrolment,
    MealKind,
    Order,
    PlanningGroup,
    Price,
    Reservation,
    Service,
    Site,
    SiteDay,
)
from booking.selectors import cell_key
from tests.factories import UserFactory
from tests.portal.factories import ChildFactory, GuardianFactory, HouseholdFactory

Canteen = demo.Canteen


class ServiceFactory(factory.django.DjangoModelFactory):
    """A service with its ledger book (booking.services.save_service)."""

    class Meta:
        model = Service
        django_get_or_create = ("code",)

    code = "cant"
    name = "Restaurant scolaire"
    invoice_title = "Service de Restauration Scolaire"
    invoice_observations = demo.OBSERVATIONS

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        existing = model_class.objects.filter(code=kwargs["code"]).first()
        return existing or services.save_service(model_class(*args, **kwargs))


class MealKindFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MealKind

    service = factory.SubFactory(ServiceFactory)
    name = factory.Sequence(lambda n: f"Repas {n}")
    tab_label = factory.SelfAttribute("name")


class PriceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Price

    meal_kind = factory.SubFactory(MealKindFactory)
    amount = Decimal("4.70")
    valid_from = datetime.date(2026, 9, 1)


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    name = factory.Sequence(lambda n: f"Restaurant scolaire {n}")
    default_capacity = 120


class SiteDayFactory(factory.django.DjangoModelFactory):
    """A (site, day) capacity row; `capacity` overrides the site's default that day."""

    class Meta:
        model = SiteDay
        django_get_or_create = ("site", "day")

    site = factory.SubFactory(SiteFactory)
    day = datetime.date(2027, 1, 4)
    capacity = None


class PlanningGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanningGroup

    name = factory.Sequence(lambda n: f"Groupe {n}")
    weekdays = [0, 1, 3, 4]


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    child = factory.SubFactory(ChildFactory)
    service = factory.SubFactory(ServiceFactory)
    site = factory.SubFactory(SiteFactory)
    planning_group = factory.SubFactory(PlanningGroupFactory)


class ClosureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Closure

    service = factory.SubFactory(ServiceFactory)
    day = datetime.date(2027, 1, 4)
    reason = "grève"


class OrderFactory(factory.django.DjangoModelFactory):
    """A bare order row (no lines): for what follows an order (tipi), not for booking's
    rules, which go through booking.services."""

    class Meta:
        model = Order

    household = factory.SubFactory(HouseholdFactory)
    service = factory.SubFactory(ServiceFactory)
    created_by = factory.SubFactory(UserFactory)
    expires_at = factory.LazyFunction(timezone.now)


class ReservationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reservation

    child = factory.SubFactory(ChildFactory)
    meal_kind = factory.SubFactory(MealKindFactory)
    site = factory.SubFactory(SiteFactory)
    day = datetime.date(2027, 1, 4)
    status = Reservation.Status.CONFIRMED
    unit_price = Decimal("4.70")
    order = factory.SubFactory(
        OrderFactory,
        household=factory.SelfAttribute("..child.household"),
        service=factory.SelfAttribute("..meal_kind.service"),
    )


def enrol(canteen, child, group="Élémentaire"):
    """Enrol one more child in the canteen (its site, the planning group named)."""
    planning_group = canteen.elementary if group == "Élémentaire" else canteen.nursery
    return EnrolmentFactory(
        child=child, service=canteen.service, site=canteen.site, planning_group=planning_group
    )


def build_canteen(household, months, *, first_day, last_day, capacity=120) -> Canteen:
    """The demo's canteen (booking.demo.build_canteen) over `months`, with the household's
    Maxime (Élémentaire) and Léa (Maternelle) enrolled."""
    children = {child.first_name: child for child in household.children.all()}
    return demo.build_canteen(
        site_name="Restaurant scolaire de Clairoix",
        months=months,
        first_day=first_day,
        last_day=last_day,
        capacity=capacity,
        children=[(children["Maxime"], "Élémentaire"), (children["Léa"], "Maternelle")],
    )


def canteen_2027(household) -> Canteen:
    """A fixed calendar: school year 2026-2027 zone B, January to March 2027 open."""
    return build_canteen(
        household,
        [datetime.date(2027, 1, 1), datetime.date(2027, 2, 1), datetime.date(2027, 3, 1)],
        first_day=datetime.date(2026, 9, 1),
        last_day=datetime.date(2027, 7, 3),
    )


def next_months(count, today=None):
    month = (today or datetime.date.today()).replace(day=1)
    months = []
    for _ in range(count):
        month = (month + datetime.timedelta(days=32)).replace(day=1)
        months.append(month)
    return months


def canteen_around_today(household, months=3) -> Canteen:
    """A calendar around today, for pages that use the real clock: the next months open."""
    opened = next_months(months)
    return build_canteen(
        household,
        opened,
        first_day=opened[0] - datetime.timedelta(days=60),
        last_day=opened[-1] + datetime.timedelta(days=40),
    )


def paris(*args):
    return datetime.datetime(*args, tzinfo=PARIS)


def first_household_canteen(**canteen_fields) -> Canteen:
    """A first family (PREMIER: Maxime and Léa) and the canteen with January 2027 open,
    for the tests that build committed data in the current schema."""
    first = GuardianFactory(household=HouseholdFactory(name="PREMIER"))
    ChildFactory(household=first.household, first_name="Maxime")
    ChildFactory(household=first.household, first_name="Léa")
    return build_canteen(
        first.household,
        [datetime.date(2027, 1, 1)],
        first_day=datetime.date(2026, 9, 1),
        last_day=datetime.date(2027, 7, 3),
        **canteen_fields,
    )


def families_with_a_draft(canteen, count, *, name, day, now) -> list:
    """`count` more families (households NAME0…, e-mails name0@example.org…), each with one
    child enrolled and a draft order for that child's meal on `day`: (household, order)."""
    families = []
    for n in range(count):
        guardian = GuardianFactory(
            household=HouseholdFactory(name=f"{name.upper()}{n}"),
            user=UserFactory(email=f"{name.lower()}{n}@example.org"),
        )
        child = ChildFactory(household=guardian.household, first_name=f"Enfant{n}")
        enrol(canteen, child)
        order = services.draft_order(
            household=guardian.household,
            service=canteen.service,
            wanted_keys={cell_key(child.pk, canteen.meal.pk, day)},
            created_by=guardian.user,
            now=now,
        )
        families.append((guardian.household, order))
    return families
