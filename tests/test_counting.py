"""Lists' totals (monitor/counting.py): exactly what QuerySet.count() says, and on
PostgreSQL asked again as soon as an alert or a household was written."""
import importlib
from datetime import date

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alerts.models import Alert
from households.models import Household
from monitor.counting import CountingPaginator, exact_count

from .alert_helpers import alert_row


def on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("the change counts are PostgreSQL's; elsewhere exact_count is count()")


def querysets(user):
    scoped = Alert.objects.visible_to(user)
    return [scoped, scoped.open(), scoped.with_due().filter(due__gte=date(2026, 1, 1)),
            scoped.filter(rule="NOTHING"), Household.objects.visible_to(user),
            scoped.select_related("household").order_by(F("raised_on").desc())]


def test_a_supervisor_without_a_place_sees_an_empty_queue(transactional_db, client, four_alerts,
                                                          town_supervisor):
    """Django knows such a list is empty before asking the database; it counts 0, not 500."""
    town_supervisor.place = None
    town_supervisor.save()
    client.force_login(town_supervisor)
    response = client.get(reverse("alerts:queue"))
    assert response.status_code == 200 and response.context["page"].paginator.count == 0
    assert exact_count(Alert.objects.visible_to(town_supervisor)) == 0


def test_it_counts_what_count_counts_outside_a_transaction(transactional_db, four_alerts,
                                                           town_supervisor,
                                                           county_supervisor):
    on_postgresql()
    for user in (town_supervisor, county_supervisor):
        for queryset in querysets(user):
            assert exact_count(queryset) == exact_count(queryset) == queryset.count()


def test_nothing_written_means_one_small_query(transactional_db, four_alerts, county_supervisor):
    on_postgresql()
    queryset = Alert.objects.visible_to(county_supervisor).open()
    exact_count(queryset)
    with CaptureQueriesContext(connection) as asked:
        assert exact_count(queryset) == 3
    [query] = asked
    assert "COUNT" not in query["sql"] and "alerts_changecount" in query["sql"]


def test_a_list_reading_other_tables_is_counted_each_time(transactional_db, four_alerts,
                                                          county_supervisor):
    on_postgresql()
    queryset = Alert.objects.visible_to(county_supervisor).filter(household__members__isnull=True)
    for _ in range(2):
        with CaptureQueriesContext(connection) as asked:
            assert exact_count(queryset) == queryset.count()
        assert "COUNT" in asked[0]["sql"]


def test_inside_a_transaction_it_counts_each_time(transactional_db, four_alerts,
                                                  county_supervisor):
    on_postgresql()
    queryset = Alert.objects.visible_to(county_supervisor)
    with transaction.atomic():
        alert_row(four_alerts["a"], rule="FOOD")
        assert exact_count(queryset) == 5
        transaction.set_rollback(True)
    assert exact_count(queryset) == exact_count(queryset) == 4


def test_a_commit_is_counted_at_once(transactional_db, four_alerts, places, town_supervisor):
    on_postgresql()
    queryset = Alert.objects.visible_to(town_supervisor).open()
    assert exact_count(queryset) == 2
    alert_row(four_alerts["a"], rule="FOOD")
    assert exact_count(queryset) == 3
    Alert.objects.filter(household=four_alerts["a"], rule="FOOD").update(state="已排除")
    assert exact_count(queryset) == 2
    # A household moved out of the town takes its alerts out of the town's count.
    type(four_alerts["a"]).objects.filter(pk=four_alerts["a"].pk).update(
        village=places["other_town_village"])
    assert exact_count(queryset) == 0


def test_the_queue_page_counts_a_move_on_the_next_request(transactional_db, client, four_alerts,
                                                          town_supervisor):
    on_postgresql()
    client.force_login(town_supervisor)
    assert client.get(reverse("alerts:queue")).context["page"].paginator.count == 2
    Alert.objects.filter(household=four_alerts["a"], rule="WATER").update(state="已销号")
    assert client.get(reverse("alerts:queue")).context["page"].paginator.count == 1


def test_the_paginator_counts_a_list_as_django_does():
    assert CountingPaginator([1, 2, 3], 2).count == 3


def test_a_restored_backup_is_counted_afresh(transactional_db, four_alerts, county_supervisor):
    """A restore brings back older data with its older change counts; totals remembered
    from before it must not be taken for the restored data's."""
    on_postgresql()
    migration = importlib.import_module("alerts.migrations.0010_more_change_counts")
    queryset = Alert.objects.visible_to(county_supervisor).open()
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE saved AS SELECT * FROM alerts_changecount")
    assert exact_count(queryset) == 3
    water = Alert.objects.get(rule="WATER")
    Alert.objects.filter(pk=water.pk).update(state="已销号")
    assert exact_count(queryset) == 2  # remembered with the sum one higher
    # The restore: the data of the backup, then the table recreated with its counts.
    Alert.objects.filter(pk=water.pk).update(state="核实")
    with connection.cursor() as cursor:
        cursor.execute(migration.DROP + migration.CREATE)
        cursor.execute("INSERT INTO alerts_changecount SELECT * FROM saved")
    alert_row(four_alerts["b"], rule="WATER2")  # the sum is again one higher than the backup's
    assert exact_count(queryset) == queryset.count() == 4
