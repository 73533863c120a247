"""An alert carries its household's village (`village_code`), kept so by the database:
a place's alerts, and the queue's total, are then read from the alerts alone. A county
supervisor's total was a join of 54,000 open alerts with 140,776 households (50 to 80 ms,
counted afresh after every write); now it is one partial index.

The database keeps it, whoever writes: an alert written (a new one, or its household or
village set) takes its household's village, and a household moved to another village
takes its alerts along, so no code path (the engine, a declaration, a department list,
the admin, a bulk update) can leave them apart. On SQLite, where a trigger cannot change
the row being written, the alert is updated right after. `tests/test_alert_village.py`
checks both, and that the triggers are there (a table SQLite rebuilds for a later
migration loses its triggers: that test fails then)."""

from django.db import migrations, models

OF_HOUSEHOLD = "(SELECT village_id FROM households_household WHERE id = NEW.household_id)"

POSTGRESQL = f"""
CREATE FUNCTION alerts_alert_village() RETURNS trigger AS $$
BEGIN
    NEW.village_code := {OF_HOUSEHOLD};
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER alerts_alert_village
    BEFORE INSERT OR UPDATE OF household_id, village_code ON alerts_alert
    FOR EACH ROW EXECUTE FUNCTION alerts_alert_village();
CREATE FUNCTION households_household_alerts_follow() RETURNS trigger AS $$
BEGIN
    UPDATE alerts_alert SET village_code = NEW.village_id WHERE household_id = NEW.id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER households_household_alerts_follow
    AFTER UPDATE OF village_id ON households_household
    FOR EACH ROW WHEN (OLD.village_id IS DISTINCT FROM NEW.village_id)
    EXECUTE FUNCTION households_household_alerts_follow();
"""
POSTGRESQL_DROP = """
DROP TRIGGER IF EXISTS alerts_alert_village ON alerts_alert;
DROP FUNCTION IF EXISTS alerts_alert_village();
DROP TRIGGER IF EXISTS households_household_alerts_follow ON households_household;
DROP FUNCTION IF EXISTS households_household_alerts_follow();
"""

SQLITE = [
    f"""CREATE TRIGGER alerts_alert_village_insert AFTER INSERT ON alerts_alert BEGIN
        UPDATE alerts_alert SET village_code = {OF_HOUSEHOLD} WHERE id = NEW.id;
    END""",
    f"""CREATE TRIGGER alerts_alert_village_update
        AFTER UPDATE OF household_id, village_code ON alerts_alert
        WHEN NEW.village_code IS NOT {OF_HOUSEHOLD} BEGIN
        UPDATE alerts_alert SET village_code = {OF_HOUSEHOLD} WHERE id = NEW.id;
    END""",
    """CREATE TRIGGER households_household_alerts_follow
        AFTER UPDATE OF village_id ON households_household
        WHEN OLD.village_id IS NOT NEW.village_id BEGIN
        UPDATE alerts_alert SET village_code = NEW.village_id WHERE household_id = NEW.id;
    END""",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS alerts_alert_village_insert",
               "DROP TRIGGER IF EXISTS alerts_alert_village_update",
               "DROP TRIGGER IF EXISTS households_household_alerts_follow"]

BACKFILL = ("UPDATE alerts_alert SET village_code = (SELECT village_id FROM "
            "households_household WHERE households_household.id = alerts_alert.household_id)")


def statements(connection, postgresql: list[str], sqlite: list[str]) -> list[str]:
    return postgresql if connection.vendor == "postgresql" else sqlite


def keep_village(apps, schema_editor):
    for sql in [BACKFILL, *statements(schema_editor.connection, [POSTGRESQL], SQLITE)]:
        schema_editor.execute(sql, params=None)


def stop_keeping(apps, schema_editor):
    for sql in statements(schema_editor.connection, [POSTGRESQL_DROP], SQLITE_DROP):
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ("alerts", "0010_more_change_counts"),
        ("households", "0004_monitoring_comparison_declaration_identification"),
    ]

    operations = [
        migrations.AddField(
            model_name="alert",
            name="village_code",
            field=models.CharField(default="", editable=False, max_length=12,
                                   verbose_name="村代码"),
        ),
        migrations.AddIndex(
            model_name="alert",
            index=models.Index(condition=models.Q(("state__in", ("已销号", "已排除")),
                                                  _negated=True),
                               fields=["village_code"], name="open_alert_village",
                               opclasses=["varchar_pattern_ops"]),
        ),
        migrations.RunPython(keep_village, stop_keeping),
    ]
