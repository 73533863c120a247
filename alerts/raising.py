"""How an alert of a department's list (casework/comparison.py) or of the household's own
declaration (casework/declarations.py) comes into being and takes a further finding
(domain.md §7, §9). A check's rules raise, attach and clear theirs set-wise, a county at
a time (alerts/replay.py, written by alerts/writing.py), by the same law: one open alert
per rule; a further finding attaches to it; ready to close (待销号), a later finding
returns it to the state it left.

These change Alert objects in memory and return the moves to record; `save_alerts`
writes a batch of them — the alerts, their AlertMove rows and their audit events — in a
few statements. What differs between sources is a parameter (the source, the day the
deadlines count from or, for a declaration, its acceptance deadline) or one of the small
`*_attach` functions.
"""

from datetime import date
from typing import NamedTuple

from django.utils import timezone

from monitor.audit import LABELS, audit_bulk_rows, audit_row, diff
from monitor.bulk import bulk_insert, bulk_set, insert_rows
from monitor.models import AuditAction
from monitor.periods import within
from monitor.policy import Thresholds
from monitor.rules import Rule

from .models import Alert, AlertMove, Source, State


class Move(NamedTuple):
    """A move of an alert that a finding decided, written with its batch as an AlertMove
    row and an audit event (no model instance each). It reads like an AlertMove: alert,
    actor_id, from, to, note; `changes` are what the audit trail shows changed besides
    the state ({label: [old, new]})."""

    alert: Alert
    from_state: str
    to_state: str
    note: str
    actor_id: int | None = None  # the engine and commands act for no one
    changes: dict | None = None


def deadlines(severity: str, counted_from: date, t: Thresholds) -> dict:
    """Verify, plan and close deadlines from the severity's policy (§7), counted from the
    day the system learned of the alert (a declaration's: the day the town accepted it),
    each the last day the step may be done on (within 3 days of T: by the end of T + 3)."""
    days = {step: int(getattr(t, f"{severity}_{step}_days")) for step in ("verify", "plan",
                                                                          "close")}
    return {f"{step}_by": within(counted_from, n) for step, n in days.items()}


def of_rule(rule: Rule, risk_type: str = "") -> dict:
    """What an alert of a §5 rule is about, as `alert_raise` takes it: the rule, its risk
    type (unless given: SUDDEN_EVENT's follows the event), severity and channel."""
    return {"rule": rule.code, "risk_type": risk_type or rule.risk_type,
            "severity": rule.severity, "channel": rule.channel}


def alert_raise(*, household_id: int, rule: str, risk_type: str, severity: str, channel: str,
                source: str, found_on: date, evidence: dict, t: Thresholds,
                counted_from: date | None, check_id: int | None = None,
                accept_by: date | None = None, actor_id: int | None = None
                ) -> tuple[Alert, Move]:
    """A new alert (预警) of `rule` for the household; the caller has made sure none is
    open. It was found on `found_on` (a check's visit, a list's date, the day declared),
    by the check `check_id` if a check found it; its deadlines count from `counted_from`
    with the thresholds `t`. A declaration's alert has none yet (`counted_from` None):
    only the town's acceptance deadline `accept_by`, from which the others count."""
    dates = deadlines(severity, counted_from, t) if counted_from is not None else {}
    alert = Alert(household_id=household_id, rule=rule, risk_type=risk_type, severity=severity,
                  channel=channel, source=source, state=State.RAISED, raised_on=found_on,
                  last_seen_on=found_on, first_check_id=check_id, last_check_id=check_id,
                  evidence=evidence, accept_by=accept_by, **dates)
    return alert, Move(alert, "", State.RAISED, evidence["text"], actor_id)


def alert_attach(alert: Alert, *, found_on: date, evidence: dict, newest: bool, note: str,
                 after_clearing: bool = False, check_id: int | None = None,
                 actor_id: int | None = None, noted: bool = False) -> list[Move]:
    """A further finding of an open alert's rule attaches to it (never a second alert).

    The alert shows `evidence` afterwards. The newest finding so far (`newest`) is its
    last seen (and a check's, its last check); a check older than the alert moves the
    found-on date back to when the problem was really first seen. An alert ready to close
    returns to the state it left when the finding is at or after what cleared it
    (`after_clearing`). The move recorded, with `note`: that return, or otherwise, if
    `noted`, the finding itself (from = to)."""
    alert.evidence = evidence
    if newest:
        alert.last_seen_on = found_on
        if check_id is not None:
            alert.last_check_id = check_id
    if check_id is not None and found_on < alert.raised_on:
        alert.raised_on, alert.first_check_id = found_on, check_id
    if alert.state == State.READY_TO_CLOSE and after_clearing:
        back = alert.state_before_ready or State.RAISED
        move = Move(alert, alert.state, back, note, actor_id)
        alert.state, alert.state_before_ready = back, ""
        alert.cleared_by_id, alert.cleared_evidence = None, {}
        return [move]
    return [Move(alert, alert.state, alert.state, note, actor_id)] if noted else []


