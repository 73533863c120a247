"""Writes to the county's policy (domain.md §1, §5): a threshold effective from a date, a
monitoring line for a year. The county supervisor makes them on the 政策 page
(monitor/views.py), the administrator there or in the admin site. Each change says why and
is in the audit trail with who made it (monitor/audit.py)."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction

from .audit import audit_record
from .models import AuditAction, MonitoringLine, PolicySetting
from .parameters import DEFAULTS, SWITCHES
from .roles import SET_POLICY, Refused, require

FIRST_YEAR, LAST_YEAR = 2021, 2100  # the mechanism began in 2021


def amount(value, what: str, field) -> Decimal:
    """A number typed into the page, fitting the model's `field` (its digits), or a
    refusal saying which one is not."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise Refused(f"{what}应为数字") from None
    if not number.is_finite() or number < 0:
        raise Refused(f"{what}不能为负数")
    whole_digits = field.max_digits - field.decimal_places
    if number >= Decimal(10) ** whole_digits:
        raise Refused(f"{what}超出范围：整数部分最多 {whole_digits} 位")
    return number


def may_set_policy(actor) -> None:
    """Refuse a user who may not set the policy; a command (no actor: county IT on the
    server, policy_adopt) may."""
    if actor is not None:
        require(actor, SET_POLICY)


def setting_value(key: str, value) -> Decimal:
    """A threshold's value as typed, checked: a known threshold, a number that fits, a
    switch 0 or 1 (a preview checks a proposal the same way before evaluating it)."""
    if key not in DEFAULTS:
        raise Refused(f"未知参数“{key}”")
    label = DEFAULTS[key][1]
    number = amount(value, f"“{label}”的取值", PolicySetting._meta.get_field("value"))
    if key in SWITCHES and number not in (0, 1):
        raise Refused(f"“{label}”只能为 1（开启）或 0（关闭）")
    return number


def line_value(value) -> Decimal:
    """A monitoring line as typed, checked: a positive number that fits."""
    number = amount(value, "监测线", MonitoringLine._meta.get_field("amount"))
    if number == 0:
        raise Refused("监测线须大于 0")
    return number


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise Refused("请填写调整原因（文件依据或会议决定）")
    return reason


@transaction.atomic
def policy_set(*, key: str, value, effective_from: date | None, reason: str,
               actor) -> PolicySetting:
    """The threshold `key` takes `value` from `effective_from` on (a value already set for
    that day is replaced). Refused: an unknown threshold, a negative value, a switch other
    than 0 or 1, no date, no reason."""
    may_set_policy(actor)
    number = setting_value(key, value)
    if effective_from is None:
        raise Refused("请填写生效日期")
    reason = _reason(reason)
    setting = PolicySetting.objects.filter(key=key, effective_from=effective_from).first()
    before = setting.value if setting else None
    if setting is None:
        setting = PolicySetting(key=key, effective_from=effective_from)
    setting.value, setting.note = number, reason[:200]
    setting.save()
    audit_record(actor=actor, action=AuditAction.CHANGED if before is not None
                 else AuditAction.CREATED, obj=setting,
                 changes={"取值": [None if before is None else str(before), str(number)]},
                 note=reason)
    return setting


@transaction.atomic
def line_set(*, province: str, year, value, reason: str, actor) -> MonitoringLine:
    """The monitoring line of `province` for `year` (a check uses its visit year's line,
    else the latest earlier year's)."""
    may_set_policy(actor)
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise Refused("年度应为四位数字") from None
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Refused(f"年度应在 {FIRST_YEAR} 至 {LAST_YEAR} 之间")
    number = line_value(value)
    reason = _reason(reason)
    line = MonitoringLine.objects.filter(province=province, year=year).first()
    before = line.amount if line else None
    if line is None:
        line = MonitoringLine(province=province, year=year)
    line.amount = number
    line.save()
    audit_record(actor=actor, action=AuditAction.CHANGED if before is not None
                 else AuditAction.CREATED, obj=line,
                 changes={"监测线（元/人·年）": [None if before is None else str(before),
                                            str(number)]},
                 note=reason)
    return line
