"""The simulated Treasury: SOAP service, the welcome page, the card page."""

import datetime
import logging
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.core.mail import send_mail
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.csrf import csrf_exempt

from ledger.money import format_euros
from tipi import payfip
from tipi.simulator import cards
from tipi.simulator.store import SimulatorStore

logger = logging.getLogger(__name__)

OTHER_FIELD_CODE = "X0"  # the simulator's own code for rules with no known Treasury code


def _soap_response(body: bytes, status=200):
    return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")


def _fault(code, libelle, kind="FonctionnelleErreur"):
    # SOAP 1.1 sends faults with HTTP 500.
    return _soap_response(payfip.build_fault(code, libelle, kind=kind), status=500)


def client_labels(numcli: str) -> list[str]:
    labels = settings.PAYFIP_SIMULATOR_CLIENTS.get(numcli)
    if labels is None:
        labels = [f"COLLECTIVITE {numcli}", f"REGIE {numcli}", ""]
    return list(labels) + [""] * (3 - len(labels))


def _create(values: dict):
    try:
        montant = int(values.get("montant", ""))
    except ValueError:
        montant = values.get("montant", "")
    request = payfip.PaymentRequest(
        **{name: values.get(name, "") for name in payfip.CREATE_FIELDS if name != "montant"},
        montant=montant,
    )
    errors = request.field_errors()
    if "refdet" in errors:
        return _fault(payfip.BAD_REFDET, "Le format du paramètre REFDET n'est pas conforme")
    if "mel" in errors:
        return _fault(payfip.BAD_EMAIL, "Adresse mél incorrecte.")
    if errors:
        name = next(iter(errors))
        return _fault(OTHER_FIELD_CODE, f"Paramètre {name.upper()} incorrect : {errors[name]}")
    id_op = SimulatorStore().create({name: values[name] for name in payfip.CREATE_FIELDS})
    return _soap_response(
        payfip.build_envelope("creerPaiementSecuriseResponse", "return", [("idOp", id_op)])
    )


def _detail(values: dict):
    record = SimulatorStore().get(values.get("idOp", ""))
    if record is None:
        return _fault(payfip.UNKNOWN_ID_OP, "IdOp incorrect.")
    if not record.get("resultrans"):
        return _fault(payfip.RESULT_NOT_KNOWN, "Résultat de la transaction non connu.")
    return _soap_response(
        payfip.build_envelope(
            "recupererDetailPaiementSecuriseResponse",
            "return",
            [(name, str(record.get(name, ""))) for name in payfip.DETAIL_FIELDS],
        )
    )


def _client(values: dict):
    numcli = values.get("numCli", "")
    if not payfip.NUMCLI_RE.match(numcli):
        return _fault(OTHER_FIELD_CODE, "Numéro client incorrect.")
    labels = client_labels(numcli)
    return _soap_response(
        payfip.build_envelope(
            "recupererDetailClientResponse",
            "return",
            [("libelleN1", labels[0]), ("libelleN2", labels[1]), ("libelleN3", labels[2])]
            + [("numcli", numcli)],
        )
    )


