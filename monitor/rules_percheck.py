"""The rules that raise alerts: domain.md §5, one small function per row of its table.

Each rule reads one check (with the household's members as that check saw them), the
household's previous check by visit date, and the thresholds in force on the visit date.
It returns None when it does not fire, or its evidence: the values that made it fire and
the threshold they were compared with, so a person can see why.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from monitor.choices import ABLE_LABOUR, UNSAFE_HOUSING, WORKING, Schooling, SuddenEvent

from .periods import age_on
from .policy import Thresholds

Evidence = dict


@dataclass(frozen=True)
class Rule:
    code: str
    name: str  # 名称: what a person reads; the code is for machines
    risk_type: str
    severity: str  # "high" or "medium"
    channel: str  # monitor.models.Channel value
    fires: Callable[..., Evidence | None]


CENT = Decimal("0.01")


def to_fen(amount) -> Decimal:
    """An amount in 元 to the fen (分), half to even: what a page, a list and the API
    show of a figure the rules compare unrounded."""
    return Decimal(amount).quantize(CENT)


def money(amount) -> str:
    """An amount as a person reads it in a text: 元 to the fen, e.g. 3333.33."""
    return str(to_fen(amount))


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


def member_age(member: dict, day: date) -> int:
    """A member as the check saw them (birth date as text), in whole years on `day`."""
    return age_on(date.fromisoformat(member["birth_date"]), day)


def evidence(text: str, values: dict, threshold: dict | None = None) -> Evidence:
    return {"text": text, "values": values, "threshold": threshold or {}}


# ── 两不愁 ────────────────────────────────────────────────────────────────────────────

def food(check, previous, t: Thresholds):
    if not check.food_secure:
        return evidence("不愁吃：否", {"不愁吃": "否"})


def clothing(check, previous, t: Thresholds):
    if not check.clothing_secure:
        return evidence("不愁穿：否", {"不愁穿": "否"})


# ── 三保障 ────────────────────────────────────────────────────────────────────────────

def dropout(check, previous, t: Thresholds):
    """A member of compulsory-school age on the visit date has dropped out."""
    low, high = int(t.school_age_from), int(t.school_age_to)
    children = [
        f"{m['name']}（{member_age(m, check.visit_date)}岁）" for m in check.members
        if m["schooling"] == Schooling.DROPPED_OUT
        and low <= member_age(m, check.visit_date) <= high
    ]
    if children:
        return evidence(f"失学辍学：{'、'.join(children)}",
                        {"失学辍学成员": children}, {"义务教育年龄": f"{low}–{high}岁"})


def uninsured(check, previous, t: Thresholds):
    names = [m["name"] for m in check.members if not m["insured"]]
    if names:
        return evidence(f"未参加基本医疗保险：{'、'.join(names)}", {"未参保成员": names})


def housing(check, previous, t: Thresholds):
    if check.housing in UNSAFE_HOUSING:
        return evidence(f"住房安全等级 {check.housing} 级（C、D 级为危房）",
                        {"住房安全": check.housing}, {"危房等级": "C、D"})


WATER_INDICATORS = {
    "water_quantity": "饮水水量", "water_quality": "饮水水质",
    "water_convenience": "取水方便", "water_reliability": "供水保证",
}


def water(check, previous, t: Thresholds):
    failing = [label for field, label in WATER_INDICATORS.items() if not getattr(check, field)]
    if failing:
        return evidence(f"饮水不达标：{'、'.join(failing)}", {label: "否" for label in failing})


# ── 收入 ──────────────────────────────────────────────────────────────────────────────

def income_below_line(check, previous, t: Thresholds):
    income = per_capita_income(check)
    if income < t.line:
        return evidence(f"人均纯收入 {money(income)} 元 < 监测线 {money(t.line)} 元",
                        {"人均纯收入": money(income)}, {"监测线": money(t.line)})


def income_near_line(check, previous, t: Thresholds):
    income, ceiling = per_capita_income(check), t.line * t.near_line_factor
    if t.line <= income < ceiling:
        return evidence(
            f"人均纯收入 {money(income)} 元，在监测线 {money(t.line)} 元至 "
            f"{money(ceiling)} 元之间",
            {"人均纯收入": money(income)}, {"监测线": money(t.line), "上限": money(ceiling)})


def income_drop(check, previous, t: Thresholds):
    """Per-capita income fell by the set share (30 %) or more against the previous check."""
    if previous is None:
        return None
    before, after = per_capita_income(previous), per_capita_income(check)
    if before <= 0:
        return None
    fall = (before - after) / before
    if fall >= t.income_drop_share:
        return evidence(
            f"人均纯收入由 {money(before)} 元降至 {money(after)} 元，下降 {fall:.1%}",
            {"上次人均纯收入": money(before), "本次人均纯收入": money(after),
             "下降比例": f"{fall:.1%}", "上次排查日期": previous.visit_date.isoformat()},
            {"下降比例": f"{t.income_drop_share:.0%}"})


def medical_burden(check, previous, t: Thresholds):
    """Out-of-pocket medical spending above the set share (50 %) of the yearly income."""
    income, spending = total_income(check), check.medical_spending
    if spending > 0 and (income <= 0 or spending > income * t.medical_burden_share):
        return evidence(
            f"医疗自付支出 {money(spending)} 元，家庭年收入 {money(income)} 元",
            {"医疗自付支出": money(spending), "家庭年收入": money(income)},
            {"占收入比例": f"{t.medical_burden_share:.0%}"})


# ── 劳动就业 ──────────────────────────────────────────────────────────────────────────

def able_labourers(check) -> list[dict]:
    return [m for m in check.members if m["labour"] in ABLE_LABOUR]


def no_labour(check, previous, t: Thresholds):
    if not able_labourers(check):
        return evidence("家庭无普通劳动力或技能劳动力",
                        {"劳动能力": [f"{m['name']}：{m['labour']}" for m in check.members]})


def no_work(check, previous, t: Thresholds):
    able = able_labourers(check)
    if able and not any(m["work"] in WORKING for m in check.members):
        return evidence(f"有劳动力 {len(able)} 人，无人务工",
                        {"劳动力": [m["name"] for m in able], "务工人数": 0})


# ── 突发情况 ──────────────────────────────────────────────────────────────────────────

SUDDEN_RISK_TYPE = {
    SuddenEvent.DISASTER: "因灾", SuddenEvent.ACCIDENT: "意外事故",
    SuddenEvent.SERIOUS_ILLNESS: "因病",
}


def sudden_event(check, previous, t: Thresholds):
    if check.sudden_event != SuddenEvent.NONE:
        return evidence(f"突发情况：{check.sudden_event}，损失 {money(check.sudden_loss)} 元",
                        {"突发情况": check.sudden_event, "损失": money(check.sudden_loss)})


RULES = [
    Rule("FOOD", "吃饭无保障", "两不愁", "high", "civil", food),
    Rule("CLOTHING", "穿衣无保障", "两不愁", "high", "civil", clothing),
    Rule("DROPOUT", "义务教育阶段失学辍学", "因学", "high", "education", dropout),
    Rule("UNINSURED", "未参加基本医疗保险", "基本医疗", "high", "medical", uninsured),
    Rule("HOUSING", "住房不安全", "住房安全", "high", "housing", housing),
    Rule("WATER", "饮水不安全", "饮水安全", "high", "water", water),
    Rule("INCOME_BELOW_LINE", "收入低于监测线", "收入", "high", "labour", income_below_line),
    Rule("INCOME_NEAR_LINE", "收入接近监测线", "收入", "medium", "labour", income_near_line),
    Rule("INCOME_DROP", "收入大幅缩减", "收入大幅缩减", "medium", "labour", income_drop),
    Rule("MEDICAL_BURDEN", "医疗支出负担重", "因病", "medium", "medical", medical_burden),
    Rule("NO_LABOUR", "家庭无劳动力", "缺劳动力", "medium", "civil", no_labour),
    Rule("NO_WORK", "有劳动力未务工", "务工就业不稳", "medium", "labour", no_work),
    Rule("SUDDEN_EVENT", "突发严重困难", "因灾", "high", "civil", sudden_event),
]
RULES_BY_CODE = {rule.code: rule for rule in RULES}
# Alerts no rule on a check raises: a household's own declaration (domain.md §7, §9).
OTHER_SOURCES = {"DECLARATION": "农户自主申报"}
RULE_NAMES = {rule.code: rule.name for rule in RULES} | OTHER_SOURCES


def rule_name(code: str) -> str:
    """A rule's 名称 as a person reads it (domain.md §5); an unknown code stands as it is."""
    return RULE_NAMES.get(code, code)


def risk_type(rule: Rule, check) -> str:
    """SUDDEN_EVENT's risk type follows the event (因灾 / 意外事故 / 因病)."""
    if rule.code == "SUDDEN_EVENT":
        return SUDDEN_RISK_TYPE.get(check.sudden_event, rule.risk_type)
    return rule.risk_type


def fired_rules(check, previous, t: Thresholds) -> dict[str, Evidence]:
    """Every rule this check fires, by code, with its evidence."""
    verdicts = {}
    for rule in RULES:
        found = rule.fires(check, previous, t)
        if found is not None:
            verdicts[rule.code] = found
    return verdicts


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
