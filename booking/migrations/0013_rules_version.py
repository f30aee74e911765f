"""A token that changes with every write to what booking.selectors.service_rules reads
(services, open months, closures, school years, prices and their QF grids, exceptional days,
meal kinds, deadline rules): the in-process cache of ServiceRules is keyed by it
(booking.selectors.service_rules). One row, rewritten with a random UUID by a statement
trigger in the writing transaction, so a reader sees the new token exactly when it sees the
new rows; a rolled-back write or a restored database never brings back a token already
cached. Site days (capacity overrides) are not here: the booking locks insert them, they
stay read on each call. Schema-agnostic SQL, like ledger 0002: the function writes its own
schema's row."""

from django.db import migrations

TABLES = [
    "booking_service",
    "booking_openmonth",
    "booking_closure",
    "booking_schoolyear",
    "booking_price",
    "booking_pricebracket",
    "booking_exceptionalday",
    "booking_mealkind",
    "booking_deadlinerule",
]

FORWARD = r"""
CREATE TABLE booking_rulesversion (
    id smallint PRIMARY KEY CHECK (id = 1),
    token uuid NOT NULL
);
INSERT INTO booking_rulesversion (id, token) VALUES (1, gen_random_uuid());

CREATE OR REPLACE FUNCTION booking_bump_rules_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format(
        'UPDATE %I.booking_rulesversion SET token = gen_random_uuid()', TG_TABLE_SCHEMA
    );
    RETURN NULL;
END;
$$;
"""


def bumps_the_token(table: str) -> str:
    return (
        f"CREATE TRIGGER {table}_bumps_rules_version"  # noqa: S608 - our fixed table names
        f" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}"
        " FOR EACH STATEMENT EXECUTE FUNCTION booking_bump_rules_version();\n"
    )


FORWARD += "".join(bumps_the_token(table) for table in TABLES)

BACKWARD = (
    "".join(f"DROP TRIGGER IF EXISTS {table}_bumps_rules_version ON {table};\n" for table in TABLES)
    + """
DROP FUNCTION IF EXISTS booking_bump_rules_version();
DROP TABLE IF EXISTS booking_rulesversion;
"""
)


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0012_service_open_in_school_holidays"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
