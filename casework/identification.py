"""Identification (纳入监测) and risk elimination (风险消除), domain.md §9.

A case puts a household under monitoring or takes it off. It runs five steps, in order,
each recorded with its date, person and outcome (通过 pass / 退回 returned with a reason):

    入户核实 verify          village officer    passes only with the household's signed
                                                consent (承诺书 / 认可书)
    民主评议 village review   village officer
    公示 notice              village officer    the product writes the notice text; the
                                                window is at least notice_days (5) days,
                                                first and last day counted; objections are
                                                recorded during it; it passes only after the
                                                window, and with objections only with a note
                                                of how they were handled
    乡镇审核 town review      town supervisor
    县级确认 county confirm   county supervisor  sets the monitoring category (or removes
                                                it), kept in the history (StatusChange)

Each step is done by its role for a household in the actor's scope (outside it, the case
does not exist). A step returned ends the case (已退回); the household may be proposed
again, and the new case runs every step again.

A household becomes a candidate through an open alert, whatever its source: a rule on a
check, its own declaration (自主申报) or a department list (部门). The category follows
the cause: 突发严重困难户 when the alert is SUDDEN_EVENT or MEDICAL_BURDEN (or a declared
disaster, accident or illness), else 脱贫不稳定户 for a household out of poverty, else
边缘易致贫户 for one never registered. A registered household not yet out of poverty is
helped as such and is not proposed.

Risk elimination is proposed only when every condition of §9 holds — see
`elimination_blockers` — and is checked again at county confirmation.
"""
import calendar
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from alerts.models import Alert
from households.models import Household, StatusChange
from monitor.audit import audit_record
from monitor.choices import MonitoringCategory, PovertyStatus
from monitor.classification import share
from monitor.models import AuditAction
from monitor.parameters import DEFAULTS
from monitor.policy import Policy
from monitor.roles import (
    COUNTY_CONFIRMATION,
    PROPOSE_CASES,
    RECORD_OBJECTIONS,
    TOWN_REVIEW,
    VILLAGE_STEPS,
    Refused,
    require,
)
from monitor.rules import RULES_BY_CODE, able_labourers, fired_rules, money, per_capita_income
from monitor.rules import total_income as income_of
from monitor.scope import require_visible

from .models import (
    CasePurpose,
    CaseState,
    CaseStep,
    IdentificationCase,
    IdentificationStep,
    Notice,
    Objection,
    StepOutcome,
)

ORDER = [CaseStep.VERIFY, CaseStep.VILLAGE_REVIEW, CaseStep.NOTICE, CaseStep.TOWN_REVIEW,
         CaseStep.COUNTY_CONFIRM]
STEP_CAPABILITY = {  # who does each step (monitor/roles.py)
    CaseStep.VERIFY: VILLAGE_STEPS, CaseStep.VILLAGE_REVIEW: VILLAGE_STEPS,
    CaseStep.NOTICE: VILLAGE_STEPS, CaseStep.TOWN_REVIEW: TOWN_REVIEW,
    CaseStep.COUNTY_CONFIRM: COUNTY_CONFIRMATION,
}
SUDDEN_RULES = ("SUDDEN_EVENT", "MEDICAL_BURDEN")
SUDDEN_DECLARED = ("因灾", "意外事故", "因病")


def cases_visible_to(user):
    """Cases of the households the user may see (monitor.scope)."""
    return IdentificationCase.objects.filter(household__in=Household.objects.visible_to(user))



def _open_case_refusal(household: Household) -> None:
    if household.identification_cases.filter(state=CaseState.OPEN).exists():
        raise Refused("该户已有正在办理的纳入监测或风险消除事项，请先办结")


# ── Proposals ─────────────────────────────────────────────────────────────────────────

