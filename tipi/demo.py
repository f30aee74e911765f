"""Demo PayFiP settings, loaded by `manage.py load_demo` inside each commune (idempotent):
the local Treasury simulator in test mode ("T"), a régie numcli for the canteen."""

from django.conf import settings

from tipi.models import PayfipSettings, Regie

NUMCLI = {"Clairoix": "012345", "Les-Ageux": "012346"}


def load(commune):
    row = PayfipSettings.objects.order_by("pk").first() or PayfipSettings()
    row.base_url = settings.PREAU_BASE_URL + "/simulateur-payfip"
    row.saisie = PayfipSettings.Mode.TEST
    row.is_enabled = True
    row.save()
    Regie.objects.update_or_create(
        service_code="cant", defaults={"numcli": NUMCLI.get(commune.slug, "012345")}
    )
