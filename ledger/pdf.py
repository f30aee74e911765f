"""The documents' PDFs, drawn with xhtml2pdf from an HTML template.

The font is Bitstream Vera, shipped inside reportlab (a pip dependency of xhtml2pdf), so every
machine has it; it covers French accents and "€". The renderer may read that folder and
nothing else: no network, no other file.
"""

import io
from collections import OrderedDict
from pathlib import Path

import reportlab
from django.template.loader import render_to_string
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import ResourceAccessPolicy

from ledger.models import Document
from ledger.selectors import settling_payment

FONT_DIR = Path(reportlab.__file__).resolve().parent / "fonts"
FONTS = {"regular": FONT_DIR / "Vera.ttf", "bold": FONT_DIR / "VeraBd.ttf"}

POLICY = ResourceAccessPolicy(
    allow_remote=False, base_dir=FONT_DIR, max_render_seconds=60, max_resources=10
)


class PdfRenderingError(RuntimeError):
    pass


def _link_callback(uri, rel):
    """Only the two font files resolve; everything else is refused."""
    for path in FONTS.values():
        if uri in (path.name, str(path)):
            return str(path)
    raise PdfRenderingError(f"Resource refused in a ledger PDF: {uri}")


def children_groups(document: Document):
    """Lines as on the manual's invoice: per child (name on its first row only), in date
    order, grouped by meal and price; each group's quantity and total on its first row."""
    children = OrderedDict()
    for line in sorted(document.lines.all(), key=lambda x: (x.child_name, x.day, x.position)):
        children.setdefault(line.child_name, OrderedDict()).setdefault(
            (line.label, line.unit_price), []
        ).append(line)
    return [
        {
            "child_name": name,
            "groups": [
                {
                    "label": label,
                    "unit_price": unit_price,
                    "lines": lines,
                    "quantity": sum(x.quantity for x in lines),
                    "amount": sum(x.amount for x in lines),
                }
                for (label, unit_price), lines in by_kind.items()
            ],
        }
        for name, by_kind in children.items()
    ]


def render_html(document: Document) -> str:
    return render_to_string(
        "ledger/pdf/document.html",
        {
            "document": document,
            "snapshot": document.snapshot,
            "children": children_groups(document) if document.kind != "RG" else [],
            "settled_by": settling_payment(document),
            "fonts": {key: str(path) for key, path in FONTS.items()},
        },
    )


def render_document(document: Document) -> bytes:
    output = io.BytesIO()
    result = pisa.pisaDocument(
        render_html(document),
        dest=output,
        encoding="utf-8",
        link_callback=_link_callback,
        resource_policy=POLICY,
    )
    if result.err:
        raise PdfRenderingError(f"xhtml2pdf failed on {document.number}")
    return output.getvalue()
