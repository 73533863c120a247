"""Checks as the frame the law reads (monitor/rules.py, monitor/classification.py).

One row a check: its answers, amounts in whole fen, its members' lists (the dropouts,
the uninsured, the able labourers …), the household's previous check by visit date and
the thresholds in force on the visit date (as whole ten-thousandths, and as the texts
the evidence shows). The thresholds are read once per distinct (province, visit date)
from the Policy and joined, not looked up per check.

It also holds what the law reads of amounts (whole fen, to_fen / money for what a person
reads) and of members (their age on the visit date, the lists DROPOUT, UNINSURED,
NO_LABOUR and NO_WORK read), so that monitor/rules.py builds on it, never the reverse.
"""

import json
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

import polars as pl
from django.db.models import BigIntegerField, F
from django.db.models.functions import Cast, Round

from monitor.choices import ABLE_LABOUR, WORKING, Schooling

from .parameters import DEFAULTS, FIRST_LINE
from .policy import Policy, Thresholds

col, lit = pl.col, pl.lit

SCALE = 10_000  # a threshold such as 1.5 is read as 15,000 ten-thousandths


# ── Amounts as a person reads them, and as the law compares them ────────────────────

CENT = Decimal("0.01")


def to_fen(amount) -> Decimal:
    """An amount in 元 to the fen (分), half to even: what a page, a list and the API
    show of a figure the rules compare unrounded."""
    return Decimal(amount).quantize(CENT)


def money(amount) -> str:
    """An amount as a person reads it in a text: 元 to the fen, e.g. 3333.33."""
    return str(to_fen(amount))


def wide(expr: pl.Expr) -> pl.Expr:
    """Room for the products of the exact comparisons (fen × members × ten-thousandths)."""
    return expr.cast(pl.Int128)


