"""Checks replayed in visit order against the households' alerts (domain.md §5, §7),
set-wise: for every (household, rule) at once, as columns over the replayed checks.

A household's replay starts at its oldest check not yet evaluated and takes every check
after it. For each (household, rule), in visit order:

- with no open alert, the first check that fires the rule raises one (预警), unless a
  closed or dismissed alert already accounts for that check's finding (its raised-on to
  last-seen span holds the visit date);
- with an open alert, a check that fires the rule attaches to it (the newest finding so
  far shows its evidence and is its last seen; an older one moves raised-on back), and a
  newer check that no longer fires it makes it ready to close (待销号). A finding at or
  after the check that cleared it returns it to the state it left.

A check counts as newer than an open alert's findings when it is at or after its last
seen (visit date, then id), or when its last finding is itself being replayed. So the
events of a (household, rule) that move its alert are: the raise, then each newer check,
firing or not; after the first move the alert is ready exactly when the latest of those
checks did not fire, and each change of that is a move. An alert found ready to close
enters that regime at its first newer finding at or after what cleared it (never, when
no check cleared it).
"""

from dataclasses import dataclass

import polars as pl

from monitor.rules import RULES

from .models import FINAL_STATES, State

col, lit = pl.col, pl.lit
PAIR = ["household_id", "rule"]
RULE_ORDER = pl.DataFrame({"rule": [r.code for r in RULES], "rule_order": range(len(RULES)),
                           "rule_severity": [r.severity for r in RULES]})
ALERT_SCHEMA = {"id": pl.Int64, "household_id": pl.Int64, "rule": pl.String,
                "severity": pl.String, "state": pl.String, "state_before_ready": pl.String,
                "raised_on": pl.Date, "last_seen_on": pl.Date, "last_check_id": pl.Int64,
                "first_check_id": pl.Int64, "cleared_by_id": pl.Int64, "risk_type": pl.String}


def after(visit: pl.Expr, check: pl.Expr, on: pl.Expr, other: pl.Expr) -> pl.Expr:
    """(visit, check) at or after (on, other) in visit order."""
    return (visit > on) | ((visit == on) & (check >= other.fill_null(0)))


@dataclass
class Replay:
    """What replaying decided, as frames: for each (household, rule) with a move or a
    finding (`alerts`: the open alert's id, or null for one to raise, and how it ends),
    the moves in order (`moves`), and each replayed check's open alerts after it
    (`open_after`, with the open alerts before the replay for the check before it)."""

    alerts: pl.DataFrame
    moves: pl.DataFrame
    open_after: pl.DataFrame


def replay(checks: pl.DataFrame, alerts: pl.DataFrame) -> Replay:
    """`checks`: the judged frame of the households' checks, with `position` (visit order
    in the household), `start` (the position the replay starts at) and `replayed`.
    `alerts`: every alert of these households (ALERT_SCHEMA)."""
    open_alerts = alerts.filter(~col("state").is_in(FINAL_STATES))
    findings = pairs(checks, open_alerts, alerts.filter(col("state").is_in(FINAL_STATES)))
    events = regime(findings)
    return Replay(alerts=ends(findings, events), moves=moves(events),
                  open_after=open_after(checks, open_alerts, findings))


