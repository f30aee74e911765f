"""Commune staff roles: what each role may do, in one place.

A role is a Django group of the commune's schema. Its permissions are exactly what ROLES
says: `sync_roles()` runs in the migration that creates the groups and again after each
`migrate` that migrates a commune schema (PortalConfig.ready). `migrate` skips schemas that
are up to date (tenants/migration.py), so a change of ROLES or STAFF_PERMISSIONS ships with
a new migration whose RunPython calls `sync_roles(apps=apps, ...)` like portal 0002 does.

Staff pages outside the Django admin check their permission with `staff_permission`:
    @staff_permission("booking.view_kitchen_list")
    def kitchen(request): ...
The Django admin checks model permissions itself; its extra views use the same decorator.
A staff account with no role reaches only the page saying to ask the administrator.
"""

from fnmatch import fnmatchcase
from functools import wraps

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import render
from django.urls import reverse

ADMINISTRATEUR = "Administrateur"
REGISSEUR = "Régisseur"
AGENT = "Agent"
LECTURE = "Lecture"

# Rights that are not a model's add/change/delete/view: "app.codename" -> (model, name).
# They are created by sync_roles() on the model named, like Meta.permissions would be.
STAFF_PERMISSIONS = {
    "booking.view_kitchen_list": ("reservation", "Voir la liste cuisine"),
    "booking.book_for_family": ("order", "Réserver ou annuler pour une famille"),
    "booking.record_attendance": ("reservation", "Pointer les présences"),
    "booking.amend_closed_attendance": (
        "reservation",
        "Modifier un pointage clos, accepter un justificatif d'absence hors délai",
    ),
    "portal.manage_families": (
        "household",
        "Créer une famille et envoyer l'accès au portail des familles",
    ),
    "portal.answer_messages": ("contactmessage", "Traiter les messages « Nous contacter »"),
    "portal.write_to_families": ("household", "Écrire aux familles (e-mail groupé)"),
    # Health data (RGPD art. 9): diets, allergies, PAI. Not a view_* right, so that "read
    # everything" never covers it.
    "portal.read_health_data": (
        "childhealth",
        "Voir les régimes, allergies et PAI des enfants (données de santé)",
    ),
    "portal.validate_health_data": (
        "healthdeclaration",
        "Valider les régimes, allergies et PAI déclarés par les familles",
    ),
    "ledger.set_payer": ("account", "Désigner le payeur d'un service (destinataire des factures)"),
    "ledger.record_payment": ("document", "Enregistrer un règlement en mairie"),
    "ledger.issue_credit_note": ("document", "Émettre un avoir correctif"),
    "ledger.issue_debit": ("document", "Émettre un débit sans réservation"),
    "ledger.export_ledger": ("document", "Exporter les comptes et les factures"),
    "ledger.send_reminder": ("reminder", "Envoyer une relance aux familles en impayé"),
    "ledger.issue_invoice_batch": ("invoicebatch", "Émettre la facturation mensuelle (lot)"),
    "booking.prepare_school_year": ("schoolyear", "Préparer et ouvrir l'année scolaire"),
    "tipi.check_payment": ("paymentoperation", "Vérifier un paiement auprès du Trésor"),
    "tipi.validate_payment_manually": (
        "paymentoperation",
        "Enregistrer un paiement par carte comme payé (validation manuelle)",
    ),
}

# Health data's models: no role but Administrateur and Agent holds any right on them. A
# pattern starting with "!" takes away what the role's other patterns give.
_NO_HEALTH = ["!portal.*_childhealth", "!portal.*_healthdeclaration", "!portal.*_healthdataaccess"]

# The commune's business apps: what "read everything" covers (health data excepted).
_READ_ALL = ["portal.view_*", "booking.view_*", "ledger.view_*", "tipi.view_*", *_NO_HEALTH]

