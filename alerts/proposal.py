"""A policy change previewed, then adopted (domain.md §5 "Policy changes are previewed
before they are adopted").

A proposal is a county, a date and the values that would take effect from it: a new
line (for the county's province, from the date's year: a line is per year) and
thresholds by their names in monitor/parameters.DEFAULTS. `preview` evaluates every
household of the county that has a check the values govern, in memory, as the engine
would under the proposed policy (alerts/engine.py `replay`, `derive_status`), and writes
nothing; `adopt` records the values and makes exactly those moves, each with the reason
政策调整.

What a household's evaluation decides is compared with what is stored: its class and
the rules whose alerts are firing (open and not 待销号). A rule firing afterwards and
not before is 新增预警; one firing before and not afterwards is 不再触发 (its alert
moves to 待销号, where a supervisor closes it).

This is the plain implementation, household by household on the current engine; the
set-wise engine provides the same functions. Counting, sorting and writing the result
out are not here: `summarize` builds a Preview from the households that change, and the
commands, page and API present it (reports/policy_preview.py).
"""

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from households.models import Check, Household, Place
from monitor.policy import Policy
from monitor.policy_changes import line_set, may_set_policy, policy_set
from monitor.rules import RULES

from .engine import (
    BATCH,
    HOUSEHOLD_FIELDS,
    Evaluated,
    Statuses,
    checks_of,
    derive_status,
    newest_fired,
    replay,
    save_batch,
)
from .models import Alert, State

REASON = "政策调整"  # what every move an adoption makes says first (§5)
RULE_ORDER = {rule.code: i for i, rule in enumerate(RULES)}


@dataclass(frozen=True)
class Proposal:
    """Values proposed for a county from a date: the line (None: unchanged) and
    thresholds (name → value)."""

    county: Place
    effective_from: date
    line: Decimal | None = None
    settings: dict[str, Decimal] = field(default_factory=dict)

    @property
    def replay_from(self) -> date:
        """The first visit date the proposed values govern: the effective date, or the
        first of January of its year when the line changes (a check uses its visit
        year's line)."""
        if self.line is not None:
            return min(self.effective_from, self.effective_from.replace(month=1, day=1))
        return self.effective_from

    def policy(self) -> Policy:
        return Policy.proposed(province=self.county.province_code,
                               effective_from=self.effective_from, line=self.line,
                               settings=self.settings)


@dataclass
class Changed:
    """A household whose class or firing alerts the proposal changes."""

    household_id: int
    number: str  # 户编号
    village_code: str
    town_code: str
    class_now: str
    class_then: str
    raised: list[str] = field(default_factory=list)  # rule codes
    cleared: list[str] = field(default_factory=list)


@dataclass
class Preview:
    proposal: Proposal
    by_town: dict[str, dict[str, tuple[int, int]]]  # town code → class → (now, then)
    raised: dict[str, int]  # rule code → households
    cleared: dict[str, int]
    households: list[Changed]


Progress = Callable[[int, int], None] | None


def preview(proposal: Proposal, *, progress: Progress = None) -> Preview:
    """What the proposal would change in the county, as if its values had been in force
    from its date. Reads only: nothing is written, nothing locked."""
    policy, today, changed = proposal.policy(), timezone.localdate(), []
    ids, now = governed_households(proposal), class_counts(proposal.county)
    for start in range(0, len(ids), BATCH):
        batch = ids[start:start + BATCH]
        rows = household_rows(batch)
        checks, alerts = checks_of(batch), alerts_of(batch)
        for household_id, household in rows.items():
            judged = judge(household, checks[household_id], alerts[household_id], policy,
                           proposal.replay_from, today)
            if judged is not None and judged.change is not None:
                changed.append(judged.change)
        if progress:
            progress(start + len(batch), len(ids))
    return summarize(proposal, changed, now)


@transaction.atomic
def adopt(proposal: Proposal, *, actor, reason: str) -> Preview:
    """Record the proposal's values (audited, with `reason`), then re-evaluate the
    county's checks from its date under them in one pass, in one transaction: every
    alert move and class move it makes says 政策调整 and is the actor's (a command's:
    no one's). Returns what changed, as a preview would have shown it."""
    may_set_policy(actor)
    for key, value in proposal.settings.items():
        policy_set(key=key, value=value, effective_from=proposal.effective_from,
                   reason=reason, actor=actor)
    if proposal.line is not None:
        line_set(province=proposal.county.province_code, year=proposal.effective_from.year,
                 value=proposal.line, reason=reason, actor=actor)
    policy, changed = Policy(), []
    ids, now = governed_households(proposal), class_counts(proposal.county)
    for start in range(0, len(ids), BATCH):
        changed += adopt_batch(ids[start:start + BATCH], policy, proposal.replay_from,
                               actor_id=actor.pk if actor else None)
    return summarize(proposal, changed, now)