def pairs(checks: pl.DataFrame, open_alerts: pl.DataFrame, finals: pl.DataFrame
          ) -> pl.DataFrame:
    """One row per replayed check and rule that can move an alert: whether it fired, the
    (household, rule)'s open alert as the replay found it, whether the check is newer
    than its findings, and whether a final alert accounts for it. A (household, rule)
    with no open alert that no replayed check fires moves nothing, so it is left out
    before anything is joined or sorted (most of a county's are such)."""
    replayed = checks.filter(col("replayed"))
    long = replayed.unpivot(
        index=["household_id", "check_id", "visit_date", "position"],
        on=[rule.code for rule in RULES], variable_name="rule", value_name="fired")
    live = pl.concat([long.filter(col("fired")).select(PAIR), open_alerts.select(PAIR)])
    long = long.join(live.unique(), on=PAIR, how="semi", maintain_order="left")
    ids = replayed.select("household_id", last_check_id="check_id", stale=lit(True))
    cleared = checks.select(cleared_by_id="check_id", cleared_visit="visit_date")
    found = open_alerts.join(ids, on=["household_id", "last_check_id"], how="left").join(
        cleared, on="cleared_by_id", how="left").select(
        *PAIR, alert_id="id", state0="state", before0="state_before_ready",
        raised0="raised_on", seen0="last_seen_on", seen_check0="last_check_id",
        first_check0="first_check_id", cleared_by0="cleared_by_id", risk0="risk_type",
        cleared_visit="cleared_visit",
        stale=col("stale").fill_null(False))
    long = long.join(found, on=PAIR, how="left").join(RULE_ORDER, on="rule")
    covered = long.filter(col("fired") & col("alert_id").is_null()).join(
        finals.select(*PAIR, "raised_on", "last_seen_on"), on=PAIR).filter(
        col("visit_date").is_between(col("raised_on"), col("last_seen_on"))).select(
        "check_id", "rule", covered=lit(True)).unique()
    long = long.join(covered, on=["check_id", "rule"], how="left").with_columns(
        covered=col("covered").fill_null(False))
    has_alert = col("alert_id").is_not_null()
    newer = col("stale") | after(col("visit_date"), col("check_id"), col("seen0"),
                                 col("seen_check0"))
    raise_at = pl.when(col("fired") & ~col("covered")).then(col("position")).min().over(PAIR)
    return long.with_columns(
        newer=pl.when(has_alert).then(newer).otherwise(
            col("position") >= raise_at),
        ready0=has_alert & (col("state0") == State.READY_TO_CLOSE),
        # the state the alert is in when not ready to close
        open_state=pl.when(~has_alert).then(lit(State.RAISED.value))
        .when(col("state0") == State.READY_TO_CLOSE)
        .then(pl.when(col("before0") == "").then(lit(State.RAISED.value))
              .otherwise(col("before0")))
        .otherwise(col("state0")),
    ).sort(*PAIR, "position")


def regime(findings: pl.DataFrame) -> pl.DataFrame:
    """The newer checks from the first that moves each (household, rule)'s alert, with
    whether the alert is ready to close after each and before it."""
    returns = col("ready0") & col("fired") & col("cleared_visit").is_not_null() & after(
        col("visit_date"), col("check_id"), col("cleared_visit"), col("cleared_by0"))
    # an alert ready to close moves first where it returns; any other (one to raise
    # included: ready0 is false without an alert) at its first newer check
    first = pl.when(col("ready0")).then(
        pl.when(returns).then(col("position")).min().over(PAIR)
    ).otherwise(pl.when(col("newer")).then(col("position")).min().over(PAIR))
    events = findings.with_columns(first=first).filter(
        col("newer") & (col("position") >= col("first")))
    return events.with_columns(ready=~col("fired")).with_columns(
        was_ready=col("ready").shift(1).over(PAIR),
        raises=col("alert_id").is_null() & (col("position") == col("first")))


def moves(events: pl.DataFrame) -> pl.DataFrame:
    """Each move: a raise (→ 预警), a clear (→ 待销号) or a return (→ the state left), in
    the order the checks made them."""
    was_ready = pl.when(col("position") == col("first")).then(col("ready0")).otherwise(
        col("was_ready"))
    kind = (pl.when(col("raises")).then(lit("raise"))
            .when(~was_ready & col("ready")).then(lit("clear"))
            .when(was_ready & ~col("ready")).then(lit("return")))
    return events.with_columns(kind=kind).filter(col("kind").is_not_null()).select(
        *PAIR, "alert_id", "check_id", "visit_date", "position", "rule_order", "kind",
        from_state=pl.when(col("kind") == "raise").then(lit(""))
        .when(col("kind") == "clear").then(col("open_state"))
        .otherwise(lit(State.READY_TO_CLOSE.value)),
        to_state=pl.when(col("kind") == "raise").then(lit(State.RAISED.value))
        .when(col("kind") == "clear").then(lit(State.READY_TO_CLOSE.value))
        .otherwise(col("open_state")),
    ).sort("household_id", "position", "rule_order")


