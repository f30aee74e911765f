"""A PayFiP Web-Service client: the two SOAP envelopes built and parsed with lxml.

Written from the protocol's facts (SOAP 1.1, document/literal, soapAction ""): the body's
element is in the service namespace, while `arg0`/`return` and every field under them are
unqualified. The published WSDL is broken (unresolvable XSDs), so no WSDL is read.

The simulator (tipi.simulator) uses the same envelope helpers to answer, so both ends agree
on one description of the protocol; the client's tests also check raw XML by hand.
"""

import datetime
import re
import unicodedata
import urllib.error
import urllib.request
from dataclasses import dataclass, fields
from decimal import Decimal
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

from lxml import etree

SERVICE_NS = (
    "http://securite.service.tpa.cp.finances.gouv.fr/services/mas_securite/"
    "contrat_paiement_securise/PaiementSecuriseService"
)
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SERVICE_PATH = "/tpa/services/securite"
PAYMENT_PAGE_PATH = "/tpa/paiementws.web"
FAULT_STRING_PREFIX = "fr.gouv.finances.cp.tpa.webservice.exceptions."
FAULT_KINDS = (
    "FonctionnelleErreur",
    "TechDysfonctionnementErreur",
    "TechIndisponibiliteErreur",
    "TechProtocolaireErreur",
)
# An idOp lets the browser pay for this long; afterwards the Treasury forgets the page.
PAYMENT_PAGE_VALIDITY = datetime.timedelta(minutes=15)
PARIS = ZoneInfo("Europe/Paris")

# resultrans codes
PAID_BY_CARD = "P"
PAID_BY_DEBIT = "V"
CARD_REFUSED = "R"
DEBIT_REFUSED = "Z"
ABANDONED = "A"
PAID_CODES = frozenset({PAID_BY_CARD, PAID_BY_DEBIT})
REFUSED_CODES = frozenset({CARD_REFUSED, DEBIT_REFUSED})
RESULT_CODES = PAID_CODES | REFUSED_CODES | {ABANDONED}

# Fault codes
UNKNOWN_ID_OP = "P1"  # unknown or purged idOp: expired
RESULT_NOT_KNOWN = "P5"  # nobody has paid, refused or abandoned yet
BAD_REFDET = "R3"
BAD_EMAIL = "A2"

SAISIE_MODES = {"T": "test", "X": "activation", "W": "production"}

CREATE_FIELDS = (
    "exer",
    "mel",
    "montant",
    "numcli",
    "objet",
    "refdet",
    "saisie",
    "urlnotif",
    "urlredirect",
)
DETAIL_FIELDS = (
    "dattrans",
    "exer",
    "heurtrans",
    "idOp",
    "mel",
    "montant",
    "numauto",
    "numcli",
    "objet",
    "refdet",
    "resultrans",
    "saisie",
)
CLIENT_FIELDS = ("libelleN1", "libelleN2", "libelleN3", "numcli")

