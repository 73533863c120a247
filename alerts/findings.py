"""What a check's findings do to a household's alerts (domain.md §5, §7), in memory.

The engine replays a household's checks in visit order and calls these; each changes the
Alert object and returns the moves to record, and the engine writes a whole batch at once.
"""

from datetime import date
from typing import NamedTuple

from monitor.policy import Thresholds
from monitor.rules import Rule, risk_type

from .models import Alert, Source, State
from .services import deadlines


class Move(NamedTuple):
    """A move of an alert that a finding decided, written with its batch as an AlertMove
    row and an audit event (a county's campaign makes tens of thousands: no model
    instance each). It reads like an AlertMove: alert, actor_id, from, to, note."""

    alert: Alert
    from_state: str
    to_state: str
    note: str
    actor_id: int | None = None  # the engine acts for no one


def finding_raise(*, household, rule: Rule, check, evidence: dict, t: Thresholds,
                  today: date) -> tuple[Alert, Move]:
    """A new alert for (household, rule); the caller has made sure none is open.
    Deadlines run from the day the system learns of it. `household` and `check` need
    only their ids (and the check its visit date and answers)."""
    alert = Alert(
        household_id=household.id, rule=rule.code, risk_type=risk_type(rule, check),
        severity=rule.severity, channel=rule.channel, source=Source.CHECK, state=State.RAISED,
        raised_on=check.visit_date, last_seen_on=check.visit_date, first_check_id=check.id,
        last_check_id=check.id, evidence=evidence, **deadlines(rule.severity, today, t),
    )
    return alert, Move(alert, "", State.RAISED, evidence["text"])


def finding_attach(*, alert: Alert, check, evidence: dict, newest: bool,
                   cleared: tuple[date, int] | None) -> list[Move]:
    """A check that fires the rule of an open alert attaches to it (never a second alert).

    The newest finding so far (`newest`, decided by the replay) updates last seen and the
    evidence; an older one that arrived late moves the found-on date back to when it was
    really first seen. A finding at or after the check that cleared the alert (`cleared`:
    its visit date and id) returns it from 待销号 to the state it left."""
    if newest:
        alert.last_seen_on, alert.last_check_id, alert.evidence = \
            check.visit_date, check.id, evidence
    if check.visit_date < alert.raised_on:
        alert.raised_on, alert.first_check_id = check.visit_date, check.id
    if alert.state == State.READY_TO_CLOSE and cleared is not None and (
            check.visit_date, check.id) >= cleared:
        back = alert.state_before_ready or State.RAISED
        move = Move(alert, alert.state, back,
                    f"{check.visit_date} 排查再次触发：{evidence['text']}")
        alert.state, alert.state_before_ready, alert.cleared_by_id = back, "", None
        alert.cleared_evidence = {}
        return [move]
    return []


def finding_cleared(*, alert: Alert, check, values: dict) -> list[Move]:
    """A newer check no longer fires the rule: the alert is ready to close (待销号)."""
    if alert.state == State.READY_TO_CLOSE:
        return []
    move = Move(alert, alert.state, State.READY_TO_CLOSE,
                f"{check.visit_date} 排查未再触发 {alert.rule}")
    alert.state_before_ready, alert.state = alert.state, State.READY_TO_CLOSE
    alert.cleared_by_id, alert.cleared_evidence = check.id, values
    return [move]
