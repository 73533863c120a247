"""What the registry already holds for the keys of one workbook, loaded in bulk as frames
whose columns are named as the workbook's (村代码, 工资性收入, …), so a file's rows and
the stored ones are compared column by column.

One query per kind and chunk of keys, never one per row.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

import polars as pl
from django.db.models import BooleanField, Count, ExpressionWrapper, Q

from alerts.models import AlertMove
from households.models import Check, Household, Member
from monitor.bulk import frame_of, on_postgresql
from monitor.models import User
from monitor.roles import Role

from .columns import CHECK_FIELDS, HOUSEHOLD_FIELDS, MEMBER_FIELDS, SHEETS
from .validation import DTYPES

CHUNK = 2000  # keys per IN (...) list: well inside SQLite's limits
CHUNK_POSTGRESQL = 10_000_000  # keys in a temporary table: a county's (or more) at once


def keys_per_query() -> int:
    return CHUNK_POSTGRESQL if on_postgresql() else CHUNK


def chunks(items: Iterable, size: int = CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


STORED = " 已存"  # suffix of a stored value's column: 村代码 已存 beside the file's 村代码


def dtypes(sheet: str, fields: dict[str, str]) -> dict[str, pl.DataType]:
    """The stored columns, named COLUMN 已存, with the dtype of the file's cleaned column."""
    return {f"{column}{STORED}": DTYPES.get(SHEETS[sheet][column], pl.String)
            for column in fields}


HOUSEHOLD_SCHEMA = {"户编号": pl.String, "household_id": pl.Int64,
                    **dtypes("农户", HOUSEHOLD_FIELDS), f"officer{STORED}": pl.Int64,
                    f"digest{STORED}": pl.Int64}
MEMBER_SCHEMA = {"身份证号": pl.String, "member_id": pl.Int64, "household_id": pl.Int64,
                 "所在户编号": pl.String, "所在村": pl.String, **dtypes("成员", MEMBER_FIELDS)}
CHECK_SCHEMA = {"household_id": pl.Int64, "排查日期": pl.Date, "排查类型": pl.String,
                "check_id": pl.Int64, "evaluated": pl.Boolean,
                **dtypes("排查", CHECK_FIELDS)}


@dataclass
class Registry:
    households: pl.DataFrame  # the households the file names, by 户编号
    # The active village officers the 信息员 column names: 信息员 (username), officer
    # (their id), place_id (their village).
    officers: pl.DataFrame
    # Read for the rows not skipped as unchanged (registry_rows):
    # the members whose 身份证号 the rows name (heads too), every check of the rows'
    # registered households that have check rows, their member counts, and those of them
    # whose alerts a person moved.
    members: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=MEMBER_SCHEMA))
    checks: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=CHECK_SCHEMA))
    member_counts: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=COUNTS))
    worked: set[int] = field(default_factory=set)

    def newest_visit(self) -> pl.DataFrame:
        """household_id → the newest visit the registry holds."""
        return self.checks.group_by("household_id").agg(pl.col("排查日期").max().alias("newest"))


def stored(queryset, fields: list, schema: dict, keys: str, values: pl.Series
           ) -> pl.DataFrame:
    """The rows of queryset whose `keys` is among `values`, a part of them a query."""
    size = keys_per_query()
    parts = [frame_of(queryset, fields, schema, keys, values.slice(start, size))
             for start in range(0, len(values), size)]
    return pl.concat(parts) if parts else pl.DataFrame(schema=schema)


def registry_households(numbers: pl.Series, usernames: pl.Series) -> Registry:
    """The registry's households by 户编号, and the officers the 信息员 column names."""
    households = stored(Household.objects.order_by(),
                        ["number", "id", *HOUSEHOLD_FIELDS.values(), "info_officer_id",
                         "survey_digest"], HOUSEHOLD_SCHEMA, "number", numbers)
    officers = stored(User.objects.order_by().filter(role=Role.VILLAGE, is_active=True),
                      ["username", "id", "place_id"], OFFICERS, "username", usernames)
    return Registry(households, officers)


def registry_rows(registry: Registry, *, id_numbers: pl.Series, checked: pl.Series) -> None:
    """The members by 身份证号; for the households with check rows (`checked`), their
    checks, member counts, and whether a person has worked on their alerts (domain.md
    §4: such checks are never edited)."""
    households = registry.households
    registry.members = stored(Member.objects.order_by(),
                     ["id_number", "id", "household_id", "household__number",
                      "household__village_id",
                      *MEMBER_FIELDS.values()], MEMBER_SCHEMA, "id_number", id_numbers)
    ids = households.filter(pl.col("户编号").is_in(checked.implode()))["household_id"]
    registry.checks = stored(Check.objects.order_by().annotate(evaluated=ExpressionWrapper(
        Q(evaluated_at__isnull=False), output_field=BooleanField())),
                    ["household_id", "visit_date", "kind", "id", "evaluated",
                     *CHECK_FIELDS.values()], CHECK_SCHEMA, "household_id", ids)
    registry.member_counts = stored(
        Member.objects.order_by().values("household_id").annotate(n=Count("id")),
        ["household_id", "n"], COUNTS, "household_id", ids)
    for part in chunks(ids.to_list(), keys_per_query()):
        registry.worked.update(AlertMove.objects.filter(alert__household_id__any_of=part,
                                               actor__isnull=False)
                      .values_list("alert__household_id", flat=True).distinct())


OFFICERS = {"信息员": pl.String, "officer": pl.Int64, "place_id": pl.String}
COUNTS = {"household_id": pl.Int64, "members": pl.Int64}
