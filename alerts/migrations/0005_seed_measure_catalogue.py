"""Seed the measure catalogue (帮扶措施目录) with the national mechanism's usual measures
per rule; the county edits it in the admin afterwards."""

from django.db import migrations

CIVIL, EDUCATION, MEDICAL, HOUSING, WATER, LABOUR = (
    "civil", "education", "medical", "housing", "water", "labour")
EMPLOYMENT = [("就业帮扶", LABOUR), ("公益岗位", LABOUR)]
RELIEF = [("临时救助", CIVIL)]

SEED = {
    "FOOD": RELIEF + [("低保", CIVIL)],
    "CLOTHING": RELIEF,
    "DROPOUT": [("劝返复学", EDUCATION), ("送教上门", EDUCATION), ("教育资助", EDUCATION)],
    "UNINSURED": [("代缴参保", MEDICAL)],
    "HOUSING": [("危房改造", HOUSING), ("易地搬迁", HOUSING)],
    "WATER": [("饮水工程", WATER)],
    "INCOME_BELOW_LINE": EMPLOYMENT + [("产业帮扶", LABOUR), ("低保", CIVIL)],
    "INCOME_NEAR_LINE": EMPLOYMENT + [("产业帮扶", LABOUR)],
    "INCOME_DROP": EMPLOYMENT + [("产业帮扶", LABOUR), ("临时救助", CIVIL)],
    "MEDICAL_BURDEN": [("医疗救助", MEDICAL), ("大病保险", MEDICAL)],
    "NO_LABOUR": [("低保", CIVIL), ("特困供养", CIVIL)],
    "NO_WORK": EMPLOYMENT,
    "SUDDEN_EVENT": RELIEF + [("医疗救助", MEDICAL)],
}


def seed(apps, schema_editor):
    Catalogue = apps.get_model("alerts", "MeasureCatalogue")
    for rule, measures in SEED.items():
        for order, (name, channel) in enumerate(measures):
            Catalogue.objects.get_or_create(rule=rule, name=name,
                                            defaults={"channel": channel, "order": order})


def unseed(apps, schema_editor):
    Catalogue = apps.get_model("alerts", "MeasureCatalogue")
    for rule, measures in SEED.items():
        Catalogue.objects.filter(rule=rule, name__in=[name for name, _ in measures]).delete()


class Migration(migrations.Migration):
    dependencies = [("alerts", "0004_plans_tasks_escalation")]
    operations = [migrations.RunPython(seed, unseed)]