def half_even(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """numerator / denominator (> 0) to a whole number, half to even, as Decimal rounds."""
    size, whole = wide(numerator).abs(), wide(denominator)
    quotient, rest = size // whole, size % whole
    up = (2 * rest > whole) | ((2 * rest == whole) & (quotient % 2 == 1))
    return ((quotient + up.cast(pl.Int128)) * wide(numerator).sign()).cast(pl.Int64)


def money_text(fen: pl.Expr) -> pl.Expr:
    """Whole fen as money() writes them: 3333.33, -5.00."""
    sign = pl.when(fen < 0).then(lit("-")).otherwise(lit(""))
    cents = (fen.abs() % 100).cast(pl.String).str.zfill(2)
    return pl.format("{}{}.{}", sign, fen.abs() // 100, cents)


def per_capita_fen(total: pl.Expr, size: pl.Expr) -> pl.Expr:
    """Per-capita income to the fen, as to_fen(per_capita_income) shows it."""
    return half_even(total, size)


# ── What the rules read of the members (one row a member, with its check's columns) ──

def month_day(day: pl.Expr) -> pl.Expr:
    return day.dt.month().cast(pl.Int32) * 100 + day.dt.day().cast(pl.Int32)


# Whole years on the visit date (monitor.periods.age_on): a year more on each birthday.
MEMBER_AGE = (col("visit_date").dt.year() - col("born").dt.year() - (
    month_day(col("visit_date")) < month_day(col("born"))).cast(pl.Int32))

# Each a list of the check's members, in their order, to a column of the check frame.
MEMBER_LISTS = {
    # DROPOUT: aged 6–15 on the visit date (ages from the thresholds) and 失学辍学
    "dropouts": pl.format("{}（{}岁）", col("name"), col("age")).filter(
        (col("schooling") == Schooling.DROPPED_OUT)
        & col("age").is_between(col("school_age_from") // SCALE,
                                col("school_age_to") // SCALE)),
    "uninsured": col("name").filter(~col("insured")),
    "labours": pl.format("{}：{}", col("name"), col("labour")),
    "able": col("name").filter(col("labour").is_in(ABLE_LABOUR)),
    "working": col("name").filter(col("work").is_in(WORKING)),
}


ANSWERS = ["food_secure", "clothing_secure", "housing", "water_quantity", "water_quality",
           "water_convenience", "water_reliability", "sudden_event"]
AMOUNTS = ["income_wages", "income_business", "income_property", "income_transfers",
           "medical_spending", "education_spending", "sudden_loss"]
MEMBER_FIELDS = ["name", "birth_date", "schooling", "insured", "labour", "work"]
# What a check frame's columns are: what a caller building one from columns gives.
CHECK_SCHEMA = {"check_id": pl.Int64, "household_id": pl.Int64, "visit_date": pl.Date,
                "policy_key": pl.Int64,
                **{name: pl.Boolean for name in ANSWERS if name not in ("housing",
                                                                        "sudden_event")},
                "housing": pl.String, "sudden_event": pl.String,
                **{name: pl.Int64 for name in AMOUNTS}}
MEMBER_SCHEMA = {"check_id": pl.Int64, "name": pl.String, "birth_date": pl.String,
                 "schooling": pl.String, "insured": pl.Boolean, "labour": pl.String,
                 "work": pl.String}
# A check's members as stored (JSON), the fields the rules read.
MEMBERS = pl.List(pl.Struct({name: MEMBER_SCHEMA[name] for name in MEMBER_FIELDS}))


def fen(amount) -> int:
    """An amount in 元 as whole fen (a query reads them so: in_fen)."""
    return int((Decimal(amount) * 100).to_integral_value(ROUND_HALF_EVEN))


def in_fen(name: str):
    """A query's expression of the amount field `name` in whole fen: exact on PostgreSQL
    (numeric), and on SQLite (a double holds 14 digits' cents to well within a half)."""
    return Cast(Round(F(name) * 100), BigIntegerField())


def scaled(value: Decimal) -> int:
    return int((value * SCALE).to_integral_value(ROUND_HALF_EVEN))


def threshold_row(t: Thresholds) -> dict:
    """The thresholds of one date and province as the law's columns: each value in
    ten-thousandths, the line in fen, and the texts the evidence and reasons show."""
    return {
        "line": fen(t.line),
        **{name: scaled(t.values[name]) for name in DEFAULTS},
        "school_age": f"{int(t.school_age_from)}–{int(t.school_age_to)}岁",
        "near_line_ceiling": money(t.line * t.near_line_factor),
        "income_drop_share_text": f"{t.income_drop_share:.0%}",
        "medical_burden_share_text": f"{t.medical_burden_share:.0%}",
        **{f"{name}_text": str(t.values[name]) for name in (
            "borderline_income_factor", "consolidated_income_factor",
            "key_group_income_factor")},
    }


# The defaults, for a frame of no check (its columns still there) or a household without
# one: nothing of them is read.
ANY_DAY = Thresholds(on=date.min, line=FIRST_LINE[1],
                     values={name: value for name, (value, _) in DEFAULTS.items()})


def threshold_frame(thresholds: Sequence[Thresholds]) -> pl.DataFrame:
    """One row per Thresholds, keyed by its position (`policy_key`)."""
    rows = [{"policy_key": key, **threshold_row(t)}
            for key, t in enumerate(thresholds or [ANY_DAY])]
    return pl.DataFrame(rows).head(len(thresholds))


class PolicyKeys:
    """Numbers each distinct (province, visit date) a frame meets, and the thresholds of
    each number, read from the Policy once."""

    def __init__(self, policy: Policy):
        self.policy, self.keys, self.thresholds = policy, {}, []

    def key(self, province: str, on: date) -> int:
        if (province, on) not in self.keys:
            self.keys[province, on] = len(self.thresholds)
            self.thresholds.append(self.policy.thresholds(province, on))
        return self.keys[province, on]

    def frame(self) -> pl.DataFrame:
        return threshold_frame(self.thresholds)


def check_frame(checks: Iterable, *, t: Thresholds | None = None, policy: Policy | None = None,
                provinces: dict[int, str] | None = None) -> pl.DataFrame:
    """The frame of these checks (model instances or rows with the same names), given in
    visit order with each household's together. The thresholds are `t` for all, or the
    policy's for each household's province (`provinces`: household id -> 2-digit code)."""
    checks = list(checks)
    columns = {"id": [c.id if c.id is not None else -1 - n for n, c in enumerate(checks)],
               "household_id": [c.household_id or 0 for c in checks],
               **{name: [getattr(c, name) for c in checks] for name in ["visit_date", *ANSWERS]},
               **{name: [fen(getattr(c, name)) for c in checks] for name in AMOUNTS}}
    members = [json.dumps(c.members) for c in checks]
    return columns_frame(columns, members, t=t, policy=policy, provinces=provinces)


def columns_frame(columns: dict[str, Sequence], members: Sequence[str], *,
                  t: Thresholds | None = None, policy: Policy | None = None,
                  provinces: dict[int, str] | None = None) -> pl.DataFrame:
    """check_frame of checks read as columns (id, household_id, visit_date, ANSWERS, and
    AMOUNTS in whole fen: lists or polars Series of a query's values) and each one's
    members as JSON text, as a county's are read: no Python object a check."""
    if t is None:
        keys = PolicyKeys(policy)
        policy_key = [keys.key(provinces[household], on) for household, on in zip(
            columns["household_id"], columns["visit_date"], strict=True)]
        thresholds = keys.frame()
    else:
        policy_key, thresholds = [0] * len(columns["id"]), threshold_frame([t])
    frame = pl.DataFrame({
        "check_id": columns["id"], "household_id": columns["household_id"],
        "visit_date": columns["visit_date"], "policy_key": policy_key,
        **{name: columns[name] for name in ANSWERS},
        **{name: columns[name] for name in AMOUNTS},
    }, schema=CHECK_SCHEMA)
    people = pl.DataFrame({"check_id": frame["check_id"], "members": pl.Series(
        members, dtype=pl.String).str.json_decode(dtype=MEMBERS)}).explode(
        "members").drop_nulls("members").unnest("members")
    return frame_of(frame, people, thresholds)


def frame_of(checks: pl.DataFrame, members: pl.DataFrame, thresholds: pl.DataFrame
             ) -> pl.DataFrame:
    """The law's frame from the checks' columns (CHECK_SCHEMA, in visit order with each
    household's together), their members (MEMBER_SCHEMA, each check's in order) and the
    thresholds (threshold_frame) the checks' `policy_key` points at."""
    checks = checks.join(thresholds, on="policy_key", how="left", maintain_order="left")
    people = members.join(
        checks.select("check_id", "visit_date", "school_age_from", "school_age_to"),
        on="check_id", how="left", maintain_order="left",
    ).with_columns(born=col("birth_date").str.to_date("%Y-%m-%d")).with_columns(
        age=MEMBER_AGE)
    lists = people.group_by("check_id", maintain_order=True).agg(
        members=pl.len(), **MEMBER_LISTS)
    checks = checks.join(lists, on="check_id", how="left", maintain_order="left")
    empty = {name: pl.col(name).fill_null([]) for name in MEMBER_LISTS}
    total = (col("income_wages") + col("income_business") + col("income_property")
             + col("income_transfers"))
    size = pl.max_horizontal(col("members").fill_null(0), pl.lit(1))
    checks = checks.with_columns(**empty, total=total, size=size).with_columns(
        per_capita=per_capita_fen(col("total"), col("size")))
    previous = {f"previous_{name}": col(name).shift(1).over("household_id")
                for name in ("total", "size", "per_capita", "visit_date")}
    return checks.with_columns(**previous)
