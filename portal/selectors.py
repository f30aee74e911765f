"""Reads for parent pages: everything a parent sees is reached through their household."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts import sessions
from portal.models import (
    Allergen,
    Child,
    ChildHealth,
    Diet,
    Guardian,
    HealthDataAccess,
    HealthDeclaration,
    Household,
)
from tenants.compiled import compiled_query

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
    answer 404 through portal.shortcuts.household_or_404.

    Read once per user instance: `request.user` is loaded for each request, so the view and
    the payment banner (tipi.context_processors) share one read, never a previous request's
    answer."""
    household = getattr(user, "_household_of_user", _UNREAD)
    if household is _UNREAD:
        guardian_of(user)  # remembers the household
        household = user._household_of_user
    return household


_UNREAD = object()
SESSION_COMPANION = "guardian"
# What other apps read of the household with the session: (name, SQL on {household_id}).
_household_values: list[tuple[str, str]] = []


def read_with_household(name: str, column: str) -> None:
    """A value of the parent's household read with the session's statement: `column` is SQL
    in which {household_id} stands for the household's id (booking: whether an order awaits
    a card payment). read_with_session_of(household, name) gives it during that request.
    Registered from an AppConfig's ready()."""
    _household_values[:] = [entry for entry in _household_values if entry[0] != name]
    _household_values.append((name, column))
    read_guardians_with_sessions()


def read_with_session_of(household: Household, name: str):
    """A value registered by read_with_household, as the session's statement read it for
    this household in this request; None when it was not read so (ask the database)."""
    return household.__dict__.get("_read_with_session", {}).get(name)


def read_guardians_with_sessions() -> None:
    """A parent's guardian row and household come with the session's statement
    (portal.accounts.sessions): a parent's page reads them in no statement of its own."""
    quote = connection.ops.quote_name
    guardian, household, user = Guardian._meta, Household._meta, get_user_model()._meta
    columns = [f"preau_g.{quote(field.column)}" for field in guardian.concrete_fields]
    columns += [f"preau_h.{quote(field.column)}" for field in household.concrete_fields]
    household_id = f"preau_g.{quote(guardian.get_field('household').column)}"
    columns += [column.format(household_id=household_id) for _name, column in _household_values]
    joins = (
        f"LEFT JOIN {quote(guardian.db_table)} preau_g"
        f" ON preau_g.{quote(guardian.get_field('user').column)} = u.{quote(user.pk.column)}"
        f" LEFT JOIN {quote(household.db_table)} preau_h"
        f" ON preau_h.{quote(household.pk.column)} = {household_id}"
    )
    sessions.read_with_session(SESSION_COMPANION, columns, joins)


def _guardian_read_with_session(user):
    """The guardian (with its household) read with this request's session, once; None: the
    user has none; _UNREAD when the session's statement did not bring it."""
    values = sessions.take_companion(SESSION_COMPANION, user.pk)
    if values is None:
        return _UNREAD
    if values[0] is None:
        return None
    fields = [field.attname for field in Guardian._meta.concrete_fields]
    guardian = Guardian.from_db(connection.alias, fields, values[: len(fields)])
    household_fields = [field.attname for field in Household._meta.concrete_fields]
    values = values[len(fields) :]
    household = Household.from_db(
        connection.alias, household_fields, values[: len(household_fields)]
    )
    values = values[len(household_fields) :]
    household._read_with_session = {
        name: value for (name, _column), value in zip(_household_values, values, strict=True)
    }
    guardian.household = household
    return guardian


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
    """The user's guardian row with its household (the one read with the session, else
    read now); the household is remembered for household_of_user."""
    guardian = _guardian_read_with_session(user)
    if guardian is _UNREAD:
        guardian = _guardian_of_user.first(user_id=user.pk)
    user._household_of_user = guardian.household if guardian is not None else None
    return guardian


@compiled_query
def _guardian_of_user(user_id):
    return Guardian.objects.select_related("household").filter(user_id=user_id)[:1]


def children_of(household: Household):
    return Child.objects.filter(household=household).order_by("birth_date", "first_name")


def guardians_of(household: Household):
    return Guardian.objects.filter(household=household).select_related("user").order_by("rank")


def guardian_list(household: Household) -> list[Guardian]:
    """guardians_of's rows (a statement compiled once: every validation reads them)."""
    return household_guardians.fetch(household_id=household.pk)


def first_guardian(household: Household) -> Guardian | None:
    return household_guardians.first(household_id=household.pk)


@compiled_query
def household_guardians(household_id):
    return (
        Guardian.objects.filter(household_id=household_id)
        .select_related("user")
        .order_by("rank", "pk")
    )


def child_ids_of(household: Household) -> set[int]:
    return set(household_child_ids.fetch(household_id=household.pk))


@compiled_query
def household_child_ids(household_id):
    return Child.objects.filter(household_id=household_id).values_list("pk", flat=True)


def count_households() -> int:
    return Household.objects.count()


@dataclass(frozen=True)
class ContactField:
    key: str
    label: str
    value: str