def inclusion_category(household: Household, alert: Alert) -> str:
    """The monitoring category the cause and the household's status call for (§9)."""
    if alert.rule in SUDDEN_RULES or (alert.rule == "DECLARATION"
                                      and alert.risk_type in SUDDEN_DECLARED):
        return MonitoringCategory.SUDDEN_HARDSHIP
    if household.poverty_status == PovertyStatus.OUT:
        return MonitoringCategory.UNSTABLE
    if not household.registered:
        return MonitoringCategory.MARGINAL
    raise Refused("该户为建档立卡未脱贫户，按未脱贫户帮扶，不纳入防止返贫监测")


def alert_cause(alert: Alert) -> str:
    """Why the household is a candidate, as the case file reads it: the rule's 名称, the
    risk type, the source and day, and the evidence."""
    return (f"{alert.rule_name}（{alert.risk_type}，{alert.get_source_display()}，"
            f"{alert.raised_on.isoformat()}）：{alert.evidence.get('text', '')}")


@transaction.atomic
def case_propose_inclusion(*, household: Household, alert: Alert, actor
                           ) -> IdentificationCase:
    """Make a household with an open alert a candidate for monitoring (纳入监测)."""
    require_visible(household, actor, "未找到该农户")
    require(actor, PROPOSE_CASES, purpose=CasePurpose.INCLUDE.label)
    if alert.household_id != household.pk or not alert.is_open:
        raise Refused("纳入监测须以该户一条未销号的预警（排查、农户申报或部门比对发现）为依据")
    if household.monitoring_category:
        raise Refused(f"该户已是监测对象（{household.monitoring_category}）")
    _open_case_refusal(household)
    return _open(household, CasePurpose.INCLUDE, inclusion_category(household, alert),
                 alert_cause(alert), actor, alert)


@transaction.atomic
def case_propose_elimination(*, household: Household, actor) -> IdentificationCase:
    """Propose a monitored household for risk elimination (风险消除) when §9's
    conditions hold; otherwise refuse with every condition that fails."""
    require_visible(household, actor, "未找到该农户")
    require(actor, PROPOSE_CASES, purpose=CasePurpose.ELIMINATE.label)
    if not household.monitoring_category:
        raise Refused("该户不是监测对象，无需风险消除")
    _open_case_refusal(household)
    blockers = elimination_blockers(household)
    if blockers:
        raise Refused("不符合风险消除条件：" + "；".join(blockers))
    return _open(household, CasePurpose.ELIMINATE, household.monitoring_category,
                 elimination_grounds(household), actor, None)


def _open(household, purpose, category, cause, actor, alert) -> IdentificationCase:
    try:
        with transaction.atomic():
            case = IdentificationCase.objects.create(
                household=household, purpose=purpose, category=category, cause=cause,
                alert=alert, opened_by=actor)
    except IntegrityError:
        raise Refused("该户已有正在办理的纳入监测或风险消除事项，请先办结") from None
    audit_record(actor=actor, action=AuditAction.CREATED, obj=case, note=cause)
    return case


# ── Risk elimination's conditions (§9) ────────────────────────────────────────────────

