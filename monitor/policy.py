"""The county's policy: every threshold of domain.md §5–7, effective-dated.

A value is read for a date: the setting with the latest `effective_from` on or before
that date wins; without one, the default below (the national mechanism's) applies.
The monitoring line is per province and year: the visit year's, else the latest earlier.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .models import MonitoringLine, PolicySetting

D = Decimal

DEFAULTS: dict[str, tuple[Decimal, str]] = {
    # Rules (§5)
    "near_line_factor": (D("1.5"), "收入临界：人均纯收入低于监测线的倍数"),
    "income_drop_share": (D("0.30"), "收入大幅缩减：较上次排查下降的比例"),
    "medical_burden_share": (D("0.50"), "因病：医疗自付支出超过家庭年收入的比例"),
    "school_age_from": (D("6"), "义务教育年龄下限（岁）"),
    "school_age_to": (D("15"), "义务教育年龄上限（岁）"),
    # Classification (§6)
    "borderline_income_factor": (D("1.2"), "临界：人均纯收入低于监测线的倍数"),
    "borderline_transfer_share": (D("0.50"), "临界：转移性收入占比"),
    "consolidated_income_factor": (D("2"), "巩固：人均纯收入低于监测线的倍数"),
    "consolidated_spending_share": (D("0.20"), "巩固：医疗加教育支出占收入比例"),
    # Xiushan's key groups (§3)
    "key_group_income_factor": (D("1.5"), "临界户：人均纯收入低于监测线的倍数"),
    # Deadlines in days (§7)
    "high_verify_days": (D("3"), "高风险：核实时限（天）"),
    "high_plan_days": (D("7"), "高风险：制定帮扶计划时限（天）"),
    "high_close_days": (D("30"), "高风险：销号时限（天）"),
    "medium_verify_days": (D("7"), "中风险：核实时限（天）"),
    "medium_plan_days": (D("15"), "中风险：制定帮扶计划时限（天）"),
    "medium_close_days": (D("60"), "中风险：销号时限（天）"),
    "declaration_accept_days": (D("2"), "农户申报：乡镇受理时限（天）"),
    # Identification and elimination (§2, §9)
    "notice_days": (D("5"), "公示期（天）"),
    "officer_max_households": (D("200"), "每名信息员最多联系户数"),
    "elimination_gap_months": (D("6"), "风险消除：最近两次排查至少间隔（月）"),
}

FIRST_LINE = (2021, D("6000"))  # 1.5 × the old national poverty line, when the mechanism began


@dataclass(frozen=True)
class Thresholds:
    """Everything the rules and the classification compare with, for one date and province."""

    on: date
    line: Decimal
    values: dict[str, Decimal]

    def __post_init__(self):
        # Each value as a plain attribute (t.near_line_factor): the rules read them for
        # every check, and a lookup through __getattr__ costs several times more.
        for key, amount in self.values.items():
            object.__setattr__(self, key, amount)


class Policy:
    """The policy tables read once, for evaluating many checks without a query each."""

    def __init__(self):
        self.settings: dict[str, list[tuple[date, Decimal]]] = {}
        for key, start, amount in PolicySetting.objects.order_by("effective_from").values_list(
                "key", "effective_from", "value"):
            self.settings.setdefault(key, []).append((start, amount))
        self.lines: dict[str, list[tuple[int, Decimal]]] = {}
        for province, year, amount in MonitoringLine.objects.order_by("year").values_list(
                "province", "year", "amount"):
            self.lines.setdefault(province, []).append((year, amount))
        self._cache: dict[tuple[str, date], Thresholds] = {}

    def value(self, key: str, on: date) -> Decimal:
        current = DEFAULTS[key][0]
        for start, amount in self.settings.get(key, ()):
            if start <= on:
                current = amount
        return current

    def line(self, province: str, on: date) -> Decimal:
        current = None
        for year, amount in self.lines.get(province, ()):
            if year <= on.year:
                current = amount
        return current if current is not None else FIRST_LINE[1]

    def thresholds(self, province: str, on: date) -> Thresholds:
        key = (province, on)
        if key not in self._cache:
            self._cache[key] = Thresholds(
                on=on, line=self.line(province, on),
                values={name: self.value(name, on) for name in DEFAULTS})
        return self._cache[key]


def value(key: str, on: date) -> Decimal:
    """The threshold `key` in force on `on`."""
    if key not in DEFAULTS:
        raise KeyError(f"unknown policy key {key!r}")
    return Policy().value(key, on)


def monitoring_line(province: str, on: date) -> Decimal:
    """The line of the visit's year, else of the latest earlier year (§5)."""
    return Policy().line(province, on)
