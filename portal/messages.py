"""The "Nous contacter" inbox of the workspace: reads, then one write per use case.

A message is "nouveau" until an agent takes it ("en cours") or replies; a reply goes to the
parent through the outbox, is kept with the message (ContactReply) and marks it "traité"
unless the agent keeps it open. Every write locks the message row, writes its journal row
and its e-mail in the same transaction.
"""

import re
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications.services import queue_email
from portal.journal import record_staff_action, register_action
from portal.models import ContactMessage, ContactReply
from tenants.links import commune_url, current_commune

STATUSES = ContactMessage.Status
REPLY_MAX_LENGTH = 5000
TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")

register_action("message.status", gettext_lazy("Message : changement d'état"))
register_action("message.reply", gettext_lazy("Message : réponse envoyée"))

# Reads ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxCounts:
    new: int
    in_progress: int
    done: int


def inbox(*, status: str | None = None, household_id: int | None = None, limit: int = 100):
    """Messages, newest first, with their household, author and handler (one query)."""
    messages = ContactMessage.objects.select_related("household", "author", "handled_by")
    if status in STATUSES.values:
        messages = messages.filter(status=status)
    if household_id is not None:
        messages = messages.filter(household_id=household_id)
    return list(messages.order_by("-created_at", "-pk")[:limit])


def inbox_counts() -> InboxCounts:
    counts = ContactMessage.objects.aggregate(
        new=Count("pk", filter=Q(status=STATUSES.NEW)),
        in_progress=Count("pk", filter=Q(status=STATUSES.IN_PROGRESS)),
        done=Count("pk", filter=Q(status=STATUSES.DONE)),
    )
    return InboxCounts(**counts)


def message_for_staff(*, message_id: int) -> ContactMessage | None:
    """One message with its replies (two queries), or None."""
    return (
        ContactMessage.objects.select_related("household", "author", "handled_by")
        .prefetch_related("replies__author")
        .filter(pk=message_id)
        .first()
    )


def reply_token() -> str:
    """A fresh token for the reply form."""
    return uuid.uuid4().hex


# Writes -----------------------------------------------------------------------------------


def _locked(message_id: int) -> ContactMessage:
    message = ContactMessage.objects.select_for_update().filter(pk=message_id).first()
    if message is None:
        raise ValidationError(_("Ce message n'existe pas."))
    return message


@transaction.atomic
def message_set_status(*, actor, message_id: int, status: str) -> ContactMessage:
    """Mark a message "nouveau", "en cours" or "traité"; the agent becomes its handler."""
    if status not in STATUSES.values:
        raise ValidationError(_("État inconnu."))
    message = _locked(message_id)
    if message.status == status:
        return message
    before = message.get_status_display()
    message.status = status
    if status == STATUSES.NEW:
        message.handled_by, message.handled_at = None, None
    else:
        message.handled_by, message.handled_at = actor, timezone.now()
    message.save(update_fields=["status", "handled_by", "handled_at"])
    record_staff_action(
        actor=actor,
        action="message.status",
        summary=_("Message « %(subject)s » : %(before)s → %(after)s")
        % {"subject": message.subject, "before": before, "after": message.get_status_display()},
        household_id=message.household_id,
        details={"message_id": message.pk, "status": status},
    )
    return message


@transaction.atomic
def message_reply(
    *, actor, message_id: int, body: str, keep_open: bool = False, token: str = ""
) -> ContactReply:
    """Send a reply to the message's author through the outbox and keep it with the
    message; the message becomes "traité" (or "en cours" with keep_open). A second call
    with the form's `token` returns the first reply and sends nothing more."""
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Écrivez la réponse.")})
    if len(body) > REPLY_MAX_LENGTH:
        raise ValidationError(
            {"body": _("La réponse dépasse %(n)s caractères.") % {"n": REPLY_MAX_LENGTH}}
        )
    message = _locked(message_id)
    token = token if TOKEN_RE.match(token or "") else None
    if token is not None:
        earlier = ContactReply.objects.filter(token=token, message=message).first()
        if earlier is not None:
            return earlier
    author = message.author
    if not author.email:
        raise ValidationError(_("L'auteur du message n'a pas d'adresse e-mail."))
    reply = ContactReply.objects.create(
        message=message, author=actor, body=body, sent_to=author.email, token=token
    )
    commune = current_commune()
    email = queue_email(
        to=author.email,
        template="portal/message_reply",
        context={
            "commune": commune,
            "message": message,
            "reply": reply,
            "recipient": author,
            "portal_url": commune_url(commune, "portal:login"),
        },
        reply_to=commune.contact_email or "",
        idempotency_key=f"contact-reply:{reply.pk}",
    )
    reply.outbox_id = email.pk
    reply.save(update_fields=["outbox_id"])
    message.status = STATUSES.IN_PROGRESS if keep_open else STATUSES.DONE
    message.handled_by, message.handled_at = actor, timezone.now()
    message.save(update_fields=["status", "handled_by", "handled_at"])
    record_staff_action(
        actor=actor,
        action="message.reply",
        summary=_("Réponse au message « %(subject)s » envoyée à %(email)s")
        % {"subject": message.subject, "email": author.email},
        household_id=message.household_id,
        details={"message_id": message.pk, "reply_id": reply.pk, "outbox_id": email.pk},
    )
    return reply
