"""Evaluation: from households' checks to their alerts, class and key group (§5–7).

A household's checks are applied in visit-date order, whatever order they arrived in: the
run starts at its oldest check not yet evaluated and replays every check after it, so a
late older check raises what it shows and the newer checks then clear or keep it. Running
it again finds nothing unevaluated and changes nothing.

Households are evaluated in batches: one transaction and a handful of queries per batch,
whatever its size, so a county's 140,776 households are not 140,776 round trips.
"""

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from types import SimpleNamespace

from django.db import transaction
from django.utils import timezone

from households.models import Check, Household, StatusChange
from monitor.bulk import insert_rows, update_rows
from monitor.classification import classify, key_group
from monitor.models import AuditSource
from monitor.policy import Policy, Thresholds
from monitor.rules import RULES, fired_rules, money, per_capita_income, risk_type

from .models import Alert, Source
from .raising import Move, alert_clear, alert_raise, check_attach, of_rule, save_alerts

log = logging.getLogger(__name__)

BATCH = 500  # households per engine transaction: the import's batches and the sweep's

# What the engine reads of a household and of a check: the rules, the classification and
# the key group need these columns, nothing else (a check's notes, officer, … stay unread).
HOUSEHOLD_FIELDS = ["id", "village_id", "registered", "poverty_status", "household_class",
                    "key_group"]
CHECK_FIELDS = ["id", "household_id", "visit_date", "evaluated_at", "food_secure",
                "clothing_secure", "housing", "water_quantity", "water_quality",
                "water_convenience", "water_reliability", "income_wages", "income_business",
                "income_property", "income_transfers", "medical_spending",
                "education_spending", "sudden_event", "sudden_loss", "members"]
# The household's field each kind of status change sets.
STATUS_FIELD = {StatusChange.Kind.CLASS: "household_class",
                StatusChange.Kind.KEY_GROUP: "key_group"}
STATUS_CHANGE_FIELDS = ["household_id", "kind", "old", "new", "reasons", "on", "changed_at",
                        "based_on_id"]


@dataclass
class Evaluated:
    households: int = 0
    checks: int = 0
    alerts_raised: int = 0
    alerts_ready: int = 0
    raised_ids: list[int] = field(default_factory=list)

    def add(self, other: "Evaluated") -> None:
        self.households += other.households
        self.checks += other.checks
        self.alerts_raised += other.alerts_raised
        self.alerts_ready += other.alerts_ready
        self.raised_ids += other.raised_ids


class AlertBook:
    """A household's alerts during one replay of its checks in visit order.

    An open alert whose last finding is one of the replayed checks is `stale`: that finding
    is being judged again, so the next replayed check counts as newer than it."""

    def __init__(self, alerts: list[Alert], checks: list, replayed_ids: set[int]):
        self.visits = {c.id: (c.visit_date, c.id) for c in checks}
        self.open = {a.rule: a for a in alerts if a.is_open}
        self.finals = [a for a in alerts if not a.is_open]
        self.stale = {a.id for a in self.open.values() if a.last_check_id in replayed_ids}
        self.new: list[Alert] = []
        self.changed: dict[int, Alert] = {}
        self.moves: list[Move] = []

    def is_newest(self, alert: Alert, check) -> bool:
        return alert.id in self.stale or (check.visit_date, check.id) >= (
            alert.last_seen_on, alert.last_check_id or 0)

    def cleared(self, alert: Alert) -> tuple[date, int] | None:
        """Visit date and id of the check that made the alert ready to close, if any."""
        return self.visits.get(alert.cleared_by_id)

    def covered(self, rule: str, check) -> bool:
        """A closed or dismissed alert already accounts for this check's finding."""
        return any(a.rule == rule and a.raised_on <= check.visit_date <= a.last_seen_on
                   for a in self.finals)

    def touched(self, alert: Alert, moves: list[Move]) -> None:
        self.moves += moves
        if alert.pk:
            self.changed[alert.pk] = alert

    def open_rules(self) -> list[tuple[str, str]]:
        return [(a.rule, a.severity) for a in self.open.values() if a.is_open]