def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def elimination_blockers(household: Household, policy: Policy | None = None) -> list[str]:
    """Every reason the household cannot be taken off monitoring now, in Chinese; empty
    when it can: its last two checks at least elimination_gap_months apart, neither firing
    a high rule, per-capita income at least the line, no open alert — and, while the
    policy's safety-net hold is on (the default), never a household on the safety net (no
    普通 or 技能 labourer, transfers at least half its income): its risk is held by 兜底保障,
    not gone (§9)."""
    policy, reasons = policy or Policy(), []
    checks = list(household.checks.in_visit_order())
    if len(checks) < 2:
        return [f"须有至少两次排查记录（现有 {len(checks)} 次）"]
    before, previous, newest = (checks[-3] if len(checks) > 2 else None), checks[-2], checks[-1]
    t = policy.thresholds(household.village_id[:2], newest.visit_date)
    gap = int(t.elimination_gap_months)
    if newest.visit_date < add_months(previous.visit_date, gap):
        reasons.append(f"最近两次排查（{previous.visit_date}、{newest.visit_date}）"
                       f"间隔不足 {gap} 个月")
    for check, earlier in ((previous, before), (newest, previous)):
        fired = fired_rules(check, earlier, policy.thresholds(household.village_id[:2],
                                                              check.visit_date))
        high = [code for code in fired if RULES_BY_CODE[code].severity == "high"]
        if high:
            reasons.append(f"{check.visit_date} 的排查触发高风险规则：{'、'.join(high)}")
    income = per_capita_income(newest)
    if income < t.line:
        reasons.append(f"最近一次排查人均纯收入 {money(income)} 元，低于监测线 {money(t.line)} 元")
    open_rules = list(Alert.objects.open().filter(household=household).values_list("rule",
                                                                                    flat=True))
    if open_rules:
        reasons.append(f"还有 {len(open_rules)} 条未销号预警：{'、'.join(sorted(open_rules))}")
    if t.safety_net_hold and on_safety_net_alone(newest, t):
        reasons.append(f"家庭无普通或技能劳动力，转移性收入占收入 "
                       f"{percent(t.safety_net_transfer_share)} 及以上（兜底保障），"
                       f"不标注风险消除，应继续监测帮扶（政策参数“{SAFETY_NET_HOLD}”为开启）")
    return reasons


SAFETY_NET_HOLD = DEFAULTS["safety_net_hold"][1].split("（")[0]


def percent(value) -> str:
    return f"{(value * 100).normalize():f} %"


def on_safety_net_alone(check, t) -> bool:
    """No 普通 or 技能 labourer, and transfers are at least the policy's share (50 %) of
    the income (or there is no income at all)."""
    if able_labourers(check):
        return False
    transfers = share(check.income_transfers, income_of(check))
    return transfers is None or transfers >= t.safety_net_transfer_share


def elimination_grounds(household: Household) -> str:
    previous, newest = list(household.checks.in_visit_order())[-2:]
    return (f"最近两次排查 {previous.visit_date}、{newest.visit_date} 均未触发高风险规则，"
            f"人均纯收入 {money(per_capita_income(newest))} 元不低于监测线，无未销号预警")


# ── Steps ─────────────────────────────────────────────────────────────────────────────

def next_step(case: IdentificationCase) -> str | None:
    """The step the case waits for (None once it is closed)."""
    if case.state != CaseState.OPEN:
        return None
    done = set(case.steps.values_list("step", flat=True))
    return next((step for step in ORDER if step not in done), None)


def may_do(case: IdentificationCase, step: str, actor) -> None:
    """Refuse a step out of order, on a closed case or by the wrong role."""
    require_visible(case.household, actor, "未找到该农户")
    label = CaseStep(step).label
    if case.state != CaseState.OPEN:
        raise Refused(f"该事项已{case.state}，不能再办理“{label}”")
    expected = next_step(case)
    if step != expected:
        if ORDER.index(step) < ORDER.index(expected):
            raise Refused(f"“{label}”已经办理")
        raise Refused(f"须按顺序办理：下一步是“{CaseStep(expected).label}”，不能办理“{label}”")
    require(actor, STEP_CAPABILITY[step], step=label)


def _last_day(case: IdentificationCase) -> date | None:
    return case.steps.order_by("-id").values_list("done_on", flat=True).first()


def _check_date(case: IdentificationCase, done_on: date) -> None:
    if done_on > timezone.localdate():
        raise Refused("办理日期不能晚于今天")
    last = _last_day(case)
    if last and done_on < last:
        raise Refused(f"办理日期 {done_on} 早于上一环节的日期 {last}")


