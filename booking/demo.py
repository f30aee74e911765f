"""Demo canteen, loaded by `manage.py load_demo` inside each commune (idempotent):
"Repas" 4,70 €, "Repas exceptionnel" 6,20 €, 120 places a day, J-2 ouvrés à 10:00,
the current and next month open; Maxime eats Mon/Tue/Thu/Fri, Léa Mon/Tue/Thu."""

import datetime
from decimal import Decimal

from django.utils import timezone

from booking import demo_town, services
from booking.models import (
    DeadlineRule,
    Enrolment,
    ExceptionalDay,
    MealKind,
    OpenMonth,
    PlanningGroup,
    Price,
    SchoolYear,
    Service,
    Site,
)
from portal.models import Child

ENROLMENTS = {
    "Clairoix": {"Maxime": "Élémentaire", "Léa": "Maternelle"},
    "Les-Ageux": {"Hugo": "Élémentaire"},
}


def school_year_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    start_year = day.year if day.month >= 8 else day.year - 1
    return datetime.date(start_year, 9, 1), datetime.date(start_year + 1, 7, 3)


def load(commune):
    if commune.slug not in ENROLMENTS:
        return
    service = Service.objects.filter(code="cant").first() or Service(code="cant")
    service.name = "Restaurant scolaire"
    service.invoice_title = "Service de Restauration Scolaire"
    service.invoice_observations = (
        "Le prix du repas prend en compte le temps d'animation pendant la pause méridienne"
    )
    services.save_service(service)

    today = timezone.localdate()
    first_day, last_day = school_year_of(today)
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
    site, _ = Site.objects.get_or_create(
        name=f"Restaurant scolaire de {commune.name}", defaults={"default_capacity": 120}
    )
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
    this_month = today.replace(day=1)
    next_month = (this_month + datetime.timedelta(days=32)).replace(day=1)
    for month in (this_month, next_month):
        OpenMonth.objects.get_or_create(service=service, month=month)
        # One festive meal in the third week of each open month.
        festive = month + datetime.timedelta(days=14)
        while festive.weekday() != 3:
            festive += datetime.timedelta(days=1)
        ExceptionalDay.objects.get_or_create(
            meal_kind=special, day=festive, defaults={"label": "Repas de fête"}
        )
    demo_town.load(commune, service=service, meal=meal, site=site, groups=groups)
    for first_name, group in ENROLMENTS[commune.slug].items():
        child = Child.objects.filter(first_name=first_name).first()
        if child is not None:
            Enrolment.objects.get_or_create(
                child=child,
                service=service,
                defaults={"site": site, "planning_group": groups[group]},
            )
