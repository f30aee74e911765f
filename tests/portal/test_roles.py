"""Staff roles: the groups every commune gets, and every staff URL walked with each role.

The URL list is read from the commune's URLconf (every admin/ and gestion/ route), so a new
staff page is walked without touching this test; its required permission is read from the
route (`staff_permission` on the view, or the ModelAdmin's model and the admin view kind)."""

import datetime
import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django_tenants.utils import schema_context

from ledger import reminders
from ledger.models import Account
from portal import roles
from portal.journal import record_staff_action
from portal.services import health_declare, send_contact_message
from tests.factories import PASSWORD, UserFactory
from tests.ledger.factories import invoice, meal
from tests.tipi.factories import order_with_payment

NO_ROLE_TEXT = "Demandez à l'administrateur de votre commune"


def _permissions(group):
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}


def test_every_commune_has_the_four_roles_with_their_rights(in_clairoix):
    groups = {group.name: _permissions(group) for group in Group.objects.all()}
    assert set(roles.ROLE_NAMES) <= set(groups)
    regisseur, agent, lecture = groups["Régisseur"], groups["Agent"], groups["Lecture"]
    assert {
        "ledger.record_payment",
        "ledger.issue_credit_note",
        "ledger.export_ledger",
        "tipi.validate_payment_manually",
    } <= regisseur
    assert "booking.book_for_family" not in regisseur
    assert {"booking.view_kitchen_list", "booking.book_for_family", "portal.view_child"} <= agent
    assert not {p for p in agent if p.startswith(("ledger.", "tipi."))}
    assert "portal.view_household" in lecture and "ledger.view_document" in lecture
    assert not [p for p in lecture if not p.split(".")[1].startswith("view_")]
    assert "booking.book_for_family" not in lecture
    # Administrateur: everything of the commune, staff accounts and roles included.
    assert {"accounts.change_user", "auth.change_group", "booking.change_service"} <= groups[
        "Administrateur"
    ]
    assert regisseur | agent | lecture <= groups["Administrateur"]


def test_a_new_commune_gets_the_roles_and_its_administrator_is_administrateur(in_public):
    from tenants import services

    commune = services.create_commune(
        name="Margny",
        slug="Margny",
        contact_email="mairie@margny.test",
        admin_email="admin@margny.test",
    )
    # Everything, schema included, rolls back with the test's transaction.
    with schema_context(commune.schema_name):
        from django.contrib.auth import get_user_model

        administrator = get_user_model().objects.get(email="admin@margny.test")
        assert not administrator.is_superuser
        assert [g.name for g in administrator.groups.all()] == ["Administrateur"]
        assert administrator.has_perm("booking.change_service")
        agent = _permissions(Group.objects.get(name="Agent"))
        assert "booking.book_for_family" in agent and "ledger.record_payment" not in agent


# Walking every staff URL.


def staff_routes():
    """(pattern string, URLPattern) for every route under admin/ and gestion/."""
    found = []

    def walk(patterns, prefix):
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, route)
            elif isinstance(entry, URLPattern) and route.startswith(("admin/", "gestion/")):
                found.append((route, entry))

    walk(get_resolver("config.urls_commune").url_patterns, "")
    return found


ADMIN_KIND = {"changelist": "view", "change": "view", "history": "view", "add": "add"}
ADMIN_KIND.update(delete="delete", password_change="change")  # UserAdmin's password form
# Admin site pages and what they need; "role" = any role, None = any staff account.
SITE_PAGES = {
    "index": "role",
    "logout": None,
    "login": None,
    "password_change": "role",
    "password_change_done": "role",
    "jsi18n": "role",
    "autocomplete": "role",
    "view_on_site": "role",
    "app_list": "module",
    # UserAdmin names its password form after django.contrib.auth's User.
    "auth_user_password_change": "accounts.change_user",
}


def model_admin_for(name):
    for model, model_admin in admin.site._registry.items():
        prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
        if name and name.startswith(prefix):
            return model, model_admin, name[len(prefix) :]
    return None, None, None


