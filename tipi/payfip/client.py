"""The client: one Treasury base URL, the three SOAP calls."""

import urllib.error
import urllib.request
from urllib.parse import urlencode

from tipi.payfip.envelope import build_envelope, parse_response
from tipi.payfip.protocol import (
    ID_OP_LENGTH,
    PAYMENT_PAGE_PATH,
    SERVICE_PATH,
    PayfipUnavailable,
    PaymentDetail,
    PaymentRequest,
)


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
