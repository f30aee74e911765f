"""Where the Treasury is belongs to the platform (PAYFIP_URL, and the simulator's URL when
it is enabled), never to a commune: an agent cannot send parents' cards or the status
questions elsewhere, and an endpoint recorded before this rule is never called."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from ledger.models import Document
from ledger.money import to_cents
from tests.tipi.conftest import Browser, free_cells
from tests.tipi.factories import PayfipSettingsFactory
from tests.tipi.test_back_office import free_keys, pending_operation
from tests.tipi.test_manual_validation import agent
from tipi import payfip, selectors, services
from tipi.models import PayfipSettings, PaymentOperation

ROGUE = "http://rogue.example"


def test_the_commune_settings_have_no_treasury_address(live, settings):
    office = agent(live)
    with live.in_commune():
        row = PayfipSettings.objects.get()
    url = f"/Clairoix/admin/tipi/payfipsettings/{row.pk}/change/"
    form = office.get(url)
    assert 'name="saisie"' in form.text and 'name="is_enabled"' in form.text
    assert 'name="base_url"' not in form.text
    office.post(url, {"base_url": ROGUE, "saisie": "T", "is_enabled": "on", "_save": "1"})

    parent = Browser(live)
    parent.login()
    parent.order(free_cells(live, "Maxime", 1))
    welcome = parent.pay()
    assert welcome.url.startswith(settings.PAYFIP_SIMULATOR_URL + "/tpa/paiementws.web?idop=")
    with live.in_commune():
        assert PaymentOperation.objects.get().base_url == settings.PAYFIP_SIMULATOR_URL


def test_the_platform_chooses_the_endpoint(settings):
    settings.PAYFIP_URL = "https://www.payfip.gouv.fr"
    settings.PAYFIP_SIMULATOR_URL = "http://127.0.0.1:8000/simulateur-payfip"
    settings.PAYFIP_SIMULATOR_ENABLED = True
    assert selectors.treasury_endpoint() == "http://127.0.0.1:8000/simulateur-payfip"
    assert selectors.is_platform_endpoint("https://www.payfip.gouv.fr/")
    settings.PAYFIP_SIMULATOR_ENABLED = False
    assert selectors.treasury_endpoint() == "https://www.payfip.gouv.fr"
    assert not selectors.is_platform_endpoint("http://127.0.0.1:8000/simulateur-payfip")
    assert not selectors.is_platform_endpoint(ROGUE)
    with pytest.raises(payfip.PayfipUnavailable):
        services.treasury(ROGUE)


@pytest.fixture
def rogue_treasury():
    """A host that answers "paid" to every question, and counts them."""
    answer = {}
    asked = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            self.rfile.read(int(self.headers["Content-Length"]))
            asked.append(self.path)
            body = payfip.build_envelope(
                "recupererDetailPaiementSecuriseResponse", "return", list(answer.items())
            )
            self.send_response(200)
            self.send_header("Content-Type", "text/xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", answer, asked
    finally:
        server.shutdown()
        server.server_close()


def test_an_endpoint_recorded_by_a_commune_is_never_called(
    canteen, blanchard, settings, rogue_treasury
):
    url, answer, asked = rogue_treasury
    PayfipSettingsFactory()
    keys = free_keys(blanchard.household, canteen.service, "Maxime", 2)
    operation = pending_operation(blanchard.household, canteen, blanchard.user, keys)
    PaymentOperation.objects.filter(pk=operation.pk).update(base_url=url)
    answer.update(
        idOp=operation.id_op,
        resultrans="P",
        numauto="999999",
        dattrans="01122026",
        heurtrans="0931",
        montant=str(to_cents(operation.amount)),
        refdet=operation.refdet,
        numcli=operation.numcli,
    )

    services.settle(id_op=operation.id_op)
    operation.refresh_from_db()
    assert asked == []
    assert operation.status == "pending" and not Document.objects.exists()
    event = operation.events.get(kind="treasury_unreachable")
    assert "non reconnu par la plateforme" in event.detail


MIGRATION_SCHEMA = "tipi_migration_check"


@pytest.fixture
def schema_at_0001(django_db_setup, django_db_blocker):
    """A scratch commune schema migrated up to tipi 0001 (the old model), dropped after.
    Committed, outside a test transaction: one transaction for a whole schema's DDL runs
    out of PostgreSQL's lock table."""
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {MIGRATION_SCHEMA} CASCADE")
            cursor.execute(f"CREATE SCHEMA {MIGRATION_SCHEMA}")
        try:
            connection.set_schema(MIGRATION_SCHEMA)
            executor = MigrationExecutor(connection)
            targets = [key for key in executor.loader.graph.leaf_nodes() if key[0] != "tipi"] + [
                ("tipi", "0001_initial")
            ]
            executor.migrate(targets)
            yield executor
        finally:
            connection.set_schema_to_public()
            with connection.cursor() as cursor:
                cursor.execute(f"DROP SCHEMA IF EXISTS {MIGRATION_SCHEMA} CASCADE")


def test_the_migration_drops_the_commune_address_and_keeps_one_live_operation(
    schema_at_0001, settings
):
    import datetime

    from django.utils import timezone

    executor = schema_at_0001
    # The state the scratch schema is at: every other app at its latest, tipi at 0001.
    at = [key for key in executor.loader.graph.leaf_nodes() if key[0] != "tipi"]
    old = executor.loader.project_state([*at, ("tipi", "0001_initial")]).apps
    user = old.get_model("accounts", "User").objects.create(email="p@example.org")
    household = old.get_model("portal", "Household").objects.create(name="BLANCHARD")
    service = old.get_model("booking", "Service").objects.create(name="Cantine", code="cant")
    order = old.get_model("booking", "Order").objects.create(
        household=household, service=service, created_by=user, expires_at=timezone.now()
    )
    old.get_model("tipi", "PayfipSettings").objects.create(base_url=ROGUE, saisie="W")
    Operation = old.get_model("tipi", "PaymentOperation")
    common = {
        "order": order, "household": household, "service_code": "cant", "amount": "9.40",
        "mel": "p@example.org", "objet": "x", "numcli": "012345", "exer": "2026",
        "saisie": "W", "status": "pending",
    }  # fmt: skip
    older = Operation.objects.create(
        **common, refdet="cant000000001", id_op="a" * 36, base_url=settings.PAYFIP_SIMULATOR_URL
    )
    Operation.objects.create(**common, refdet="cant000000002", id_op="b" * 36, base_url=ROGUE)
    Operation.objects.filter(pk=older.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=14)
    )

    executor.loader.build_graph()
    executor.migrate([("tipi", "0002_platform_endpoints_one_live_operation")])

    new = executor.loader.project_state(
        [("tipi", "0002_platform_endpoints_one_live_operation")]
    ).apps
    row = new.get_model("tipi", "PayfipSettings").objects.get()
    assert row.saisie == "W" and not hasattr(row, "base_url")
    Operation = new.get_model("tipi", "PaymentOperation")
    statuses = dict(Operation.objects.values_list("refdet", "status"))
    assert statuses == {"cant000000001": "expired", "cant000000002": "pending"}
    # Operations still say which endpoint they used.
    assert Operation.objects.get(refdet="cant000000002").base_url == ROGUE
    Event = new.get_model("tipi", "OperationEvent")
    assert Event.objects.filter(operation__refdet="cant000000001", kind="expired").exists()
    assert Event.objects.filter(operation__refdet="cant000000002", kind="anomaly").exists()
