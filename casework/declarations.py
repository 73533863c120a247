"""Household declarations (农户自主申报, domain.md §7 sources and §9).

A household declares a difficulty in person, in writing, by phone or online; a village
officer, or town or county staff taking the call, records it with the risk type it
reports. A declaration raises an alert of rule DECLARATION with source 自主申报 and that
risk type — severity high, since the household itself says it is in difficulty, so it
gets the tight deadlines (verify 3 days, plan 7, close 30) — and the channel that acts on
its risk type.

The town must accept (受理) a declaration within declaration_accept_days (2) of the day it
was declared: a deadline of its own (alert.accept_by while a declaration waits), which the
periodic escalation treats like any missed deadline. The alert's verify, plan and close
deadlines count from the day the town accepts (§7).

One open DECLARATION alert per household, like every rule: a second declaration while one
is open joins it (the evidence shows the newest, the count and every declaration's id).
"""

from copy import copy
from datetime import date

from django.db import transaction
from django.utils import timezone

from alerts.engine import refresh_statuses
from alerts.models import Alert, AlertMove, Source
from alerts.raising import alert_raise, deadlines, declaration_attach, save_alerts
from households.models import Household
from monitor.audit import audit_record, diff, plain
from monitor.models import AuditAction
from monitor.periods import is_missed, within
from monitor.policy import Policy
from monitor.roles import ACCEPT_DECLARATIONS, RECORD_DECLARATIONS, LostRace, Refused, require
from monitor.rules import RISK_TYPE_CHANNEL, RISK_TYPES
from monitor.scope import require_visible

from .models import Declaration, DeclarationChannel

RULE = "DECLARATION"
SEVERITY = "high"


def declarations_visible_to(user):
    """Declarations of the households the user may see (monitor.scope)."""
    return Declaration.objects.filter(household__in=Household.objects.visible_to(user))


def accept_days(on: date) -> int:
    return int(Policy().value("declaration_accept_days", on))


def declaration_evidence(declaration: Declaration, count: int) -> dict:
    recorder = declaration.recorded_by
    return {
        "text": f"农户自主申报（{declaration.get_channel_display()}，"
                f"{declaration.declared_on.isoformat()}）：{declaration.content}",
        "values": {"申报方式": declaration.get_channel_display(),
                   "申报日期": declaration.declared_on.isoformat(),
                   "风险类型": declaration.risk_type, "申报内容": declaration.content,
                   "记录人": recorder.display_name if recorder else "",
                   "申报次数": count},
        "threshold": {"乡镇受理时限": f"{accept_days(declaration.declared_on)}天"},
    }


def _validate(*, channel: str, risk_type: str, content: str, declared_on: date) -> None:
    if channel not in DeclarationChannel.values:
        raise Refused(f"申报方式应为：{'、'.join(DeclarationChannel.labels)}")
    if risk_type not in RISK_TYPE_CHANNEL:
        raise Refused(f"风险类型应为以下之一：{'、'.join(RISK_TYPES)}")
    if not content.strip():
        raise Refused("请填写申报内容")
    if declared_on is None or declared_on > timezone.localdate():
        raise Refused("申报日期须填写，且不能晚于今天")


@transaction.atomic
def declaration_record(*, household: Household, channel: str, risk_type: str, content: str,
                       declared_on: date, actor) -> Declaration:
    """Record a household's declaration and raise its DECLARATION alert (or join the open
    one); the town's acceptance deadline is stamped on the alert's accept_by."""
    require_visible(household, actor, "未找到该农户")
    require(actor, RECORD_DECLARATIONS)
    _validate(channel=channel, risk_type=risk_type, content=content, declared_on=declared_on)
    list(Household.objects.select_for_update().filter(pk=household.pk).values("pk"))
    alert = Alert.objects.open().filter(household=household, rule=RULE).first()
    declaration = Declaration.objects.create(
        household=household, channel=channel, risk_type=risk_type, content=content.strip(),
        declared_on=declared_on, recorded_by=actor, alert=alert,
        accept_by=within(declared_on, accept_days(declared_on)))
    audit_record(actor=actor, action=AuditAction.CREATED, obj=declaration,
                 note=declaration.content)
    if alert is None:
        declaration.alert = _raise(declaration, actor)
        declaration.save(update_fields=["alert"])
    else:
        _join(alert, declaration, actor)
    return declaration


