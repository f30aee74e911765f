"""Writes on families and parent accounts, one function per use case."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.services import queue_email
from portal import selectors
from portal.accounts.services import EmailTaken, check_email_free, password_setup_url
from portal.accounts.tokens import access_token_generator, reset_token_generator
from portal.journal import record_staff_action, register_action
from portal.models import (
    Allergen,
    Child,
    ChildHealth,
    ContactDetailsChange,
    ContactMessage,
    Diet,
    Guardian,
    HealthDeclaration,
    Household,
)
from tenants.links import commune_url, current_commune


@transaction.atomic
def update_contact_details(*, household: Household, author: Guardian, data: dict) -> list[dict]:
    """Apply "Vos coordonnées" and tell the commune exactly what changed and who did.

    The author changes their own identity and phones and the household's shared address and
    contacts; another guardian's own details are theirs to change.

    `data` maps the keys of selectors.contact_details to cleaned values. Returns the changes
    (label, old, new); none means nothing written and no e-mail.
    """
    household = Household.objects.select_for_update().get(pk=household.pk)
    before = selectors.contact_details(household, author)
    changes = [
        {"key": field.key, "label": field.label, "old": field.value, "new": data[field.key]}
        for field in before
        if field.key in data and (data[field.key] or "") != (field.value or "")
    ]
    if not changes:
        return []
    new = {change["key"]: change["new"] for change in changes}
    if "email" in new:
        _check_email_free(new["email"], except_user_id=author.user_id)

    for name in selectors.USER_FIELDS:
        if name in new:
            setattr(author.user, name, new[name])
    author.user.save()
    for name in selectors.HOUSEHOLD_FIELDS:
        if name in new:
            setattr(household, name, new[name])
    household.save()
    prefix = f"guardian{author.rank}_"
    fields = {
        name: new[prefix + name] for name in selectors.GUARDIAN_FIELDS if prefix + name in new
    }
    if "civility" in new:
        fields["civility"] = author.civility = new["civility"]
    if fields:
        Guardian.objects.filter(pk=author.pk).update(**fields)

    for change in changes:
        change.pop("key")
    ContactDetailsChange.objects.create(household=household, author=author.user, changes=changes)
    commune = current_commune()
    queue_email(
        to=commune.contact_email,
        template="portal/contact_details_changed",
        context={"commune": commune, "household": household, "author": author, "changes": changes},
        reply_to=author.user.email,
    )
    return changes


@transaction.atomic
def send_contact_message(*, household: Household, author, subject: str, body: str):
    message = ContactMessage.objects.create(
        household=household, author=author, subject=subject.strip(), body=body.strip()
    )
    commune = current_commune()
    queue_email(
        to=commune.contact_email,
        template="portal/contact_message",
        context={"commune": commune, "household": household, "author": author, "message": message},
        reply_to=author.email,
        idempotency_key=f"contact-message:{message.pk}",
    )
    return message


@transaction.atomic
def create_parent_account(
    *,
    household: Household,
    email: str,
    civility: str,
    last_name: str,
    first_name: str,
    rank: int = Guardian.Rank.FIRST,
    mobile_phone: str = "",
    work_phone: str = "",
    work_extension: str = "",
) -> Guardian:
    """A guardian's account with no password yet, and the access e-mail to choose one."""
    User = get_user_model()
    _check_email_free(email)
    _check_rank_free(household, rank)
    user = User.objects.create_user(
        email=email.strip(), last_name=last_name.strip().upper(), first_name=first_name.strip()
    )
    guardian = Guardian.objects.create(
        user=user,
        household=household,
        rank=rank,
        civility=civility,
        mobile_phone=mobile_phone,
        work_phone=work_phone,
        work_extension=work_extension,
    )
    send_access_email(guardian.user)
    return guardian


@transaction.atomic
def update_parent_account(
    *,
    guardian: Guardian,
    household: Household,
    email: str,
    civility: str,
    last_name: str,
    first_name: str,
    rank: int,
    mobile_phone: str = "",
    work_phone: str = "",
    work_extension: str = "",
) -> Guardian:
    """The back office's change of a guardian and their login, in one transaction."""
    guardian = Guardian.objects.select_for_update().select_related("user").get(pk=guardian.pk)
    email = _check_email_free(email, except_user_id=guardian.user_id)
    _check_rank_free(household, rank, except_guardian_id=guardian.pk)
    user = guardian.user
    user.email, user.last_name, user.first_name = email, last_name, first_name
    user.save()
    guardian.household, guardian.rank, guardian.civility = household, rank, civility
    guardian.mobile_phone, guardian.work_phone = mobile_phone, work_phone
    guardian.work_extension = work_extension
    guardian.save()
    return guardian


def _check_email_free(email: str, *, except_user_id: int | None = None) -> str:
    try:
        return check_email_free(email, except_user_id=except_user_id)
    except EmailTaken as error:
        raise ValidationError({"email": error.messages}) from error


def _check_rank_free(household: Household, rank: int, *, except_guardian_id=None) -> None:
    taken = Guardian.objects.filter(household=household, rank=rank)
    if except_guardian_id is not None:
        taken = taken.exclude(pk=except_guardian_id)
    if taken.exists():
        raise ValidationError({"rank": _("Ce foyer a déjà un responsable à ce rang.")})


