"""On PostgreSQL, a trigger refuses every UPDATE or DELETE of an audit row, so not even
code can rewrite the trail. TRUNCATE (a test database's flush) is not a row operation and
still works. SQLite has no such trigger: there the admin's refusal is the guard."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION monitor_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '操作记录只能追加，不能修改或删除（%）', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""
TRIGGER = """
CREATE TRIGGER monitor_auditevent_append_only
    BEFORE UPDATE OR DELETE ON monitor_auditevent
    FOR EACH ROW EXECUTE FUNCTION monitor_auditevent_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS monitor_auditevent_append_only ON monitor_auditevent;
DROP FUNCTION IF EXISTS monitor_auditevent_append_only();
"""


def on_postgresql(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # the SQL has a literal %
    return run


class Migration(migrations.Migration):

    dependencies = [
        ("monitor", "0003_audit_event"),
    ]

    operations = [
        migrations.RunPython(on_postgresql(FUNCTION + TRIGGER), on_postgresql(DROP)),
    ]
