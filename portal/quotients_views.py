"""Staff pages of the quotient familial: the entry on the household page and the CSV
import (upload, preview line by line, then import in one transaction)."""

import datetime

from django.contrib import messages as flash
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import quotients
from portal.models import QuotientFamilial
from portal.roles import staff_permission
from portal.selectors import household_by_id

MAX_CSV_BYTES = 2_000_000


def _day(text):
    try:
        return datetime.datetime.strptime((text or "").strip(), "%d/%m/%Y").date()
    except ValueError:
        return None


@staff_permission("portal.add_quotientfamilial")
@require_POST
def set_quotient(request, household_id):
    household = household_by_id(household_id)
    if household is None:
        raise Http404(_("Ce foyer n'existe pas."))
    value = quotients.parse_quotient(request.POST.get("value", "")[:20])
    source = request.POST.get("source", "")
    valid_from = _day(request.POST.get("valid_from", "")[:10])
    until_text = request.POST.get("valid_until", "")[:10].strip()
    valid_until = _day(until_text) if until_text else None
    problems = []
    if value is None:
        problems.append(_("Quotient illisible (exemple : 812,50)."))
    if source not in QuotientFamilial.Source.values:
        problems.append(_("Choisissez la source du quotient."))
    if valid_from is None:
        problems.append(_("Date de début illisible (JJ/MM/AAAA)."))
    if until_text and (valid_until is None or (valid_from and valid_until < valid_from)):
        problems.append(_("Date de fin illisible ou antérieure au début."))
    if problems:
        flash.error(request, " ".join(problems))
    else:
        quotients.quotient_set(
            actor=request.user,
            household=household,
            value=value,
            source=source,
            valid_from=valid_from,
            valid_until=valid_until,
        )
        flash.success(request, _("Quotient familial enregistré."))
    return redirect("gestion_household", household_id=household.pk)


@staff_permission("portal.add_quotientfamilial")
def import_page(request):
    context = {"header": ";".join(quotients.CSV_HEADER)}
    if request.method == "POST":
        content = request.POST.get("content", "")
        upload = request.FILES.get("file")
        if upload is not None:
            raw = upload.read(MAX_CSV_BYTES + 1)
            if len(raw) > MAX_CSV_BYTES:
                flash.error(request, _("Fichier trop volumineux (2 Mo au plus)."))
                return render(request, "portal/gestion/quotients_import.html", context)
            try:
                content = raw.decode("utf-8")
            except UnicodeDecodeError:
                content = raw.decode("cp1252", errors="replace")
        preview = quotients.import_preview(content[:MAX_CSV_BYTES])
        if request.POST.get("confirm") and preview.ok:
            count = quotients.quotients_import(actor=request.user, content=content)
            flash.success(request, _("%d quotients familiaux importés.") % count)
            return redirect("gestion_quotients_import")
        context.update({"preview": preview, "content": content})
    return render(request, "portal/gestion/quotients_import.html", context)
