"""Writes to alerts. Every move is recorded (who, when, from, to, note) in the same
transaction (domain.md §7), as an AlertMove or TaskUpdate and in the household's audit
trail (monitor/audit.py). How findings raise, attach and clear alerts (a check's, a
department list's, a declaration's) is in alerts/raising.py."""
from dataclasses import dataclass

from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from households.models import Check, Household
from monitor.audit import audit_bulk, audit_event, audit_record
from monitor.choices import CheckKind
from monitor.models import AuditAction, User
from monitor.policy import Policy
from monitor.roles import (
    ASSIGN_ALERTS,
    CLOSE_ALERTS,
    WORK_ALERTS,
    Capability,
    LostRace,
    Refused,
    may,
    require,
)
from monitor.rules import RULES_BY_CODE, fired_rules
from monitor.scope import person_named

from .engine import cleared_values, refresh_statuses
from .models import (
    Alert,
    AlertMove,
    Notification,
    Source,
    State,
)


def record_move(alert: Alert, *, to: str, actor=None, note: str = "") -> None:
    AlertMove.objects.create(alert=alert, actor=actor, from_state=alert.state if alert.pk
                             and alert.state != to else "", to_state=to, note=note)


# ── Moves made by people (§7) ─────────────────────────────────────────────────────────
#
# Each move takes the acting user, is checked against scope (outside it the alert does
# not exist), role and state (else Refused: wrong state, wrong role or a missing reason,
# note or verification), and is written with a conditional UPDATE keyed on the state the
# actor saw: of two people moving the same alert at once, one wins and the other is told
# it has moved (LostRace). The move row is written in the same transaction.


class NotFound(Http404):
    """Outside the actor's scope, answered exactly as if it did not exist."""


@dataclass(frozen=True)
class Move:
    label: str
    to: str
    sources: tuple[str, ...]
    capability: Capability  # who may (monitor/roles.py)
    # The alerts' sources (Source) it is for; empty: every alert.
    found_by: tuple[str, ...] = ()

    def suits(self, alert: Alert) -> bool:
        return not self.found_by or alert.source in self.found_by


# An alert no rule re-checks: a check's own rules never clear a declaration, and a
# department's hit stays until someone shows the registry agrees it is gone.
NOT_RECHECKED = (Source.DECLARATION, Source.DEPARTMENT)

MOVES = {
    "verify": Move("核实", State.VERIFIED, (State.RAISED,), WORK_ALERTS),
    "start": Move("开始帮扶", State.IN_ASSISTANCE, (State.VERIFIED,), WORK_ALERTS),
    "dismiss": Move("排除", State.DISMISSED, (State.RAISED, State.VERIFIED), WORK_ALERTS),
    "ready": Move("转待销号", State.READY_TO_CLOSE, (State.IN_ASSISTANCE,), CLOSE_ALERTS,
                  NOT_RECHECKED),
    "close": Move("销号", State.CLOSED, (State.READY_TO_CLOSE,), CLOSE_ALERTS),
}


def alert_in_scope(alert: Alert, actor) -> None:
    if not Alert.objects.visible_to(actor).filter(pk=alert.pk).exists():
        raise NotFound("未找到该预警")


def moves_for(alert: Alert, user) -> list[str]:
    """The moves this user's role allows from the alert's state (for the page's buttons;
    the services still check the rest, e.g. a reason or a verification)."""
    return [key for key, move in MOVES.items() if may(user, move.capability)
            and alert.state in move.sources and move.suits(alert)]


def _allowed(alert: Alert, actor, key: str) -> Move:
    move = MOVES[key]
    alert_in_scope(alert, actor)
    require(actor, move.capability, move=move.label)
    if alert.state not in move.sources:
        sources = "、".join(f"“{s}”" for s in move.sources)
        raise Refused(f"预警当前为“{alert.state}”，不能{move.label}："
                      f"只有{sources}状态的预警可以{move.label}")
    if not move.suits(alert):
        raise Refused(f"“{alert.get_source_display()}”的预警不能{move.label}：新的排查不再"
                      "触发该规则时，预警自动转为“待销号”")
    return move


def _move(alert: Alert, *, actor, to: str, note: str, **changes) -> Alert:
    """Move the alert from the state the actor saw, or refuse if it has moved since."""
    # Lock the household first, as the engine does, so a move and an evaluation of the
    # same household take turns (PostgreSQL; SQLite serialises writers anyway).
    list(Household.objects.select_for_update().filter(pk=alert.household_id).values("pk"))
    now = timezone.now()
    updated = Alert.objects.filter(pk=alert.pk, state=alert.state).update(
        state=to, updated_at=now, **changes)
    if not updated:
        current = Alert.objects.filter(pk=alert.pk).values_list("state", flat=True).first()
        raise LostRace(f"该预警刚被他人处理，当前状态为“{current}”，请刷新页面后再操作")
    record_move(alert, to=to, actor=actor, note=note)
    audit_record(actor=actor, action=AuditAction.MOVED, obj=alert,
                 changes={"状态": [alert.state, to]}, note=note)
    alert.state, alert.updated_at = to, now
    for name, value in changes.items():
        setattr(alert, name, value)
    return alert


