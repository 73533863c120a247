"""The rules that raise alerts: domain.md §5, one Rule a row of its table.

A rule is a columnar expression over a frame of checks (monitor/frames.py builds it): one
row a check, with the household's members as that check saw them, the household's
previous check by visit date and the thresholds in force on the visit date. So the same
rule judges one check sent from a phone (a frame of one row) and a county's 300,000 checks
in one pass. Where a rule fires, its evidence says why: a text, the values that made it
fire and the threshold they were compared with, each an expression too.

Amounts are whole fen (分) and thresholds whole ten-thousandths (PolicySetting keeps four
decimal places), so "per-capita income < line" is compared as total < line × members:
exact at the threshold, where a division would not be.
"""

from dataclasses import dataclass, field
from decimal import Decimal

import polars as pl

from monitor.choices import ABLE_LABOUR, UNSAFE_HOUSING, SuddenEvent

from .frames import SCALE, check_frame, half_even, money_text, wide
from .frames import money as money  # what a person reads of an amount: its public name
from .frames import to_fen as to_fen

col, lit = pl.col, pl.lit
Evidence = dict


@dataclass(frozen=True)
class Rule:
    code: str
    name: str  # 名称: what a person reads; the code is for machines
    risk_type: str
    severity: str  # "high" or "medium"
    channel: str  # monitor.models.Channel value
    fires: pl.Expr = field(repr=False, default=None)  # true where the rule fires
    text: pl.Expr = field(repr=False, default=None)
    values: dict = field(repr=False, default_factory=dict)  # label -> expression
    threshold: dict = field(repr=False, default_factory=dict)  # label -> expression


# ── Amounts as a person reads them ────────────────────────────────────────────────────

def total_income(check) -> Decimal:
    return check.income_wages + check.income_business + check.income_property + \
        check.income_transfers


def per_capita_income(check) -> Decimal:
    """The check's per-capita income as the income rules compare it (unrounded); shown,
    it is to_fen of this."""
    return per_capita(total_income(check), len(check.members))


def per_capita(total: Decimal, members: int) -> Decimal:
    """Sum of the four income sources / number of members (a household of none: the sum)."""
    return total / (members or 1)


def able_labourers(check) -> list[dict]:
    return [m for m in check.members if m["labour"] in ABLE_LABOUR]


def income_below(multiple: pl.Expr) -> pl.Expr:
    """Per-capita income < line × multiple (in ten-thousandths), compared exactly."""
    return wide(col("total")) * SCALE < wide(col("line")) * multiple * col("size")


