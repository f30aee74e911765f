"""The statement's order as an index: account, local day, kind rank (invoice, credit note,
payment), number, so that one page of "Consultation compte" and its running balance read
PAGE_SIZE rows in order instead of sorting the whole period (ledger/statement_pages.py).

The expressions are those the ORM writes for TruncDate("issued_at", tzinfo=TIME_ZONE) and
selectors.KIND_RANK; PostgreSQL uses the index only while they match (a new TIME_ZONE
needs a new index; the pages stay right, only slower). Schema-agnostic: it runs in every
commune's schema.
"""

from django.conf import settings
from django.db import migrations

TIME_ZONE = settings.TIME_ZONE.replace("'", "")

FORWARD = f"""
CREATE INDEX ledger_doc_account_day ON ledger_document (
    account_id,
    ((issued_at AT TIME ZONE '{TIME_ZONE}')::date),
    (CASE WHEN kind = 'FA' THEN 0 WHEN kind = 'AV' THEN 1 ELSE 2 END),
    number
);
"""
BACKWARD = "DROP INDEX IF EXISTS ledger_doc_account_day;"


class Migration(migrations.Migration):
    dependencies = [("ledger", "0008_account_payer")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
