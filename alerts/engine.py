"""Evaluation: from households' checks to their alerts, class and key group (§5–7).

A household's checks are applied in visit-date order, whatever order they arrived in: the
run starts at its oldest check not yet evaluated and replays every check after it, so a
late older check raises what it shows and the newer checks then clear or keep it. Running
it again finds nothing unevaluated and changes nothing.

It is set-wise: the households, their checks (with the members each saw) and their alerts
are read into frames, the rules judge every check at once (monitor/rules.py), the replay
decides every (household, rule) at once (alerts/replay.py), the class and key group after
each check are derived at once (monitor/classification.py), and what changed is written
in bulk (monitor/bulk.py: COPY on PostgreSQL). A batch costs the same handful of queries
whatever its size.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import polars as pl
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from households.models import Check, Household
from monitor.bulk import frame_of
from monitor.frames import AMOUNTS, ANSWERS, CHECK_SCHEMA, columns_frame, in_fen
from monitor.policy import Policy
from monitor.rules import judged, money, per_capita_income

from .models import FINAL_STATES, Alert
from .replay import ALERT_SCHEMA, Replay, replay
from .statuses import derive, moved, status_moves
from .writing import save_replay

log = logging.getLogger(__name__)

BATCH = 5000  # households per engine transaction: the import's batches and the sweep's

# What the engine reads of a household and of a check: the rules, the classification and
# the key group need these columns, nothing else (a check's notes, officer, … stay unread).
HOUSEHOLD_FIELDS = ["id", "village_id", "registered", "poverty_status", "household_class",
                    "key_group"]
CHECK_FIELDS = ["id", "household_id", "visit_date", *ANSWERS]
# What judged_checks reads of each check, with its type: the fields, the amounts in whole
# fen, the members as seen (JSON text) and whether the engine has evaluated it.
CHECK_READ = {"id": pl.Int64, "household_id": pl.Int64, "visit_date": pl.Date,
              **{name: CHECK_SCHEMA[name] for name in ANSWERS},
              **{name: pl.Int64 for name in AMOUNTS},
              "members_text": pl.String, "evaluated": pl.Boolean}


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


def cleared_values(check) -> dict:
    """What an alert remembers of the check that made it ready to close."""
    return {"排查日期": check.visit_date.isoformat(),
            "人均纯收入": money(per_capita_income(check))}


def household_frame(rows: list) -> pl.DataFrame:
    """The households as the engine reads them (HOUSEHOLD_FIELDS), with their province."""
    return pl.DataFrame(
        [(h.id, h.village_id[:2], h.registered, h.poverty_status, h.household_class,
          h.key_group) for h in rows], orient="row",
        schema={"household_id": pl.Int64, "province": pl.String, "registered": pl.Boolean,
                "poverty_status": pl.String, "class_stored": pl.String,
                "group_stored": pl.String})


def locked_households(household_ids) -> list:
    """The households as rows of HOUSEHOLD_FIELDS, locked for the transaction: an
    evaluation, a person's move, a list and a declaration of one household take turns
    (PostgreSQL; SQLite serialises writers anyway)."""
    return list(Household.objects.select_for_update().filter(
        id__any_of=household_ids).values_list(*HOUSEHOLD_FIELDS, named=True))


def judged_checks(households: list, policy: Policy, since: date | None = None
                  ) -> pl.DataFrame:
    """Every check of these households, judged by the rules, in visit order, with its
    position in its household, whether it was evaluated before and where the replay
    starts (the oldest check not evaluated; with `since`, the oldest on or after it,
    as if none from then on had been). Read as a frame (monitor.bulk.frame_of: COPY on
    PostgreSQL), amounts in whole fen and members as JSON text, no Python object a check."""
    amounts = {f"{name}_fen": in_fen(name) for name in AMOUNTS}
    read = Check.objects.order_by().annotate(
        members_text=Cast("members", TextField()), **amounts,
        was_evaluated=ExpressionWrapper(Q(evaluated_at__isnull=False),
                                        output_field=BooleanField()))
    rows = frame_of(read, [*CHECK_FIELDS, *amounts, "members_text", "was_evaluated"],
                    CHECK_READ, "household_id",
                    pl.Series([h.id for h in households], dtype=pl.Int64)
                    ).sort("household_id", "visit_date", "id")
    columns = {name: rows[name] for name in CHECK_READ}
    frame = columns_frame(columns, columns.pop("members_text"), policy=policy,
                          provinces={h.id: h.village_id[:2] for h in households})
    evaluated = rows["evaluated"] if since is None else rows["evaluated"] & (
        rows["visit_date"] < since)
    frame = frame.with_columns(evaluated=evaluated,
                               position=pl.int_range(pl.len()).over("household_id"))
    start = pl.when(~pl.col("evaluated")).then(pl.col("position")).min().over("household_id")
    return judged(frame).with_columns(start=start).with_columns(
        replayed=pl.col("position") >= pl.col("start"))


def alert_frame(household_ids) -> pl.DataFrame:
    rows = Alert.objects.filter(household_id__any_of=household_ids).values_list(
        *ALERT_SCHEMA)
    return pl.DataFrame(list(rows), schema=ALERT_SCHEMA, orient="row")


@dataclass
class Decided:
    """What evaluating households decided, before anything is written: their alerts as
    they were, the replay (new and changed alerts, their moves), the class and key group
    moves and where each household ends (statuses.status_moves), the checks judged."""

    checks: pl.DataFrame
    alerts: pl.DataFrame
    replay: Replay
    status_moves: pl.DataFrame
    ends: pl.DataFrame


def decide(households: list, policy: Policy, today: date, since: date | None = None
           ) -> Decided:
    """Evaluate these households in memory: the rules, the alerts' replay and the class
    and key group after each replayed check (see judged_checks for `since`). With
    `since` (a policy adopted from it), the class and key group move once, today, to
    where the household ends, rather than check by check."""
    homes = household_frame(households)
    checks = judged_checks(households, policy, since)
    alerts = alert_frame(homes["household_id"])
    decided = replay(checks, alerts)
    rows = checks.filter(pl.col("position") >= pl.col("start") - 1).join(
        decided.open_after.select("check_id", "open_high", "open_medium"), on="check_id",
        how="left").join(homes, on="household_id", how="left")
    if since is None:
        changes, ends = status_moves(derive(rows), homes)
    else:
        newest = rows.filter(pl.col("replayed")).filter(
            pl.col("position") == pl.col("position").max().over("household_id"))
        changes, ends = status_moves(derive(newest.with_columns(
            visit_date=pl.lit(today), position=pl.lit(0), start=pl.lit(0),
            evaluated=pl.lit(False))), homes, before_stored=True)
    return Decided(checks, alerts, decided, changes, ends)


def apply(decided: Decided, today: date, reason: str = "", actor_id: int | None = None
          ) -> Evaluated:
    """Write what was decided: alerts and their moves (the audit trail too), the checks
    evaluated, the class and key group history and where the households end."""
    replayed = decided.checks.filter(pl.col("replayed"))
    if replayed.is_empty():
        return Evaluated()
    raised_ids, ready = save_replay(decided, today, reason, actor_id)
    Check.objects.filter(id__any_of=replayed["check_id"].to_list()).update(
        evaluated_at=timezone.now())
    moved(decided.status_moves, decided.ends, reason)
    return Evaluated(households=replayed["household_id"].n_unique(), checks=len(replayed),
                     alerts_raised=len(raised_ids), alerts_ready=ready,
                     raised_ids=raised_ids)


@transaction.atomic
def evaluate_households(household_ids, policy: Policy | None = None,
                        today: date | None = None) -> Evaluated:
    """Evaluate a batch of households in one transaction. Idempotent."""
    policy, today = policy or Policy(), today or timezone.localdate()
    return apply(decide(locked_households(household_ids), policy, today), today)


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
    dated the day it happens. Set-wise: a batch of BATCH households costs a handful of
    queries, whatever its size."""
    policy, ids = policy or Policy(), sorted(set(household_ids))
    for start in range(0, len(ids), BATCH):
        refresh_batch(ids[start:start + BATCH], policy)


