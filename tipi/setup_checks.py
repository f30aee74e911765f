"""tipi's step of a new commune's setup checklist (tenants/setup.py): a PayFiP régie for
an open service and card payment switched on."""

from tipi.models import PayfipSettings, Regie


def has_payfip_regie() -> bool:
    return (
        Regie.objects.exclude(numcli="").exists()
        and PayfipSettings.objects.filter(is_enabled=True).exists()
    )
