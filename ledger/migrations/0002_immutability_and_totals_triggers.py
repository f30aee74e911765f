"""Database guards that hold whatever code runs: issued documents and their lines refuse UPDATE
and DELETE, and an invoice's or credit note's total equals the sum of its lines at commit.

The functions are created in the schema being migrated (each commune's) and name no schema:
the totals check reads the lines of the table's own schema (TG_TABLE_SCHEMA), so the same
SQL works in every commune. TRUNCATE, an administrator's tool, is not a row change and stays
possible (tests clean committed rows with it).
"""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger: % on %.% refused, issued documents are immutable',
        TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE TRIGGER ledger_document_immutable
    BEFORE UPDATE OR DELETE ON ledger_document
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

CREATE TRIGGER ledger_line_immutable
    BEFORE UPDATE OR DELETE ON ledger_line
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

CREATE OR REPLACE FUNCTION ledger_check_total() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    doc_id bigint;
    doc_kind text;
    doc_total numeric;
    lines_total numeric;
    lines_count integer;
BEGIN
    IF TG_TABLE_NAME = 'ledger_line' THEN
        doc_id := NEW.document_id;
    ELSE
        doc_id := NEW.id;
    END IF;
    EXECUTE format('SELECT kind, total FROM %I.ledger_document WHERE id = $1', TG_TABLE_SCHEMA)
        INTO doc_kind, doc_total USING doc_id;
    IF doc_kind = 'RG' THEN
        RETURN NULL;
    END IF;
    EXECUTE format(
        'SELECT coalesce(sum(amount), 0), count(*) FROM %I.ledger_line WHERE document_id = $1',
        TG_TABLE_SCHEMA
    ) INTO lines_total, lines_count USING doc_id;
    IF lines_count = 0 OR lines_total <> doc_total THEN
        RAISE EXCEPTION 'ledger: document % total % differs from its % line(s) summing to %',
            doc_id, doc_total, lines_count, lines_total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER ledger_document_total_matches_lines
    AFTER INSERT ON ledger_document
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_total();

CREATE CONSTRAINT TRIGGER ledger_line_total_matches_document
    AFTER INSERT ON ledger_line
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_check_total();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS ledger_line_total_matches_document ON ledger_line;
DROP TRIGGER IF EXISTS ledger_document_total_matches_lines ON ledger_document;
DROP FUNCTION IF EXISTS ledger_check_total();
DROP TRIGGER IF EXISTS ledger_line_immutable ON ledger_line;
DROP TRIGGER IF EXISTS ledger_document_immutable ON ledger_document;
DROP FUNCTION IF EXISTS ledger_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