def contact_details(household: Household, author: Guardian) -> list[ContactField]:
    """Every field of "Vos coordonnées" with its label and current value, in form order:
    the author's own details (identity, phones) and the household's shared ones."""
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
    # A guardian edits their own phones; the other guardians edit theirs.
    who = f"{author.get_rank_display()} ({author})"
    prefix = f"guardian{author.rank}_"
    fields += [
        ContactField(prefix + "mobile_phone", f"{_('Portable')} — {who}", author.mobile_phone),
        ContactField(prefix + "work_phone", f"{_('Travail')} — {who}", author.work_phone),
        ContactField(
            prefix + "work_extension", f"{_('Poste/Service')} — {who}", author.work_extension
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


def first_guardians(household_ids) -> dict[int, Guardian]:
    """household id → its Responsable 1 (the lowest rank), with the account, in one query."""
    first: dict[int, Guardian] = {}
    for guardian in (
        Guardian.objects.filter(household_id__in=set(household_ids))
        .select_related("user")
        .order_by("household_id", "rank")
    ):
        first.setdefault(guardian.household_id, guardian)
    return first


def children_by_ids(child_ids) -> dict[int, Child]:
    return {child.pk: child for child in Child.objects.filter(pk__in=set(child_ids))}


def household_names(household_ids) -> dict[int, str]:
    return dict(Household.objects.filter(pk__in=set(household_ids)).values_list("pk", "name"))


# Health data (RGPD art. 9): diet, allergies, PAI. Staff read them only with
# portal.read_health_data, and every staff read writes HealthDataAccess rows (one insert).

HEALTH_PERMISSION = "portal.read_health_data"


@dataclass(frozen=True)
class HealthBadge:
    """A child's validated health data, as staff pages show it."""

    child_id: int
    diet: str  # code of portal.models.Diet, "" for none
    diet_label: str
    allergens: tuple[str, ...]  # labels
    allergies_other: str
    pai: bool
    pai_end: object  # date or None

    @property
    def has_allergy(self) -> bool:
        return bool(self.allergens or self.allergies_other)

    @property
    def allergy_text(self) -> str:
        return ", ".join(
            [*self.allergens, *([self.allergies_other] if self.allergies_other else [])]
        )


def _badge(health) -> HealthBadge:
    labels = dict(Allergen.choices)
    return HealthBadge(
        child_id=health.child_id,
        diet=health.diet,
        diet_label=str(Diet(health.diet).label) if health.diet else "",
        allergens=tuple(str(labels.get(code, code)) for code in health.allergens),
        allergies_other=health.allergies_other,
        pai=health.pai_active(timezone.localdate()),
        pai_end=health.pai_end,
    )


def can_read_health_data(user) -> bool:
    return bool(user.is_authenticated and user.is_staff and user.has_perm(HEALTH_PERMISSION))


def log_health_access(*, viewer, child_ids, page: str) -> None:
    """Write who saw which children's health data on which page: one bulk insert."""
    ids = sorted(set(child_ids))
    if not ids:
        return
    name = viewer.get_full_name() or viewer.get_username()
    HealthDataAccess.objects.bulk_create(
        [
            HealthDataAccess(viewer=viewer, viewer_name=name, child_id=i, page=page[:200])
            for i in ids
        ]
    )


def health_badges(
    *, children, viewer, page: str = "", allergy_or_pai_only: bool = False
) -> dict[int, HealthBadge]:
    """The validated health data of `children` (Child rows or ids) that have some, for a
    staff page (the attendance page, the family page, the kitchen list): {} unless the
    viewer holds portal.read_health_data. Logs the access of the children returned (one
    insert): two queries in all. `allergy_or_pai_only`: the children with an allergy or a
    PAI on today's date (the kitchen list names only them)."""
    if not can_read_health_data(viewer):
        return {}
    ids = [getattr(child, "pk", child) for child in children]
    badges = {
        health.child_id: _badge(health)
        for health in ChildHealth.objects.filter(child_id__in=ids)
        if health.diet or health.allergens or health.allergies_other or health.pai
    }
    if allergy_or_pai_only:
        badges = {i: b for i, b in badges.items() if b.has_allergy or b.pai}
    log_health_access(viewer=viewer, child_ids=badges, page=page)
    return badges


# The diets, in the kitchen's order: (code, label).
def diet_choices() -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in Diet.choices if code]


def diets_of(child_ids) -> dict[int, str]:
    """child id → validated diet code, for those with one (the kitchen's counts per diet:
    no names, shown to whoever sees the kitchen list). One query."""
    return dict(
        ChildHealth.objects.filter(child_id__in=set(child_ids))
        .exclude(diet="")
        .values_list("child_id", "diet")
    )


def child_of_household(household: Household, child_id) -> Child | None:
    """One of the household's children, by the id a parent's page was given."""
    if not str(child_id).isdecimal() or len(str(child_id)) > 12:
        return None
    return Child.objects.filter(household=household, pk=int(child_id)).first()


def health_of_child(child: Child) -> dict:
    """A parent's view of their child's health data: the validated values and the pending
    declaration (None when none)."""
    validated = ChildHealth.objects.filter(child=child).first()
    pending = (
        HealthDeclaration.objects.filter(child=child, status=HealthDeclaration.Status.PENDING)
        .order_by("-declared_at", "-pk")
        .first()
    )
    return {"validated": validated, "pending": pending}


def pending_health_declarations():
    """Declarations waiting for the commune, oldest first, with child and household."""
    return (
        HealthDeclaration.objects.filter(status=HealthDeclaration.Status.PENDING)
        .select_related("child__household", "declared_by")
        .order_by("declared_at", "pk")
    )
