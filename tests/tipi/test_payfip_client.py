"""The SOAP client on its own: envelopes as the protocol states them, field rules, faults,
and a Treasury that does not answer."""

import socket
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from lxml import etree

from tipi import payfip

SERVICE_NS = (
    "http://securite.service.tpa.cp.finances.gouv.fr/services/mas_securite/"
    "contrat_paiement_securise/PaiementSecuriseService"
)
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"


def a_request(**changes):
    values = {
        "numcli": "012345",
        "exer": "2026",
        "refdet": "cant000000006",
        "objet": "Clairoix commande CMD00000012",
        "montant": 1410,
        "mel": "bertrand.blanchard@example.org",
        "saisie": "T",
        "urlnotif": "http://127.0.0.1:8000/Clairoix/paiement/notification/",
        "urlredirect": "http://127.0.0.1:8000/Clairoix/paiement/cant000000006/retour/",
    }
    values.update(changes)
    return payfip.PaymentRequest(**values)


def test_create_envelope_has_the_service_namespace_and_unqualified_fields_in_order():
    body = payfip.build_envelope("creerPaiementSecurise", "arg0", a_request().as_fields())
    root = etree.fromstring(body)
    assert root.tag == f"{{{SOAP_NS}}}Envelope"
    operation = root.find(f"{{{SOAP_NS}}}Body")[0]
    assert operation.tag == f"{{{SERVICE_NS}}}creerPaiementSecurise"
    arg0 = operation[0]
    assert arg0.tag == "arg0"  # no namespace
    assert [child.tag for child in arg0] == [
        "exer", "mel", "montant", "numcli", "objet", "refdet", "saisie", "urlnotif",
        "urlredirect",
    ]  # fmt: skip
    assert arg0.findtext("montant") == "1410"
    assert arg0.findtext("refdet") == "cant000000006"


def test_a_hand_written_answer_and_fault_are_read():
    answer = f"""<?xml version='1.0' encoding='UTF-8'?>
<S:Envelope xmlns:S="{SOAP_NS}"><S:Body>
<ns2:recupererDetailPaiementSecuriseResponse xmlns:ns2="{SERVICE_NS}"><return>
<dattrans>14012026</dattrans><exer>2026</exer><heurtrans>0931</heurtrans>
<idOp>0123456789abcdef0123456789abcdef0123</idOp><mel>a@b.fr</mel><montant>1410</montant>
<numauto>123456</numauto><numcli>012345</numcli><objet>x</objet><refdet>cant000000006</refdet>
<resultrans>P</resultrans><saisie>T</saisie></return>
</ns2:recupererDetailPaiementSecuriseResponse></S:Body></S:Envelope>""".encode()
    detail = payfip.PaymentDetail.from_fields(
        payfip.parse_response(answer, "recupererDetailPaiementSecurise")
    )
    assert detail.is_paid and detail.numauto == "123456"
    assert detail.amount == Decimal("14.10")
    assert detail.transaction_time.isoformat() == "2026-01-14T09:31:00+01:00"

    fault = f"""<?xml version='1.0' encoding='UTF-8'?>
<S:Envelope xmlns:S="{SOAP_NS}"><S:Body><S:Fault>
<faultcode>S:Server</faultcode>
<faultstring>fr.gouv.finances.cp.tpa.webservice.exceptions.FonctionnelleErreur</faultstring>
<detail><ns2:FonctionnelleErreur xmlns:ns2="{SERVICE_NS}"><code>P5</code>
<descriptif>Résultat de la transaction non connu.</descriptif>
<libelle>Résultat de la transaction non connu.</libelle>
<message>Résultat de la transaction non connu.</message><severite>2</severite>
</ns2:FonctionnelleErreur></detail></S:Fault></S:Body></S:Envelope>""".encode()
    with pytest.raises(payfip.PayfipFault) as caught:
        payfip.parse_response(fault, "recupererDetailPaiementSecurise")
    assert caught.value.code == "P5" and caught.value.means_not_yet
    assert caught.value.kind == "FonctionnelleErreur"
    assert caught.value.libelle == "Résultat de la transaction non connu."