def _step_rules(case: IdentificationCase, step: str, outcome: str, done_on: date,
                reason: str, consent: bool) -> None:
    """What a step needs besides order and role: a reason to return; consent to pass the
    verification; a notice whose window is over to pass the notice, with a note on the
    objections if any; §9's conditions still holding to confirm an elimination."""
    if outcome not in StepOutcome.values:
        raise Refused("办理结果应为“通过”或“退回”")
    if outcome == StepOutcome.RETURNED:
        if not reason:
            raise Refused("退回须填写理由")
        return
    if step == CaseStep.VERIFY and not consent:
        raise Refused("入户核实通过须有农户签字确认（承诺书或认可书）")
    if step == CaseStep.NOTICE:
        _notice_may_pass(case, done_on, reason)
    if step == CaseStep.COUNTY_CONFIRM and case.purpose == CasePurpose.ELIMINATE:
        blockers = elimination_blockers(case.household)
        if blockers:
            raise Refused("风险消除条件已不满足，请退回：" + "；".join(blockers))


def _notice_may_pass(case: IdentificationCase, done_on: date, reason: str) -> None:
    notice = Notice.objects.filter(case=case).first()
    if notice is None:
        raise Refused("须先发布公示")
    if done_on <= notice.ends_on:
        raise Refused(f"公示期至 {notice.ends_on}，期满后才能办结公示")
    objections = notice.objections.count()
    if objections and not reason:
        raise Refused(f"公示期间收到 {objections} 条异议，通过须说明异议的核实处理情况")


@transaction.atomic
def case_step(*, case: IdentificationCase, step: str, outcome: str, actor,
              done_on: date | None = None, reason: str = "", consent: bool = False
              ) -> IdentificationStep:
    """Record one step of a case: its date, person and outcome. Returning ends the case;
    passing the county confirmation sets (or removes) the monitoring category."""
    case = IdentificationCase.objects.select_for_update(of=("self",)).select_related(
        "household").get(pk=case.pk)
    may_do(case, step, actor)
    done_on, reason = done_on or timezone.localdate(), (reason or "").strip()
    _check_date(case, done_on)
    _step_rules(case, step, outcome, done_on, reason, consent)
    row = IdentificationStep.objects.create(
        case=case, step=step, outcome=outcome, done_on=done_on, reason=reason,
        consent=consent, actor=actor)
    was = case.state
    if outcome == StepOutcome.RETURNED:
        _close(case, CaseState.RETURNED, done_on)
    elif step == CaseStep.COUNTY_CONFIRM:
        _close(case, CaseState.CONFIRMED, done_on)
    changes = {row.get_step_display(): [None, outcome]}
    if case.state != was:
        changes["状态"] = [was, case.state]
    audit_record(actor=actor, action=AuditAction.MOVED, obj=case, changes=changes,
                 note=f"{done_on} {reason}".strip())
    if step == CaseStep.COUNTY_CONFIRM and outcome == StepOutcome.PASS:
        _confirm(case, actor, done_on)
    return row


def _close(case: IdentificationCase, state: str, on: date) -> None:
    case.state, case.closed_on = state, on
    case.save(update_fields=["state", "closed_on"])


def _confirm(case: IdentificationCase, actor, on: date) -> None:
    """The county's confirmation: the household's category is set (纳入监测) or removed
    (风险消除), and the change kept in its history."""
    household = Household.objects.select_for_update().get(pk=case.household_id)
    old = household.monitoring_category
    new = case.category if case.purpose == CasePurpose.INCLUDE else ""
    household.monitoring_category = new
    household.save(update_fields=["monitoring_category", "updated_at"])
    audit_record(actor=actor, action=AuditAction.CHANGED, obj=household,
                 changes={"监测类别": [old or None, new or None]},
                 note=f"{case.purpose}：{on} 县级确认")
    who = actor.display_name
    StatusChange.objects.create(
        household=household, kind=StatusChange.Kind.MONITORING, old=old, new=new, on=on,
        reasons=f"{case.purpose}：{on} 县级确认（{who}）。{case.cause}")


# ── The public notice (公示) ──────────────────────────────────────────────────────────

