"""What the registry already holds for the keys of one workbook, loaded in bulk.

One query per kind and chunk of keys, never one per row. Rows are kept as named tuples
of plain values (not model instances), with repeated words and amounts shared, which is
what comparing a county file of 140,000 households against the registry needs.
"""

from collections import namedtuple
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count

from alerts.models import AlertMove
from households.models import Check, Household, Member
from monitor.bulk import on_postgresql
from monitor.models import User
from monitor.roles import Role

from .columns import CHECK_FIELDS, HOUSEHOLD_FIELDS, MEMBER_FIELDS

CHUNK = 2000  # keys per IN (...) list: well inside SQLite's and PostgreSQL's limits
# PostgreSQL takes far longer lists; each query may scan a joined table whole (members
# with their household, moves with their alert), so a county's keys go in a few dozen
# queries. Not more keys at once: psycopg holds each query's whole result, and at 25,000
# a county's re-import peaked at 1,046 MB against 984 MB now (2,000: the same, and slower).
CHUNK_POSTGRESQL = 5_000


def keys_per_query() -> int:
    return CHUNK_POSTGRESQL if on_postgresql() else CHUNK


def chunks(items: Iterable, size: int = CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


FileRow = tuple[int, Mapping]  # a file's good row: (row number, cleaned values)
CheckKey = tuple[int, date, str]  # (household id, visit date, kind)
Row = tuple  # a stored row, named (values_list(named=True)): .id and the fields it writes


@dataclass
class Registry:
    households: dict[str, Row] = field(default_factory=dict)  # 户编号 → row
    members: dict[str, Row] = field(default_factory=dict)  # 身份证号 → row
    member_counts: dict[int, int] = field(default_factory=dict)  # household id → members
    checks: dict[CheckKey, Row] = field(default_factory=dict)
    newest_visit: dict[int, date] = field(default_factory=dict)  # household id → date
    worked: set[int] = field(default_factory=set)  # households whose alerts a person moved
    officers: dict[str, Row] = field(default_factory=dict)  # 信息员 username → (id, place_id)
    shared: dict[str, dict] = field(default_factory=dict)  # field → {value: that value}

    def household_id(self, number: str) -> int | None:
        found = self.households.get(number)
        return found.id if found else None

    def rows(self, queryset, fields: list[str]) -> Iterator[Row]:
        """The queryset's rows as named tuples; in each column but the unique ones
        (UNSHARED), equal values are one object (a word, an amount, a date)."""
        row_type, make = namedtuple("Row", fields), tuple.__new__
        share = [None if name in UNSHARED else self.shared.setdefault(name, {}).setdefault
                 for name in fields]
        for row in queryset.values_list(*fields):
            yield make(row_type, [value if same is None else same(value, value)
                                  for same, value in zip(share, row, strict=True)])


UNSHARED = {"id", "number", "id_number", "head_id_number", "phone", "name", "head_name",
            # amounts are nearly all distinct: a memo of them would only add to them
            "income_wages", "income_business", "income_property", "income_transfers",
            "medical_spending", "education_spending", "sudden_loss"}


def registry_load(*, numbers: set[str], id_numbers: set[str],
                  check_rows: Mapping[tuple[str, date, str], FileRow],
                  household_rows: Mapping[str, FileRow] | None = None,
                  member_rows: Mapping[str, FileRow] | None = None) -> Registry:
    """The registry's households by 户编号 and members by 身份证号; for the households
    that have check rows, the checks with the file's keys (户编号, 排查日期, 排查类型),
    member counts, newest visit, and whether a person has worked on their alerts
    (domain.md §4: such checks are never edited). The file's good rows (by key, as
    (row number, cleaned values)) let the stored rows hold the file's own objects where
    the values are equal."""
    registry, household_rows, member_rows = Registry(), household_rows or {}, member_rows or {}
    fields = ["id", "number", *HOUSEHOLD_FIELDS.values(), "info_officer_id"]
    size = keys_per_query()
    for part in chunks(numbers, size):
        for row in registry.rows(Household.objects.filter(number__any_of=part), fields):
            if row.number in household_rows:
                row = with_file_values(row, household_rows[row.number][1], HOUSEHOLD_COLUMNS)
            registry.households[row.number] = row
    fields = ["id", "id_number", "household_id", "household__number", *MEMBER_FIELDS.values()]
    for part in chunks(id_numbers, size):
        for row in registry.rows(Member.objects.filter(id_number__any_of=part), fields):
            if row.id_number in member_rows:
                row = with_file_values(row, member_rows[row.id_number][1], MEMBER_COLUMNS)
            registry.members[row.id_number] = row
    wanted = {(registry.household_id(n), day, kind): cleaned
              for (n, day, kind), (_, cleaned) in check_rows.items()
              if n in registry.households}
    for part in chunks({household_id for household_id, _, _ in wanted}, size):
        load_checks(registry, part, wanted)
    registry.officers = officers_named(
        {cleaned.get("信息员") for _, cleaned in household_rows.values()} - {None, ""})
    return registry


def officers_named(usernames: set[str]) -> dict[str, Row]:
    """The active village officers among the usernames of the 信息员 column (a county
    names a few hundred), as (id, place_id) by username."""
    officers = {}
    for part in chunks(usernames):
        officers.update((row.username, row) for row in User.objects.filter(
            username__in=part, role=Role.VILLAGE, is_active=True,
        ).values_list("username", "id", "place_id", named=True))
    return officers


def load_checks(registry: Registry, household_ids: list[int],
                wanted: dict[CheckKey, Mapping]) -> None:
    """Only the checks the file names are kept whole; the rest give the newest visit."""
    fields = ["id", "household_id", "visit_date", "kind", "evaluated_at",
              *CHECK_FIELDS.values()]
    for row in registry.rows(Check.objects.filter(household_id__any_of=household_ids), fields):
        household_id, day = row.household_id, row.visit_date
        key = (household_id, day, row.kind)
        registry.newest_visit[household_id] = max(day, registry.newest_visit.get(
            household_id, day))
        if key in wanted:
            registry.checks[key] = with_file_values(row, wanted[key], CHECK_COLUMNS)
    registry.member_counts.update(
        Member.objects.filter(household_id__any_of=household_ids).order_by()
        .values_list("household_id").annotate(n=Count("id")))
    registry.worked.update(
        AlertMove.objects.filter(alert__household_id__any_of=household_ids,
                                 actor__isnull=False)
        .values_list("alert__household_id", flat=True).distinct())


# (column, field) of what a file's row and a stored row both hold.
HOUSEHOLD_COLUMNS = [("户编号", "number"), *HOUSEHOLD_FIELDS.items()]
MEMBER_COLUMNS = [("身份证号", "id_number"), ("户编号", "household__number"),
                  *MEMBER_FIELDS.items()]
CHECK_COLUMNS = list(CHECK_FIELDS.items())


def with_file_values(row: Row, cleaned: Mapping, columns: list[tuple[str, str]]) -> Row:
    """The stored row, holding the file's own objects where the values are equal: a
    county's re-import would otherwise hold its 2.4 million amounts, 620,000 ID numbers
    and names twice."""
    same = {name: cleaned[column] for column, name in columns
            if column in cleaned and cleaned[column] == getattr(row, name)}
    return row._replace(**same) if same else row