def apply_check(household, check, previous, t: Thresholds, book: AlertBook, today: date
                ) -> dict:
    """Raise, attach or clear the household's alerts for one check; returns what it fired.
    Deadlines run from `today`, the day the system learns of a finding."""
    fired = fired_rules(check, previous, t)
    for rule in RULES:
        alert = book.open.get(rule.code)
        if rule.code in fired:
            if alert is not None:
                book.touched(alert, check_attach(alert, check=check, evidence=fired[rule.code],
                                                 newest=book.is_newest(alert, check),
                                                 cleared=book.cleared(alert)))
                book.stale.discard(alert.id)
            elif not book.covered(rule.code, check):
                alert, move = alert_raise(
                    household_id=household.id, **of_rule(rule, risk_type(rule, check)),
                    source=Source.CHECK, found_on=check.visit_date, evidence=fired[rule.code],
                    t=t, counted_from=today, check_id=check.id)
                book.open[rule.code] = alert
                book.new.append(alert)
                book.moves.append(move)
        elif alert is not None and book.is_newest(alert, check):
            book.touched(alert, alert_clear(alert, check=check, values=cleared_values(check)))
    return fired


def cleared_values(check) -> dict:
    return {"排查日期": check.visit_date.isoformat(),
            "人均纯收入": money(per_capita_income(check))}


def thresholds_for(policy: Policy, household, check) -> Thresholds:
    return policy.thresholds(household.village_id[:2], check.visit_date)


def replay(household, checks: list, alerts: list[Alert], policy: Policy, today: date
           ) -> tuple[AlertBook, list[tuple], list[int]] | None:
    """Replay the household's checks from its oldest unevaluated one; None if none is.
    Returns the alerts' book, the household's moves of class and key group as each check
    made them (kind, old, new, reasons, dated by the check's visit date, the check's id)
    and the checks replayed. Each check not evaluated before leaves its moves (§6: three
    years of checks, three years of moves); a check replayed again leaves none, save the
    newest, which settles where the household ends."""
    start = next((i for i, c in enumerate(checks) if c.evaluated_at is None), None)
    if start is None:
        return None
    replayed = [c.id for c in checks[start:]]
    book = AlertBook(alerts, checks, set(replayed))
    state = status_before(household, checks[:start], book, policy)
    previous, moves = (checks[start - 1] if start else None), []
    for check in checks[start:]:
        fired = apply_check(household, check, previous,
                            thresholds_for(policy, household, check), book, today)
        found = derive_status(state, check, fired, book.open_rules(), policy)
        for kind, _, new, _ in found:
            setattr(state, STATUS_FIELD[kind], new)
        if check.evaluated_at is None:
            moves += [(*change, check.visit_date, check.id) for change in found]
        previous = check
    # Where the household ends, if its moves so far do not lead there (a check replayed
    # again): dated by the newest check.
    newest, ends = checks[-1], SimpleNamespace(**household._asdict())
    for kind, _, new, _, _, _ in moves:
        setattr(ends, STATUS_FIELD[kind], new)
    moves += [(*change, newest.visit_date, newest.id) for change in changed_from(ends, state)]
    return book, moves, replayed


def status_before(household, evaluated: list, book: AlertBook, policy: Policy):
    """The household's class and key group before the replayed checks, to date their moves
    from: the stored ones when none was evaluated before, else as its newest evaluated
    check shows them."""
    state = SimpleNamespace(**household._asdict())
    if evaluated:
        newest, fired = newest_fired(household, evaluated, policy)
        for kind, _, new, _ in derive_status(state, newest, fired, book.open_rules(), policy):
            setattr(state, STATUS_FIELD[kind], new)
    return state


def changed_from(before, state) -> list[tuple[str, str, str, str]]:
    """Where `state`'s class and key group differ from `before`'s, as changes."""
    return [(kind, getattr(before, name), getattr(state, name), "")
            for kind, name in STATUS_FIELD.items()
            if getattr(before, name) != getattr(state, name)]


