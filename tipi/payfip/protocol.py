"""PayFiP's protocol facts: namespaces, codes and fields, the errors, the payment request
and the payment detail (tipi.payfip re-exports all of it)."""

import datetime
import re
import unicodedata
from dataclasses import dataclass, fields
from decimal import Decimal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

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