# ── What a department's or a declaration's further finding does ─────────────────────

def department_attach(alert: Alert, *, evidence: dict, on: date, actor_id: int | None
                      ) -> list[Move]:
    """A department list dated `on` finds the rule of an open alert. An alert a list
    raised shows the list's evidence; any other keeps its own and adds the list's
    (under values 部门名单, and whole under "department"). Last seen only moves forward;
    the alert returns from 待销号 unless the check that cleared it is newer than the list;
    the finding is noted as a move either way."""
    note = f"部门比对再次发现：{evidence['text']}"
    if alert.source != Source.DEPARTMENT:
        values = {**alert.evidence.get("values", {}), "部门名单": evidence["text"]}
        evidence = {**alert.evidence, "values": values, "department": evidence}
    cleared_on = alert.cleared_by.visit_date if alert.cleared_by_id else None
    return alert_attach(alert, found_on=on, evidence=evidence, newest=on >= alert.last_seen_on,
                        note=note, after_clearing=cleared_on is None or on >= cleared_on,
                        actor_id=actor_id, noted=True)


DECLARATION_CHANGES = ("last_seen_on", "accept_by")  # what a re-declaration's trail shows


def declaration_attach(alert: Alert, *, evidence: dict, on: date, accept_by: date | None,
                       actor_id: int) -> list[Move]:
    """Another declaration, declared `on`, joins the household's open DECLARATION alert:
    the alert shows it, last seen only moves forward, the acceptance deadline becomes
    `accept_by` (the earliest of the declarations waiting for the town), and the audit
    trail records which of those dates changed. No check clears a declaration's alert
    (the engine judges only its own rules), so it never returns from 待销号."""
    before = {name: getattr(alert, name) for name in DECLARATION_CHANGES}
    alert.accept_by = accept_by
    moves = alert_attach(alert, found_on=on, evidence=evidence,
                         newest=on >= alert.last_seen_on, note=f"再次申报：{evidence['text']}",
                         actor_id=actor_id, noted=True)
    changes = diff(before, alert, DECLARATION_CHANGES)
    return [move._replace(changes=changes) for move in moves]


# ── Writing a batch ───────────────────────────────────────────────────────────────────

# What raising, attaching and clearing may change of an alert that is already stored.
ALERT_FIELDS = ["state", "state_before_ready", "last_seen_on", "last_check", "raised_on",
                "first_check", "evidence", "cleared_by", "cleared_evidence", "verify_by",
                "accept_by", "updated_at"]
MOVE_FIELDS = ["alert_id", "actor_id", "at", "from_state", "to_state", "note"]


def move_events(moves: list[Move], source: str = "", at=None) -> list[tuple]:
    """The audit rows (monitor.audit.audit_row) of moves whose alerts are saved: a raise
    is 新增, a change of state 流转 (old → new), a finding that leaves the state as it was
    修改, each with the move's own changes."""
    at, rows = at or timezone.now(), []
    for move in moves:
        if not move.from_state:
            action, changes = AuditAction.CREATED, {"状态": [None, move.to_state]}
        elif move.from_state != move.to_state:
            action, changes = AuditAction.MOVED, {"状态": [move.from_state, move.to_state]}
        else:
            action, changes = AuditAction.CHANGED, {}
        alert = move.alert
        rows.append(audit_row(at=at, actor_id=move.actor_id, action=action, kind="alert",
                              object_id=alert.pk, label=LABELS["alert"](alert),
                              household_id=alert.household_id,
                              changes={**changes, **(move.changes or {})}, note=move.note,
                              source=source))
    return rows


def save_alerts(new: list[Alert], changed: list[Alert], moves: list[Move],
                source: str = "") -> None:
    """Write new and changed alerts and their moves, in the audit trail too: the engine's
    (source 'engine'), a department list's and a declaration's (the source of the request
    or command). Moves and their events are written as rows: a county's campaign makes
    tens of thousands of each."""
    bulk_insert(Alert, new)
    now = timezone.now()
    for alert in changed:
        alert.updated_at = now
    bulk_set(Alert, changed, ALERT_FIELDS)
    insert_rows(AlertMove, MOVE_FIELDS, [(move.alert.pk, move.actor_id, now, move.from_state,
                                          move.to_state, move.note) for move in moves])
    audit_bulk_rows(move_events(moves, source=source, at=now))