def _verification(alert: Alert, check) -> None:
    """A verification check of the alert's household, not older than the alert."""
    if check.household_id != alert.household_id:
        raise Refused("所选排查不是该户的排查记录")
    if check.kind != CheckKind.VERIFICATION:
        raise Refused(f"所选排查的类型是“{check.kind}”，须为“核实”排查")
    if check.visit_date < alert.raised_on:
        raise Refused(f"核实排查日期 {check.visit_date} 早于预警发现日期 {alert.raised_on}")


@transaction.atomic
def alert_verify(*, alert: Alert, actor, note: str = "", check=None) -> Alert:
    """预警 → 核实: a verification visit confirmed the problem. Needs a verification check
    of the household or a note of what was found."""
    _allowed(alert, actor, "verify")
    note = note.strip()
    if check is None and not note:
        raise Refused("核实须关联一次“核实”排查，或填写核实情况")
    changes = {}
    if check is not None:
        _verification(alert, check)
        changes["verification_check"] = check
        note = note or f"{check.visit_date} 核实排查确认"
    return _move(alert, actor=actor, to=State.VERIFIED, note=note, **changes)


@transaction.atomic
def alert_dismiss(*, alert: Alert, actor, reason: str) -> Alert:
    """预警 or 核实 → 已排除: verification found it untrue. The reason is required."""
    _allowed(alert, actor, "dismiss")
    reason = (reason or "").strip()
    if not reason:
        raise Refused("排除预警须填写理由")
    _move(alert, actor=actor, to=State.DISMISSED, note=reason)
    refresh_statuses([alert.household_id])
    return alert


@transaction.atomic
def alert_start_assistance(*, alert: Alert, actor, note: str = "") -> Alert:
    """核实 → 帮扶中: the household's plan has at least one measure for this alert."""
    _allowed(alert, actor, "start")
    names = list(alert.measures.values_list("name", flat=True))
    if not names:
        raise Refused("开始帮扶前，须先在一户一策中为该预警制定至少一项帮扶措施")
    return _move(alert, actor=actor, to=State.IN_ASSISTANCE,
                 note=note.strip() or f"帮扶措施：{'、'.join(names)}")


@transaction.atomic
def alert_ready(*, alert: Alert, actor, check=None, note: str = "") -> Alert:
    """帮扶中 → 待销号 for an alert no rule re-checks (a declaration, a department hit):
    its assistance under way, a town or county supervisor records the verification check
    that shows the risk gone (§7). It is then what cleared the alert, as a newer check
    that no longer fires a rule clears a rule's alert."""
    _allowed(alert, actor, "ready")
    check = check or None
    if check is None:
        raise Refused("转待销号须关联一次核实风险已消除的“核实”排查")
    _verification(alert, check)
    if check.visit_date < alert.last_seen_on:
        raise Refused(f"核实排查日期 {check.visit_date} 早于最近一次发现该问题的日期 "
                      f"{alert.last_seen_on}")
    if still_found(alert, check):
        raise Refused(f"{check.visit_date} 的核实排查仍发现该问题，不能转待销号")
    note = note.strip() or f"{check.visit_date} 核实排查：风险已消除"
    return _move(alert, actor=actor, to=State.READY_TO_CLOSE, note=note,
                 state_before_ready=alert.state, cleared_by=check,
                 cleared_evidence=cleared_values(check))


def still_found(alert: Alert, check) -> bool:
    """Whether the check fires the alert's rule (a department's hit of a §5 rule), judged
    against the household's check before it, as the engine judges it."""
    rule = RULES_BY_CODE.get(alert.rule)
    if rule is None:
        return False
    previous = Check.objects.filter(household_id=check.household_id, visit_date__lte=(
        check.visit_date)).exclude(pk=check.pk).order_by("visit_date", "id").last()
    t = Policy().thresholds(alert.household.village_id[:2], check.visit_date)
    return rule.code in fired_rules(check, previous, t)


@transaction.atomic
def alert_close(*, alert: Alert, actor, note: str = "") -> Alert:
    """待销号 → 已销号, by a town or county supervisor (§7): a supervisor closes only an
    alert ready to close, which a rule's alert becomes when a newer check no longer fires
    it, and any other alert by `alert_ready`."""
    _allowed(alert, actor, "close")
    changes = {"closed_at": timezone.now(), "closed_by": actor}
    when = alert.cleared_by.visit_date if alert.cleared_by_id else ""
    note = note.strip() or f"{when} 排查未再发现问题".strip()
    _move(alert, actor=actor, to=State.CLOSED, note=note, **changes)
    refresh_statuses([alert.household_id])
    return alert