@csrf_exempt
def soap_service(request):
    """<base>/tpa/services/securite: document/literal SOAP 1.1."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        operation, values = payfip.parse_request(request.body)
    except payfip.PayfipError as error:
        return _fault("T1", str(error), kind="TechProtocolaireErreur")
    handler = {
        "creerPaiementSecurise": _create,
        "recupererDetailPaiementSecurise": _detail,
        "recupererDetailClient": _client,
    }.get(operation)
    if handler is None:
        return _fault("T2", f"Opération inconnue : {operation}", kind="TechProtocolaireErreur")
    return handler(values)


# Pages ---------------------------------------------------------------------------------


def _page_context(record):
    labels = client_labels(record["numcli"])
    return {
        "record": record,
        "id_op": record["idOp"],
        "amount": format_euros(payfip.PaymentDetail(montant=record["montant"]).amount),
        "collectivite": labels[0],
        "comptable": labels[1],
        "test_mode": record.get("saisie") != "W",
    }


def _expired(record) -> bool:
    return time.time() - record["created"] > payfip.PAYMENT_PAGE_VALIDITY.total_seconds()


def _load(request):
    """The operation of the page, or the reason to show an error page instead."""
    id_op = request.GET.get("idop") or request.POST.get("idop") or ""
    record = SimulatorStore().get(id_op)
    if record is None:
        return None, render(request, "payfip_simulator/error.html", status=404)
    if record.get("resultrans"):
        return None, render(request, "payfip_simulator/done.html", _page_context(record))
    if _expired(record):
        return None, render(request, "payfip_simulator/error.html", {"expired": True}, status=410)
    return record, None


@csrf_exempt
def payment_page(request):
    """<base>/tpa/paiementws.web?idop=: "Bienvenue sur la solution de paiement de la DGFIP"."""
    record, problem = _load(request)
    if problem:
        return problem
    if request.method == "POST":
        if "annuler" in request.POST:
            return decide(record, payfip.ABANDONED)
        query = urllib.parse.urlencode({"idop": record["idOp"]})
        return HttpResponseRedirect(f"carte.web?{query}")
    return render(request, "payfip_simulator/welcome.html", _page_context(record))


@csrf_exempt
def card_page(request):
    """The card form: "Numéro de carte", expiry, "Cryptogramme visuel", "VALIDER"."""
    record, problem = _load(request)
    if problem:
        return problem
    errors, values = {}, {}
    if request.method == "POST":
        if "annuler" in request.POST:
            return decide(record, payfip.ABANDONED)
        values = {name: request.POST.get(name, "").strip() for name in ("numero", "mois", "annee")}
        errors, resultrans = cards.judge(
            values["numero"],
            values["mois"],
            values["annee"],
            request.POST.get("cvv", "").strip(),
            datetime.date.today(),
        )
        if resultrans:
            return decide(record, resultrans)
    this_year = datetime.date.today().year
    return render(
        request,
        "payfip_simulator/card.html",
        {
            **_page_context(record),
            "errors": errors,
            "values": values,
            "months": [f"{m:02d}" for m in range(1, 13)],
            "years": [str(y) for y in range(this_year, this_year + 11)],
        },
        status=400 if errors else 200,
    )


def decide(record, resultrans):
    """The Treasury's decision: stored once, ticket e-mail, notification, browser back."""
    record, first = SimulatorStore().decide(record["idOp"], resultrans, time.localtime())
    if first:
        if record["resultrans"] in payfip.PAID_CODES:
            send_ticket(record)
        schedule_notification(record["urlnotif"], record["idOp"])
    return HttpResponseRedirect(record["urlredirect"])


def send_ticket(record):
    context = _page_context(record)
    try:
        send_mail(
            subject=render_to_string("payfip_simulator/ticket_subject.txt", context).strip(),
            message=render_to_string("payfip_simulator/ticket_body.txt", context),
            from_email=settings.PAYFIP_SIMULATOR_FROM_EMAIL,
            recipient_list=[record["mel"]],
        )
    except Exception:
        logger.exception("Simulateur PayFiP : ticket non envoyé pour %s", record["idOp"])


def notify(url: str, id_op: str) -> bool:
    """POST idOp to urlnotif, as PayFiP does: no signature, the receiver must ask back."""
    data = urllib.parse.urlencode({"idOp": id_op}).encode()
    request = urllib.request.Request(url, data=data, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
            response.read()
        return True
    except (urllib.error.URLError, OSError) as error:
        logger.warning("Simulateur PayFiP : notification %s non remise : %s", id_op, error)
        return False


def schedule_notification(url: str, id_op: str):
    delay = settings.PAYFIP_SIMULATOR_NOTIFY_DELAY
    if delay is None:
        return  # tests: the notification never comes
    if delay <= 0:
        notify(url, id_op)
        return
    timer = threading.Timer(delay, notify, args=(url, id_op))
    timer.daemon = True
    timer.start()
