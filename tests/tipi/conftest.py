"""A live Préau (with the Treasury simulator mounted) on 127.0.0.1, over committed data.

pytest-django's live_server needs transactional_db, whose flush would empty the public
communes table the whole run relies on; this starts Django's LiveServerThread itself and
cleans the commune's tables with wipe_schema_data afterwards."""

import datetime
import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

import pytest
from django.db import connection, connections
from django.test.testcases import LiveServerThread
from django_tenants.utils import schema_context

from tests.booking.factories import build_canteen, next_months
from tests.conftest import wipe_schema_data
from tests.factories import PASSWORD, UserFactory
from tests.portal.factories import ChildFactory, GuardianFactory, HouseholdFactory
from tests.tipi.factories import PayfipSettingsFactory, RegieFactory

ACCEPTED_CARD = "4111 1111 1111 1111"
REFUSED_CARD = "4000 0000 0000 0002"


def start_server():
    thread = LiveServerThread("127.0.0.1", lambda handler: handler)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    return thread


@dataclass
class Live:
    url: str
    commune: object
    canteen: object
    guardian: object
    servers: list

    def __call__(self, path):
        return self.url + path

    def in_commune(self):
        return schema_context(self.commune.schema_name)


@pytest.fixture
def live(django_db_setup, django_db_blocker, settings):
    from tenants.models import Commune

    with django_db_blocker.unblock():
        server = start_server()
        url = f"http://127.0.0.1:{server.port}"
        settings.PREAU_BASE_URL = url
        settings.PAYFIP_SIMULATOR_URL = url + "/simulateur-payfip"
        settings.PAYFIP_SIMULATOR_NOTIFY_DELAY = 0
        settings.PAYFIP_SIMULATOR_KEY_PREFIX += "test:"
        clairoix = Commune.objects.get(slug="Clairoix")
        with schema_context(clairoix.schema_name):
            guardian = GuardianFactory(
                household=HouseholdFactory(name="BLANCHARD"),
                user=UserFactory(
                    email="bertrand.blanchard@example.org",
                    first_name="Bertrand",
                    last_name="BLANCHARD",
                ),
            )
            ChildFactory(household=guardian.household, first_name="Maxime")
            ChildFactory(household=guardian.household, first_name="Léa")
            months = next_months(3)
            canteen = build_canteen(
                guardian.household,
                months,
                first_day=months[0] - datetime.timedelta(days=60),
                last_day=months[-1] + datetime.timedelta(days=40),
            )
            PayfipSettingsFactory(saisie="T")
            RegieFactory()
        servers = [server]
        try:
            yield Live(url, clairoix, canteen, guardian, servers)
        finally:
            for running in servers:
                running.terminate()
            connection.set_schema_to_public()
            wipe_schema_data(clairoix.schema_name)
            connections.close_all()


@dataclass
class Page:
    url: str
    status: int
    text: str
    location: str = ""

    def form_token(self):
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.text)
        return match.group(1) if match else ""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A parent's browser: cookies, forms, redirects followed like a browser does."""

    def __init__(self, live):
        self.live = live
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.stopper = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect
        )
        self.page = None

    def _open(self, request, follow):
        opener = self.opener if follow else self.stopper
        try:
            with opener.open(request, timeout=30) as response:
                page = Page(response.geturl(), response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            page = Page(
                error.geturl(),
                error.code,
                error.read().decode(),
                error.headers.get("Location", ""),
            )
        self.page = page
        return page

    def get(self, url, follow=True):
        url = url if url.startswith("http") else self.live(url)
        return self._open(urllib.request.Request(url), follow)  # noqa: S310 - loopback

    def post(self, url, data, follow=True, token=True):
        url = url if url.startswith("http") else self.live(url)
        data = dict(data)
        if token and self.page is not None and self.page.form_token():
            data.setdefault("csrfmiddlewaretoken", self.page.form_token())
        body = urllib.parse.urlencode(data, doseq=True).encode()
        request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310 - loopback
        return self._open(request, follow)

    def login(self, email="bertrand.blanchard@example.org"):
        self.get("/Clairoix/")
        page = self.post("/Clairoix/", {"username": email, "password": PASSWORD})
        assert "/Clairoix/accueil/" in page.url, page.text[:500]
        return page

    def order(self, cells):
        """The grid → "Finaliser la commande" → the recap."""
        self.get("/Clairoix/reservations/cant/reservation/")
        page = self.post(
            "/Clairoix/reservations/cant/reservation/",
            {**{cell.key: "on" for cell in cells}, "finalize": "1"},
        )
        assert page.url.endswith("/recapitulatif/"), page.text[:2000]
        return page

    def pay(self):
        """Recap → "Payer par carte bancaire": lands on the Treasury's welcome page."""
        assert "Payer par carte bancaire" in self.page.text
        return self.post("/Clairoix/reservations/cant/paiement/", {})

    def pay_by_card(self, number=ACCEPTED_CARD, follow=True, month="12", year=None):
        welcome = self.page
        id_op = urllib.parse.parse_qs(urllib.parse.urlsplit(welcome.url).query)["idop"][0]
        card = self.post(welcome.url, {"idop": id_op, "carte": "1"})
        assert "Numéro de carte" in card.text, card.text[:1000]
        return self.post(
            card.url,
            {
                "idop": id_op,
                "numero": number,
                "mois": month,
                "annee": year or str(datetime.date.today().year + 2),
                "cvv": "123",
                "valider": "1",
            },
            follow=follow,
        )


def free_cells(live, child_name, count, month_index=0):
    from booking import selectors

    with live.in_commune():
        planning = selectors.planning_for(live.guardian.household, live.canteen.service)
    tab = next(t for t in planning.children if t.child.first_name == child_name)
    return [c for c in tab.kinds[0].months[month_index].cells if not c.disabled][:count]
