"""Rows written without model instances (monitor/bulk.py): the same rows as the ORM's
bulk_create / bulk_update, on PostgreSQL by COPY, elsewhere by the ORM itself."""

from datetime import date

from django.utils import timezone

from households.models import Check, Household, StatusChange
from monitor.bulk import insert_rows, many, update_rows

from .factories import HouseholdFactory


def test_insert_rows_writes_each_row_with_a_fresh_id(places):
    household = HouseholdFactory(village=places["village_a"])
    now = timezone.now()
    insert_rows(StatusChange, ["household_id", "kind", "old", "new", "reasons", "changed_at",
                               "based_on_id"],
                [(household.id, "class", "", "稳定", "收入高", now, None),
                 (household.id, "key_group", "", "临界户", "", now, None)])
    # changed_at is not compared: bulk_create (SQLite) stamps auto_now_add itself.
    rows = list(StatusChange.objects.order_by("id").values_list(
        "household_id", "kind", "old", "new", "reasons"))
    assert rows == [(household.id, "class", "", "稳定", "收入高"),
                    (household.id, "key_group", "", "临界户", "")]


def test_update_rows_sets_only_the_fields_named(places):
    first, second = (HouseholdFactory(village=places["village_a"], head_name=name)
                     for name in ("甲", "乙"))
    now = timezone.now()
    update_rows(Household, ["household_class", "key_group", "updated_at"],
                [(first.id, "临界", "临界户", now), (second.id, "稳定", "", now)])
    assert list(Household.objects.order_by("id").values_list(
        "head_name", "household_class", "key_group", "updated_at")) == [
        ("甲", "临界", "临界户", now), ("乙", "稳定", "", now)]


def test_many_selects_the_same_rows_as_a_list(places):
    households = [HouseholdFactory(village=places["village_a"]) for _ in range(3)]
    for household in households:
        Check.objects.create(household=household, visit_date=date(2026, 3, 10), kind="日常走访")
    wanted = [households[0].id, households[2].id]
    assert sorted(Check.objects.filter(household_id__in=many(wanted)).values_list(
        "household_id", flat=True)) == wanted