NUMCLI_RE = re.compile(r"^[0-9]{6}$")
EXER_RE = re.compile(r"^[0-9]{4}$")
REFDET_RE = re.compile(r"^[A-Za-z0-9]{6,30}$")
OBJET_RE = re.compile(r"^[A-Za-z0-9 ]{0,100}$")
MONTANT_RE = re.compile(r"^[1-9][0-9]{0,11}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ID_OP_LENGTH = 36


class PayfipError(Exception):
    """The Treasury could not tell: the operation stays pending, nothing is decided."""


class PayfipUnavailable(PayfipError):
    """Network error, timeout, or an answer that is not the protocol's."""


class PayfipFault(PayfipError):
    """A SOAP fault with the Treasury's `code`, e.g. P5 "Résultat de la transaction non
    connu."."""

    def __init__(self, code, libelle="", message="", *, kind="FonctionnelleErreur", **extra):
        super().__init__(f"{code} {libelle or message}".strip())
        self.code = code
        self.libelle = libelle
        self.message = message
        self.kind = kind
        self.descriptif = extra.get("descriptif", "")
        self.severite = extra.get("severite", "")

    @property
    def means_not_yet(self) -> bool:
        return self.code == RESULT_NOT_KNOWN

    @property
    def means_unknown(self) -> bool:
        return self.code == UNKNOWN_ID_OP


class InvalidRequest(ValueError):
    """The request breaks the protocol's field rules; it is not sent."""

    def __init__(self, errors: dict):
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = errors


def clean_objet(text: str) -> str:
    """PayFiP's `objet`: at most 100 characters of [A-Za-z0-9 ], accents removed."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c))
    ascii_text = re.sub(r"[^A-Za-z0-9 ]+", " ", ascii_text)
    return " ".join(ascii_text.split())[:100].rstrip()


def _is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


@dataclass(frozen=True)
class PaymentRequest:
    """The `arg0` of creerPaiementSecurise. `montant` is integer cents."""

    numcli: str
    exer: str
    refdet: str
    objet: str
    montant: int
    mel: str
    saisie: str
    urlnotif: str
    urlredirect: str

    def field_errors(self) -> dict:
        errors = {}
        if not NUMCLI_RE.match(self.numcli):
            errors["numcli"] = "6 chiffres"
        if not EXER_RE.match(str(self.exer)):
            errors["exer"] = "année sur 4 chiffres"
        if not REFDET_RE.match(self.refdet):
            errors["refdet"] = "6 à 30 caractères [A-Za-z0-9]"
        if not OBJET_RE.match(self.objet):
            errors["objet"] = "au plus 100 caractères [A-Za-z0-9 ]"
        if (
            isinstance(self.montant, bool)
            or not isinstance(self.montant, int)
            or not MONTANT_RE.match(str(self.montant))
        ):
            errors["montant"] = "entier de centimes positif"
        if not (6 <= len(self.mel) <= 80) or not EMAIL_RE.match(self.mel):
            errors["mel"] = "adresse de 6 à 80 caractères"
        if self.saisie not in SAISIE_MODES:
            errors["saisie"] = "T, X ou W"
        for name in ("urlnotif", "urlredirect"):
            if not _is_http_url(getattr(self, name)) or len(getattr(self, name)) > 250:
                errors[name] = "URL http(s) d'au plus 250 caractères"
        return errors

    def validate(self) -> None:
        errors = self.field_errors()
        if errors:
            raise InvalidRequest(errors)

    def as_fields(self) -> list[tuple[str, str]]:
        return [(name, str(getattr(self, name))) for name in CREATE_FIELDS]


@dataclass(frozen=True)
class PaymentDetail:
    """The `return` of recupererDetailPaiementSecurise, as strings the Treasury sent."""

    idOp: str = ""  # noqa: N815 - the protocol's name
    resultrans: str = ""
    numauto: str = ""
    dattrans: str = ""
    heurtrans: str = ""
    montant: str = ""
    refdet: str = ""
    mel: str = ""
    numcli: str = ""
    exer: str = ""
    objet: str = ""
    saisie: str = ""

    @classmethod
    def from_fields(cls, values: dict) -> "PaymentDetail":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})

    @property
    def is_paid(self) -> bool:
        return self.resultrans in PAID_CODES

    @property
    def is_refused(self) -> bool:
        return self.resultrans in REFUSED_CODES

    @property
    def is_abandoned(self) -> bool:
        return self.resultrans == ABANDONED

    @property
    def cents(self) -> int | None:
        return int(self.montant) if self.montant.isdigit() else None

    @property
    def amount(self) -> Decimal | None:
        cents = self.cents
        return None if cents is None else (Decimal(cents) / 100).quantize(Decimal("0.01"))

    @property
    def transaction_time(self) -> datetime.datetime | None:
        """dattrans (DDMMYYYY) and heurtrans (HHMM), Paris time."""
        try:
            day = datetime.datetime.strptime(self.dattrans + self.heurtrans, "%d%m%Y%H%M")
        except ValueError:
            return None
        return day.replace(tzinfo=PARIS)


# Envelopes -------------------------------------------------------------------------------


def _soap(tag):
    return f"{{{SOAP_NS}}}{tag}"


def build_envelope(operation: str, wrapper: str, values: list[tuple[str, str]]) -> bytes:
    """<S:Envelope><S:Body><ns:operation><wrapper><field>…</field></wrapper></ns:operation>…

    `wrapper` is "arg0" for requests and "return" for answers; both and their fields are
    unqualified (no namespace), as the service's schemas are not elementFormDefault=qualified.
    """
    envelope = etree.Element(_soap("Envelope"), nsmap={"S": SOAP_NS})
    body = etree.SubElement(envelope, _soap("Body"))
    element = etree.SubElement(body, f"{{{SERVICE_NS}}}{operation}", nsmap={"ns2": SERVICE_NS})
    holder = etree.SubElement(element, wrapper)
    for name, value in values:
        etree.SubElement(holder, name).text = value
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def build_fault(code, libelle, *, kind="FonctionnelleErreur", message=None, severite=2) -> bytes:
    """A SOAP 1.1 fault as the Treasury sends it: S:Server, the exception's class name, and
    the error's fields in `detail`."""
    envelope = etree.Element(_soap("Envelope"), nsmap={"S": SOAP_NS})
    body = etree.SubElement(envelope, _soap("Body"))
    fault = etree.SubElement(body, _soap("Fault"))
    etree.SubElement(fault, "faultcode").text = "S:Server"
    etree.SubElement(fault, "faultstring").text = FAULT_STRING_PREFIX + kind
    detail = etree.SubElement(fault, "detail")
    error = etree.SubElement(detail, f"{{{SERVICE_NS}}}{kind}", nsmap={"ns2": SERVICE_NS})
    for name, value in (
        ("code", code),
        ("descriptif", libelle),
        ("libelle", libelle),
        ("message", message if message is not None else libelle),
        ("severite", str(severite)),
    ):
        etree.SubElement(error, name).text = value
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def _parse(body: bytes):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as error:
        raise PayfipUnavailable(f"Réponse illisible : {error}") from error


def _local_fields(holder) -> dict:
    return {etree.QName(child).localname: (child.text or "") for child in holder}


def parse_request(body: bytes) -> tuple[str, dict]:
    """The operation name and the `arg0` fields of a request (for the simulator)."""
    root = _parse(body)
    soap_body = root.find(_soap("Body"))
    if soap_body is None or len(soap_body) == 0:
        raise PayfipUnavailable("Enveloppe SOAP sans corps.")
    element = soap_body[0]
    name = etree.QName(element)
    if name.namespace != SERVICE_NS:
        raise PayfipUnavailable(f"Élément hors de l'espace de noms du service : {element.tag}")
    holder = element.find("arg0")
    return name.localname, (_local_fields(holder) if holder is not None else {})


def parse_response(body: bytes, operation: str) -> dict:
    """The `return` fields of `<operation>Response`, or the fault raised as PayfipFault."""
    root = _parse(body)
    soap_body = root.find(_soap("Body"))
    if soap_body is None or len(soap_body) == 0:
        raise PayfipUnavailable("Enveloppe SOAP sans corps.")
    fault = soap_body.find(_soap("Fault"))
    if fault is not None:
        raise _fault_from(fault)
    answer = soap_body.find(f"{{{SERVICE_NS}}}{operation}Response")
    if answer is None:
        raise PayfipUnavailable(f"Réponse inattendue : {soap_body[0].tag}")
    holder = answer.find("return")
    if holder is None:
        raise PayfipUnavailable("Réponse sans élément return.")
    return _local_fields(holder)


def _fault_from(fault) -> PayfipError:
    detail = fault.find("detail")
    if detail is not None and len(detail):
        error = detail[0]
        values = _local_fields(error)
        return PayfipFault(
            values.get("code", ""),
            values.get("libelle", ""),
            values.get("message", ""),
            kind=etree.QName(error).localname,
            descriptif=values.get("descriptif", ""),
            severite=values.get("severite", ""),
        )
    return PayfipUnavailable(f"Faute SOAP sans détail : {fault.findtext('faultstring')}")


# The client ------------------------------------------------------------------------------


class PayfipClient:
    """One Treasury base URL (https://www.payfip.gouv.fr, or the local simulator's)."""

    def __init__(self, base_url: str, *, timeout: float = 10.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.calls = 0  # SOAP calls made, for measurements

    @property
    def service_url(self) -> str:
        return self.base_url + SERVICE_PATH

    def payment_url(self, id_op: str) -> str:
        return f"{self.base_url}{PAYMENT_PAGE_PATH}?{urlencode({'idop': id_op})}"

    def _call(self, operation: str, values: list[tuple[str, str]]) -> dict:
        body = build_envelope(operation, "arg0", values)
        request = urllib.request.Request(  # noqa: S310 - the URL is a configured http(s) base
            self.service_url,
            data=body,
            method="POST",
            headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'},
        )
        self.calls += 1
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = response.read()
        except urllib.error.HTTPError as error:
            # Faults come back with HTTP 500 and the fault envelope as body.
            answer = error.read()
            if not answer:
                raise PayfipUnavailable(f"HTTP {error.code}") from error
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise PayfipUnavailable(str(error)) from error
        return parse_response(answer, operation)

    def create_payment(self, request: PaymentRequest) -> str:
        """creerPaiementSecurise → the idOp (36 characters)."""
        request.validate()
        answer = self._call("creerPaiementSecurise", request.as_fields())
        id_op = answer.get("idOp", "")
        if len(id_op) != ID_OP_LENGTH:
            raise PayfipUnavailable(f"idOp inattendu : {id_op!r}")
        return id_op

    def payment_detail(self, id_op: str) -> PaymentDetail:
        """recupererDetailPaiementSecurise: raises PayfipFault P5 (not yet) or P1 (expired)."""
        answer = self._call("recupererDetailPaiementSecurise", [("idOp", id_op)])
        return PaymentDetail.from_fields(answer)

    def client_detail(self, numcli: str) -> dict:
        """recupererDetailClient: the régie's labels (libelleN1..3) and numcli."""
        return self._call("recupererDetailClient", [("numCli", numcli)])
