"""The Treasury's endpoints become the platform's settings, and an order gets at most one
live card payment.

- PayfipSettings.base_url is dropped: a commune no longer says where the Treasury is. A row
  that pointed elsewhere than the platform's endpoints is logged, and every operation still
  live that recorded such an endpoint gets an "anomaly" event in its history (it will never
  be called again: tipi.services.treasury refuses it; the back office validates it by hand).
  Operations keep recording the endpoint they used.
- Orders that hold several live operations (new or pending: the defect this fixes) keep
  the newest; the older ones become "expired" with an event. Expired is not final: asking
  the Treasury again (notification, "Vérifier auprès du Trésor") still books a payment
  that lands, as credit if the order is already paid.
- Then the partial unique constraint: one live operation per order.
"""

import logging

from django.conf import settings
from django.db import migrations, models
from django.db.models import Count

logger = logging.getLogger("tipi.migrations")

LIVE = ("new", "pending")


def _platform_endpoints():
    allowed = {settings.PAYFIP_URL.rstrip("/")}
    if settings.PAYFIP_SIMULATOR_ENABLED:
        allowed.add(settings.PAYFIP_SIMULATOR_URL.rstrip("/"))
    return allowed


def forget_commune_endpoints(apps, schema_editor):
    PayfipSettings = apps.get_model("tipi", "PayfipSettings")
    PaymentOperation = apps.get_model("tipi", "PaymentOperation")
    OperationEvent = apps.get_model("tipi", "OperationEvent")
    allowed = _platform_endpoints()
    schema = schema_editor.connection.schema_name
    for row in PayfipSettings.objects.all():
        if row.base_url.rstrip("/") not in allowed:
            logger.warning(
                "PayFiP (%s): the commune's base_url %r is dropped; the platform's is used.",
                schema,
                row.base_url,
            )
    for operation in PaymentOperation.objects.filter(status__in=LIVE):
        if operation.base_url.rstrip("/") not in allowed:
            OperationEvent.objects.create(
                operation=operation,
                kind="anomaly",
                detail=(
                    f"migration : service PayFiP {operation.base_url} choisi par la commune, "
                    "non reconnu par la plateforme : plus aucun appel n'y sera fait."
                ),
            )
    _checks_now(schema_editor)


def keep_one_live_operation_per_order(apps, schema_editor):
    PaymentOperation = apps.get_model("tipi", "PaymentOperation")
    OperationEvent = apps.get_model("tipi", "OperationEvent")
    crowded = (
        PaymentOperation.objects.filter(status__in=LIVE)
        .values("order_id")
        .annotate(live=Count("pk"))
        .filter(live__gt=1)
        .values_list("order_id", flat=True)
    )
    for order_id in list(crowded):
        operations = PaymentOperation.objects.filter(order_id=order_id, status__in=LIVE)
        for older in operations.order_by("-created_at", "-pk")[1:]:
            older.status = "expired"
            older.save(update_fields=["status"])
            OperationEvent.objects.create(
                operation=older,
                kind="expired",
                detail="migration : une autre page du Trésor a été ouverte pour la commande",
            )
    _checks_now(schema_editor)


def _checks_now(schema_editor):
    # Deferred foreign-key checks of the rows just written run now, so that the ALTER TABLE
    # that follows in this transaction does not meet pending trigger events.
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0001_initial"),
        ("portal", "0001_initial"),
        ("tipi", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(forget_commune_endpoints, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="payfipsettings",
            name="base_url",
        ),
        migrations.AddField(
            model_name="paymentoperation",
            name="paid_twice",
            field=models.BooleanField(
                default=False,
                help_text="La commande était déjà payée : ce montant reste en crédit sur le compte.",
                verbose_name="paiement en double (laissé en crédit)",
            ),
        ),
        migrations.RunPython(keep_one_live_operation_per_order, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="paymentoperation",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", ["new", "pending"])),
                fields=("order",),
                name="tipi_one_live_operation_per_order",
            ),
        ),
    ]