def _raise(declaration: Declaration, actor) -> Alert:
    """The household's DECLARATION alert, found on the day declared. Its only deadline is
    the town's acceptance (accept_by); the others count from the acceptance."""
    household, on = declaration.household, declaration.declared_on
    alert, move = alert_raise(
        household_id=household.pk, rule=RULE, risk_type=declaration.risk_type,
        severity=SEVERITY, channel=RISK_TYPE_CHANNEL[declaration.risk_type],
        source=Source.DECLARATION, found_on=on,
        evidence=declaration_evidence(declaration, 1) | {"declarations": [declaration.pk]},
        t=Policy().thresholds(household.village_id[:2], on), counted_from=None,
        accept_by=declaration.accept_by, actor_id=actor.pk)
    save_alerts([alert], [], [move])
    refresh_statuses([household.pk])
    return alert


def _join(alert: Alert, declaration: Declaration, actor) -> None:
    """Another declaration joins the open alert: its evidence shows the newest, the count
    and every declaration's id, and the new one waits for the town's acceptance."""
    ids = [*alert.evidence.get("declarations", []), declaration.pk]
    moves = declaration_attach(
        alert, evidence=declaration_evidence(declaration, len(ids)) | {"declarations": ids},
        on=declaration.declared_on, accept_by=waiting_accept_by(alert), actor_id=actor.pk)
    save_alerts([], [alert], moves)


def waiting_accept_by(alert: Alert) -> date | None:
    """The earliest acceptance deadline of the alert's declarations not yet accepted;
    None when the town has accepted them all."""
    return Declaration.objects.filter(alert=alert, accepted_at__isnull=True).order_by(
        "accept_by").values_list("accept_by", flat=True).first()


@transaction.atomic
def declaration_accept(*, declaration: Declaration, actor, note: str = "") -> Declaration:
    """乡镇受理: the town (or county) accepts a declaration; the alert's deadlines count
    from today (`accepted`)."""
    require_visible(declaration.household, actor, "未找到该农户")
    require(actor, ACCEPT_DECLARATIONS)
    now = timezone.now()
    if not Declaration.objects.filter(pk=declaration.pk, accepted_at__isnull=True).update(
            accepted_at=now, accepted_by=actor, accept_note=note.strip()):
        raise LostRace("该申报已经受理，请刷新页面")
    declaration.accepted_at, declaration.accepted_by = now, actor
    declaration.accept_note = note.strip()
    audit_record(actor=actor, action=AuditAction.CHANGED, obj=declaration,
                 changes={"受理人": [None, actor.display_name], "受理时间": [None, plain(now)]},
                 note=declaration.accept_note)
    alert = declaration.alert
    if alert is not None and alert.is_open:
        accepted(alert, declaration, actor, note, timezone.localdate(now))
    return declaration


DEADLINES = ["accept_by", "verify_by", "plan_by", "close_by"]


def accepted(alert: Alert, declaration: Declaration, actor, note: str, today: date) -> None:
    """The alert after an acceptance: it waits for the next declaration not yet accepted,
    if any, and on the first acceptance its verify, plan and close deadlines start,
    counted from `today` (§7). The move and the audit trail say so."""
    before = copy(alert)
    alert.accept_by = waiting_accept_by(alert)
    if alert.verify_by is None:
        t = Policy().thresholds(alert.household.village_id[:2], today)
        for name, value in deadlines(SEVERITY, today, t).items():
            setattr(alert, name, value)
    alert.save(update_fields=[*DEADLINES, "updated_at"])
    # accept_by is the last day to accept on, as every deadline (monitor.periods).
    late = "（已超过受理期限）" if is_missed(declaration.accept_by, today) else ""
    move_note = f"乡镇受理农户申报{late}：{note.strip() or '已受理'}"
    AlertMove.objects.create(alert=alert, actor=actor, from_state=alert.state,
                             to_state=alert.state, note=move_note)
    audit_record(actor=actor, action=AuditAction.CHANGED, obj=alert,
                 changes=diff(before, alert, DEADLINES), note=move_note)