# Each role: patterns matched against "app_label.codename" of every permission.
ROLES = {
    # Everything of the commune, staff accounts and roles included.
    ADMINISTRATEUR: ["*"],
    # Money: payments, credit notes, debits, manual validation of card payments, exports.
    REGISSEUR: [
        *_READ_ALL,
        "ledger.record_payment",
        "ledger.issue_credit_note",
        "ledger.issue_debit",
        "ledger.export_ledger",
        "ledger.send_reminder",
        "ledger.issue_invoice_batch",
        "tipi.check_payment",
        "tipi.validate_payment_manually",
        "booking.record_attendance",
        "booking.amend_closed_attendance",
        "ledger.set_payer",
    ],
    # Kitchen list, attendance, booking for a family (with a reason past the deadline),
    # families (new family, access e-mail), the messages, e-mails to families.
    AGENT: [
        "portal.view_*",
        "booking.view_*",
        "booking.book_for_family",
        "booking.record_attendance",
        "portal.manage_families",
        "portal.answer_messages",
        "portal.write_to_families",
        "booking.add_closure",
        # Health data: read (kitchen list, attendance, family page) and validate.
        "portal.read_health_data",
        "portal.validate_health_data",
    ],
    # Read only.
    LECTURE: list(_READ_ALL),
}

ROLE_NAMES = tuple(ROLES)


def role_grants(role: str, permission: str) -> bool:
    """Whether `role` holds `permission` ("app_label.codename") by ROLES' definition."""
    patterns = ROLES[role]
    if any(fnmatchcase(permission, p[1:]) for p in patterns if p.startswith("!")):
        return False
    return any(fnmatchcase(permission, p) for p in patterns if not p.startswith("!"))


def sync_roles(*, apps=None, using: str = "default") -> None:
    """Create the role groups and set their permissions to exactly what ROLES says.

    Runs in the current schema. `apps` is a migration's app registry, or the project's."""
    from django.contrib.auth.management import create_permissions

    historical = apps is not None
    if apps is None:
        from django.apps import apps
    for app_config in apps.get_app_configs():
        # Model permissions first: Django creates them only after the whole migrate.
        if historical:
            app_config.models_module = True
        if app_config.models_module:
            create_permissions(app_config, verbosity=0, using=using, apps=apps)

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    for dotted, (model, name) in STAFF_PERMISSIONS.items():
        app_label, codename = dotted.split(".", 1)
        content_type = (
            ContentType.objects.using(using).filter(app_label=app_label, model=model).first()
        )
        if content_type is None:
            continue  # that app is not migrated yet in this schema
        Permission.objects.using(using).update_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )

    every = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.using(using).values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    for role in ROLES:
        group, _created = Group.objects.using(using).get_or_create(name=role)
        group.permissions.set([pk for dotted, pk in every.items() if role_grants(role, dotted)])


def sync_roles_after_migrate(sender, using="default", **kwargs):
    """post_migrate: keep every commune's role groups equal to ROLES (not in public)."""
    from django.db import connections
    from django_tenants.utils import get_public_schema_name

    schema = getattr(connections[using], "schema_name", None)
    if schema is None or schema == get_public_schema_name():
        return
    sync_roles(using=using)


def group(role: str):
    """The role's group in the current schema."""
    from django.contrib.auth.models import Group

    return Group.objects.get(name=role)


def give_role(user, role: str) -> None:
    """Put a staff account in a role (demo data, provisioning, tests)."""
    user.groups.add(group(role))


def has_staff_role(user) -> bool:
    """An active staff account holding at least one right of the commune."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    return user.is_superuser or bool(user.get_all_permissions())


def no_role_response(request):
    return render(request, "portal/staff_no_role.html", status=403)


def staff_permission(permission: str):
    """Staff view decorator: login through the back office, then `permission` or 403.

    Works on a view function and on a ModelAdmin view method. The required permission is
    kept on the view (`view.staff_permission`), where the test that walks every staff URL
    reads it."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            request = next(arg for arg in args if isinstance(arg, HttpRequest))
            user = request.user
            if not (user.is_authenticated and user.is_active and user.is_staff):
                return redirect_to_login(
                    request.get_full_path(), reverse("admin:login"), REDIRECT_FIELD_NAME
                )
            if not has_staff_role(user):
                return no_role_response(request)
            if not user.has_perm(permission):
                raise PermissionDenied
            return view(*args, **kwargs)

        wrapper.staff_permission = permission
        return wrapper

    return decorator
