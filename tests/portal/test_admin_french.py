"""The Django admin, walked by each role: French names only, no generic "objet", no
technical model for a commune's staff, times "10:00", money "4,70 €"."""

import datetime
import html
import re

import pytest
from django.contrib import admin

from portal import roles
from tests.factories import UserFactory
from tests.ledger.factories import invoice, meal
from tests.portal.test_roles import login
from tests.tipi.factories import order_with_payment

# Words a town-hall agent should never read in the admin: English, code names, raw states.
ENGLISH = [
    "LEDGER",
    "Ledger",
    "AXES",
    "Axes",
    "Access",
    "Outbox",
    "outbox",
    "idempotency",
    "Can add",
    "Can change",
    "Can view",
    "Can delete",
    "created",
    "sent_to_treasury",
    "pending",
    "paid",
    "refused",
    "draft",
    "validated",
    "awaiting_payment",
    "card",
    "cash",
    "cheque",
    "transfer",
    "invoice",
    "credit_note",
    "True",
    "False",
    "None",
    "schema name",
    "order line",
    "number counter",
    "created at",
    "rendered at",
    "cancelled by order",
]
TECHNICAL = ("axes", "sessions", "auth/group", "notifications/outboxemail", "numbercounter")
SECONDS = re.compile(r"\b\d{1,2}:\d\d:\d\d\b")
BARE_AMOUNT = re.compile(r"\b\d+,\d\d\b(?!\s?€)")


def visible_text(content: str) -> str:
    content = re.sub(r"<(script|style)\b.*?</\1>", " ", content, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", content)).split())


# Each word alone (a leading ".{0,60}" would retry at every character of a long page);
# the message shows it with what surrounds it.
ENGLISH_WORDS = [(word, re.compile(r"\b" + word + r"\b")) for word in ENGLISH]
OBJET = re.compile(r"\bobjets?\b", re.I)


def around(text: str, match: re.Match, before: int, after: int) -> str:
    return text[max(0, match.start() - before) : match.end() + after]


def problems_of(url: str, content: str) -> list[str]:
    text = visible_text(content)
    found = [
        f"{url}: {word!r} in …{around(text, match, 60, 20)}…"
        for word, pattern in ENGLISH_WORDS
        if (match := pattern.search(text))
    ]
    if match := OBJET.search(text):
        found.append(f"{url}: 'objet' in …{around(text, match, 40, 20)}…")
    # Times, shown or in an input: "10:00", never "10:00:00".
    found += [f"{url}: time {match}" for match in SECONDS.findall(content)]
    found += [f"{url}: amount {match} without €" for match in BARE_AMOUNT.findall(text)]
    return found


@pytest.fixture
def admin_world(canteen, blanchard):
    """A row of each kind the admin lists: an invoice, a card payment with its history."""
    maxime = blanchard.household.children.get(first_name="Maxime")
    invoice(blanchard, [meal(maxime, datetime.date(2026, 3, 2))])
    operation = order_with_payment(blanchard.household, canteen.service, blanchard.user)
    blanchard.household.messages.create(
        author=blanchard.user, subject="Allergie", body="Léa ne mange pas d'arachide."
    )
    for kind in ("created", "sent_to_treasury"):
        operation.events.create(kind=kind, detail="")
    return operation


def admin_pages(client):
    """The index, then every app index, changelist, add and change page the user may open."""
    urls = ["/Clairoix/admin/"]
    for model in admin.site._registry:
        base = f"/Clairoix/admin/{model._meta.app_label}/{model._meta.model_name}/"
        urls += [f"/Clairoix/admin/{model._meta.app_label}/", base, base + "add/"]
        row = model._default_manager.first()
        if row is not None:
            urls.append(f"{base}{row.pk}/change/")
    pages = {}
    for url in dict.fromkeys(urls):
        response = client.get(url, follow=True)
        if response.status_code == 200:
            pages[url] = response.content.decode()
    return pages


@pytest.mark.parametrize("role", roles.ROLE_NAMES)
def test_each_role_reads_the_admin_in_french(admin_world, in_clairoix, role):
    user = UserFactory(email=f"{role.lower()}@clairoix.test", is_staff=True)
    roles.give_role(user, role)
    pages = admin_pages(login(user.email))
    assert len(pages) > 5, pages.keys()
    problems = [problem for url, content in pages.items() for problem in problems_of(url, content)]
    assert problems == []
    index = pages["/Clairoix/admin/"]
    assert "Familles" in index
    if role != roles.AGENT:  # the Agent has no ledger rights
        assert "Comptabilité" in index and "Comptes des familles" in index
    # Technical models are the operator's: not listed, not reachable.
    assert not [url for url in pages if any(part in url for part in TECHNICAL)]
    for name in ("Sécurité des connexions", "E-mails envoyés", ">Groupes<"):
        assert name not in index


def test_money_times_and_payment_history_read_the_french_way(admin_world, in_clairoix):
    user = UserFactory(email="regie@clairoix.test", is_staff=True)
    roles.give_role(user, roles.REGISSEUR)
    client = login(user.email)
    page = client.get(f"/Clairoix/admin/tipi/paymentoperation/{admin_world.pk}/change/")
    text = visible_text(page.content.decode())
    assert "Montant : 4,70 €" in text
    assert "paiement créé" in text and "envoyé au Trésor" in text
    administrator = UserFactory(email="chef@clairoix.test", is_staff=True)
    roles.give_role(administrator, roles.ADMINISTRATEUR)
    service = admin_world.order.service
    content = (
        login(administrator.email)
        .get(f"/Clairoix/admin/booking/service/{service.pk}/change/")
        .content.decode()
    )
    assert 'value="10:00"' in content


def test_a_commune_administrator_cannot_make_a_superuser(in_clairoix):
    administrator = UserFactory(email="chef@clairoix.test", is_staff=True)
    roles.give_role(administrator, roles.ADMINISTRATEUR)
    page = login(administrator.email).get(
        f"/Clairoix/admin/accounts/user/{administrator.pk}/change/"
    )
    content = page.content.decode()
    assert page.status_code == 200
    assert 'name="is_superuser"' not in content
    assert "Rôles" in content
