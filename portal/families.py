"""Families in the workspace: search, the household page's own reads, and the writes on a
household that are the portal's (a new household with its first guardian and children,
the portal access e-mail). Booking's enrolments are added by booking/new_family.py."""

import re
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q, Value
from django.db.models.functions import Replace
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.selectors import emails_to
from portal import services
from portal.journal import record_staff_action, register_action
from portal.models import Child, Guardian, Household
from portal.phones import normalize_phone, validate_postal_code

SEARCH_LIMIT = 50
CIVILITIES = Guardian.Civility.choices  # for other apps' forms (booking's Nouvelle famille)

register_action("family.create", gettext_lazy("Famille : création"))
register_action("family.access_email", gettext_lazy("Famille : e-mail d'accès au portail"))
register_action("family.guardian_add", gettext_lazy("Famille : responsable ajouté"))

# Reads ------------------------------------------------------------------------------------


def _with_people(households):
    return households.prefetch_related(
        Prefetch(
            "guardians",
            queryset=Guardian.objects.select_related("user").order_by("rank"),
        ),
        Prefetch("children", queryset=Child.objects.order_by("birth_date", "first_name")),
    )


def _digits(column: str):
    spaced = Replace(column, Value(" "), Value(""))
    return Replace(Replace(spaced, Value("."), Value("")), Value("-"), Value(""))


def search_households(*, query: str, limit: int = SEARCH_LIMIT) -> list[Household]:
    """Households whose name, a child's first or last name, a guardian's name or e-mail, or
    a phone number (household, mobile, work; spaces and dots ignored) contains the query.
    Three queries whatever the number of households: the match, guardians, children."""
    query = (query or "").strip()
    if not query:
        return []
    match = (
        Q(name__icontains=query)
        | Q(children__first_name__icontains=query)
        | Q(children__last_name__icontains=query)
        | Q(guardians__user__email__icontains=query)
        | Q(guardians__user__last_name__icontains=query)
        | Q(guardians__user__first_name__icontains=query)
    )
    digits = re.sub(r"[\s.\-]", "", query)
    if digits.startswith("+33"):
        digits = "0" + digits[3:]
    if len(digits) >= 4 and digits.isdecimal():
        households = Household.objects.annotate(
            home_digits=_digits("home_phone"),
        ).filter(home_digits__contains=digits)
        match |= Q(pk__in=households.values("pk"))
        for column in ("mobile_phone", "work_phone"):
            guardians = Guardian.objects.annotate(d=_digits(column)).filter(d__contains=digits)
            match |= Q(pk__in=guardians.values("household_id"))
    ids = Household.objects.filter(match).values("pk").distinct()
    return list(_with_people(Household.objects.filter(pk__in=ids)).order_by("name", "pk")[:limit])


def household_for_staff(*, household_id: int) -> Household | None:
    """The household with its guardians (and their accounts) and children: three queries."""
    return _with_people(Household.objects.filter(pk=household_id)).first()


def household_emails(household: Household) -> list[str]:
    """The guardians' e-mail addresses (uses the prefetched guardians)."""
    return [g.user.email for g in household.guardians.all() if g.user.email]


def emails_sent_to(household: Household, limit: int = 30):
    """The outbox rows sent to the household's guardians, newest first (one query)."""
    return emails_to(addresses=household_emails(household), limit=limit)


# Writes -----------------------------------------------------------------------------------


@dataclass
class NewGuardian:
    email: str
    civility: str
    last_name: str
    first_name: str
    mobile_phone: str = ""
    work_phone: str = ""


@dataclass
class NewChild:
    first_name: str
    last_name: str = ""
    birth_date: object = None
    school: str = ""
    class_name: str = ""


@dataclass
class NewHousehold:
    name: str
    street_number: str = ""
    street_name: str = ""
    address_complement: str = ""
    postal_code: str = ""
    city: str = ""
    home_phone: str = ""
    children: list[NewChild] = field(default_factory=list)


def _clean_guardian(guardian: NewGuardian, errors: dict) -> dict:
    """The guardian's part of a form: e-mail free in the commune, civility, names, phones."""
    if not guardian.email.strip():
        errors["email"] = _("Indiquez l'adresse e-mail du responsable.")
    elif get_user_model().objects.filter(email__iexact=guardian.email.strip()).exists():
        errors["email"] = _("Cette adresse e-mail est déjà utilisée.")
    if guardian.civility not in Guardian.Civility.values:
        errors["civility"] = _("Choisissez la civilité.")
    if not guardian.last_name.strip() or not guardian.first_name.strip():
        errors["last_name"] = _("Indiquez le nom et le prénom du responsable.")
    phones = {}
    for key, value in (
        ("mobile_phone", guardian.mobile_phone),
        ("work_phone", guardian.work_phone),
    ):
        try:
            phones[key] = normalize_phone(value)
        except ValidationError as error:
            errors[key] = error.messages[0]
    return phones


