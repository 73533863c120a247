"""On PostgreSQL, every statement that writes alerts or households adds one to a change
count, committed with the writes themselves (monitor/counting.py): a list's total is
counted again only when a count it depends on has moved.

The counts are spread over 1,024 slots per table by the writing connection's process id:
a slot's row stays locked until its writer commits, so two writers wait for each other
only when their process ids share a slot (one pair in 1,024), never all behind one long
transaction such as an import. SQLite has no such trigger; there every total is simply
counted."""

from django.db import migrations

TABLES = ("alerts_alert", "households_household")

CREATE = """
CREATE TABLE alerts_changecount (
    tbl text NOT NULL,
    slot integer NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (tbl, slot)
);
CREATE FUNCTION alerts_count_change() RETURNS trigger AS $$
BEGIN
    INSERT INTO alerts_changecount AS c (tbl, slot, n)
    VALUES (TG_TABLE_NAME, pg_backend_pid() % 1024, 1)
    ON CONFLICT (tbl, slot) DO UPDATE SET n = c.n + 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
""" + "".join(f"""
CREATE TRIGGER {table}_count_change
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION alerts_count_change();
""" for table in TABLES)

DROP = "".join(f"DROP TRIGGER IF EXISTS {table}_count_change ON {table};\n"
               for table in TABLES) + """
DROP FUNCTION IF EXISTS alerts_count_change();
DROP TABLE IF EXISTS alerts_changecount;
"""


def on_postgresql(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ("alerts", "0008_open_alerts_due_index"),
        ("households", "0004_monitoring_comparison_declaration_identification"),
    ]

    operations = [
        migrations.RunPython(on_postgresql(CREATE), on_postgresql(DROP)),
    ]
