"""The class (§6) and key group (§3) after each replayed check, and their history, as
joins over frames.

Each check not evaluated before leaves its moves, dated by its visit date (§6: three
years of checks, three years of moves); a check replayed again leaves none, save where
the household ends, if the moves so far do not lead there (dated by its newest check).
"""

import polars as pl
from django.utils import timezone

from households.models import Household, StatusChange
from monitor.bulk import insert_frame, update_frame
from monitor.classification import derived

col, lit = pl.col, pl.lit
# kind, the derived column, its reasons, the household's stored value
KINDS = [(StatusChange.Kind.CLASS.value, "class", "class_reasons", "class_stored"),
         (StatusChange.Kind.KEY_GROUP.value, "key_group", "key_group_reasons", "group_stored")]


def derive(rows: pl.DataFrame) -> pl.DataFrame:
    """Class and key group of each row (a household after a check, with its open alerts
    then), sorted by household and position."""
    return derived(rows).sort("household_id", "position")


def status_moves(rows: pl.DataFrame, homes: pl.DataFrame, before_stored: bool = False
                 ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The moves of class and key group the rows make, and where each household ends
    (its class and key group, and the stored ones).

    `rows` (derive's) are a household's checks from the one before its replay (its state
    then; `start` is the first replayed position) or, with `before_stored`, one row a
    household compared with what is stored."""
    changes = []
    for order, (kind, value, reasons, stored) in enumerate(KINDS):
        previous = col(value).shift(1).over("household_id")
        if before_stored:
            previous = col(stored)
        else:
            previous = pl.when(col("position") == 0).then(col(stored)).otherwise(previous)
        moves = rows.with_columns(old=previous).filter(
            (col("position") >= col("start")) & ~col("evaluated") & (col("old") != col(value)))
        moves = moves.select("household_id", "position", kind_order=lit(order), kind=lit(kind),
                             old="old", new=value, reasons=col(reasons).list.join("；"),
                             on="visit_date", based_on_id="check_id")
        last = rows.group_by("household_id").agg(
            final=col(value).last(), on=col("visit_date").last(),
            based_on_id=col("check_id").last(), position=col("position").last())
        recorded = moves.group_by("household_id").agg(led=col("new").last())
        settle = last.join(homes.select("household_id", stored), on="household_id").join(
            recorded, on="household_id", how="left").with_columns(
            old=col("led").fill_null(col(stored))).filter(col("old") != col("final"))
        settle = settle.select("household_id", position=col("position") + 1,
                               kind_order=lit(order), kind=lit(kind), old="old", new="final",
                               reasons=lit(""), on="on", based_on_id="based_on_id")
        changes += [moves, settle]
    ends = rows.group_by("household_id").agg(
        col("class").last(), col("key_group").last()).join(
        homes.select("household_id", "class_stored", "group_stored"), on="household_id")
    return pl.concat(changes).sort("household_id", "position", "kind_order"), ends


def moved(changes: pl.DataFrame, ends: pl.DataFrame, reason: str) -> None:
    """Write the history (StatusChange; the audit trail does not repeat it) and the
    households' class and key group where they end; each reason led by `reason` (a policy
    adopted: 政策调整) when given."""
    now = timezone.now()
    reasons = col("reasons")
    if reason:
        reasons = pl.when(reasons != "").then(pl.format("{}：{}", lit(reason), reasons)
                                              ).otherwise(lit(reason))
    insert_frame(StatusChange, changes.select(
        "household_id", "kind", "old", "new", "on", "based_on_id", reasons=reasons,
        changed_at=lit(now)))
    moved = ends.filter((col("class") != col("class_stored"))
                        | (col("key_group") != col("group_stored")))
    update_frame(Household, moved.select(
        "household_id", household_class="class", key_group="key_group", updated_at=lit(now)))
