"""A policy change previewed, then adopted (domain.md §5 "Policy changes are previewed
before they are adopted").

A proposal is a county, a date and the values that would take effect from it: a new
line (for the county's province, from the date's year: a line is per year) and
thresholds by their names in monitor/parameters.DEFAULTS. `preview` evaluates every
household of the county that has a check the values govern, in memory, as the engine
would under the proposed policy, and writes nothing; `adopt` records the values and
makes exactly those moves, each with the reason 政策调整.

What a household's evaluation decides is compared with what is stored: its class and
the rules whose alerts are firing (open and not 待销号). A rule firing afterwards and
not before is 新增预警; one firing before and not afterwards is 不再触发 (its alert
moves to 待销号, where a supervisor closes it).

Set-wise: the county is read in batches of the engine's (alerts/engine.py `decide`:
frames of checks, members and alerts, the rules, the replay and the classification each
once over the batch); a preview compares what that decides with what is stored, an
adoption writes it (`apply`). Counting, sorting and writing the result out are not
here: `summarize` builds a Preview from the households that change, and the commands,
page and API present it (reports/policy_preview.py).
"""

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import polars as pl
from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from households.models import Check, Household, Place
from monitor.policy import Policy
from monitor.policy_changes import line_set, may_set_policy, policy_set
from monitor.rules import RULES

from .engine import BATCH, HOUSEHOLD_FIELDS, Decided, apply, decide, locked_households
from .models import FINAL_STATES, State

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
    households, now = governed_households(proposal), class_counts(proposal.county)
    for start in range(0, len(households), BATCH):
        batch = households[start:start + BATCH]
        changed += changes(decide(batch, policy, today, proposal.replay_from), batch)
        if progress:
            progress(start + len(batch), len(households))
    return summarize(proposal, changed, now)


@transaction.atomic
def adopt(proposal: Proposal, *, actor, reason: str, progress: Progress = None) -> Preview:
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
    policy, today, changed = Policy(), timezone.localdate(), []
    governed, now = governed_households(proposal), class_counts(proposal.county)
    ids = [household.id for household in governed]
    for start in range(0, len(ids), BATCH):
        batch = locked_households(ids[start:start + BATCH])
        decided = decide(batch, policy, today, proposal.replay_from)
        changed += changes(decided, governed[start:start + BATCH])
        apply(decided, today, REASON, actor.pk if actor else None)
        if progress:
            progress(start + len(batch), len(ids))
    return summarize(proposal, changed, now)


# ── What a batch's evaluation changes ─────────────────────────────────────────────────

def changes(decided: Decided, households: list) -> list[Changed]:
    """The households whose class, or whose firing alerts (open and not 待销号), the
    evaluation changes against what is stored: the rules firing afterwards and not
    before are raised, those firing before and not afterwards cleared. `households`:
    the batch's rows (governed_households), for their 户编号 and village."""
    before = decided.alerts.filter(~pl.col("state").is_in(FINAL_STATES)).select(
        "household_id", "rule", "state")
    ends = decided.replay.alerts.select("household_id", "rule", "state")
    after = pl.concat([before.join(ends, on=["household_id", "rule"], how="anti"), ends])
    firing = [frame.filter(pl.col("state") != State.READY_TO_CLOSE).group_by(
        "household_id").agg(pl.col("rule")) for frame in (before, after)]
    rows = decided.ends.join(firing[0].rename({"rule": "before"}), on="household_id",
                             how="left").join(firing[1].rename({"rule": "after"}),
                                              on="household_id", how="left")
    homes, found = {home.id: home for home in households}, []
    for household, class_then, class_now, was, now in rows.select(
            "household_id", "class", "class_stored", "before", "after").rows():
        was, now = set(was or ()), set(now or ())
        if class_then != class_now or was != now:
            home = homes[household]
            found.append(Changed(household_id=household, number=home.number,
                                 village_code=home.village_id, town_code=home.village_id[:9],
                                 class_now=class_now, class_then=class_then,
                                 raised=in_rule_order(now - was),
                                 cleared=in_rule_order(was - now)))
    return found


def in_rule_order(codes: set[str]) -> list[str]:
    return sorted(codes, key=lambda code: RULE_ORDER.get(code, len(RULE_ORDER)))


# ── Reading the county ────────────────────────────────────────────────────────────────

def governed_households(proposal: Proposal) -> list:
    """The county's households with a check on or after the first day the proposal
    governs (no other household's evaluation can change), by id, as rows of the engine's
    HOUSEHOLD_FIELDS and their 户编号, read in one query."""
    governed = Check.objects.filter(household=OuterRef("pk"),
                                    visit_date__gte=proposal.replay_from)
    return list(Household.objects.in_place(proposal.county.code).filter(Exists(governed))
                .order_by("id").values_list(*HOUSEHOLD_FIELDS, "number", named=True))


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