def _clean_household(data: NewHousehold, guardian: NewGuardian) -> dict:
    errors = {}
    name = data.name.strip().upper()
    if not name:
        errors["name"] = _("Indiquez le nom du foyer.")
    phones = _clean_guardian(guardian, errors)
    try:
        phones["home_phone"] = normalize_phone(data.home_phone)
    except ValidationError as error:
        errors["home_phone"] = error.messages[0]
    try:
        validate_postal_code(data.postal_code)
    except ValidationError as error:
        errors["postal_code"] = error.messages[0]
    if any(not child.first_name.strip() for child in data.children):
        errors["children"] = _("Indiquez le prénom de chaque enfant.")
    if errors:
        raise ValidationError(errors)
    return {"name": name, **phones}


@transaction.atomic
def household_create(*, actor, household: NewHousehold, guardian: NewGuardian) -> Household:
    """A household, its first guardian (account without password, access e-mail queued in
    this transaction) and its children; one journal row. Bad input changes nothing."""
    clean = _clean_household(household, guardian)
    row = Household.objects.create(
        name=clean["name"],
        street_number=household.street_number.strip(),
        street_name=household.street_name.strip(),
        address_complement=household.address_complement.strip(),
        postal_code=household.postal_code.strip(),
        city=household.city.strip().upper(),
        home_phone=clean["home_phone"],
    )
    first = services.create_parent_account(
        household=row,
        email=guardian.email,
        civility=guardian.civility,
        last_name=guardian.last_name,
        first_name=guardian.first_name,
        mobile_phone=clean["mobile_phone"],
        work_phone=clean["work_phone"],
    )
    children = [
        Child.objects.create(
            household=row,
            last_name=(child.last_name.strip() or row.name).upper(),
            first_name=child.first_name.strip(),
            birth_date=child.birth_date,
            school=child.school.strip(),
            class_name=child.class_name.strip(),
        )
        for child in household.children
    ]
    row.created_children = children
    record_staff_action(
        actor=actor,
        action="family.create",
        summary=_("Foyer %(name)s créé, responsable %(email)s, %(n)s enfant(s) ; accès envoyé")
        % {"name": row.name, "email": first.user.email, "n": len(children)},
        household_id=row.pk,
        details={"guardian_id": first.pk, "children": [c.pk for c in children]},
    )
    return row


@transaction.atomic
def guardian_add(*, actor, household_id: int, guardian: NewGuardian) -> Guardian:
    """Another guardian (responsable légal) for an existing household: their own account
    and login, the next rank (Responsable 2, 3...), the access e-mail queued in this
    transaction, one journal row. A taken e-mail or bad input changes nothing."""
    services.lock_household(household_id=household_id)
    household = Household.objects.filter(pk=household_id).first()
    if household is None:
        raise ValidationError(_("Ce foyer n'existe pas."))
    errors = {}
    phones = _clean_guardian(guardian, errors)
    if errors:
        raise ValidationError(errors)
    last = Guardian.objects.filter(household=household).order_by("-rank").first()
    added = services.create_parent_account(
        household=household,
        email=guardian.email,
        civility=guardian.civility,
        last_name=guardian.last_name,
        first_name=guardian.first_name,
        rank=(last.rank + 1) if last else Guardian.Rank.FIRST,
        mobile_phone=phones["mobile_phone"],
        work_phone=phones["work_phone"],
    )
    record_staff_action(
        actor=actor,
        action="family.guardian_add",
        summary=_("%(rank)s ajouté au foyer %(name)s : %(email)s ; accès envoyé")
        % {"rank": added.get_rank_display(), "name": household.name, "email": added.user.email},
        household_id=household.pk,
        details={"guardian_id": added.pk, "rank": added.rank},
    )
    return added


@transaction.atomic
def guardian_send_access(*, actor, household_id: int, guardian_id: int):
    """(Re)send a guardian's portal access e-mail (a new 7-day link) through the outbox."""
    guardian = (
        Guardian.objects.select_related("user")
        .filter(pk=guardian_id, household_id=household_id)
        .first()
    )
    if guardian is None:
        raise ValidationError(_("Ce responsable n'appartient pas à ce foyer."))
    if not guardian.user.is_active:
        raise ValidationError(_("Ce compte parent est désactivé."))
    email = services.send_access_email(guardian.user)
    again = guardian.user.last_login is not None or guardian.user.has_usable_password()
    record_staff_action(
        actor=actor,
        action="family.access_email",
        summary=_("E-mail d'accès au portail envoyé à %(email)s") % {"email": guardian.user.email},
        household_id=household_id,
        details={"guardian_id": guardian.pk, "outbox_id": email.pk, "resent": again},
    )
    return email


@dataclass(frozen=True)
class Recipient:
    household_id: int
    household_name: str
    name: str
    email: str


def guardian_recipients(*, household_ids=None) -> list[Recipient]:
    """Every active guardian with an e-mail of the given households (all when None), one
    row per address, in household order: one query."""
    guardians = Guardian.objects.filter(user__is_active=True).exclude(user__email="")
    if household_ids is not None:
        guardians = guardians.filter(household_id__in=household_ids)
    rows = guardians.order_by("household__name", "household_id", "rank").values_list(
        "household_id", "household__name", "user__first_name", "user__last_name", "user__email"
    )
    seen, recipients = set(), []
    for household_id, household_name, first, last, email in rows:
        if email.lower() in seen:
            continue
        seen.add(email.lower())
        recipients.append(Recipient(household_id, household_name, f"{first} {last}".strip(), email))
    return recipients
