"""monitor/bulk.py's fast paths give what the ORM gives (COPY on PostgreSQL, the ORM's
bulk_create and IN (...) elsewhere: the suite runs on both)."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from households.models import Check, Household, StatusChange
from monitor.bulk import insert_rows, update_rows

from .factories import HouseholdFactory, place

pytestmark = pytest.mark.django_db


def test_it_inserts_rows_with_the_defaults_the_orm_would_give():
    village = place("500241101201", "平所村")
    by_orm = Household.objects.create(number="H1", village=village, head_name="杨明华")
    [pk] = insert_rows(Household, ["number", "village_id", "head_name"],
                       [("H2", village.code, "杨明华")])
    by_rows = Household.objects.get(pk=pk)
    skip = {"id", "number", "created_at", "updated_at"}
    fields = [f.attname for f in Household._meta.concrete_fields if f.attname not in skip]
    assert [getattr(by_rows, f) for f in fields] == [getattr(by_orm, f) for f in fields]
    assert by_rows.created_at and by_rows.updated_at


def test_it_returns_the_ids_in_the_order_of_the_rows():
    household = HouseholdFactory()
    rows = [(household.id, date(2026, day, 1), "集中排查", [], Decimal(day)) for day in (3, 1, 2)]
    ids = insert_rows(Check, ["household_id", "visit_date", "kind", "members", "income_wages"],
                      rows)
    assert [Check.objects.get(pk=pk).income_wages for pk in ids] == [3, 1, 2]
    assert Check.objects.get(pk=ids[0]).members == []


def test_it_inserts_nothing_for_no_rows():
    assert insert_rows(Household, ["number"], []) == []


def test_any_of_finds_what_in_finds():
    households = HouseholdFactory.create_batch(4)
    numbers = [households[0].number, households[2].number, "no such number"]
    found = Household.objects.filter(number__any_of=numbers)
    assert set(found) == set(Household.objects.filter(number__in=numbers))
    ids = [households[1].id, households[3].id]
    assert set(Household.objects.filter(id__any_of=ids)) == {households[1], households[3]}
    assert not Household.objects.filter(id__any_of=[])


def test_insert_rows_writes_each_row_with_a_fresh_id(places):
    household = HouseholdFactory(village=places["village_a"])
    now = timezone.now()
    ids = insert_rows(StatusChange, ["household_id", "kind", "old", "new", "reasons", "on",
                                     "changed_at", "based_on_id"],
                      [(household.id, "class", "", "稳定", "收入高", now.date(), now, None),
                       (household.id, "key_group", "", "临界户", "", now.date(), now, None)])
    # changed_at is not compared: bulk_create (SQLite) stamps auto_now_add itself.
    rows = list(StatusChange.objects.order_by("id").values_list(
        "household_id", "kind", "old", "new", "reasons"))
    assert rows == [(household.id, "class", "", "稳定", "收入高"),
                    (household.id, "key_group", "", "临界户", "")]
    assert ids == list(StatusChange.objects.order_by("id").values_list("id", flat=True))


def test_update_rows_sets_only_the_fields_named(places):
    first, second = (HouseholdFactory(village=places["village_a"], head_name=name)
                     for name in ("甲", "乙"))
    now = timezone.now()
    update_rows(Household, ["household_class", "key_group", "updated_at"],
                [(first.id, "临界", "临界户", now), (second.id, "稳定", "", now)])
    assert list(Household.objects.order_by("id").values_list(
        "head_name", "household_class", "key_group", "updated_at")) == [
        ("甲", "临界", "临界户", now), ("乙", "稳定", "", now)]


def test_any_of_reaches_through_a_relation(places):
    households = [HouseholdFactory(village=places["village_a"]) for _ in range(3)]
    for household in households:
        Check.objects.create(household=household, visit_date=date(2026, 3, 10), kind="日常走访")
    wanted = [households[0].id, households[2].id]
    assert sorted(Check.objects.filter(household__id__any_of=wanted).values_list(
        "household_id", flat=True)) == wanted