def adopt_batch(batch: list[int], policy: Policy, start: date, actor_id: int | None
                ) -> list[Changed]:
    """Re-evaluate a batch of households (locked) from `start` and write what changed,
    as the engine writes a batch, every move saying 政策调整; returns the changes."""
    today, changed = timezone.localdate(), []
    rows = household_rows(batch, lock=True)
    checks, alerts = checks_of(batch), alerts_of(batch)
    books, replayed, statuses = [], [], Statuses()
    for household_id, household in rows.items():
        judged = judge(household, checks[household_id], alerts[household_id], policy, start,
                       today)
        if judged is None:
            continue
        judged.book.moves = [move._replace(note=f"{REASON}：{move.note}", actor_id=actor_id)
                             for move in judged.book.moves]
        books.append(judged.book)
        replayed += judged.replayed
        statuses.add(household, [(kind, old, new, f"{REASON}：{reasons}" if reasons else REASON,
                                  today, judged.newest_id)
                                 for kind, old, new, reasons in judged.status_changes])
        if judged.change is not None:
            changed.append(judged.change)
    save_batch(books, replayed, statuses, Evaluated())
    return changed


# ── One household under a policy ──────────────────────────────────────────────────────

@dataclass
class Judged:
    book: object  # the engine's AlertBook after the replay
    replayed: list[int]
    newest_id: int
    status_changes: list[tuple[str, str, str, str]]  # (kind, old, new, reasons)
    change: Changed | None


def judge(household, checks: list, alerts: list[Alert], policy: Policy, start: date,
          today: date) -> Judged | None:
    """Replay the household's checks from `start` under `policy` as the engine does (its
    checks on or after `start` judged again, as if never evaluated), in memory; then its
    class and key group from its newest check and open alerts, against what is stored.
    None when it has no check from `start` on."""
    before = firing(alerts)
    checks_again = [c._replace(evaluated_at=None) if c.visit_date >= start else c
                    for c in checks]
    outcome = replay(household, checks_again, alerts, policy, today)
    if outcome is None:
        return None
    book, _, replayed = outcome
    newest, fired = newest_fired(household, checks, policy)
    status_changes = derive_status(household, newest, fired, book.open_rules(), policy)
    after = firing(book.open.values())
    class_then = next((new for kind, _, new, _ in status_changes if kind == "class"),
                      household.household_class)
    change = None
    if class_then != household.household_class or before != after:
        change = Changed(household_id=household.id, number=household.number,
                         village_code=household.village_id,
                         town_code=household.village_id[:9],
                         class_now=household.household_class, class_then=class_then,
                         raised=in_rule_order(after - before),
                         cleared=in_rule_order(before - after))
    return Judged(book, replayed, newest.id, status_changes, change)


def firing(alerts: Iterable[Alert]) -> set[str]:
    """The rules whose alerts are at work: open and not waiting to be closed."""
    return {a.rule for a in alerts if a.is_open and a.state != State.READY_TO_CLOSE}


def in_rule_order(codes: set[str]) -> list[str]:
    return sorted(codes, key=lambda code: RULE_ORDER.get(code, len(RULE_ORDER)))


# ── Reading the county ────────────────────────────────────────────────────────────────

def governed_households(proposal: Proposal) -> list[int]:
    """The county's households with a check on or after the first day the proposal
    governs: no other household's evaluation can change."""
    return list(Check.objects.in_place(proposal.county.code)
                .filter(visit_date__gte=proposal.replay_from).order_by("household_id")
                .values_list("household_id", flat=True).distinct())


def household_rows(household_ids: list[int], lock: bool = False) -> dict:
    """The households as the engine reads them, with their 户编号; locked for an
    adoption's transaction."""
    households = Household.objects.filter(id__any_of=household_ids)
    if lock:
        households = households.select_for_update()
    return {h.id: h for h in households.values_list(*HOUSEHOLD_FIELDS, "number", named=True)}


def alerts_of(household_ids: list[int]) -> defaultdict:
    alerts = defaultdict(list)
    for alert in Alert.objects.filter(household_id__any_of=household_ids):
        alerts[alert.household_id].append(alert)
    return alerts


# ── The preview from the households that change ───────────────────────────────────────

def class_counts(county: Place) -> dict[tuple[str, str], int]:
    """The county's households by (town code, class) as stored now."""
    counts = Counter()
    for village, household_class, total in (
            Household.objects.in_place(county.code).order_by()
            .values_list("village_id", "household_class").annotate(total=Count("id"))):
        counts[village[:9], household_class] += total
    return counts


def summarize(proposal: Proposal, changed: list[Changed],
              now: dict[tuple[str, str], int]) -> Preview:
    """Count the county's households by town and class now (`now`, class_counts before
    any change) and under the proposal (a household not in `changed` keeps its class),
    and the households raising or clearing each rule. The households are listed by
    户编号."""
    by_town: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for (town, household_class), total in now.items():
        by_town[town][household_class] = [total, total]
    for household in changed:
        by_town[household.town_code][household.class_now][1] -= 1
        by_town[household.town_code][household.class_then][1] += 1
    raised = Counter(code for household in changed for code in household.raised)
    cleared = Counter(code for household in changed for code in household.cleared)
    return Preview(
        proposal=proposal,
        by_town={town: {cls: tuple(counts) for cls, counts in sorted(classes.items())}
                 for town, classes in sorted(by_town.items())},
        raised={code: raised[code] for code in in_rule_order(set(raised))},
        cleared={code: cleared[code] for code in in_rule_order(set(cleared))},
        households=sorted(changed, key=lambda h: h.number))