def _send_password_link(user, template, generator):
    commune = current_commune()
    return queue_email(
        to=user.email,
        template=template,
        context={
            "commune": commune,
            "user": user,
            "portal_url": commune_url(commune, "portal:login"),
            "setup_url": password_setup_url(commune, user, generator=generator),
        },
    )


def send_access_email(user):
    """The manual's welcome e-mail: portal link, identifier, and a 7-day single-use link to
    choose the password (never a password)."""
    return _send_password_link(user, "portal/access", access_token_generator)


def send_password_reset(user):
    """A 1-hour single-use link to choose a new password."""
    return _send_password_link(user, "portal/password_reset", reset_token_generator)


@transaction.atomic
def request_password_reset(email: str) -> None:
    """ "Mot de passe oublié ?": the same outcome for the caller whether the account exists."""
    user = (
        get_user_model().objects.filter(email__iexact=(email or "").strip(), is_active=True).first()
    )
    if user is not None:
        send_password_reset(user)


def lock_household(*, household_id: int) -> None:
    """Take the household's row lock until the caller's transaction ends.

    Every write that spends or reserves a family's money takes it first, before any other
    lock (booking's places, ledger counters), so that two guardians, two tabs and an agent
    acting for the same family go one at a time."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_household needs the caller's transaction.")
    list(Household.objects.select_for_update().filter(pk=household_id).values_list("pk"))


def lock_households(*, household_ids) -> list[Household]:
    """Lock households in the caller's transaction, always in id order (the lock order every
    writer follows: households first, then capacity rows), so two writers never deadlock."""
    return list(
        Household.objects.select_for_update().filter(pk__in=set(household_ids)).order_by("pk")
    )


# Health data: the parent declares, the commune validates (only validated data reaches the
# kitchen and the attendance page). The journal names the child, never the health data.

register_action("health.validate", gettext_lazy("Santé : déclaration validée"))
register_action("health.refuse", gettext_lazy("Santé : déclaration refusée"))


def _clean_health(*, diet, allergens, allergies_other, pai, pai_end) -> dict:
    errors = {}
    if diet not in Diet.values:
        errors["diet"] = _("Choisissez un régime de la liste.")
    allergens = list(dict.fromkeys(allergens or []))
    if any(code not in Allergen.values for code in allergens):
        errors["allergens"] = _("Choisissez les allergies dans la liste.")
    allergies_other = (allergies_other or "").strip()
    if len(allergies_other) > 300:
        errors["allergies_other"] = _("300 caractères au plus.")
    if pai and pai_end is None:
        errors["pai_end"] = _("Indiquez la date de fin du PAI.")
    if errors:
        raise ValidationError(errors)
    return {
        "diet": diet,
        "allergens": allergens,
        "allergies_other": allergies_other,
        "pai": bool(pai),
        "pai_end": pai_end if pai else None,
    }


@transaction.atomic
def health_declare(
    *,
    household: Household,
    child: Child,
    author,
    diet: str = "",
    allergens=(),
    allergies_other: str = "",
    pai: bool = False,
    pai_end=None,
) -> HealthDeclaration:
    """A parent declares a child's diet, allergies and PAI; the commune validates it. A
    newer declaration replaces the one still waiting. Nothing reaches the kitchen yet."""
    if child.household_id != household.pk:
        raise ValidationError(_("Cet enfant n'est pas de votre foyer."))
    values = _clean_health(
        diet=diet, allergens=allergens, allergies_other=allergies_other, pai=pai, pai_end=pai_end
    )
    HealthDeclaration.objects.filter(child=child, status=HealthDeclaration.Status.PENDING).update(
        status=HealthDeclaration.Status.REPLACED
    )
    return HealthDeclaration.objects.create(child=child, declared_by=author, **values)


@transaction.atomic
def health_declaration_review(*, actor, declaration_id: int, accept: bool) -> HealthDeclaration:
    """The commune validates (the child's health data become the declared ones) or
    refuses a pending declaration; one journal row. Treated already: an error, no change."""
    declaration = (
        HealthDeclaration.objects.select_for_update()
        .select_related("child")
        .filter(pk=declaration_id)
        .first()
    )
    if declaration is None or declaration.status != HealthDeclaration.Status.PENDING:
        raise ValidationError(_("Cette déclaration n'est plus à valider."))
    now = timezone.now()
    declaration.status = (
        HealthDeclaration.Status.VALIDATED if accept else HealthDeclaration.Status.REFUSED
    )
    declaration.reviewed_by, declaration.reviewed_at = actor, now
    declaration.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    if accept:
        ChildHealth.objects.update_or_create(
            child=declaration.child,
            defaults={**declaration.health_values(), "validated_by": actor, "validated_at": now},
        )
    child = declaration.child
    record_staff_action(
        actor=actor,
        action="health.validate" if accept else "health.refuse",
        summary=(
            _("Régime, allergies et PAI de %(child)s validés")
            if accept
            else _("Régime, allergies et PAI de %(child)s refusés")
        )
        % {"child": f"{child.first_name} {child.last_name}"},
        household_id=child.household_id,
        details={"declaration_id": declaration.pk, "child_id": child.pk},
    )
    return declaration
