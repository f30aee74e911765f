"""Quotient familial (QF) of a household: reads in bulk for pricing, the staff entry with
its journal row, and the CSV import (preview, then every line in one transaction).

The CSV is what a town hall exports from its own file or re-types from CAF CDAP: one line
per household, separated by ";" (Excel's French CSV), with a header line:
    foyer;email;qf;source;du;au
"foyer" is the household's name and "email" one of its guardians' e-mails (both must
match: a name alone is not unique), "qf" a French number ("1 234,56"), "source" CAF, MSA
or "avis d'imposition", "du"/"au" dates 01/09/2026 ("au" may be empty).
"""

import csv
import datetime
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from portal.journal import record_staff_action
from portal.models import Guardian, Household, QuotientFamilial
from tenants.compiled import compiled_query

SET_ACTION = "portal.quotient_set"
IMPORT_ACTION = "portal.quotient_import"
CSV_HEADER = ["foyer", "email", "qf", "source", "du", "au"]

_NUMBER = re.compile(r"^(?P<units>\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:,(?P<dec>\d{1,2}))?$")
_SOURCES = {
    "caf": QuotientFamilial.Source.CAF,
    "msa": QuotientFamilial.Source.MSA,
    "avis d'imposition": QuotientFamilial.Source.TAX,
    "impots": QuotientFamilial.Source.TAX,
    "impôts": QuotientFamilial.Source.TAX,
}


# Reads ------------------------------------------------------------------------------------


def quotients_of(household_ids) -> dict[int, list[QuotientFamilial]]:
    """Every QF of these households in one query, newest start first."""
    found = defaultdict(list)
    for quotient in _quotients.fetch(household_ids=sorted(household_ids)):
        found[quotient.household_id].append(quotient)
    return found


@compiled_query
def _quotients(household_ids):
    return QuotientFamilial.objects.filter(household_id__in=household_ids)


def quotient_on(quotients, day: datetime.date) -> Decimal | None:
    """The QF value valid on `day` (the latest started, the latest entered), or None."""
    for quotient in quotients:
        if quotient.covers(day):
            return quotient.value
    return None


def quotient_history(household: Household) -> list[QuotientFamilial]:
    return list(QuotientFamilial.objects.filter(household=household))


# Typing -----------------------------------------------------------------------------------


def parse_quotient(text: str) -> Decimal | None:
    """ "1 234,56", "812" → Decimal; None for anything else (a dot, a sign, letters)."""
    match = _NUMBER.match((text or "").strip())
    if match is None:
        return None
    units = re.sub(r"\D", "", match["units"])
    return Decimal(f"{units}.{match['dec'] or '0'}").quantize(Decimal("0.01"))


def _parse_date(text: str) -> datetime.date | None:
    try:
        return datetime.datetime.strptime((text or "").strip(), "%d/%m/%Y").date()
    except ValueError:
        return None


# Writes -----------------------------------------------------------------------------------


def _create(*, household, value, source, valid_from, valid_until) -> QuotientFamilial:
    # An open QF ends the day before a newer one starts, so one value is valid per day.
    QuotientFamilial.objects.filter(
        household=household, valid_until__isnull=True, valid_from__lt=valid_from
    ).update(valid_until=valid_from - datetime.timedelta(days=1))
    return QuotientFamilial.objects.create(
        household=household,
        value=value,
        source=source,
        valid_from=valid_from,
        valid_until=valid_until,
    )


def quotient_set(
    *,
    actor,
    household: Household,
    value: Decimal,
    source: str,
    valid_from: datetime.date,
    valid_until: datetime.date | None = None,
) -> QuotientFamilial:
    """Staff enter a household's QF: a new row (history kept) and its journal row."""
    with transaction.atomic():
        household = Household.objects.select_for_update().get(pk=household.pk)
        quotient = _create(
            household=household,
            value=value,
            source=source,
            valid_from=valid_from,
            valid_until=valid_until,
        )
        record_staff_action(
            actor=actor,
            action=SET_ACTION,
            summary=_("Quotient familial saisi (%(source)s, à partir du %(day)s)")
            % {"source": quotient.get_source_display(), "day": f"{valid_from:%d/%m/%Y}"},
            household_id=household.pk,
        )
    return quotient