def required_permission(route, pattern):
    """What a route needs, from the route itself; fails for a route nobody declared."""
    callback = pattern.callback
    declared = getattr(callback, "staff_permission", None)
    if declared:
        return declared
    model, _model_admin, kind = model_admin_for(pattern.name)
    if model is not None and kind in ADMIN_KIND:
        return f"{model._meta.app_label}.{ADMIN_KIND[kind]}_{model._meta.model_name}"
    if pattern.name in SITE_PAGES:
        return SITE_PAGES[pattern.name]
    raise AssertionError(
        f"{route} ({pattern.name}) declares no permission: decorate it with "
        "portal.roles.staff_permission"
    )


@pytest.fixture
def staff_world(canteen, blanchard):
    """At least one object of each kind the staff URLs point at."""
    maxime = blanchard.household.children.get(first_name="Maxime")
    invoice(blanchard, [meal(maxime, datetime.date(2026, 3, 2))])
    order_with_payment(blanchard.household, canteen.service, blanchard.user)
    message = send_contact_message(
        household=blanchard.household, author=blanchard.user, subject="Menu", body="Bonjour"
    )
    with transaction.atomic():
        sending = record_staff_action(
            actor=blanchard.user,
            action="mailing.send",
            summary="E-mail",
            details={"subject": "Sortie", "outbox_ids": []},
        )
    staff = UserFactory(email="relance@clairoix.test", is_staff=True)
    declaration = health_declare(
        household=blanchard.household, child=maxime, author=blanchard.user, diet="no_pork"
    )
    return {
        "declaration_id": str(declaration.pk),
        "guardian_id": str(blanchard.pk),
        "message_id": str(message.pk),
        "entry_id": str(sending.pk),
        "household_id": str(blanchard.household_id),
        "service_code": canteen.service.code,
        "child_id": str(blanchard.household.children.first().pk),
        "file_id": "999999",
        "account_id": str(Account.objects.get().pk),
        "content_type_id": str(ContentType.objects.get_for_model(type(blanchard.household)).pk),
        "reminder_id": str(
            reminders.reminder_send(household_id=blanchard.household_id, sent_by=staff).pk
        ),
    }


PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


def concrete_urls(world):
    """Every staff route with its parameters filled with existing objects."""
    urls = []
    for route, pattern in staff_routes():
        if isinstance(pattern.callback, type) or getattr(pattern.callback, "view_class", None):
            continue  # the admin's bare <object_id>/ redirects to .../change/, walked itself
        if "(?P<app_label>" in route:
            for label in sorted({m._meta.app_label for m in admin.site._registry}):
                urls.append((f"/admin/{label}/", pattern, f"module:{label}"))
            continue
        if "(?P<url>" in route:
            urls.append(("/admin/pas-une-page/", pattern, "role"))
            continue
        model, _model_admin, _kind = model_admin_for(pattern.name)
        path = route
        for name in PARAMETER.findall(route):
            if name in ("object_id", "pk", "id"):
                obj = model._default_manager.first() if model is not None else None
                value = str(obj.pk) if obj is not None else "999999"
            elif name in world:
                value = world[name]
            else:
                raise AssertionError(f"{route}: no test value for the parameter <{name}>")
            path = re.sub(r"<(?:\w+:)?" + name + ">", value, path, count=1)
        if pattern.name == "view_on_site":
            path = f"admin/r/{world['content_type_id']}/{world['household_id']}/"
        urls.append(("/" + path, pattern, required_permission(route, pattern)))
    return urls


def allowed(user, needed):
    if needed is None:
        return True
    if needed == "role":
        return roles.has_staff_role(user)
    if needed.startswith("module:"):
        return user.has_module_perms(needed.split(":", 1)[1])
    return user.has_perm(needed)


def login(email):
    client = Client()
    response = client.post("/Clairoix/admin/login/", {"username": email, "password": PASSWORD})
    assert response.status_code == 302, email
    return client


