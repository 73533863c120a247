"""The measure catalogue by risk type instead of by rule (domain.md §7: every source, a
check's rule, a department's list or a declaration, has the same catalogue by risk type).

Each entry moves to its rule's risk type; SUDDEN_EVENT's to each of its events' (因灾,
意外事故, 因病). Where two rules of one risk type offered the same measure, the first (by
rule, order) stays with what the county set for it (channel, active, order). 其他, a
declaration's risk type outside §5, gets 临时救助."""

from django.db import migrations, models

RISK_TYPES = {
    "FOOD": ["两不愁"], "CLOTHING": ["两不愁"], "DROPOUT": ["因学"],
    "UNINSURED": ["基本医疗"], "HOUSING": ["住房安全"], "WATER": ["饮水安全"],
    "INCOME_BELOW_LINE": ["收入"], "INCOME_NEAR_LINE": ["收入"],
    "INCOME_DROP": ["收入大幅缩减"], "MEDICAL_BURDEN": ["因病"], "NO_LABOUR": ["缺劳动力"],
    "NO_WORK": ["务工就业不稳"], "SUDDEN_EVENT": ["因灾", "意外事故", "因病"],
}
EXTRA = [("其他", "临时救助", "civil")]


def by_risk_type(apps, schema_editor):
    Catalogue = apps.get_model("alerts", "MeasureCatalogue")
    seen = set()
    for entry in list(Catalogue.objects.order_by("rule", "order", "id")):
        kept = False
        for risk_type in RISK_TYPES.get(entry.rule, []):
            if (risk_type, entry.name) in seen:
                continue
            seen.add((risk_type, entry.name))
            if not kept:
                entry.risk_type, kept = risk_type, True
                entry.save(update_fields=["risk_type"])
            else:
                Catalogue.objects.create(rule=entry.rule, risk_type=risk_type, name=entry.name,
                                         channel=entry.channel, active=entry.active,
                                         order=entry.order)
        if not kept:
            entry.delete()
    for risk_type, name, channel in EXTRA:
        if (risk_type, name) not in seen:
            Catalogue.objects.create(rule="", risk_type=risk_type, name=name, channel=channel)


def by_rule(apps, schema_editor):
    Catalogue = apps.get_model("alerts", "MeasureCatalogue")
    rules = {}
    for rule, risk_types in RISK_TYPES.items():
        rules.setdefault(risk_types[0], rule)
    for entry in Catalogue.objects.all():
        if entry.risk_type in rules:
            entry.rule = rules[entry.risk_type]
            entry.save(update_fields=["rule"])
        else:
            entry.delete()


class Migration(migrations.Migration):
    dependencies = [("alerts", "0012_drop_change_counts")]
    operations = [
        migrations.RemoveConstraint(model_name="measurecatalogue",
                                    name="one_measure_name_per_rule"),
        migrations.AddField(model_name="measurecatalogue", name="risk_type",
                            field=models.CharField("风险类型", max_length=20, default=""),
                            preserve_default=False),
        migrations.AlterField(model_name="measurecatalogue", name="rule",
                              field=models.CharField("规则", max_length=24, blank=True,
                                                     default="")),
        migrations.RunPython(by_risk_type, by_rule),
        migrations.RemoveField(model_name="measurecatalogue", name="rule"),
        migrations.AlterModelOptions(
            name="measurecatalogue",
            options={"ordering": ["risk_type", "order", "id"],
                     "verbose_name": "帮扶措施目录", "verbose_name_plural": "帮扶措施目录"}),
        migrations.AddConstraint(
            model_name="measurecatalogue",
            constraint=models.UniqueConstraint(fields=("risk_type", "name"),
                                               name="one_measure_name_per_risk_type")),
    ]
