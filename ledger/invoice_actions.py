"""What a higher app offers on an unpaid monthly invoice of "Consultation factures" (tipi
registers "Payer en ligne" in its AppConfig.ready()), so ledger shows it without importing
that app. A template gets `document` (with its `amount_due`) and `service_code`."""

_invoice_actions: list[str] = []


def register_invoice_action(template: str) -> None:
    if template not in _invoice_actions:
        _invoice_actions.append(template)


def invoice_actions() -> list[str]:
    return list(_invoice_actions)