def derive_status(household, newest, newest_fired: dict, open_alerts: list[tuple[str, str]],
                  policy: Policy) -> list[tuple[str, str, str, str]]:
    """The class (§6) and key group (§3) of a household that change, as (kind, old, new,
    reasons); `household` is an instance or a row with the same names."""
    t = thresholds_for(policy, household, newest) if newest is not None else None
    new_class, class_reasons = classify(newest, open_alerts, t) if t else ("", [])
    new_group, group_reasons = key_group(household, newest, newest_fired, t)
    changes = []
    if household.household_class != new_class:
        changes.append((StatusChange.Kind.CLASS, household.household_class, new_class,
                        "；".join(class_reasons)))
    if household.key_group != new_group:
        changes.append((StatusChange.Kind.KEY_GROUP, household.key_group, new_group,
                        "；".join(group_reasons)))
    return changes


def newest_fired(household, checks: list, policy: Policy) -> tuple:
    """The household's newest check (a row; None without one) and what it fires, judged
    against the check before it, as the replay judged it."""
    if not checks:
        return None, {}
    newest, previous = checks[-1], (checks[-2] if len(checks) > 1 else None)
    return newest, fired_rules(newest, previous, thresholds_for(policy, household, newest))


@dataclass
class Statuses:
    """A batch's changes of class and key group, as rows: their history (StatusChange,
    which the audit trail does not repeat), each dated by what changed it, and the
    households' (id, class, group, updated_at)."""

    now: datetime = field(default_factory=timezone.now)
    changes: list[tuple] = field(default_factory=list)
    moved: list[tuple] = field(default_factory=list)

    def add(self, household, moves: list[tuple]) -> None:
        """A household's (a row's) moves: (kind, old, new, reasons, dated on, check id)."""
        if moves:
            self.changes += [(household.id, kind, old, new, reasons, on, self.now, based_on)
                             for kind, old, new, reasons, on, based_on in moves]
            final = settled(household, [move[:4] for move in moves])
            if final != (household.household_class, household.key_group):
                self.moved.append((household.id, *final, self.now))

    def save(self) -> None:
        insert_rows(StatusChange, STATUS_CHANGE_FIELDS, self.changes)
        update_rows(Household, ["household_class", "key_group", "updated_at"], self.moved)


def locked_households(household_ids) -> dict:
    """The households as rows of HOUSEHOLD_FIELDS by id, locked for the transaction: an
    evaluation, a person's move, a list and a declaration of one household take turns
    (PostgreSQL; SQLite serialises writers anyway)."""
    return {h.id: h for h in Household.objects.select_for_update().filter(
        id__any_of=household_ids).values_list(*HOUSEHOLD_FIELDS, named=True)}


def checks_of(household_ids) -> defaultdict:
    """Each household's checks as rows of CHECK_FIELDS, in visit order."""
    checks = defaultdict(list)
    for check in Check.objects.filter(household_id__any_of=household_ids).order_by(
            "household_id", "visit_date", "id").values_list(*CHECK_FIELDS, named=True):
        checks[check.household_id].append(check)
    return checks


@transaction.atomic
def evaluate_households(household_ids, policy: Policy | None = None,
                        today: date | None = None) -> Evaluated:
    """Evaluate a batch of households in one transaction. Idempotent.

    Households and checks are read as rows of the columns the rules need (not model
    instances: a county is 140,776 households and twice as many checks)."""
    policy, today, result = policy or Policy(), today or timezone.localdate(), Evaluated()
    households = locked_households(household_ids)
    checks, alerts = checks_of(households), defaultdict(list)
    for alert in Alert.objects.filter(household_id__any_of=households):
        alerts[alert.household_id].append(alert)
    books, replayed, statuses = [], [], Statuses()
    for household_id, household in households.items():
        outcome = replay(household, checks[household_id], alerts[household_id], policy, today)
        if outcome is None:
            continue
        book, moves, ids = outcome
        books.append(book)
        replayed += ids
        statuses.add(household, moves)
        result.households += 1
    save_batch(books, replayed, statuses, result)
    return result


def settled(household, changes: list[tuple[str, str, str, str]]) -> tuple[str, str]:
    """The household's class and key group after these changes."""
    new = {kind: value for kind, _, value, _ in changes}
    return tuple(new.get(kind, getattr(household, name)) for kind, name in STATUS_FIELD.items())