def percent_text(part: pl.Expr, whole: pl.Expr, decimals: int = 0) -> pl.Expr:
    """part / whole (> 0) as f"{share:.0%}" (or .1%) writes it."""
    tenths = 10 ** decimals
    rounded = half_even(wide(part) * 100 * tenths, whole)
    if not decimals:
        return pl.format("{}%", rounded)
    return pl.format("{}.{}%", rounded // tenths, rounded % tenths)


PER_CAPITA = money_text(col("per_capita"))
LINE = money_text(col("line"))


def names(of: pl.Expr) -> pl.Expr:
    return of.list.join("、")


# ── 收入 ──────────────────────────────────────────────────────────────────────────────

# INCOME_DROP: per-capita income fell by the set share (30 %) or more against the
# previous check by visit date: before − after ≥ share × before, with before > 0; both
# sides times the two households' sizes, so exact.
BEFORE = wide(col("previous_total")) * col("size")
AFTER = wide(col("total")) * col("previous_size")
INCOME_DROP = col("previous_total").is_not_null() & (col("previous_total") > 0) & (
    (BEFORE - AFTER) * SCALE >= wide(col("income_drop_share")) * BEFORE)

# MEDICAL_BURDEN: out-of-pocket medical spending above the set share (50 %) of the
# yearly income, or any spending with no income.
MEDICAL_BURDEN = (col("medical_spending") > 0) & (
    (col("total") <= 0)
    | (wide(col("medical_spending")) * SCALE > wide(col("total")) * col("medical_burden_share")))

WATER_INDICATORS = {
    "water_quantity": "饮水水量", "water_quality": "饮水水质",
    "water_convenience": "取水方便", "water_reliability": "供水保证",
}
NO = lit("否")


def failing(indicator: str, shown: pl.Expr = NO) -> pl.Expr:
    """`shown` where the water indicator is no, else null."""
    return pl.when(~col(indicator)).then(shown)


SUDDEN_RISK_TYPE = {
    SuddenEvent.DISASTER: "因灾", SuddenEvent.ACCIDENT: "意外事故",
    SuddenEvent.SERIOUS_ILLNESS: "因病",
}

RULES = [
    # ── 两不愁
    Rule("FOOD", "吃饭无保障", "两不愁", "high", "civil",
         fires=~col("food_secure"), text=lit("不愁吃：否"), values={"不愁吃": NO}),
    Rule("CLOTHING", "穿衣无保障", "两不愁", "high", "civil",
         fires=~col("clothing_secure"), text=lit("不愁穿：否"), values={"不愁穿": NO}),
    # ── 三保障
    Rule("DROPOUT", "义务教育阶段失学辍学", "因学", "high", "education",
         fires=col("dropouts").list.len() > 0,
         text=pl.format("失学辍学：{}", names(col("dropouts"))),
         values={"失学辍学成员": col("dropouts")}, threshold={"义务教育年龄": col("school_age")}),
    Rule("UNINSURED", "未参加基本医疗保险", "基本医疗", "high", "medical",
         fires=col("uninsured").list.len() > 0,
         text=pl.format("未参加基本医疗保险：{}", names(col("uninsured"))),
         values={"未参保成员": col("uninsured")}),
    Rule("HOUSING", "住房不安全", "住房安全", "high", "housing",
         fires=col("housing").is_in(UNSAFE_HOUSING),
         text=pl.format("住房安全等级 {} 级（C、D 级为危房）", col("housing")),
         values={"住房安全": col("housing")}, threshold={"危房等级": lit("C、D")}),
    Rule("WATER", "饮水不安全", "饮水安全", "high", "water",
         fires=~pl.all_horizontal(*WATER_INDICATORS),
         text=pl.format("饮水不达标：{}", pl.concat_str(
             [failing(name, lit(label)) for name, label in WATER_INDICATORS.items()],
             separator="、", ignore_nulls=True)),
         values={label: failing(name) for name, label in WATER_INDICATORS.items()}),
    # ── 收入
    Rule("INCOME_BELOW_LINE", "收入低于监测线", "收入", "high", "labour",
         fires=income_below(lit(SCALE)),
         text=pl.format("人均纯收入 {} 元 < 监测线 {} 元", PER_CAPITA, LINE),
         values={"人均纯收入": PER_CAPITA}, threshold={"监测线": LINE}),
    Rule("INCOME_NEAR_LINE", "收入接近监测线", "收入", "medium", "labour",
         fires=~income_below(lit(SCALE)) & income_below(col("near_line_factor")),
         text=pl.format("人均纯收入 {} 元，在监测线 {} 元至 {} 元之间", PER_CAPITA, LINE,
                        col("near_line_ceiling")),
         values={"人均纯收入": PER_CAPITA},
         threshold={"监测线": LINE, "上限": col("near_line_ceiling")}),
    Rule("INCOME_DROP", "收入大幅缩减", "收入大幅缩减", "medium", "labour",
         fires=INCOME_DROP,
         text=pl.format("人均纯收入由 {} 元降至 {} 元，下降 {}",
                        money_text(col("previous_per_capita")), PER_CAPITA,
                        percent_text(BEFORE - AFTER, BEFORE, 1)),
         values={"上次人均纯收入": money_text(col("previous_per_capita")),
                 "本次人均纯收入": PER_CAPITA, "下降比例": percent_text(BEFORE - AFTER, BEFORE, 1),
                 "上次排查日期": col("previous_visit_date").dt.to_string("%Y-%m-%d")},
         threshold={"下降比例": col("income_drop_share_text")}),
    Rule("MEDICAL_BURDEN", "医疗支出负担重", "因病", "medium", "medical",
         fires=MEDICAL_BURDEN,
         text=pl.format("医疗自付支出 {} 元，家庭年收入 {} 元",
                        money_text(col("medical_spending")), money_text(col("total"))),
         values={"医疗自付支出": money_text(col("medical_spending")),
                 "家庭年收入": money_text(col("total"))},
         threshold={"占收入比例": col("medical_burden_share_text")}),
    # ── 劳动就业
    Rule("NO_LABOUR", "家庭无劳动力", "缺劳动力", "medium", "civil",
         fires=col("able").list.len() == 0, text=lit("家庭无普通劳动力或技能劳动力"),
         values={"劳动能力": col("labours")}),
    Rule("NO_WORK", "有劳动力未务工", "务工就业不稳", "medium", "labour",
         fires=(col("able").list.len() > 0) & (col("working").list.len() == 0),
         text=pl.format("有劳动力 {} 人，无人务工", col("able").list.len()),
         values={"劳动力": col("able"), "务工人数": lit(0)}),
    # ── 突发情况
    Rule("SUDDEN_EVENT", "突发严重困难", "因灾", "high", "civil",
         fires=col("sudden_event") != SuddenEvent.NONE,
         text=pl.format("突发情况：{}，损失 {} 元", col("sudden_event"),
                        money_text(col("sudden_loss"))),
         values={"突发情况": col("sudden_event"), "损失": money_text(col("sudden_loss"))}),
]
RULES_BY_CODE = {rule.code: rule for rule in RULES}
# Alerts no rule on a check raises: a household's own declaration (domain.md §7, §9).
OTHER_SOURCES = {"DECLARATION": "农户自主申报"}
RULE_NAMES = {rule.code: rule.name for rule in RULES} | OTHER_SOURCES


def rule_name(code: str) -> str:
    """A rule's 名称 as a person reads it (domain.md §5); an unknown code stands as it is."""
    return RULE_NAMES.get(code, code)


def judged(checks: pl.DataFrame) -> pl.DataFrame:
    """The check frame with, for each rule, whether it fires (a column named by its code)."""
    return checks.with_columns(rule.fires.fill_null(False).alias(rule.code) for rule in RULES)


def evidence_of(rule: Rule) -> pl.Expr:
    """The rule's evidence as a struct: text, values and threshold (those it has)."""
    parts = {"text": rule.text}
    for part in ("values", "threshold"):
        labels = getattr(rule, part)
        if labels:
            parts[part] = pl.struct(**labels)
    return pl.struct(**parts)


def findings(frame: pl.DataFrame) -> dict[int, dict[str, Evidence]]:
    """Every rule each check of a judged frame fires, by check id then by code (in the
    order of RULES), with its evidence as a dict (a label whose value is null is left out:
    a water indicator that passed). Evidence is worked out where a rule fired only."""
    found: dict[int, dict[str, Evidence]] = {}
    for rule in RULES:
        fired = frame.filter(col(rule.code)).select("check_id", evidence_of(rule))
        for check_id, evidence in fired.rows():
            found.setdefault(check_id, {})[rule.code] = {
                "text": evidence["text"],
                "values": {k: v for k, v in (evidence.get("values") or {}).items()
                           if v is not None},
                "threshold": evidence.get("threshold") or {}}
    return found  # each check's codes in the order of RULES, as the loop met them


def finding_texts(frame: pl.DataFrame) -> pl.DataFrame:
    """The text of each finding of a judged frame, set-wise: a row per (check_id, rule)
    that fired, with its evidence's text (what an alert move's note quotes)."""
    return pl.concat([frame.filter(col(rule.code)).select(
        "check_id", rule=lit(rule.code), text=rule.text) for rule in RULES])


def fired_rules(check, previous, t) -> dict[str, Evidence]:
    """Every rule this one check fires, by code, with its evidence: the set-wise rules on
    a frame of this check (and the one before it)."""
    frame = check_frame([c for c in (previous, check) if c is not None], t=t)
    return findings(judged(frame.tail(1))).get(frame["check_id"][-1], {})


# ── Risk types (风险类型) ─────────────────────────────────────────────────────────────
# Every risk type an alert may carry, whatever found it: the §5 rules' (SUDDEN_EVENT's
# follows its event), and 其他 for a declared difficulty outside them. Each has the
# channel of its first rule (the sudden events' and 其他: civil affairs). The measures
# catalogue is by risk type (§7), and a declaration records one of these.

OTHER_RISK_TYPE = "其他"
RISK_TYPE_CHANNEL: dict[str, str] = {}
for _rule in RULES:
    RISK_TYPE_CHANNEL.setdefault(_rule.risk_type, _rule.channel)
for _word in SUDDEN_RISK_TYPE.values():
    RISK_TYPE_CHANNEL.setdefault(_word, "civil")
RISK_TYPE_CHANNEL[OTHER_RISK_TYPE] = "civil"
RISK_TYPES = list(RISK_TYPE_CHANNEL)
