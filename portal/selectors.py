"""Reads for parent pages: everything a parent sees is reached through their household."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from portal.models import Child, Guardian, Household

# "Vos coordonnées": the household's address block, then the other people to contact.
ADDRESS_FIELDS = [
    "street_number",
    "street_name",
    "address_complement",
    "postal_code",
    "other_postal_code",
    "city",
    "home_phone",
]
OTHER_CONTACT_FIELDS = [
    "other_contact_name",
    "other_contact_phone",
    "other_contact_2_name",
    "other_contact_2_phone",
]
HOUSEHOLD_FIELDS = ADDRESS_FIELDS + OTHER_CONTACT_FIELDS
GUARDIAN_FIELDS = ["mobile_phone", "work_phone", "work_extension"]
USER_FIELDS = ["last_name", "first_name", "email"]


def household_of_user(user) -> Household | None:
    """The household of a logged-in parent; None for anyone else (staff, strangers). Views
    answer 404 through portal.shortcuts.household_or_404."""
    guardian = guardian_of(user)
    return guardian.household if guardian is not None else None


def household_by_id(household_id: int) -> Household | None:
    """A household for the commune's staff (the view checks their right)."""
    return Household.objects.filter(pk=household_id).first()


def household_named(name: str) -> Household | None:
    """The first household of that name (the demo data finds its households by name)."""
    return Household.objects.filter(name=name).first()


def child_named(first_name: str) -> Child | None:
    """The first child of that first name (the demo data enrols its children by name)."""
    return Child.objects.filter(first_name=first_name).first()


def guardian_of(user) -> Guardian | None:
    return Guardian.objects.select_related("household").filter(user=user).first()


def children_of(household: Household):
    return Child.objects.filter(household=household).order_by("birth_date", "first_name")


def guardians_of(household: Household):
    return Guardian.objects.filter(household=household).select_related("user").order_by("rank")


def count_households() -> int:
    return Household.objects.count()


@dataclass(frozen=True)
class ContactField:
    key: str
    label: str
    value: str


def contact_details(household: Household, author: Guardian) -> list[ContactField]:
    """Every field of "Vos coordonnées" with its label and current value, in form order."""
    fields = [
        ContactField("civility", _("Civilité"), author.civility),
        ContactField("last_name", _("Nom de l'utilisateur"), author.user.last_name),
        ContactField("first_name", _("Prénom de l'utilisateur"), author.user.first_name),
        ContactField("email", _("Adresse mail"), author.user.email),
    ]
    fields += [
        ContactField(
            name, str(Household._meta.get_field(name).verbose_name), getattr(household, name)
        )
        for name in HOUSEHOLD_FIELDS
    ]
    for guardian in guardians_of(household):
        who = f"{guardian.get_rank_display()} ({guardian})"
        fields += [
            ContactField(
                f"guardian{guardian.rank}_mobile_phone",
                f"{_('Portable')} — {who}",
                guardian.mobile_phone,
            ),
            ContactField(
                f"guardian{guardian.rank}_work_phone",
                f"{_('Travail')} — {who}",
                guardian.work_phone,
            ),
            ContactField(
                f"guardian{guardian.rank}_work_extension",
                f"{_('Poste/Service')} — {who}",
                guardian.work_extension,
            ),
        ]
    return fields


def households_of_children(child_ids) -> dict[int, int]:
    """child id → household id, in one query (a batch checks its lines with it)."""
    return dict(Child.objects.filter(pk__in=set(child_ids)).values_list("pk", "household_id"))


def guardian_emails(household_ids) -> dict[int, list[str]]:
    """household id → its guardians' e-mail addresses (by rank), in one query."""
    emails: dict[int, list[str]] = {}
    for household_id, email in (
        Guardian.objects.filter(household_id__in=set(household_ids))
        .exclude(user__email="")
        .order_by("household_id", "rank")
        .values_list("household_id", "user__email")
    ):
        emails.setdefault(household_id, []).append(email)
    return emails


def children_by_ids(child_ids) -> dict[int, Child]:
    return {child.pk: child for child in Child.objects.filter(pk__in=set(child_ids))}


def household_names(household_ids) -> dict[int, str]:
    return dict(Household.objects.filter(pk__in=set(household_ids)).values_list("pk", "name"))
