"""Fuling's classification (domain.md §6) and Xiushan's key groups (§3).

Both are derived from the household's newest check and its open alerts, never typed.
Each returns the class (or group) with the reasons, as text a county officer can read.
"""

from decimal import Decimal

from monitor.choices import HouseholdClass, KeyGroup, PovertyStatus

from .policy import Thresholds
from .rules_percheck import money, per_capita_income, rule_name, total_income


def share(part: Decimal, whole: Decimal) -> Decimal | None:
    return part / whole if whole > 0 else None


def classify(newest_check, open_alerts: list[tuple[str, str]], t: Thresholds
             ) -> tuple[str, list[str]]:
    """稳定 / 巩固 / 临界 from the newest check and the open alerts as (rule, severity),
    checked in the order of §6; "" without a check."""
    if newest_check is None:
        return "", []
    income, total = per_capita_income(newest_check), total_income(newest_check)
    rules = {rule for rule, _ in open_alerts}

    borderline = []
    high = sorted(rule for rule, severity in open_alerts if severity == "high")
    if high:
        borderline.append(f"有未销号高风险预警：{'、'.join(map(rule_name, high))}")
    if income < t.line * t.borderline_income_factor:
        borderline.append(
            f"人均纯收入 {money(income)} 元低于监测线的 {t.borderline_income_factor} 倍")
    transfers = share(newest_check.income_transfers, total)
    if transfers is not None and transfers >= t.borderline_transfer_share:
        borderline.append(f"转移性收入占 {transfers:.0%}")
    if "NO_LABOUR" in rules:
        borderline.append("有未销号的缺劳动力预警")
    if borderline:
        return HouseholdClass.BORDERLINE, borderline

    consolidated = []
    if income < t.line * t.consolidated_income_factor:
        consolidated.append(
            f"人均纯收入 {money(income)} 元低于监测线的 {t.consolidated_income_factor} 倍")
    spending = share(newest_check.medical_spending + newest_check.education_spending, total)
    if spending is not None and spending >= t.consolidated_spending_share:
        consolidated.append(f"医疗和教育支出占收入 {spending:.0%}")
    medium = sorted(rule for rule, severity in open_alerts if severity == "medium")
    if medium:
        consolidated.append(f"有未销号中风险预警：{'、'.join(map(rule_name, medium))}")
    if consolidated:
        return HouseholdClass.CONSOLIDATED, consolidated

    return HouseholdClass.STABLE, [f"人均纯收入 {money(income)} 元，无未销号预警"]


def key_group(household, newest_check, newest_fired: dict, t: Thresholds | None
              ) -> tuple[str, list[str]]:
    """未脱贫户 / 已脱贫户 for registered households; 临界户 for others whose newest check
    fires any rule or whose per-capita income is below 1.5 × the line; "" otherwise."""
    if household.registered:
        if household.poverty_status == PovertyStatus.NOT_OUT:
            return KeyGroup.NOT_OUT, ["建档立卡，未脱贫"]
        return KeyGroup.OUT, ["建档立卡，已脱贫"]
    if newest_check is None:
        return "", []
    reasons = []
    if newest_fired:
        reasons.append(f"最近一次排查触发：{'、'.join(map(rule_name, newest_fired))}")
    income = per_capita_income(newest_check)
    if income < t.line * t.key_group_income_factor:
        reasons.append(
            f"人均纯收入 {money(income)} 元低于监测线的 {t.key_group_income_factor} 倍")
    return (KeyGroup.BORDERLINE, reasons) if reasons else ("", [])
