"""The outbox: queue an e-mail in the caller's transaction, deliver it from a worker."""

import logging
from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import Q
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone

from notifications.models import OutboxEmail
from notifications.publish import publish, publish_on_commit
from notifications.tasks import MAX_ATTEMPTS, send_outbox_email

logger = logging.getLogger(__name__)


def retry_delay(attempts: int) -> timedelta:
    """Back-off after a failed attempt: 30 s, 2 min, 8 min, 32 min, ~2 h."""
    return timedelta(seconds=30 * 4 ** (attempts - 1))


def render_subject(template_name: str, context: dict) -> str:
    """A subject is plain text: no HTML escaping ("Tom & Jerry"), no line breaks."""
    template = get_template(template_name).template
    return " ".join(template.render(Context(context, autoescape=False)).split())


def render_email(template: str, context: dict) -> tuple[str, str, str]:
    base = f"emails/{template}"
    subject = render_subject(f"{base}/subject.txt", context)
    body_text = render_to_string(f"{base}/body.txt", context)
    body_html = render_to_string(f"{base}/body.html", context)
    return subject, body_text, body_html


def queue_email(
    *,
    to: str,
    template: str,
    context: dict,
    reply_to: str = "",
    idempotency_key: str | None = None,
) -> OutboxEmail:
    """Write the e-mail to the outbox of the current schema, inside the caller's transaction.

    Nothing is sent if that transaction rolls back; once it commits, a worker is asked to send.
    A second call with the same idempotency key returns the first row.
    """
    email = prepare_email(
        to=to,
        template=template,
        context=context,
        reply_to=reply_to,
        idempotency_key=idempotency_key,
    )
    queue_prepared([email])
    return email


def prepare_email(
    *,
    to: str,
    template: str,
    context: dict,
    reply_to: str = "",
    idempotency_key: str | None = None,
) -> OutboxEmail:
    """queue_email in two steps, for a caller that writes under busy locks: the row rendered
    here, not saved (or the row its idempotency key already has), then `queue_prepared`."""
    if idempotency_key:
        existing = OutboxEmail.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    subject, body_text, body_html = render_email(template, context)
    return OutboxEmail(
        to_email=to,
        reply_to=reply_to,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        template=template,
        idempotency_key=idempotency_key,
    )


def queue_prepared(emails: list[OutboxEmail]) -> list[OutboxEmail]:
    """Write the prepared e-mails not yet in the outbox in one insert, in the caller's
    transaction; a worker is asked to send each once it commits."""
    created = OutboxEmail.objects.bulk_create([email for email in emails if email.pk is None])
    for email in created:
        publish_on_commit(send_outbox_email, email.pk)
    return emails


def enqueue_delivery(outbox_id: int, schema_name: str) -> bool:
    """Ask a worker to send the row. A broker failure is logged, not raised: the row stays
    pending and the sweeper enqueues it again."""
    return publish(send_outbox_email, outbox_id, schema_name=schema_name)


def message_id(email: OutboxEmail, schema_name: str) -> str:
    """The row's own Message-ID: every copy of one outbox e-mail carries the same one, so a
    mail server or client can drop a second copy sent after a crash."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "preau.invalid"
    stamp = int(email.created_at.timestamp() * 1_000_000)
    return f"<outbox.{schema_name}.{email.pk}.{stamp}@{domain}>"


def build_message(email: OutboxEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to_email],
        reply_to=[email.reply_to] if email.reply_to else None,
        headers={
            "Message-ID": message_id(email, connection.schema_name),
            "X-Preau-Outbox-Id": f"{connection.schema_name}/{email.pk}",
        },
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    return message


def _claim(outbox_id: int, now) -> OutboxEmail | None:
    """Mark the row "sending" and commit, so that nothing is sent inside a transaction.

    A pending row is claimed, and so is a row left "sending" longer than the stale delay
    (its worker died after, or before, the server accepted it)."""
    stale = now - timedelta(seconds=settings.OUTBOX_STALE_SECONDS)
    with transaction.atomic():
        email = (
            OutboxEmail.objects.select_for_update(skip_locked=True)
            .filter(
                Q(status=OutboxEmail.Status.PENDING)
                | Q(status=OutboxEmail.Status.SENDING, claimed_at__lte=stale),
                pk=outbox_id,
            )
            .first()
        )
        if email is None:
            return None
        email.status = OutboxEmail.Status.SENDING
        email.claimed_at = now
        email.attempts += 1
        email.save(update_fields=["status", "claimed_at", "attempts"])
    return email


def deliver_outbox_email(outbox_id: int) -> timedelta | None:
    """Send one row; returns the delay before a retry, or None.

    Claim (commit), send, mark sent (commit). A worker killed between the server's
    acceptance and the last commit leaves the row "sending"; the sweeper sends it again with
    the same Message-ID: delivery is at least once, and every copy is recognisable.
    """
    email = _claim(outbox_id, timezone.now())
    if email is None:
        return None
    mine = OutboxEmail.objects.filter(
        pk=email.pk, status=OutboxEmail.Status.SENDING, claimed_at=email.claimed_at
    )
    try:
        build_message(email).send()
    except Exception as error:
        if email.attempts >= MAX_ATTEMPTS:
            status, delay = OutboxEmail.Status.FAILED, None
        else:
            status, delay = OutboxEmail.Status.PENDING, retry_delay(email.attempts)
        mine.update(
            status=status,
            last_error=f"{type(error).__name__}: {error}"[:2000],
            next_attempt_at=timezone.now() + (delay or timedelta(0)),
        )
        logger.warning("Outbox row %s failed (attempt %s): %s", outbox_id, email.attempts, error)
        return delay
    mine.update(status=OutboxEmail.Status.SENT, sent_at=timezone.now(), last_error="")
    return None


def stale_pending_ids(now=None) -> list[int]:
    """Rows a worker should have sent a while ago: pending (broker down, task lost) or left
    "sending" by a worker that died."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.OUTBOX_STALE_SECONDS)
    return list(
        OutboxEmail.objects.filter(
            Q(status=OutboxEmail.Status.PENDING, next_attempt_at__lte=cutoff)
            | Q(status=OutboxEmail.Status.SENDING, claimed_at__lte=cutoff)
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )


def queue_emails(messages: list[dict]) -> int:
    """Many e-mails at once (a monthly batch): each dict has to, template, context and
    idempotency_key. One query to skip the keys already queued, one to write the rest, in the
    caller's transaction; each row is sent by the worker once the transaction commits."""
    keys = [message["idempotency_key"] for message in messages]
    done = set(
        OutboxEmail.objects.filter(idempotency_key__in=keys).values_list(
            "idempotency_key", flat=True
        )
    )
    rows = []
    for message in messages:
        if message["idempotency_key"] in done:
            continue
        subject, body_text, body_html = render_email(message["template"], message["context"])
        rows.append(
            OutboxEmail(
                to_email=message["to"],
                subject=subject,
                body_text=body_text,
                body_html=body_html,
                template=message["template"],
                idempotency_key=message["idempotency_key"],
            )
        )
    for email in OutboxEmail.objects.bulk_create(rows):
        publish_on_commit(send_outbox_email, email.pk)
    return len(rows)
