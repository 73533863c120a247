"""An alert's village is its household's, whoever writes either (alerts/migrations/0011),
so a place's alerts are found from the alerts alone."""

from django.db import connection

from alerts.models import Alert
from households.models import Household
from monitor.bulk import bulk_insert

from .alert_helpers import alert_row

TRIGGERS = {
    "postgresql": {"alerts_alert_village", "households_household_alerts_follow"},
    "sqlite": {"alerts_alert_village_insert", "alerts_alert_village_update",
               "households_household_alerts_follow"},
}


def village_of(alert: Alert) -> str:
    return Alert.objects.values_list("village_code", flat=True).get(pk=alert.pk)


def triggers() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        return {row[0] for row in cursor.fetchall()}


def test_the_triggers_that_keep_it_are_there(db):
    """SQLite drops a table's triggers when a migration rebuilds the table: a later
    migration of alerts or households must create them again."""
    assert TRIGGERS[connection.vendor] <= triggers()


def test_no_change_count_is_left(db):
    """alerts/migrations/0012 dropped the change counts that 0009 and 0010 installed."""
    assert not {name for name in triggers() if name.endswith("_count_change")}
    assert "alerts_changecount" not in connection.introspection.table_names()


def test_a_new_alert_takes_its_households_village(places, household_a):
    assert village_of(alert_row(household_a)) == household_a.village_id


def test_alerts_written_in_bulk_take_it_too(places, household_a, household_b):
    batch = [Alert(household=h, rule="WATER", risk_type="饮水安全", severity="high",
                   channel="water", raised_on="2026-03-01", last_seen_on="2026-03-01")
             for h in (household_a, household_b)]
    bulk_insert(Alert, batch)
    assert dict(Alert.objects.values_list("household__number", "village_code")) == {
        "HA001": household_a.village_id, "HB001": household_b.village_id}


def test_an_alert_saved_whole_keeps_it(places, household_a):
    """An instance loaded before the database set its village, saved with every field."""
    alert = alert_row(household_a)
    alert.village_code = ""
    alert.save()
    assert village_of(alert) == household_a.village_id


def test_a_household_moved_takes_its_alerts_along(places, household_a, town_supervisor):
    housing, water = alert_row(household_a), alert_row(household_a, "WATER", "核实")
    assert set(Alert.objects.visible_to(town_supervisor)) == {housing, water}
    Household.objects.filter(pk=household_a.pk).update(village=places["other_town_village"])
    assert {village_of(housing), village_of(water)} == {places["other_town_village"].code}
    assert not Alert.objects.visible_to(town_supervisor).exists()
    household_a.refresh_from_db()
    household_a.village = places["village_b"]
    household_a.save()
    assert set(Alert.objects.visible_to(town_supervisor)) == {housing, water}