def test_the_fault_we_build_reads_back_with_its_fields():
    body = payfip.build_fault("P1", "IdOp incorrect.")
    root = etree.fromstring(body)
    fault = root.find(f"{{{SOAP_NS}}}Body/{{{SOAP_NS}}}Fault")
    assert fault.findtext("faultcode") == "S:Server"
    assert fault.findtext("faultstring").endswith("exceptions.FonctionnelleErreur")
    error = fault.find("detail")[0]
    assert error.tag == f"{{{SERVICE_NS}}}FonctionnelleErreur"
    assert [child.tag for child in error] == [
        "code", "descriptif", "libelle", "message", "severite",
    ]  # fmt: skip
    assert int(error.findtext("severite")) == 2


@pytest.mark.parametrize(
    "field, value",
    [
        ("refdet", "cant-00006"),  # not [A-Za-z0-9]
        ("refdet", "cant1"),  # < 6
        ("refdet", "c" * 31),  # > 30
        ("objet", "Clairoix — commande"),  # a dash, not allowed
        ("objet", "a" * 101),
        ("montant", 14.10),  # a float, never
        ("montant", "1410"),  # cents as an int, not a string
        ("montant", 0),
        ("mel", "a@b.c" + "x" * 80),
        ("mel", "pas-une-adresse"),
        ("numcli", "12345"),
        ("saisie", "P"),
        ("urlnotif", "javascript:alert(1)"),
    ],
)
def test_field_rules_refuse_a_bad_request_before_sending(field, value):
    request = a_request(**{field: value})
    with pytest.raises(payfip.InvalidRequest) as caught:
        payfip.PayfipClient("http://127.0.0.1:9").create_payment(request)
    assert list(caught.value.errors) == [field]


def test_a_good_request_passes_the_rules():
    assert a_request().field_errors() == {}


def test_objet_is_cleaned_of_accents_and_punctuation():
    assert payfip.clean_objet("Les Ageux — réservation n° CMD00000012 (Léa)") == (
        "Les Ageux reservation n CMD00000012 Lea"
    )
    assert len(payfip.clean_objet("é" * 300)) == 100


def test_a_treasury_that_does_not_answer_times_out_as_unavailable():
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts the connection, never answers
    try:
        client = payfip.PayfipClient(f"http://127.0.0.1:{silent.getsockname()[1]}", timeout=0.3)
        with pytest.raises(payfip.PayfipUnavailable):
            client.payment_detail("x" * 36)
    finally:
        silent.close()


def test_a_closed_port_is_unavailable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(payfip.PayfipUnavailable):
        payfip.PayfipClient(f"http://127.0.0.1:{port}", timeout=1).payment_detail("x" * 36)


def test_the_client_posts_soap_11_and_reads_a_fault_sent_with_http_500():
    seen = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            seen["path"] = self.path
            seen["headers"] = self.headers
            seen["body"] = self.rfile.read(int(self.headers["Content-Length"]))
            body = payfip.build_fault("R3", "Format du paramètre REFDET non conforme")
            self.send_response(500)
            self.send_header("Content-Type", "text/xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        client = payfip.PayfipClient(f"http://127.0.0.1:{server.server_port}/", timeout=5)
        with pytest.raises(payfip.PayfipFault) as caught:
            client.create_payment(a_request())
    finally:
        server.shutdown()
        server.server_close()
    assert caught.value.code == "R3"
    assert seen["path"] == "/tpa/services/securite"
    assert seen["headers"]["SOAPAction"] == '""'
    assert seen["headers"]["Content-Type"].startswith("text/xml")
    operation, values = payfip.parse_request(seen["body"])
    assert operation == "creerPaiementSecurise"
    assert values["montant"] == "1410" and values["saisie"] == "T"


def test_payment_page_url():
    client = payfip.PayfipClient("https://www.payfip.gouv.fr/")
    assert client.payment_url("abc") == "https://www.payfip.gouv.fr/tpa/paiementws.web?idop=abc"
