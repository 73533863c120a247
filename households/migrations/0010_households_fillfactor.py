"""Households are written once and then updated again and again (class, key group, the
officer): room left on each page lets PostgreSQL update a row in place (a HOT update)
without new entries in the table's six indexes. Updating 70,000 of a county's households
took 3.3 s at the default fillfactor of 100 and 1.3 s at 70 (about half of them in
place); inside a county's evaluation, where the same pages are also locked and other
tables written, the households' updates went from 7.7 s to 6.3 s (docs/scaling.md).
Pages written before this migration keep their layout until the table is rewritten
(VACUUM FULL). PostgreSQL only: SQLite has no such setting."""

from django.db import migrations


def leave_room(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE households_household SET (fillfactor = 70)")


def fill_pages(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE households_household RESET (fillfactor)")


class Migration(migrations.Migration):

    dependencies = [
        ("households", "0009_check_household_index_from_unique"),
    ]

    operations = [migrations.RunPython(leave_room, fill_pages)]