NOTICE_TITLE = {CasePurpose.INCLUDE: "拟纳入防止返贫监测对象",
                CasePurpose.ELIMINATE: "拟标注风险消除的监测对象"}


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def notice_text(case: IdentificationCase, starts_on: date, ends_on: date) -> str:
    """The notice as it is printed and posted in the village. It names the head, the
    group, the household size and the category — never ID numbers or phone numbers."""
    household = case.household
    village = household.village
    town = village.parent.name if village.parent else ""
    size = household.members.count()
    what = NOTICE_TITLE[case.purpose]
    reason = (case.alert.risk_type if case.alert else "") or "见村委会档案"
    lines = [
        f"{village.name}关于{what}的公示",
        "",
        f"根据防止返贫动态监测和帮扶工作要求，经入户核实、村民主评议，现将{village.name}{what}公示如下：",
        "",
        f"户主姓名：{household.head_name}　村民小组：{household.group or '—'}　"
        f"家庭人口：{size}人　监测类别：{case.category}"
        + (f"　主要风险：{reason}" if case.purpose == CasePurpose.INCLUDE else ""),
        "",
        f"公示时间：{chinese_date(starts_on)}至{chinese_date(ends_on)}"
        f"（共{(ends_on - starts_on).days + 1}天）。",
        f"公示期间如有异议，请向{village.name}村民委员会或{town}"
        f"{'办事处' if town.endswith('街道') else '人民政府'}反映。",
        "",
        f"{village.name}村民委员会",
        chinese_date(starts_on),
    ]
    return "\n".join(lines)


@transaction.atomic
def notice_post(*, case: IdentificationCase, actor, starts_on: date, ends_on: date) -> Notice:
    """Publish the notice after the village review: a window of at least notice_days
    days, first and last day counted, starting no earlier than the review."""
    case = IdentificationCase.objects.select_for_update(of=("self",)).select_related(
        "household__village__parent", "alert").get(pk=case.pk)
    may_do(case, CaseStep.NOTICE, actor)
    if Notice.objects.filter(case=case).exists():
        raise Refused("公示已发布")
    last = _last_day(case)
    if last and starts_on < last:
        raise Refused(f"公示开始日期 {starts_on} 早于民主评议日期 {last}")
    days, needed = (ends_on - starts_on).days + 1, int(Policy().value("notice_days", starts_on))
    if days < needed:
        raise Refused(f"公示期不少于 {needed} 天：{starts_on} 至 {ends_on} "
                      f"只有 {max(days, 0)} 天")
    notice = Notice.objects.create(case=case, starts_on=starts_on, ends_on=ends_on,
                                   text=notice_text(case, starts_on, ends_on), posted_by=actor)
    audit_record(actor=actor, action=AuditAction.CREATED, obj=notice,
                 household=case.household_id, label=f"{case.purpose}公示",
                 note=f"{starts_on} 至 {ends_on}")
    return notice


@transaction.atomic
def objection_record(*, case: IdentificationCase, actor, received_on: date, content: str,
                     raised_by: str = "") -> Objection:
    """Record an objection to a notice, received within its window, by a village officer
    or town or county staff of the household's place."""
    require_visible(case.household, actor, "未找到该农户")
    require(actor, RECORD_OBJECTIONS)
    notice = Notice.objects.filter(case=case).first()
    if notice is None or case.state != CaseState.OPEN or next_step(case) != CaseStep.NOTICE:
        raise Refused("该事项不在公示期，不能记录异议")
    if not notice.starts_on <= received_on <= notice.ends_on:
        raise Refused(f"异议须在公示期内提出（{notice.starts_on} 至 {notice.ends_on}）")
    if not content.strip():
        raise Refused("请填写异议内容")
    objection = Objection.objects.create(notice=notice, received_on=received_on,
                                         content=content.strip(), raised_by=raised_by.strip(),
                                         recorded_by=actor)
    audit_record(actor=actor, action=AuditAction.CREATED, obj=objection,
                 household=case.household_id, label=f"{received_on} {objection.raised_by}".strip(),
                 note=objection.content)
    return objection
