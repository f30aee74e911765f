"""A dozen more Clairoix households for the demo (besides BLANCHARD), so that the workspace's
dashboard, unpaid list and charts show a real town: loaded by portal/demo.py, idempotent.

Their bookings and money (booking/demo_town.py) follow the `habit` named here:
"card" pays each order by card, "town_hall" pays at the town hall by cheque or cash some
days later, "late" left last month's invoice unpaid, "debtor" paid nothing for two months.
"""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from portal.models import Child, ContactMessage, Guardian, Household

M, F = Guardian.Civility.MR, Guardian.Civility.MRS
ELEMENTARY, NURSERY = "Élémentaire", "Maternelle"

# (household, street, guardian (civility, first name, phone), habit, children)
# children: (first name, birth date, school class, planning group)
HOUSEHOLDS = [
    ("GARNIER", "4 rue du Moulin", (F, "Sophie", "06 11 22 33 01"), "card",
     [("Jules", datetime.date(2016, 5, 3), "CM1", ELEMENTARY),
      ("Manon", datetime.date(2020, 1, 17), "Grande section", NURSERY)]),
    ("BERNARD", "9 allée des Tilleuls", (M, "Karim", "06 11 22 33 02"), "town_hall",
     [("Inès", datetime.date(2017, 9, 12), "CE2", ELEMENTARY)]),
    ("PETIT", "15 rue de Compiègne", (F, "Aurélie", "06 11 22 33 03"), "late",
     [("Lucas", datetime.date(2015, 11, 30), "CM2", ELEMENTARY),
      ("Chloé", datetime.date(2018, 4, 8), "CE1", ELEMENTARY)]),
    ("ROBERT", "2 place de l'Église", (M, "Thomas", "06 11 22 33 04"), "card",
     [("Hugo", datetime.date(2021, 6, 25), "Moyenne section", NURSERY)]),
    ("RICHARD", "27 rue des Écoles", (F, "Nadia", "06 11 22 33 05"), "debtor",
     [("Adam", datetime.date(2016, 2, 14), "CM1", ELEMENTARY),
      ("Lina", datetime.date(2019, 10, 1), "CP", ELEMENTARY)]),
    ("DURAND", "6 chemin du Marais", (M, "Olivier", "06 11 22 33 06"), "card",
     [("Emma", datetime.date(2017, 7, 19), "CE2", ELEMENTARY)]),
    ("DUBOIS", "11 rue Saint-Simon", (F, "Camille", "06 11 22 33 07"), "town_hall",
     [("Louis", datetime.date(2018, 12, 2), "CE1", ELEMENTARY),
      ("Rose", datetime.date(2021, 3, 9), "Moyenne section", NURSERY)]),
    ("MOREAU", "3 impasse des Vignes", (M, "Julien", "06 11 22 33 08"), "late",
     [("Nathan", datetime.date(2016, 8, 27), "CM1", ELEMENTARY)]),
    ("LAURENT", "18 rue de la Gare", (F, "Élodie", "06 11 22 33 09"), "card",
     [("Jade", datetime.date(2019, 5, 5), "CP", ELEMENTARY),
      ("Léo", datetime.date(2022, 1, 20), "Petite section", NURSERY)]),
    ("SIMON", "7 rue du Stade", (M, "Mehdi", "06 11 22 33 10"), "debtor",
     [("Yanis", datetime.date(2017, 3, 3), "CE2", ELEMENTARY)]),
    ("MICHEL", "22 avenue de l'Oise", (F, "Pauline", "06 11 22 33 11"), "card",
     [("Alice", datetime.date(2018, 9, 16), "CE1", ELEMENTARY)]),
    ("LEFEBVRE", "5 rue des Prés", (M, "Antoine", "06 11 22 33 12"), "town_hall",
     [("Gabriel", datetime.date(2015, 12, 11), "CM2", ELEMENTARY),
      ("Louise", datetime.date(2020, 8, 29), "Grande section", NURSERY)]),
]  # fmt: skip

# "Nous contacter" messages: (household, subject, body, days ago)
MESSAGES = [
    ("PETIT", "Allergie de Chloé", "Bonjour, Chloé est allergique aux fruits à coque : "
     "pouvez-vous prévenir la cuisine ? Je vous envoie le PAI.", 1),
    ("DURAND", "Sortie scolaire", "Emma part en sortie le jeudi 17 : son repas "
     "est-il annulé automatiquement ?", 3),
    ("RICHARD", "Facture de novembre", "Bonjour, je ne comprends pas le montant de la "
     "facture. Puis-je passer payer en mairie en deux fois ?", 6),
]  # fmt: skip


def email_of(household: str, first_name: str) -> str:
    plain = first_name.lower().replace("é", "e").replace("è", "e")
    return f"{plain}.{household.lower()}@example.org"


def load(commune, password: str):
    if commune.slug != "Clairoix":
        return
    User = get_user_model()
    for name, street, (civility, first_name, phone), _habit, children in HOUSEHOLDS:
        number, street_name = street.split(" ", 1)
        household, _ = Household.objects.get_or_create(
            name=name,
            defaults={
                "street_number": number,
                "street_name": street_name,
                "postal_code": "60280",
                "city": "CLAIROIX",
            },
        )
        email = email_of(name, first_name)
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User.objects.create_user(email=email, last_name=name, first_name=first_name)
            user.set_password(password)
            user.save(update_fields=["password"])
        Guardian.objects.get_or_create(
            user=user,
            defaults={"household": household, "civility": civility, "mobile_phone": phone},
        )
        for child_name, birth_date, class_name, group in children:
            Child.objects.get_or_create(
                household=household,
                first_name=child_name,
                defaults={
                    "last_name": name,
                    "birth_date": birth_date,
                    "school": "École maternelle" if group == NURSERY else "École élémentaire",
                    "class_name": class_name,
                },
            )
    now = timezone.now()
    for name, subject, body, days_ago in MESSAGES:
        household = Household.objects.get(name=name)
        if ContactMessage.objects.filter(household=household, subject=subject).exists():
            continue
        author = household.guardians.select_related("user").first().user
        message = ContactMessage.objects.create(
            household=household, author=author, subject=subject, body=body
        )
        ContactMessage.objects.filter(pk=message.pk).update(
            created_at=now - datetime.timedelta(days=days_ago)
        )


def town_households() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(household name, habit, [(child first name, planning group)]) for booking's demo."""
    return [
        (name, habit, [(child[0], child[3]) for child in children])
        for name, _street, _guardian, habit, children in HOUSEHOLDS
    ]
