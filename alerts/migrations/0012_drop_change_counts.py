"""No response cache of our own: drop the change counts of 0009 and 0010, with every
trigger and the function they installed. The alert queue, its API and the dashboard
are made afresh from queries and indexes on every request.

They were PostgreSQL's only (SQLite never had them), so on SQLite there is nothing to
drop. Everything is dropped IF EXISTS, so a database that lost some of it already
migrates too. Going back does not restore the cache: the reverse does nothing, and
nothing in the code reads the change counts any more."""

from django.db import migrations

# The tables 0010 put a change-count trigger on (0009's two among them).
TABLES = ("alerts_alert", "households_household", "households_place", "monitor_user",
          "alerts_alertmove", "alerts_task", "monitor_monitoringline",
          "monitor_policysetting", "django_session", "authtoken_token")

DROP = "".join(f"DROP TRIGGER IF EXISTS {table}_count_change ON {table};\n"
               for table in TABLES) + """
DROP FUNCTION IF EXISTS alerts_count_change();
DROP TABLE IF EXISTS alerts_changecount;
"""


def drop_change_counts(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ("alerts", "0011_alert_village"),
    ]

    operations = [
        migrations.RunPython(drop_change_counts, migrations.RunPython.noop),
    ]
