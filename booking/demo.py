"""The canteen of the demo and of the tests: one builder, idempotent.

`load(commune)` (run by `manage.py load_demo` inside each commune) builds it around today:
"Repas" 4,70 €, "Repas exceptionnel" 6,20 €, 120 places a day, J-2 ouvrés à 10:00, the
current and next month open; Maxime eats Mon/Tue/Thu/Fri, Léa Mon/Tue/Thu. The tests build
the same canteen over the months they choose (tests/booking/factories.py).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from booking import demo_alsh, demo_attendance, demo_town, services
from booking.models import (
    DeadlineRule,
    Enrolment,
    ExceptionalDay,
    MealKind,
    OpenMonth,
    PlanningGroup,
    Price,
    PriceBracket,
    SchoolYear,
    Service,
    Site,
)
from portal.selectors import child_named

ENROLMENTS = {
    "Clairoix": {"Maxime": "Élémentaire", "Léa": "Maternelle"},
    "Les-Ageux": {"Hugo": "Élémentaire"},
}
OBSERVATIONS = "Le prix du repas prend en compte le temps d'animation pendant la pause méridienne"


@dataclass
class Canteen:
    service: Service
    meal: MealKind
    special: MealKind
    site: Site
    elementary: PlanningGroup
    nursery: PlanningGroup
    months: list
    enrolments: dict  # first name → Enrolment

    @property
    def maxime(self):
        return self.enrolments["Maxime"].child

    @property
    def lea(self):
        return self.enrolments["Léa"].child


# "Cantine à 1 €": QF ≤ 500: 1,00 €; 501–900: 2,50 €; above (or no QF known): 4,70 €.
QF_GRIDS = {
    "Les-Ageux": [
        (Decimal("500.00"), Decimal("1.00")),
        (Decimal("900.00"), Decimal("2.50")),
        (None, Decimal("4.70")),
    ],
}


def school_year_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    start_year = day.year if day.month >= 8 else day.year - 1
    return datetime.date(start_year, 9, 1), datetime.date(start_year + 1, 7, 3)


def festive_day(month: datetime.date) -> datetime.date:
    """The Thursday of the third week: one festive meal in each open month."""
    festive = month + datetime.timedelta(days=14)
    while festive.weekday() != 3:
        festive += datetime.timedelta(days=1)
    return festive


def build_canteen(
    *, site_name: str, months, first_day, last_day, children=(), capacity: int = 120
) -> Canteen:
    """The "cant" service and its rules, the school year from `first_day` to `last_day`,
    `months` open, and each (child, "Élémentaire" | "Maternelle") of `children` enrolled.
    Running it again changes nothing."""
    service = Service.objects.filter(code="cant").first() or Service(code="cant")
    service.name = "Restaurant scolaire"
    service.invoice_title = "Service de Restauration Scolaire"
    service.invoice_observations = OBSERVATIONS
    services.save_service(service)
    SchoolYear.objects.get_or_create(
        first_day=first_day, defaults={"last_day": last_day, "zone": SchoolYear.Zone.B}
    )
    meal, _ = MealKind.objects.get_or_create(
        service=service, name="Repas", defaults={"tab_label": "Repas", "position": 0}
    )
    special, _ = MealKind.objects.get_or_create(
        service=service,
        name="Repas exceptionnel",
        defaults={"tab_label": "Repas exceptionnels", "is_exceptional": True, "position": 1},
    )
    Price.objects.get_or_create(
        meal_kind=meal, valid_from=first_day, defaults={"amount": Decimal("4.70")}
    )
    Price.objects.get_or_create(
        meal_kind=special, valid_from=first_day, defaults={"amount": Decimal("6.20")}
    )
    site, _ = Site.objects.get_or_create(name=site_name, defaults={"default_capacity": capacity})
    groups = {
        "Élémentaire": PlanningGroup.objects.get_or_create(
            name="Élémentaire", defaults={"weekdays": [0, 1, 3, 4]}
        )[0],
        "Maternelle": PlanningGroup.objects.get_or_create(
            name="Maternelle", defaults={"weekdays": [0, 1, 3]}
        )[0],
    }
    for action in (DeadlineRule.Action.BOOK, DeadlineRule.Action.CANCEL):
        DeadlineRule.objects.get_or_create(
            service=service,
            action=action,
            defaults={
                "kind": DeadlineRule.Kind.DAYS_BEFORE,
                "days_before": 2,
                "business_days_only": True,
                "at_time": datetime.time(10, 0),
            },
        )
    for month in months:
        OpenMonth.objects.get_or_create(service=service, month=month)
        ExceptionalDay.objects.get_or_create(
            meal_kind=special, day=festive_day(month), defaults={"label": "Repas de fête"}
        )
    enrolments = {
        child.first_name: Enrolment.objects.get_or_create(
            child=child,
            service=service,
            defaults={"site": site, "planning_group": groups[group]},
        )[0]
        for child, group in children
    }
    return Canteen(
        service=service,
        meal=meal,
        special=special,
        site=site,
        elementary=groups["Élémentaire"],
        nursery=groups["Maternelle"],
        months=list(months),
        enrolments=enrolments,
    )


def load(commune):
    if commune.slug not in ENROLMENTS:
        return
    today = timezone.localdate()
    first_day, last_day = school_year_of(today)
    this_month = today.replace(day=1)
    next_month = (this_month + datetime.timedelta(days=32)).replace(day=1)
    children = [
        (child, group)
        for first_name, group in ENROLMENTS[commune.slug].items()
        if (child := child_named(first_name)) is not None
    ]
    canteen = build_canteen(
        site_name=f"Restaurant scolaire de {commune.name}",
        months=[this_month, next_month],
        first_day=first_day,
        last_day=last_day,
        children=children,
    )
    if commune.slug in QF_GRIDS:
        price = canteen.meal.prices.get(valid_from=first_day)
        for qf_max, amount in QF_GRIDS[commune.slug]:
            PriceBracket.objects.get_or_create(
                price=price, qf_max=qf_max, defaults={"amount": amount}
            )
    demo_town.load(
        commune,
        service=canteen.service,
        meal=canteen.meal,
        site=canteen.site,
        groups={"Élémentaire": canteen.elementary, "Maternelle": canteen.nursery},
    )
    demo_attendance.load(commune, service=canteen.service, site=canteen.site)
    demo_alsh.load(commune, site=canteen.site, first_day=first_day, months=[this_month, next_month])
