"""The outbox: queue an e-mail in the caller's transaction, deliver it from a worker."""

import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone

from notifications.models import OutboxEmail

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6


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
    if idempotency_key:
        existing = OutboxEmail.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    subject, body_text, body_html = render_email(template, context)
    email = OutboxEmail.objects.create(
        to_email=to,
        reply_to=reply_to,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        template=template,
        idempotency_key=idempotency_key,
    )
    transaction.on_commit(partial(enqueue_delivery, email.pk, connection.schema_name))
    return email


def enqueue_delivery(outbox_id: int, schema_name: str) -> bool:
    """Ask a worker to send the row. A broker failure is logged, not raised: the row stays
    pending and the sweeper enqueues it again."""
    from notifications.tasks import send_outbox_email

    try:
        send_outbox_email.apply_async(
            args=[outbox_id], headers={"_schema_name": schema_name}, retry=False
        )
    except Exception:
        logger.warning("Broker unreachable; outbox row %s/%s left pending", schema_name, outbox_id)
        return False
    return True


def build_message(email: OutboxEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to_email],
        reply_to=[email.reply_to] if email.reply_to else None,
        headers={"X-Preau-Outbox-Id": f"{connection.schema_name}/{email.pk}"},
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    return message


def deliver_outbox_email(outbox_id: int) -> timedelta | None:
    """Send one pending row at most once. Returns the delay before a retry, or None.

    The row stays locked while it is sent: a second delivery of the same task waits or skips
    and then finds it sent.
    """
    with transaction.atomic():
        email = (
            OutboxEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=outbox_id, status=OutboxEmail.Status.PENDING)
            .first()
        )
        if email is None:
            return None
        email.attempts += 1
        try:
            build_message(email).send()
        except Exception as error:
            email.last_error = f"{type(error).__name__}: {error}"[:2000]
            if email.attempts >= MAX_ATTEMPTS:
                email.status = OutboxEmail.Status.FAILED
                delay = None
            else:
                delay = retry_delay(email.attempts)
                email.next_attempt_at = timezone.now() + delay
            email.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            logger.warning(
                "Outbox row %s failed (attempt %s): %s", outbox_id, email.attempts, error
            )
            return delay
        email.status = OutboxEmail.Status.SENT
        email.sent_at = timezone.now()
        email.last_error = ""
        email.save(update_fields=["attempts", "status", "sent_at", "last_error"])
        return None


def stale_pending_ids(now=None) -> list[int]:
    """Pending rows a worker should have sent a while ago (broker down, task lost)."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.OUTBOX_STALE_SECONDS)
    return list(
        OutboxEmail.objects.filter(
            status=OutboxEmail.Status.PENDING, next_attempt_at__lte=cutoff
        ).values_list("pk", flat=True)[:500]
    )
