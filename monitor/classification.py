"""Fuling's classification (domain.md §6) and Xiushan's key groups (§3), set-wise.

Both are derived from the household's newest check and its open alerts, never typed.
They read a frame of households, one row each: the columns of its newest check as the
rules read them (monitor/frames.py, judged by monitor/rules.py; null without a check),
its open alerts' rules by severity (`open_high`, `open_medium`: lists of codes) and its
registration (`registered`, `poverty_status`). Each gives the class (or group) with the
reasons, as text a county officer can read.
"""

from decimal import Decimal

import polars as pl

from monitor.choices import HouseholdClass, KeyGroup, PovertyStatus

from .policy import Thresholds
from .rules import PER_CAPITA, RULE_NAMES, RULES, SCALE, income_below, judged, percent_text, wide

col, lit = pl.col, pl.lit


def share(part: Decimal, whole: Decimal) -> Decimal | None:
    return part / whole if whole > 0 else None


def at_least_share(part: pl.Expr, threshold: str) -> pl.Expr:
    """part / income ≥ the threshold's share, for a household with income (exact)."""
    return (col("total") > 0) & (wide(part) * SCALE >= wide(col("total")) * col(threshold))


def rule_names(codes: pl.Expr) -> pl.Expr:
    """The rules' 名称, joined with 、, in the order of the codes given."""
    return codes.list.eval(pl.element().replace(RULE_NAMES)).list.join("、")


def reasons(*found: tuple[pl.Expr, pl.Expr]) -> pl.Expr:
    """The texts of the reasons whose condition holds, in the order given."""
    return pl.concat_list([pl.when(when).then(text) for when, text in found]).list.drop_nulls()


def below_line_times(factor: str) -> tuple[pl.Expr, pl.Expr]:
    return (income_below(col(factor)),
            pl.format("人均纯收入 {} 元低于监测线的 {} 倍", PER_CAPITA, col(f"{factor}_text")))


# §6, in its order: 临界, then 巩固, then 稳定.
BORDERLINE = reasons(
    (col("open_high").list.len() > 0,
     pl.format("有未销号高风险预警：{}", rule_names(col("open_high").list.sort()))),
    below_line_times("borderline_income_factor"),
    (at_least_share(col("income_transfers"), "borderline_transfer_share"),
     pl.format("转移性收入占 {}", percent_text(col("income_transfers"), col("total")))),
    (col("open_high").list.contains("NO_LABOUR") | col("open_medium").list.contains("NO_LABOUR"),
     lit("有未销号的缺劳动力预警")),
)
SPENDING = col("medical_spending") + col("education_spending")
CONSOLIDATED = reasons(
    below_line_times("consolidated_income_factor"),
    (at_least_share(SPENDING, "consolidated_spending_share"),
     pl.format("医疗和教育支出占收入 {}", percent_text(SPENDING, col("total")))),
    (col("open_medium").list.len() > 0,
     pl.format("有未销号中风险预警：{}", rule_names(col("open_medium").list.sort()))),
)
STABLE = pl.concat_list([pl.format("人均纯收入 {} 元，无未销号预警", PER_CAPITA)])
HAS_CHECK = col("check_id").is_not_null()

# The reasons are computed once, as columns, and the class read from them.
IS_BORDERLINE = col("borderline").list.len() > 0
IS_CONSOLIDATED = col("consolidated").list.len() > 0
CLASS = (pl.when(~HAS_CHECK).then(lit(""))
         .when(IS_BORDERLINE).then(lit(HouseholdClass.BORDERLINE.value))
         .when(IS_CONSOLIDATED).then(lit(HouseholdClass.CONSOLIDATED.value))
         .otherwise(lit(HouseholdClass.STABLE.value)))
CLASS_REASONS = (pl.when(~HAS_CHECK).then(lit([], dtype=pl.List(pl.String)))
                 .when(IS_BORDERLINE).then(col("borderline"))
                 .when(IS_CONSOLIDATED).then(col("consolidated"))
                 .otherwise(STABLE))

