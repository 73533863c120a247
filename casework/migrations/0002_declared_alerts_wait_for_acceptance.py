"""Declared alerts made before acceptance was a deadline of its own (domain.md §7): an open
DECLARATION alert none of whose declarations the town has accepted had the acceptance
deadline as its verify deadline and its plan and close deadlines counted from the day
declared. It now waits with `accept_by` only; its deadlines start when the town accepts.
One accepted already that waits for a later declaration keeps its deadlines and gets that
declaration's `accept_by`."""

from django.db import migrations


def wait_for_acceptance(apps, schema_editor):
    Alert = apps.get_model("alerts", "Alert")
    Declaration = apps.get_model("casework", "Declaration")
    declared = Alert.objects.filter(rule="DECLARATION").exclude(state__in=["已销号", "已排除"])
    for alert in declared.iterator():
        declarations = Declaration.objects.filter(alert_id=alert.pk)
        waiting = declarations.filter(accepted_at__isnull=True).order_by(
            "accept_by").values_list("accept_by", flat=True).first()
        if waiting is None:
            continue
        alert.accept_by = waiting
        fields = ["accept_by"]
        if not declarations.filter(accepted_at__isnull=False).exists():
            alert.verify_by = alert.plan_by = alert.close_by = None
            fields += ["verify_by", "plan_by", "close_by"]
        alert.save(update_fields=fields)


class Migration(migrations.Migration):
    dependencies = [("casework", "0001_initial"), ("alerts", "0014_alert_accept_by")]
    operations = [migrations.RunPython(wait_for_acceptance, migrations.RunPython.noop)]