def save_batch(books: list[AlertBook], replayed: list[int], statuses: Statuses,
               result: Evaluated) -> None:
    """Write what a batch decided: new and changed alerts, their moves (in the audit trail
    too, by the engine), the evaluated checks, and class and group changes with their
    history."""
    new = [alert for book in books for alert in book.new]
    changed = [alert for book in books for alert in book.changed.values()]
    moves = [move for book in books for move in book.moves]
    save_alerts(new, changed, moves, source=AuditSource.ENGINE)
    now = timezone.now()
    for start in range(0, len(replayed), 1000):
        Check.objects.filter(id__any_of=replayed[start:start + 1000]).update(
            evaluated_at=now)
    statuses.save()
    result.checks += len(replayed)
    result.alerts_raised += len(new)
    result.alerts_ready += sum(m.to_state == "待销号" for m in moves)
    result.raised_ids += [alert.pk for alert in new]


@dataclass
class Swept(Evaluated):
    failed: list[int] = field(default_factory=list)  # households of batches that failed


def evaluate_pending(batch_size: int = BATCH,
                     progress: Callable[[int, int], None] | None = None) -> Swept:
    """The sweep: evaluate every household with a check the engine has not seen — its
    evaluation could not be queued (the broker was down) or was lost — in batches of one
    transaction each. A batch that fails is logged and left for the next sweep, so one bad
    household does not hold back the county."""
    ids = list(Check.objects.unevaluated().order_by("household_id")
               .values_list("household_id", flat=True).distinct())
    result = Swept()
    for start in range(0, len(ids), batch_size):
        batch = ids[start:start + batch_size]
        try:
            result.add(evaluate_households(batch))
        except Exception:
            log.exception("补扫评估失败：农户 %d 至 %d（%d 户），下次补扫再试",
                          batch[0], batch[-1], len(batch))
            result.failed += batch
        if progress:
            progress(start + len(batch), len(ids))
    return result


def evaluate_in_batches(household_ids: list[int], policy: Policy | None = None, *,
                        batch_size: int = BATCH,
                        progress: Callable[[int, int], None] | None = None) -> Evaluated:
    """Evaluate many households (a county's campaign), one transaction per batch, saying
    how far it got after each. Parallel work belongs to Celery workers, one batch a task
    (docs/scaling.md), not to this loop."""
    policy, total = policy or Policy(), Evaluated()
    for start in range(0, len(household_ids), batch_size):
        batch = household_ids[start:start + batch_size]
        total.add(evaluate_households(batch, policy))
        if progress:
            progress(start + len(batch), len(household_ids))
    return total


def evaluate_household(household_id: int, policy: Policy | None = None) -> Evaluated:
    return evaluate_households([household_id], policy)


@transaction.atomic
def refresh_statuses(household_ids, policy: Policy | None = None) -> None:
    """Re-derive the class (§6) and key group (§3) of households whose open alerts or
    registration changed without a new check — a person closed or dismissed an alert, a
    department list or a declaration raised one, an import changed only the registry —
    from their newest check and open alerts, as an evaluation derives them; a move is
    dated the day it happens. A batch of
    BATCH households costs a handful of queries, whatever its size."""
    policy, ids = policy or Policy(), sorted(set(household_ids))
    for start in range(0, len(ids), BATCH):
        refresh_batch(ids[start:start + BATCH], policy)


def refresh_batch(household_ids: list[int], policy: Policy) -> None:
    """One batch of refresh_statuses: its households, checks and open alerts read in one
    query each, and only the changes written."""
    households, checks = locked_households(household_ids), checks_of(household_ids)
    open_rules = defaultdict(list)
    for household_id, rule, severity in Alert.objects.open().filter(
            household_id__any_of=household_ids).values_list("household_id", "rule",
                                                            "severity"):
        open_rules[household_id].append((rule, severity))
    statuses, today = Statuses(), timezone.localdate()
    for household_id, household in households.items():
        newest, fired = newest_fired(household, checks[household_id], policy)
        based_on = newest.id if newest is not None else None
        found = derive_status(household, newest, fired, open_rules[household_id], policy)
        statuses.add(household, [(*change, today, based_on) for change in found])
    statuses.save()
