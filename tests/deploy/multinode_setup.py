"""Data for the multi-node test, run in a subprocess on its own (empty) database, which it
migrates first:
`python tests/deploy/multinode_setup.py FAMILIES PLACES` prints a JSON description.

One commune "Rush" with a canteen open this month and the next; FAMILIES households of one
child each, every one with 20,00 € of credit (so "Valider" needs no card payment), all
wanting the same day, which has PLACES places.
"""

import datetime
import json
import os
import sys
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from booking import selectors  # noqa: E402
from booking.demo import school_year_of  # noqa: E402
from booking.models import Enrolment, SiteDay  # noqa: E402
from ledger import services as ledger_services  # noqa: E402
from tenants.services import create_commune  # noqa: E402
from tests.booking.factories import build_canteen  # noqa: E402
from tests.factories import PASSWORD, UserFactory  # noqa: E402
from tests.portal.factories import ChildFactory, GuardianFactory, HouseholdFactory  # noqa: E402


def main(families: int, places: int):
    call_command("migrate", interactive=False, verbosity=0)
    commune = create_commune(
        name="Rush", slug="Rush", contact_email="mairie@rush.test", admin_email="admin@rush.test"
    )
    with schema_context(commune.schema_name), transaction.atomic():
        first = GuardianFactory(household=HouseholdFactory(name="PREMIER"))
        ChildFactory(household=first.household, first_name="Maxime")
        ChildFactory(household=first.household, first_name="Léa")
        this_month = timezone.localdate().replace(day=1)
        next_month = (this_month + datetime.timedelta(days=32)).replace(day=1)
        first_day, last_day = school_year_of(timezone.localdate())
        canteen = build_canteen(
            first.household, [this_month, next_month], first_day=first_day, last_day=last_day
        )
        parents = []
        for n in range(families):
            guardian = GuardianFactory(
                household=HouseholdFactory(name=f"RUSH{n}"),
                user=UserFactory(email=f"famille{n}@rush.test"),
            )
            child = ChildFactory(household=guardian.household, first_name=f"Enfant{n}")
            Enrolment.objects.create(
                child=child,
                service=canteen.service,
                site=canteen.site,
                planning_group=canteen.elementary,
            )
            ledger_services.record_payment(
                household=guardian.household,
                service_code=canteen.service.code,
                amount=Decimal("20.00"),
                mode="cash",
                recorded_by=guardian.user,
                idempotency_key=f"rush-credit-{n}",
            )
            parents.append((guardian, child))
        planning = selectors.planning_for(parents[0][0].household, canteen.service)
        day = next(
            cell.day
            for _child, kind, month in planning.cells()
            if kind.meal_kind.pk == canteen.meal.pk
            for cell in month.cells
            if not cell.disabled
        )
        SiteDay.objects.create(site=canteen.site, day=day, capacity=places)
    print(
        json.dumps(
            {
                "schema": commune.schema_name,
                "day": day.isoformat(),
                "password": PASSWORD,
                "families": [
                    {
                        "email": guardian.user.email,
                        "key": selectors.cell_key(child.pk, canteen.meal.pk, day),
                    }
                    for guardian, child in parents
                ],
            }
        )
    )


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
