"""A PayFiP Web-Service client: the two SOAP envelopes built and parsed with lxml.

Written from the protocol's facts (SOAP 1.1, document/literal, soapAction ""): the body's
element is in the service namespace, while `arg0`/`return` and every field under them are
unqualified. The published WSDL is broken (unresolvable XSDs), so no WSDL is read.

The simulator (tipi.simulator) uses the same envelope helpers to answer, so both ends agree
on one description of the protocol; the client's tests also check raw XML by hand.

One import path (`tipi.payfip.PayfipClient`...): `protocol` (codes, fields, errors, the
request and the detail), `envelope` (SOAP build and parse), `client` (the calls).
"""

from tipi.payfip.client import (
    PayfipClient,
)
from tipi.payfip.envelope import (
    build_envelope,
    build_fault,
    parse_request,
    parse_response,
)
from tipi.payfip.protocol import (
    ABANDONED,
    BAD_EMAIL,
    BAD_REFDET,
    CARD_REFUSED,
    CLIENT_FIELDS,
    CREATE_FIELDS,
    DEBIT_REFUSED,
    DETAIL_FIELDS,
    EMAIL_RE,
    EXER_RE,
    FAULT_KINDS,
    FAULT_STRING_PREFIX,
    ID_OP_LENGTH,
    MONTANT_RE,
    NUMCLI_RE,
    OBJET_RE,
    PAID_BY_CARD,
    PAID_BY_DEBIT,
    PAID_CODES,
    PARIS,
    PAYMENT_PAGE_PATH,
    PAYMENT_PAGE_VALIDITY,
    REFDET_RE,
    REFUSED_CODES,
    RESULT_CODES,
    RESULT_NOT_KNOWN,
    SAISIE_MODES,
    SERVICE_NS,
    SERVICE_PATH,
    SOAP_NS,
    UNKNOWN_ID_OP,
    InvalidRequest,
    PayfipError,
    PayfipFault,
    PayfipUnavailable,
    PaymentDetail,
    PaymentRequest,
    clean_objet,
)

__all__ = [
    "ABANDONED",
    "BAD_EMAIL",
    "BAD_REFDET",
    "CARD_REFUSED",
    "CLIENT_FIELDS",
    "CREATE_FIELDS",
    "DEBIT_REFUSED",
    "DETAIL_FIELDS",
    "EMAIL_RE",
    "EXER_RE",
    "FAULT_KINDS",
    "FAULT_STRING_PREFIX",
    "ID_OP_LENGTH",
    "InvalidRequest",
    "MONTANT_RE",
    "NUMCLI_RE",
    "OBJET_RE",
    "PAID_BY_CARD",
    "PAID_BY_DEBIT",
    "PAID_CODES",
    "PARIS",
    "PAYMENT_PAGE_PATH",
    "PAYMENT_PAGE_VALIDITY",
    "PayfipClient",
    "PayfipError",
    "PayfipFault",
    "PayfipUnavailable",
    "PaymentDetail",
    "PaymentRequest",
    "REFDET_RE",
    "REFUSED_CODES",
    "RESULT_CODES",
    "RESULT_NOT_KNOWN",
    "SAISIE_MODES",
    "SERVICE_NS",
    "SERVICE_PATH",
    "SOAP_NS",
    "UNKNOWN_ID_OP",
    "build_envelope",
    "build_fault",
    "clean_objet",
    "parse_request",
    "parse_response",
]