def ends(findings: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    """Each (household, rule) whose alert the replay raised or touched, as it ends: its
    state, last seen and evidence (the check whose evidence it shows), raised-on, and what
    cleared it. Columns ending in 0 are the alert as it was."""
    newest_finding = col("fired") & col("newer")
    touched = findings.filter(col("alert_id").is_not_null() & (col("fired") | col("newer")))
    raised = events.filter(col("raises")).select(*PAIR)
    seen = findings.filter(newest_finding).group_by(PAIR).agg(
        seen_check=col("check_id").last(), seen_on=col("visit_date").last())
    earliest = findings.filter(col("fired") & (col("alert_id").is_not_null() | col("newer"))
                               ).group_by(PAIR).agg(
        found_check=col("check_id").first(), found_on=col("visit_date").first())
    was_ready = col("was_ready").fill_null(col("ready0"))
    clearing = ~was_ready & col("ready")
    last = events.group_by(PAIR).agg(
        ready=col("ready").last(), cleared=clearing.any(),
        clear_check=col("check_id").filter(clearing).last(),
        returned=(was_ready & ~col("ready")).any())
    state = findings.group_by(PAIR).agg(
        col(name).first() for name in (
            "alert_id", "state0", "before0", "raised0", "seen0", "seen_check0", "first_check0",
            "cleared_by0", "risk0", "open_state", "rule_severity"))
    pairs_touched = pl.concat([touched.select(*PAIR).unique(), raised])
    table = pairs_touched.unique().join(state, on=PAIR).join(seen, on=PAIR, how="left").join(
        earliest, on=PAIR, how="left").join(last, on=PAIR, how="left")
    ready = pl.when(col("ready").is_not_null()).then(col("ready")).otherwise(
        col("state0") == State.READY_TO_CLOSE)
    moved_back = col("found_on") < col("raised0")
    cleared, returned = col("cleared").fill_null(False), col("returned").fill_null(False)
    return table.with_columns(
        state=pl.when(ready).then(lit(State.READY_TO_CLOSE.value)).otherwise(col("open_state")),
        state_before_ready=pl.when(ready & cleared).then(col("open_state"))
        .when(~ready & returned).then(lit(""))
        .otherwise(col("before0").fill_null("")),
        cleared_by_id=pl.when(ready & cleared).then(col("clear_check"))
        .when(~ready & returned).then(None).otherwise(col("cleared_by0")),
        # what to write besides: the evidence when a newer finding shows its own, the
        # values at clearing when cleared or returned
        evidence_check=col("seen_check"),
        cleared_changed=(ready & cleared) | (~ready & returned),
        last_seen_on=col("seen_on").fill_null(col("seen0")),
        last_check_id=col("seen_check").fill_null(col("seen_check0")),
        raised_on=pl.when(col("alert_id").is_null() | moved_back).then(col("found_on"))
        .otherwise(col("raised0")),
        first_check_id=pl.when(col("alert_id").is_null() | moved_back)
        .then(col("found_check")).otherwise(col("first_check0")),
    )


def open_after(checks: pl.DataFrame, open_alerts: pl.DataFrame, findings: pl.DataFrame
               ) -> pl.DataFrame:
    """Each replayed check's open alerts after it, and the check before the replay's
    (the open alerts before it), as rule lists by severity (open_high, open_medium)."""
    scope = checks.filter(col("position") >= col("start") - 1).select(
        "household_id", "check_id", "position")
    before = scope.join(open_alerts.select("household_id", "rule", "severity"),
                        on="household_id")
    raised = findings.filter(col("newer") & col("alert_id").is_null()).group_by(PAIR).agg(
        raised_at=col("position").min(), severity=col("rule_severity").first())
    since = scope.join(raised, on="household_id").filter(
        col("position") >= col("raised_at")).select("household_id", "check_id", "position",
                                                    "rule", "severity")
    rules = pl.concat([before.select(since.columns), since]).group_by("check_id").agg(
        open_high=col("rule").filter(col("severity") == "high"),
        open_medium=col("rule").filter(col("severity") == "medium"))
    empty = pl.lit([], dtype=pl.List(pl.String))
    return scope.join(rules, on="check_id", how="left").with_columns(
        open_high=col("open_high").fill_null(empty),
        open_medium=col("open_medium").fill_null(empty))