def refresh_batch(household_ids: list[int], policy: Policy) -> None:
    households = locked_households(household_ids)
    changes, ends = status_moves(derived_now(households, policy), household_frame(households),
                                 before_stored=True)
    moved(changes, ends, "")


def derived_now(households: list, policy: Policy) -> pl.DataFrame:
    """Each household's class and key group (with their reasons, `class`, `key_group`)
    from its newest check (judged against the one before it) and its open alerts now, one
    row a household (rows of HOUSEHOLD_FIELDS): what an evaluation would leave it in. A
    move from here is dated today and based on the newest check."""
    homes = household_frame(households)
    checks = judged_checks(households, policy)
    newest = checks.filter(pl.col("position") == pl.col("position").max().over(
        "household_id"))
    open_alerts = alert_frame(homes["household_id"]).filter(
        ~pl.col("state").is_in(FINAL_STATES)).group_by("household_id").agg(
        open_high=pl.col("rule").filter(pl.col("severity") == "high"),
        open_medium=pl.col("rule").filter(pl.col("severity") == "medium"))
    empty = pl.lit([], dtype=pl.List(pl.String))
    return derive(homes.join(newest, on="household_id", how="left").join(
        open_alerts, on="household_id", how="left").with_columns(
        open_high=pl.col("open_high").fill_null(empty),
        open_medium=pl.col("open_medium").fill_null(empty),
        visit_date=pl.lit(timezone.localdate()), position=pl.lit(0), start=pl.lit(0),
        evaluated=pl.lit(False)))


__all__ = ["BATCH", "Evaluated", "Swept", "cleared_values",
           "evaluate_household", "evaluate_households", "evaluate_in_batches",
           "evaluate_pending", "refresh_statuses", "derived_now"]