def test_every_staff_url_checks_the_role_s_permission(staff_world, in_clairoix):
    urls = concrete_urls(staff_world)
    assert any(u.startswith("/gestion/cuisine/") for u, _p, _n in urls)
    assert any("/admin/ledger/account/" in u and "reglement" in u for u, _p, _n in urls)
    accounts = {}
    for role in roles.ROLE_NAMES:
        user = UserFactory(email=f"{role.lower()}@clairoix.test", is_staff=True)
        roles.give_role(user, role)
        accounts[role] = user
    accounts[None] = UserFactory(email="sans-role@clairoix.test", is_staff=True)

    answers = {}
    for role, user in accounts.items():
        client = login(user.email)
        user = type(user).objects.get(pk=user.pk)  # fresh permission cache
        for url, pattern, needed in urls:
            if pattern.name in ("logout", "login"):
                continue
            response = client.get("/Clairoix" + url)
            status = response.status_code
            assert status < 500, (role, url, status)
            denied = role is None or not allowed(user, needed)
            if role is None:
                assert status == 403 and NO_ROLE_TEXT in response.content.decode(), (url, status)
            elif not allowed(user, needed):
                # Refused; the admin answers "does not exist" first for an id without a row.
                missing = "/999999/" in url and response.get("Location") == "/Clairoix/admin/"
                # An app's index the role sees nothing of is "not found" (Django's admin).
                missing = missing or (needed.startswith("module:") and status == 404)
                assert status == 403 or missing, (role, url, needed, status)
                # An action is refused the same way, before anything is written.
                posted = client.post("/Clairoix" + url, {}).status_code
                assert posted == 403 or missing, (role, url, posted)
            answers[role, url] = None if denied else status
    for (role, url), status in answers.items():
        if role not in (None, roles.ADMINISTRATEUR) and status is not None:
            # A page a role may open answers as it does for the administrator.
            assert status == answers[roles.ADMINISTRATEUR, url], (role, url, status)
    print(f"staff URLs walked: {len(urls)} x {len(accounts)} accounts")


def test_a_staff_account_without_a_role_sees_the_ask_your_administrator_page(in_clairoix):
    UserFactory(email="nouvel-agent@clairoix.test", is_staff=True)
    client = login("nouvel-agent@clairoix.test")
    for url in ("/Clairoix/admin/", "/Clairoix/gestion/cuisine/", "/Clairoix/admin/portal/"):
        response = client.get(url)
        assert response.status_code == 403
        assert NO_ROLE_TEXT in response.content.decode()


def test_parents_are_sent_to_the_back_office_login_from_staff_pages(parent_client):
    response = parent_client.get("/Clairoix/gestion/cuisine/")
    assert response.status_code == 302
    assert response["Location"].startswith("/Clairoix/admin/login/")


@pytest.mark.parametrize(
    ("role", "path", "status"),
    [
        (roles.AGENT, "/Clairoix/gestion/cuisine/", 200),
        (roles.AGENT, "/Clairoix/gestion/foyers/{household}/cant/", 200),
        (roles.AGENT, "/Clairoix/admin/ledger/account/{account}/reglement/", 403),
        (roles.LECTURE, "/Clairoix/gestion/cuisine/", 200),
        (roles.LECTURE, "/Clairoix/gestion/foyers/{household}/cant/", 403),
        (roles.LECTURE, "/Clairoix/admin/ledger/account/{account}/reglement/", 403),
        (roles.LECTURE, "/Clairoix/admin/portal/household/add/", 403),
        (roles.REGISSEUR, "/Clairoix/gestion/foyers/{household}/cant/", 403),
        (roles.REGISSEUR, "/Clairoix/admin/ledger/account/{account}/reglement/", 200),
        # The ledger's credit-note link leads to booking's page (it also cancels meals).
        (roles.REGISSEUR, "/Clairoix/admin/ledger/account/{account}/avoir/", 302),
        (roles.REGISSEUR, "/Clairoix/admin/booking/reservation/avoir-correctif/{account}/", 200),
        (roles.AGENT, "/Clairoix/admin/booking/reservation/avoir-correctif/{account}/", 403),
        (roles.REGISSEUR, "/Clairoix/admin/booking/service/add/", 403),
        (roles.ADMINISTRATEUR, "/Clairoix/admin/accounts/user/add/", 200),
    ],
)
def test_what_each_role_may_open(staff_world, role, path, status):
    user = UserFactory(email="role@clairoix.test", is_staff=True)
    roles.give_role(user, role)
    client = login(user.email)
    account = Account.objects.get()
    url = path.format(household=staff_world["household_id"], account=account.pk)
    assert client.get(url).status_code == status
