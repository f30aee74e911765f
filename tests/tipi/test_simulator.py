"""The simulator speaks PayFiP's SOAP over real HTTP: what any client of the real service
would see, faults included."""

import urllib.request

import pytest

from tipi import payfip


def a_request(live, **changes):
    values = {
        "numcli": "012345",
        "exer": "2026",
        "refdet": "cant000000042",
        "objet": "Clairoix Restaurant scolaire CMD00000042",
        "montant": 940,
        "mel": "bertrand.blanchard@example.org",
        "saisie": "T",
        "urlnotif": live("/Clairoix/paiement/notification/"),
        "urlredirect": live("/Clairoix/paiement/cant000000042/retour/"),
    }
    values.update(changes)
    return payfip.PaymentRequest(**values)


@pytest.fixture
def treasury(live):
    return payfip.PayfipClient(live("/simulateur-payfip"), timeout=10)


def test_create_then_p5_until_a_decision(live, treasury):
    id_op = treasury.create_payment(a_request(live))
    assert len(id_op) == 36
    with pytest.raises(payfip.PayfipFault) as caught:
        treasury.payment_detail(id_op)
    assert caught.value.code == "P5" and caught.value.kind == "FonctionnelleErreur"
    assert caught.value.libelle == "Résultat de la transaction non connu."


def test_unknown_id_op_is_p1(live, treasury):
    with pytest.raises(payfip.PayfipFault) as caught:
        treasury.payment_detail("0" * 36)
    assert caught.value.code == "P1" and caught.value.libelle == "IdOp incorrect."


@pytest.mark.parametrize(
    "field, value, code",
    [("refdet", "cant-42", "R3"), ("mel", "pas-une-adresse", "A2")],
)
def test_bad_fields_are_faults_with_the_treasury_codes(live, treasury, field, value, code):
    # Sent raw, past the client's own checks, as another client might.
    request = a_request(live, **{field: value})
    with pytest.raises(payfip.PayfipFault) as caught:
        treasury._call("creerPaiementSecurise", request.as_fields())
    assert caught.value.code == code


def test_client_detail_gives_the_regie_labels(live, treasury):
    answer = treasury.client_detail("012345")
    assert answer == {
        "libelleN1": "CLAIROIX",
        "libelleN2": "REGIE REST SCOL CLAIROIX",
        "libelleN3": "",
        "numcli": "012345",
    }


def test_raw_answer_is_document_literal_with_unqualified_return(live, treasury):
    body = payfip.build_envelope("creerPaiementSecurise", "arg0", a_request(live).as_fields())
    request = urllib.request.Request(  # noqa: S310 - loopback
        treasury.service_url,
        data=body,
        headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        text = response.read().decode()
        assert response.headers["Content-Type"].startswith("text/xml")
    assert "creerPaiementSecuriseResponse xmlns:ns2=" in text
    assert "<return><idOp>" in text


def test_the_pages_are_labelled_and_fit_a_phone(live, treasury):
    from tests.tipi.conftest import Browser

    id_op = treasury.create_payment(a_request(live))
    browser = Browser(live)
    welcome = browser.get(treasury.payment_url(id_op))
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in welcome.text
    for words in ("Référence de la dette", "cant000000042", "9,40", "Payer par carte bancaire",
                  "Annuler"):  # fmt: skip
        assert words in welcome.text
    card = browser.post(welcome.url, {"idop": id_op, "carte": "1"})
    for field_id, label in (
        ("numero", "Numéro de carte"),
        ("mois", "Mois"),
        ("annee", "Année"),
        ("cvv", "Cryptogramme visuel"),
    ):
        assert f'<label for="{field_id}">{label}</label>' in card.text
    for words in ("Collectivité", "CLAIROIX", "REGIE REST SCOL CLAIROIX", "VALIDER"):
        assert words in card.text


def test_the_simulator_never_touches_the_database(
    client, db, django_assert_num_queries, mailoutbox, settings
):
    from tipi.simulator.store import SimulatorStore

    settings.PAYFIP_SIMULATOR_NOTIFY_DELAY = None
    id_op = SimulatorStore().create(
        {
            "numcli": "012345",
            "exer": "2026",
            "refdet": "cant000000043",
            "objet": "x",
            "montant": "470",
            "mel": "a.b@example.org",
            "saisie": "T",
            "urlnotif": "http://127.0.0.1:9/n",
            "urlredirect": "http://127.0.0.1:9/r",
        }  # fmt: skip
    )
    with django_assert_num_queries(0):
        page = client.get("/simulateur-payfip/tpa/paiementws.web", {"idop": id_op})
        assert page.status_code == 200
        card = client.post("/simulateur-payfip/tpa/carte.web?idop=" + id_op, {
            "idop": id_op, "numero": "4111111111111111", "mois": "12", "annee": "2099",
            "cvv": "123",
        })  # fmt: skip
    assert card.status_code == 302 and card["Location"] == "http://127.0.0.1:9/r"
    assert SimulatorStore().get(id_op)["resultrans"] == "P"
    assert [m.to for m in mailoutbox] == [["a.b@example.org"]]
