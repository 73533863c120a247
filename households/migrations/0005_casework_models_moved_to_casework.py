"""The models of §9 (department comparison, declarations, identification and
elimination) moved to casework: here they leave the households state only. Their tables
stay as they are, names included (households_declaration …); casework's 0001_initial
takes them over in its state, with db_table set to these names.

Deleted leaf first (an objection's notice, a notice's case…), so no state in between has
a model pointing at one already gone. No other model points at them."""

from django.db import migrations

MOVED = ["Objection", "Notice", "IdentificationStep", "IdentificationCase", "Declaration",
         "DepartmentComparison"]


class Migration(migrations.Migration):

    dependencies = [
        ('households', '0004_monitoring_comparison_declaration_identification'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name=name) for name in MOVED],
            database_operations=[],
        ),
    ]