# §3: 未脱贫户 / 已脱贫户 for registered households; 临界户 for others whose newest check
# fires any rule or whose per-capita income is below 1.5 × the line.
FIRED = pl.concat_list([pl.when(col(rule.code)).then(lit(rule.code)) for rule in RULES]
                       ).list.drop_nulls()
NOT_OUT = col("poverty_status") == PovertyStatus.NOT_OUT
GROUP_BORDERLINE = reasons(
    (FIRED.list.len() > 0, pl.format("最近一次排查触发：{}", rule_names(FIRED))),
    below_line_times("key_group_income_factor"),
)
IS_GROUP_BORDERLINE = HAS_CHECK & (col("group_borderline").list.len() > 0)
KEY_GROUP = (pl.when(col("registered") & NOT_OUT).then(lit(KeyGroup.NOT_OUT.value))
             .when(col("registered")).then(lit(KeyGroup.OUT.value))
             .when(IS_GROUP_BORDERLINE)
             .then(lit(KeyGroup.BORDERLINE.value))
             .otherwise(lit("")))
KEY_GROUP_REASONS = (
    pl.when(col("registered") & NOT_OUT).then(lit(["建档立卡，未脱贫"]))
    .when(col("registered")).then(lit(["建档立卡，已脱贫"]))
    .when(IS_GROUP_BORDERLINE).then(col("group_borderline"))
    .otherwise(lit([], dtype=pl.List(pl.String))))


def derived(households: pl.DataFrame) -> pl.DataFrame:
    """The frame with each household's class and key group and their reasons
    (`class`, `class_reasons`, `key_group`, `key_group_reasons`)."""
    return households.with_columns(
        borderline=BORDERLINE, consolidated=CONSOLIDATED, group_borderline=GROUP_BORDERLINE
    ).with_columns(
        **{"class": CLASS, "class_reasons": CLASS_REASONS, "key_group": KEY_GROUP,
           "key_group_reasons": KEY_GROUP_REASONS}
    ).drop("borderline", "consolidated", "group_borderline")


# ── One household at a time (a page, a person's move) ─────────────────────────────────

def one(newest_check, t: Thresholds | None, **household) -> dict:
    """The derived columns of one household from its newest check (or None)."""
    from .frames import ANY_DAY, check_frame

    checks = [newest_check] if newest_check is not None else []
    frame = pl.DataFrame({"household_id": [0]}).join(
        judged(check_frame(checks, t=t or ANY_DAY)).with_columns(household_id=lit(0)),
        on="household_id", how="left")
    defaults = {"open_high": [], "open_medium": [], "registered": False, "poverty_status": ""}
    values = defaults | household
    frame = frame.with_columns(
        open_high=lit(values["open_high"], dtype=pl.List(pl.String)),
        open_medium=lit(values["open_medium"], dtype=pl.List(pl.String)),
        registered=lit(values["registered"]), poverty_status=lit(values["poverty_status"]))
    if "fired" in household:  # what the newest check fired, as the caller judged it
        frame = frame.with_columns(
            [lit(rule.code in household["fired"]).alias(rule.code) for rule in RULES])
    return derived(frame).row(0, named=True)


def classify(newest_check, open_alerts: list[tuple[str, str]], t: Thresholds
             ) -> tuple[str, list[str]]:
    """稳定 / 巩固 / 临界 from the newest check and the open alerts as (rule, severity),
    checked in the order of §6; "" without a check."""
    if newest_check is None:
        return "", []
    row = one(newest_check, t,
              open_high=[rule for rule, severity in open_alerts if severity == "high"],
              open_medium=[rule for rule, severity in open_alerts if severity == "medium"])
    return row["class"], row["class_reasons"]


def key_group(household, newest_check, newest_fired: dict, t: Thresholds | None
              ) -> tuple[str, list[str]]:
    """未脱贫户 / 已脱贫户 for registered households; 临界户 for others whose newest check
    fires any rule or whose per-capita income is below 1.5 × the line; "" otherwise."""
    row = one(newest_check, t, registered=household.registered,
              poverty_status=household.poverty_status, fired=set(newest_fired))
    return row["key_group"], row["key_group_reasons"]
