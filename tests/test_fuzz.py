"""No input from the network gives a 500: random and hostile values in every form field
and query parameter of the parent pages, the staff pages and the console.

The forms are read from the pages themselves (every <form> and its fields), so a new field
is fuzzed without touching this test. Hypothesis runs derandomized with a fixed number of
examples per form: the run is the same each time and bounded."""

import datetime
import time
from html.parser import HTMLParser
from urllib.parse import quote, urljoin

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import PASSWORD, UserFactory
from tests.ledger.factories import invoice, meal
from tests.tipi.factories import order_with_payment
from tipi.models import PaymentOperation

EXAMPLES = 6  # per form
ADMIN_EXAMPLES = 3  # per form of the Django admin's generic pages (there are many)
REQUESTS = {"count": 0, "seconds": 0.0}

HOSTILE = [
    "",
    " ",
    "a" * 5000,
    "é" * 300 + "💥" * 100,
    "\x00",
    "ab\x00cd",
    "\r\nBcc: pirate@example.org",
    "<script>alert(1)</script>",
    '"><img src=x>',
    "' OR 1=1 --",
    "../../../etc/passwd",
    "9999-12-31",
    "0001-01-01",
    "31/12/9999",
    "2026-02-30",
    "-1",
    "0",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "4,70",
    "-0,01",
    "abc",
    "%00",
    "x" * 300 + "@example.org",
]
VALUE = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=60),
)


