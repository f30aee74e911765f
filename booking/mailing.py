"""« Écrire aux familles »: one e-mail to the guardians of a selection of households.

The selection combines (all must hold): a service, a site, a planning group (through the
children's enrolments), a day's reservations, households in debit (ledger). The sending
queues one outbox row per address in one transaction with its journal row, whose details
keep the outbox ids: the page of a sending lists its failed rows afterwards.
"""

import datetime
import re
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from booking.models import Enrolment, Reservation
from booking.selectors import ACTIVE
from ledger.selectors import accounts_in_debit
from notifications.selectors import emails_by_ids
from notifications.services import queue_email, render_email
from portal.families import Recipient, guardian_recipients
from portal.journal import entries_with_token, record_staff_action, register_action
from tenants.links import commune_url, current_commune

TEMPLATE = "booking/family_mailing"
TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")
SUBJECT_MAX_LENGTH = 150
BODY_MAX_LENGTH = 10000

register_action("mailing.send", gettext_lazy("Écrire aux familles : envoi"))


@dataclass(frozen=True)
class Selection:
    service: object = None
    site: object = None
    planning_group: object = None
    day: datetime.date | None = None
    in_debit: bool = False

    def describe(self) -> str:
        parts = []
        if self.service is not None:
            parts.append(_("service %(name)s") % {"name": self.service.name})
        if self.site is not None:
            parts.append(_("site %(name)s") % {"name": self.site.name})
        if self.planning_group is not None:
            parts.append(_("groupe %(name)s") % {"name": self.planning_group.name})
        if self.day is not None:
            parts.append(_("réservations du %(day)s") % {"day": f"{self.day:%d/%m/%Y}"})
        if self.in_debit:
            parts.append(_("foyers débiteurs"))
        return ", ".join(parts) or _("toutes les familles")


def _household_ids(selection: Selection) -> set[int] | None:
    """Ids of the selected households, or None for every household."""
    ids = None

    def narrow(values):
        nonlocal ids
        values = set(values)
        ids = values if ids is None else ids & values

    if selection.service or selection.site or selection.planning_group:
        enrolments = Enrolment.objects.all()
        if selection.service is not None:
            enrolments = enrolments.filter(service=selection.service)
        if selection.site is not None:
            enrolments = enrolments.filter(site=selection.site)
        if selection.planning_group is not None:
            enrolments = enrolments.filter(planning_group=selection.planning_group)
        narrow(enrolments.values_list("child__household_id", flat=True))
    if selection.day is not None:
        reservations = Reservation.objects.filter(day=selection.day, status__in=ACTIVE)
        if selection.service is not None:
            reservations = reservations.filter(meal_kind__service=selection.service)
        if selection.site is not None:
            reservations = reservations.filter(site=selection.site)
        narrow(reservations.values_list("child__household_id", flat=True))
    if selection.in_debit:
        accounts = accounts_in_debit()
        if selection.service is not None:
            accounts = accounts.filter(service__code=selection.service.code)
        narrow(accounts.values_list("household_id", flat=True))
    return ids


def mailing_recipients(*, selection: Selection) -> list[Recipient]:
    """The addresses the e-mail would go to (one per guardian, no address twice): two
    queries whatever the number of households."""
    ids = _household_ids(selection)
    if ids is not None and not ids:
        return []
    return guardian_recipients(household_ids=ids)


def _clean(subject: str, body: str) -> tuple[str, str]:
    subject, body = " ".join((subject or "").split()), (body or "").strip()
    errors = {}
    if not subject:
        errors["subject"] = _("Indiquez l'objet de l'e-mail.")
    elif len(subject) > SUBJECT_MAX_LENGTH:
        errors["subject"] = _("L'objet dépasse %(n)s caractères.") % {"n": SUBJECT_MAX_LENGTH}
    if not body:
        errors["body"] = _("Écrivez le message.")
    elif len(body) > BODY_MAX_LENGTH:
        errors["body"] = _("Le message dépasse %(n)s caractères.") % {"n": BODY_MAX_LENGTH}
    if errors:
        raise ValidationError(errors)
    return subject, body


def _context(subject: str, body: str) -> dict:
    commune = current_commune()
    return {
        "commune": commune,
        "subject": subject,
        "body": body,
        "portal_url": commune_url(commune, "portal:login"),
    }


@dataclass(frozen=True)
class Preview:
    subject: str
    body_text: str
    recipients: list[Recipient]
    token: str  # the sending's idempotency token, posted back with "Envoyer"

    @property
    def count(self) -> int:
        return len(self.recipients)

    @property
    def household_count(self) -> int:
        return len({r.household_id for r in self.recipients})


def mailing_preview(*, selection: Selection, subject: str, body: str) -> Preview:
    """The e-mail as the families will read it and who gets it; nothing written."""
    subject, body = _clean(subject, body)
    rendered_subject, body_text, _html = render_email(TEMPLATE, _context(subject, body))
    return Preview(
        rendered_subject, body_text, mailing_recipients(selection=selection), uuid.uuid4().hex
    )


@transaction.atomic
def mailing_send(
    *,
    actor,
    selection: Selection,
    subject: str,
    body: str,
    expected_count: int | None = None,
    token: str = "",
):
    """Queue the e-mail for every recipient of the selection, with one journal row.

    `expected_count` is the count the agent saw on the preview: if the selection changed
    meanwhile the sending is refused, so nobody gets an e-mail the agent did not count.
    `token` comes with the preview: the same sending posted twice (a double click, a
    retried request) is sent once, and the second call returns the first journal row.
    Returns the journal entry (its details list the outbox ids)."""
    subject, body = _clean(subject, body)
    token = token if TOKEN_RE.match(token or "") else uuid.uuid4().hex
    with connection.cursor() as cursor:  # one sender per token, until this transaction ends
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"mailing:{token}"])
    earlier = entries_with_token(action="mailing.send", token=token)
    if earlier:
        return earlier[0]
    recipients = mailing_recipients(selection=selection)
    if not recipients:
        raise ValidationError(_("Aucune famille ne correspond à cette sélection."))
    if expected_count is not None and expected_count != len(recipients):
        raise ValidationError(
            _("La sélection a changé (%(n)s destinataires) : vérifiez l'aperçu à nouveau.")
            % {"n": len(recipients)}
        )
    context = _context(subject, body)
    ids = [
        queue_email(
            to=recipient.email,
            template=TEMPLATE,
            context=context,
            idempotency_key=f"mailing:{token}:{recipient.email.lower()}",
        ).pk
        for recipient in recipients
    ]
    return record_staff_action(
        actor=actor,
        action="mailing.send",
        summary=_("E-mail « %(subject)s » envoyé à %(n)s adresses (%(who)s)")
        % {"subject": subject, "n": len(ids), "who": selection.describe()},
        details={
            "subject": subject,
            "token": token,
            "selection": selection.describe(),
            "outbox_ids": ids,
            "households": sorted({r.household_id for r in recipients}),
        },
    )


@dataclass(frozen=True)
class SendingReport:
    total: int
    sent: int
    pending: int
    failed: list


def sending_report(*, entry) -> SendingReport:
    """Where the e-mails of one sending are: sent, waiting, failed (one query)."""
    emails = emails_by_ids(ids=list((entry.details or {}).get("outbox_ids", [])))
    failed = [e for e in emails if e.status == "failed"]
    sent = sum(1 for e in emails if e.status == "sent")
    return SendingReport(len(emails), sent, len(emails) - sent - len(failed), failed)
