"""A class history entry is dated by what changed it (domain.md §6): `on`, the check's
visit date or the day of the move. Entries recorded before have only their recording
time: the engine's take their check's visit date, the others the day they were recorded."""

from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import TruncDate


def date_them(apps, schema_editor):
    StatusChange = apps.get_model("households", "StatusChange")
    Check = apps.get_model("households", "Check")
    visit = Check.objects.filter(pk=OuterRef("based_on_id")).values("visit_date")[:1]
    StatusChange.objects.filter(kind__in=["class", "key_group"], based_on__isnull=False).update(
        on=Subquery(visit))
    StatusChange.objects.filter(on__isnull=True).update(on=TruncDate(F("changed_at")))


class Migration(migrations.Migration):
    dependencies = [("households", "0005_casework_models_moved_to_casework")]
    operations = [
        migrations.RemoveIndex(model_name="statuschange", name="status_change_period"),
        migrations.AddField(model_name="statuschange", name="on",
                            field=models.DateField("日期", null=True)),
        migrations.RunPython(date_them, migrations.RunPython.noop),
        migrations.AlterField(model_name="statuschange", name="on",
                              field=models.DateField("日期")),
        migrations.AlterField(model_name="statuschange", name="changed_at",
                              field=models.DateTimeField("记录时间", auto_now_add=True)),
        migrations.AlterModelOptions(
            name="statuschange",
            options={"ordering": ["on", "id"], "verbose_name": "分类变化记录",
                     "verbose_name_plural": "分类变化记录"}),
        migrations.AddIndex(model_name="statuschange",
                            index=models.Index(fields=["kind", "on"],
                                               name="status_change_period")),
    ]
