"""Demo families, loaded by `manage.py load_demo` inside each commune (idempotent)."""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model

from portal import demo_town, roles
from portal.models import (
    Allergen,
    Child,
    ChildHealth,
    Diet,
    Guardian,
    HealthDeclaration,
    Household,
    QuotientFamilial,
)

DEMO_PASSWORD = "preau-demo-2026"  # noqa: S105 - published demo credentials

FAMILIES = {
    "Clairoix": {
        "household": {
            "name": "BLANCHARD",
            "street_number": "12",
            "street_name": "rue des Écoles",
            "postal_code": "60280",
            "city": "CLAIROIX",
            "home_phone": "03 44 00 00 01",
        },
        "guardian": {
            "email": "bertrand.blanchard@example.org",
            "civility": Guardian.Civility.MR,
            "last_name": "BLANCHARD",
            "first_name": "Bertrand",
            "mobile_phone": "06 12 34 56 78",
        },
        # Separated parents: Léa's and Maxime's mother is the household's second guardian,
        # with her own login; both see the children, book and pay.
        "other_guardians": [
            {
                "email": "nathalie.roussel@example.org",
                "civility": Guardian.Civility.MRS,
                "last_name": "ROUSSEL",
                "first_name": "Nathalie",
                "mobile_phone": "06 12 34 56 79",
            }
        ],
        "children": [
            ("BLANCHARD", "Maxime", datetime.date(2017, 3, 14), "École élémentaire", "CE2"),
            ("BLANCHARD", "Léa", datetime.date(2021, 9, 2), "École maternelle", "Moyenne section"),
        ],
    },
    "Les-Ageux": {
        "household": {
            "name": "MARTIN",
            "street_number": "3",
            "street_name": "rue de la Mairie",
            "postal_code": "60700",
            "city": "LES AGEUX",
        },
        "guardian": {
            "email": "claire.martin@example.org",
            "civility": Guardian.Civility.MRS,
            "last_name": "MARTIN",
            "first_name": "Claire",
            "mobile_phone": "06 98 76 54 32",
        },
        "children": [
            ("MARTIN", "Hugo", datetime.date(2018, 6, 21), "École des Ageux", "CE1"),
        ],
        # CAF quotient familial: "Tarif QF 2" on Les Ageux's "Cantine à 1 €" grid.
        "quotient": Decimal("720.00"),
    },
}


# Validated diets, allergies and PAI (first name → values) so the kitchen list shows them;
# Léa's declaration waits for the commune on "Régimes et allergies".
HEALTH = {
    "Clairoix": {
        "Maxime": {
            "diet": Diet.NO_PORK,
            "allergens": [Allergen.PEANUTS],
            "pai": True,
            "pai_end": datetime.date(2027, 7, 3),
        },
        "Jules": {"diet": Diet.VEGETARIAN},
        "Inès": {"diet": Diet.NO_PORK},
        "Emma": {"diet": Diet.NO_MEAT, "allergens": [Allergen.MILK], "allergies_other": "kiwi"},
        "Nathan": {"diet": Diet.NO_PORK},
    },
}
PENDING_HEALTH = {"Clairoix": {"Léa": {"allergens": [Allergen.EGGS]}}}


# One staff account per role besides the administrator (load_demo makes that one).
STAFF = {
    "Clairoix": [
        ("regisseur@clairoix.example", "RÉGIE", "Régine", roles.REGISSEUR),
        ("agent@clairoix.example", "CANTINE", "Agnès", roles.AGENT),
        ("lecture@clairoix.example", "LECTURE", "Luc", roles.LECTURE),
    ],
}


def ensure_user(email: str, **fields):
    """The demo account `email` (created with `fields` if missing), with DEMO_PASSWORD."""
    User = get_user_model()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, **fields)
    if not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def load_staff(commune):
    for email, last_name, first_name, role in STAFF.get(commune.slug, []):
        user = ensure_user(email, last_name=last_name, first_name=first_name, is_staff=True)
        user.groups.set([roles.group(role)])


def load(commune):
    load_staff(commune)
    demo_town.load(commune, DEMO_PASSWORD)
    family = FAMILIES.get(commune.slug)
    if family is None:
        return
    spec = family["household"]
    household, _ = Household.objects.get_or_create(name=spec["name"], defaults=spec)
    person = dict(family["guardian"])
    user = ensure_user(
        person["email"], last_name=person["last_name"], first_name=person["first_name"]
    )
    Guardian.objects.get_or_create(
        user=user,
        defaults={
            "household": household,
            "civility": person["civility"],
            "mobile_phone": person["mobile_phone"],
        },
    )
    if "quotient" in family:
        QuotientFamilial.objects.get_or_create(
            household=household,
            valid_from=datetime.date(2020, 1, 1),
            defaults={"value": family["quotient"], "source": QuotientFamilial.Source.CAF},
        )
    for rank, other in enumerate(family.get("other_guardians", []), start=2):
        other_user = ensure_user(
            other["email"], last_name=other["last_name"], first_name=other["first_name"]
        )
        Guardian.objects.get_or_create(
            user=other_user,
            defaults={
                "household": household,
                "rank": rank,
                "civility": other["civility"],
                "mobile_phone": other["mobile_phone"],
            },
        )
    for last_name, first_name, birth_date, school, class_name in family["children"]:
        Child.objects.get_or_create(
            household=household,
            first_name=first_name,
            defaults={
                "last_name": last_name,
                "birth_date": birth_date,
                "school": school,
                "class_name": class_name,
            },
        )
    load_health(commune, user)


def load_health(commune, parent) -> None:
    """Diets, allergies and PAI on a few demo children (validated), one pending."""
    from django.utils import timezone

    for first_name, values in HEALTH.get(commune.slug, {}).items():
        child = Child.objects.filter(first_name=first_name).order_by("pk").first()
        if child is not None:
            ChildHealth.objects.get_or_create(
                child=child, defaults={**values, "validated_at": timezone.now()}
            )
    for first_name, values in PENDING_HEALTH.get(commune.slug, {}).items():
        child = Child.objects.filter(first_name=first_name).order_by("pk").first()
        if child is not None and not HealthDeclaration.objects.filter(child=child).exists():
            HealthDeclaration.objects.create(child=child, declared_by=parent, **values)