class Forms(HTMLParser):
    """Every form of a page: action, method, and fields with their current values."""

    def __init__(self):
        super().__init__()
        self.forms, self._form, self._select = [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {
                "action": attrs.get("action") or "",
                "method": (attrs.get("method") or "get").lower(),
                "fields": {},
                "buttons": [],
            }
            self.forms.append(self._form)
        elif self._form is None or not attrs.get("name"):
            return
        elif tag == "button" or (tag == "input" and attrs.get("type") == "submit"):
            self._form["buttons"].append((attrs["name"], attrs.get("value") or ""))
        elif tag in ("input", "textarea"):
            self._form["fields"].setdefault(attrs["name"], attrs.get("value") or "")
        elif tag == "select":
            self._select = attrs["name"]
            self._form["fields"].setdefault(self._select, "")
        elif tag == "option" and self._select:
            self._form["fields"][self._select] = self._form["fields"][self._select] or (
                attrs.get("value") or ""
            )

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def forms_of(client, path):
    response = client.get(path)
    assert response.status_code < 500, (path, response.status_code)
    parser = Forms()
    parser.feed(response.content.decode())
    for form in parser.forms:
        form["action"] = urljoin(path, form["action"]) if form["action"] else path
    return parser.forms


def send(client, method, path, data):
    started = time.perf_counter()
    if method == "post":
        response = client.post(path, data)
    else:
        response = client.get(path, data)
    REQUESTS["count"] += 1
    REQUESTS["seconds"] += time.perf_counter() - started
    assert response.status_code < 500, (method, path, data, response.status_code)
    return response


def fuzz_form(client, form, skip=(), examples=EXAMPLES):
    fields = [name for name in form["fields"] if name not in skip and name != "csrfmiddlewaretoken"]
    buttons = form["buttons"] or [None]

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def run(data):
        values = dict(form["fields"])
        for name in fields:
            if data.draw(st.booleans(), label=f"fuzz {name}"):
                values[name] = data.draw(VALUE, label=name)
        button = data.draw(st.sampled_from(buttons), label="button")
        if button:
            values[button[0]] = button[1]
        send(client, form["method"], form["action"], values)

    run()


def fuzz_page(client, path, skip_actions=(), skip_fields=(), examples=EXAMPLES):
    for form in forms_of(client, path):
        if any(part in form["action"] for part in skip_actions):
            continue
        fuzz_form(client, form, skip_fields, examples)


def fuzz_path(client, template, examples=EXAMPLES):
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(value=VALUE)
    def run(value):
        send(client, "get", template.format(quote(value, safe="")), {})

    run()


@pytest.fixture
def world(canteen, blanchard):  # noqa: F811 - fixture
    maxime = blanchard.household.children.get(first_name="Maxime")
    document = invoice(blanchard, [meal(maxime, datetime.date(2026, 3, 2))])
    operation = order_with_payment(
        blanchard.household,
        canteen.service,
        blanchard.user,
        id_op="b" * 36,
        status=PaymentOperation.Status.PENDING,
    )
    return {"document": document, "operation": operation, "household": blanchard.household}


def report(label, before):
    count = REQUESTS["count"] - before[0]
    seconds = REQUESTS["seconds"] - before[1]
    print(f"\nfuzz {label}: {count} requests, {seconds:.1f} s, no 5xx")


def test_parent_pages_never_answer_5xx(world, client):
    before = (REQUESTS["count"], REQUESTS["seconds"])
    anonymous = Client()
    for path in ("/Clairoix/", "/Clairoix/mot-de-passe-oublie/"):
        fuzz_page(anonymous, path)
    fuzz_path(anonymous, "/Clairoix/mot-de-passe/choisir/{0}/{0}/")
    fuzz_path(anonymous, "/{}/")
    send(anonymous, "post", "/Clairoix/paiement/notification/", {"idOp": "a\x00b"})
    fuzz_form(
        anonymous,
        {
            "action": "/Clairoix/paiement/notification/",
            "method": "post",
            "fields": {"idOp": "c" * 36},
            "buttons": [],
        },
    )

    parent = Client()
    parent.post("/Clairoix/", {"username": world["household"].guardians.get().user.email,
                               "password": PASSWORD})  # fmt: skip
    number = world["document"].number
    for path in (
        "/Clairoix/accueil/",
        "/Clairoix/coordonnees/vos-coordonnees/",
        "/Clairoix/coordonnees/mot-de-passe/",
        "/Clairoix/nous-contacter/",
        "/Clairoix/reservations/",
        "/Clairoix/reservations/cant/",
        "/Clairoix/reservations/cant/reservation/",
        "/Clairoix/reservations/cant/compte/",
        "/Clairoix/reservations/cant/factures/",
        f"/Clairoix/reservations/cant/compte/{number}/",
        "/Clairoix/paiement/CANT0000001/retour/",
    ):
        fuzz_page(parent, path, skip_actions=("/deconnexion/",))
    for template in (
        "/Clairoix/reservations/cant/compte/{}/",
        "/Clairoix/reservations/cant/factures/{}.pdf",
        "/Clairoix/reservations/{}/reservation/",
        "/Clairoix/paiement/{}/retour/",
    ):
        fuzz_path(parent, template)
    for query in ("du", "au"):
        fuzz_path(parent, "/Clairoix/reservations/cant/compte/?" + query + "={}")
    report("parent pages", before)


def admin_pages(client):
    """Every admin changelist and add form, read from the admin index."""
    from django.contrib import admin

    paths = []
    for model in admin.site._registry:
        opts = model._meta
        base = f"/Clairoix/admin/{opts.app_label}/{opts.model_name}/"
        paths.append(base)
        obj = model._default_manager.first()
        if obj is not None:
            paths.append(f"{base}{obj.pk}/change/")
        paths.append(base + "add/")
    return paths


def test_staff_pages_never_answer_5xx(world, in_clairoix):
    from portal import roles

    before = (REQUESTS["count"], REQUESTS["seconds"])
    user = UserFactory(email="admin@clairoix.test", is_staff=True)
    roles.give_role(user, roles.ADMINISTRATEUR)
    staff = Client()
    staff.post("/Clairoix/admin/login/", {"username": user.email, "password": PASSWORD})
    account = world["document"].account_id
    household = world["household"].pk
    pages = [
        "/Clairoix/gestion/cuisine/",
        f"/Clairoix/gestion/foyers/{household}/cant/",
        f"/Clairoix/admin/ledger/account/{account}/reglement/",
        f"/Clairoix/admin/ledger/account/{account}/debit-sans-reservation/",
        f"/Clairoix/admin/ledger/account/{account}/avoir/",
        "/Clairoix/admin/ledger/document/totaux/",
        f"/Clairoix/admin/tipi/paymentoperation/{world['operation'].pk}/validation-manuelle/",
    ]
    generic = admin_pages(staff)
    for path in pages + generic:
        # Delete confirmations, logout and the Treasury check (network) are not fuzzed.
        fuzz_page(
            staff,
            path,
            skip_actions=("/logout/", "/delete/", "/verifier/"),
            skip_fields=("_save", "_continue", "_addanother"),
            examples=ADMIN_EXAMPLES if path in generic else EXAMPLES,
        )
    for query in ("site", "jour", "format"):
        fuzz_path(staff, "/Clairoix/gestion/cuisine/?" + query + "={}")
    for query in ("du", "au"):
        fuzz_path(staff, "/Clairoix/admin/ledger/document/totaux/?du=2026-01-01&" + query + "={}")
    fuzz_path(staff, "/Clairoix/admin/portal/household/?q={}")
    fuzz_path(staff, "/Clairoix/admin/booking/siteday/?site__id__exact={}")
    fuzz_path(
        staff,
        "/Clairoix/admin/autocomplete/?app_label=portal&model_name=guardian"
        "&field_name=household&term={}",
    )
    fuzz_path(staff, "/Clairoix/admin/portal/household/{}/change/")
    report("staff pages", before)


def test_console_never_answers_5xx(in_public, clairoix):
    before = (REQUESTS["count"], REQUESTS["seconds"])
    anonymous = Client()
    fuzz_page(anonymous, "/console/connexion/")
    UserFactory(email="operateur@preau.test", is_staff=True, is_superuser=True)
    console = Client()
    console.post("/console/connexion/", {"username": "operateur@preau.test", "password": PASSWORD})
    for path in ("/console/", "/console/communes/nouvelle/"):
        fuzz_page(console, path, skip_actions=("/deconnexion/",))
    fuzz_path(console, "/console/communes/{}/etat/")
    fuzz_path(console, "/console/admin/tenants/commune/?q={}")
    report("console", before)
