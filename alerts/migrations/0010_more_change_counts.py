"""Change counts (0009) on every table that the alert queue, its API and the dashboard
read, logging in included, so their responses are served again from memory while none
of these has been written (monitor/remembered.py).

One row per slot instead of one per table and slot: the sum is read before every such
response, and with ten tables a long-running server would have summed up to 10,240 rows
(0.7 ms a request) where now it sums at most 1,024. A slot is still the writing
connection's process id modulo 1,024, so two writers wait for each other only when
their process ids share a slot. The table is made anew, so its id changes and no total
or response remembered from before can meet the new sums."""

from django.db import migrations

TABLES = ("alerts_alert", "households_household", "households_place", "monitor_user",
          "alerts_alertmove", "alerts_task", "monitor_monitoringline",
          "monitor_policysetting", "django_session", "authtoken_token")
BEFORE = ("alerts_alert", "households_household")  # 0009's


def triggers(tables) -> str:
    return "".join(f"""
CREATE TRIGGER {table}_count_change
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION alerts_count_change();
""" for table in tables)


def drop(tables) -> str:
    return "".join(f"DROP TRIGGER IF EXISTS {table}_count_change ON {table};\n"
                   for table in tables) + """
DROP FUNCTION IF EXISTS alerts_count_change();
DROP TABLE IF EXISTS alerts_changecount;
"""


CREATE = """
CREATE TABLE alerts_changecount (
    slot integer PRIMARY KEY,
    n bigint NOT NULL
);
CREATE FUNCTION alerts_count_change() RETURNS trigger AS $$
BEGIN
    INSERT INTO alerts_changecount AS c (slot, n) VALUES (pg_backend_pid() % 1024, 1)
    ON CONFLICT (slot) DO UPDATE SET n = c.n + 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
""" + triggers(TABLES)
DROP = drop(TABLES)


def on_postgresql(sql_of):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql_of(), params=None)
    return run


def previous_create() -> str:
    import importlib

    return importlib.import_module("alerts.migrations.0009_change_counts").CREATE


class Migration(migrations.Migration):

    dependencies = [
        ("alerts", "0009_change_counts"),
        ("authtoken", "0004_alter_tokenproxy_options"),
        ("households", "0004_monitoring_comparison_declaration_identification"),
        ("monitor", "0004_audit_event_append_only"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(on_postgresql(lambda: drop(BEFORE) + CREATE),
                             on_postgresql(lambda: DROP + previous_create())),
    ]
