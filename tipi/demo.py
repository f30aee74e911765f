"""Demo PayFiP settings, loaded by `manage.py load_demo` inside each commune (idempotent):
test mode ("T"), a régie numcli for the canteen. Payments go to the local Treasury
simulator because the platform enables it (PAYFIP_SIMULATOR_ENABLED, on when DEBUG)."""

from tipi.models import PayfipSettings, Regie

NUMCLI = {"Clairoix": "012345", "Les-Ageux": "012346"}


def load(commune):
    row = PayfipSettings.objects.order_by("pk").first() or PayfipSettings()
    row.saisie = PayfipSettings.Mode.TEST
    row.is_enabled = True
    row.save()
    Regie.objects.update_or_create(
        service_code="cant", defaults={"numcli": NUMCLI.get(commune.slug, "012345")}
    )
