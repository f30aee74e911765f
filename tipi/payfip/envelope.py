"""The SOAP envelopes of PayFiP, built and parsed with lxml: the client's requests and the
simulator's answers and faults share them."""

from lxml import etree

from tipi.payfip.protocol import (
    FAULT_STRING_PREFIX,
    SERVICE_NS,
    SOAP_NS,
    PayfipError,
    PayfipFault,
    PayfipUnavailable,
)


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