def alert_move(*, alert: Alert, actor, action: str, note: str = "", check=None) -> Alert:
    """The move `action` names (a key of MOVES), as the alert's page and the API ask for
    it: the note is a dismissal's reason; a verification check counts for 核实 and for
    转待销号."""
    if action == "verify":
        return alert_verify(alert=alert, actor=actor, note=note, check=check)
    if action == "start":
        return alert_start_assistance(alert=alert, actor=actor, note=note)
    if action == "dismiss":
        return alert_dismiss(alert=alert, actor=actor, reason=note)
    if action == "ready":
        return alert_ready(alert=alert, actor=actor, note=note, check=check)
    if action == "close":
        return alert_close(alert=alert, actor=actor, note=note)
    raise ValueError(f"no move {action!r}: the caller offers only the keys of MOVES")


def assignable_to(actor):
    """Who a supervisor may make responsible for alerts: active village officers and
    town or county staff working in the supervisor's place."""
    if not may(actor, ASSIGN_ALERTS) or not actor.place_id:
        return User.objects.none()
    return User.objects.filter(is_active=True, role__in=WORK_ALERTS.roles,
                               place__code__startswith=actor.place_id).order_by("place_id",
                                                                              "username")


@dataclass
class Assignment:
    """What a bulk assignment did: the alerts assigned, and the others with the reason."""

    assigned: list[Alert]
    refused: list[tuple[Alert, str]]


def why_not_assignable(alert: Alert, assignee, seen_by_assignee: set[int], actor) -> str:
    """Why one alert cannot go to the assignee ("" if it can)."""
    if not alert.is_open:
        return f"已“{alert.state}”，不能再指派"
    if alert.pk not in seen_by_assignee:
        return f"{person_named(assignee, actor)} 看不到该户（不在其工作地区），请另选负责人"
    return ""


@transaction.atomic
def alerts_assign(*, alerts: list[Alert], assignee, actor, note: str = "") -> Assignment:
    """A town or county supervisor makes one person responsible for open alerts (the
    queue's bulk assignment). The alerts that can go to the person are assigned, each
    recorded as a note on its history, and the person is told once; the others are
    returned with the reason (closed, or outside the person's place). One outside the
    actor's scope is NotFound, as if it did not exist."""
    require(actor, ASSIGN_ALERTS)
    if not alerts:
        raise Refused("请先勾选要指派的预警")
    if not assignable_to(actor).filter(pk=assignee.pk).exists():
        raise Refused(f"{person_named(assignee, actor)} 不是您所辖地区的村干部或监管人员，不能指派")
    ids = {a.pk for a in alerts}
    # Read again through the actor's scope, in one query, with what the trail shows.
    alerts = list(Alert.objects.visible_to(actor).select_related("household", "assignee").filter(
        pk__in=ids).order_by("id"))
    if len(alerts) != len(ids):
        raise NotFound("未找到该预警")
    seen = set(Alert.objects.visible_to(assignee).filter(pk__in=ids).values_list("pk",
                                                                                 flat=True))
    reasons = {a.pk: why_not_assignable(a, assignee, seen, actor) for a in alerts}
    refused = [(a, reasons[a.pk]) for a in alerts if reasons[a.pk]]
    alerts = [a for a in alerts if not reasons[a.pk]]
    if alerts:
        assign_to(alerts, assignee, actor, note)
    return Assignment(assigned=alerts, refused=refused)


def assign_to(alerts: list[Alert], assignee, actor, note: str) -> None:
    """Make one person responsible for these open alerts: the moves, audit and notice."""
    Alert.objects.filter(pk__in=[a.pk for a in alerts]).update(assignee=assignee,
                                                              updated_at=timezone.now())
    text = f"指派给 {assignee.display_name}" + (f"：{note.strip()}" if note.strip() else "")
    AlertMove.objects.bulk_create(
        AlertMove(alert=a, actor=actor, from_state=a.state, to_state=a.state, note=text)
        for a in alerts)
    audit_bulk(audit_event(actor=actor, action=AuditAction.CHANGED, obj=a, note=text, changes={
        "负责人": [a.assignee.display_name if a.assignee_id else None,
                assignee.display_name]}) for a in alerts)
    Notification.objects.create(
        user=assignee, link=reverse("alerts:queue") + "?assignee=me",
        text=f"{actor.display_name} 指派给您 {len(alerts)} 条预警，请及时核实处置")