@dataclass
class ImportLine:
    number: int
    household: Household | None = None
    value: Decimal | None = None
    source: str = ""
    valid_from: datetime.date | None = None
    valid_until: datetime.date | None = None
    errors: list = field(default_factory=list)


@dataclass
class ImportPreview:
    lines: list
    errors: list  # file-level messages

    @property
    def ok(self) -> bool:
        return not self.errors and all(not line.errors for line in self.lines)


def import_preview(content: str) -> ImportPreview:
    """Read the CSV and say, line by line, what would be imported or why not."""
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff")), delimiter=";"))
    if not rows or [cell.strip().lower() for cell in rows[0]][:6] != CSV_HEADER:
        return ImportPreview([], [_("La première ligne doit être : %s") % ";".join(CSV_HEADER)])
    guardians = defaultdict(set)
    for household_id, email in Guardian.objects.values_list("household_id", "user__email"):
        guardians[(email or "").strip().lower()].add(household_id)
    households = {h.pk: h for h in Household.objects.all()}
    lines, seen = [], set()
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        row = [cell.strip() for cell in row] + [""] * 6
        name, email, qf, source, start, end = row[:6]
        line = ImportLine(number)
        matches = [
            households[pk]
            for pk in guardians.get(email.lower(), ())
            if households[pk].name.strip().lower() == name.lower()
        ]
        if len(matches) != 1:
            line.errors.append(
                _("foyer « %(name)s » avec l'e-mail %(email)s introuvable")
                % {"name": name, "email": email}
            )
        else:
            line.household = matches[0]
        line.value = parse_quotient(qf)
        if line.value is None:
            line.errors.append(_("quotient « %s » illisible (exemple : 812,50)") % qf)
        line.source = _SOURCES.get(source.lower(), "")
        if not line.source:
            line.errors.append(_("source « %s » inconnue (CAF, MSA, avis d'imposition)") % source)
        line.valid_from = _parse_date(start)
        if line.valid_from is None:
            line.errors.append(_("date de début « %s » illisible (JJ/MM/AAAA)") % start)
        if end:
            line.valid_until = _parse_date(end)
            if line.valid_until is None:
                line.errors.append(_("date de fin « %s » illisible (JJ/MM/AAAA)") % end)
            elif line.valid_from and line.valid_until < line.valid_from:
                line.errors.append(_("la date de fin précède la date de début"))
        if line.household is not None:
            if line.household.pk in seen:
                line.errors.append(_("ce foyer figure déjà plus haut dans le fichier"))
            seen.add(line.household.pk)
        lines.append(line)
    if not lines:
        return ImportPreview([], [_("Le fichier ne contient aucune ligne.")])
    return ImportPreview(lines, [])


class ImportRefused(Exception):
    def __init__(self, preview: ImportPreview):
        super().__init__("import refused")
        self.preview = preview


def quotients_import(*, actor, content: str) -> int:
    """Import every line of the CSV in one transaction, or none if one line is wrong."""
    preview = import_preview(content)
    if not preview.ok:
        raise ImportRefused(preview)
    with transaction.atomic():
        ids = sorted(line.household.pk for line in preview.lines)
        list(Household.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        for line in preview.lines:
            _create(
                household=line.household,
                value=line.value,
                source=line.source,
                valid_from=line.valid_from,
                valid_until=line.valid_until,
            )
            record_staff_action(
                actor=actor,
                action=IMPORT_ACTION,
                summary=_("Quotient familial importé (fichier CSV, ligne %d)") % line.number,
                household_id=line.household.pk,
            )
    return len(preview.lines)
