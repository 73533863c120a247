"""Writing what a replay decided (alerts/replay.py) in bulk: the new alerts, the changes
of the open ones, their moves and the moves' audit events, a few statements each
(monitor/bulk.py: COPY on PostgreSQL), whatever the number of households."""

from datetime import date
from typing import NamedTuple

import polars as pl
from django.utils import timezone

from monitor.audit import LABELS, audit_bulk_frame
from monitor.bulk import insert_frame, insert_rows, update_rows
from monitor.models import AuditAction, AuditSource
from monitor.rules import (
    RULES,
    SCALE,
    SUDDEN_RISK_TYPE,
    finding_texts,
    findings,
    money_text,
)

from .models import Alert, AlertMove, Source, State
from .raising import MOVE_FIELDS

col, lit = pl.col, pl.lit
RULE_FACTS = pl.DataFrame({"rule": [r.code for r in RULES], "rule_name": [r.name for r in RULES],
                           "rule_risk_type": [r.risk_type for r in RULES],
                           "channel": [r.channel for r in RULES]})
NEW_FIELDS = ["household_id", "rule", "risk_type", "severity", "channel", "source", "state",
              "state_before_ready", "raised_on", "last_seen_on", "first_check_id",
              "last_check_id", "evidence", "cleared_by_id", "cleared_evidence", "verify_by",
              "plan_by", "close_by"]
CHANGED_FIELDS = ["state", "state_before_ready", "last_seen_on", "last_check_id", "raised_on",
                  "first_check_id", "cleared_by_id", "updated_at"]


class Label(NamedTuple):
    """What an alert's label in the audit trail reads (monitor.audit.LABELS)."""

    rule_name: str
    risk_type: str


def deadline(step: str) -> pl.Expr:
    """The last day of the step, counted from the day the system learned of it (§7)."""
    days = pl.when(col("rule_severity") == "high").then(col(f"high_{step}_days")).otherwise(
        col(f"medium_{step}_days")) // SCALE
    return col("today") + pl.duration(days=days)


def cleared_columns(checks: pl.DataFrame) -> pl.DataFrame:
    """engine.cleared_values of each check, as columns keyed by cleared_by_id."""
    return checks.select(cleared_by_id="check_id",
                         cleared_on=col("visit_date").dt.to_string("%Y-%m-%d"),
                         cleared_income=money_text(col("per_capita")))


def save_replay(decided, today: date, reason: str = "", actor_id: int | None = None
                ) -> tuple[list[int], int]:
    """Write the replay's alerts and moves; returns the new alerts' ids and how many
    moves made an alert ready to close. Every move's note is led by `reason` if given,
    and is `actor_id`'s (an adoption's; the engine acts for no one)."""
    checks, result = decided.checks, decided.replay
    found = findings(checks.filter(col("check_id").is_in(
        result.alerts["evidence_check"].drop_nulls().unique().implode())))
    alerts = result.alerts.join(cleared_columns(checks), on="cleared_by_id", how="left")
    now = timezone.now()

    new = alerts.filter(col("alert_id").is_null()).join(
        checks.select("check_id", "sudden_event", *(f"{s}_{step}_days" for s in (
            "high", "medium") for step in ("verify", "plan", "close"))),
        left_on="first_check_id", right_on="check_id", how="left").join(
        RULE_FACTS, on="rule").with_columns(
        today=lit(today), risk_type=pl.when(col("rule") == "SUDDEN_EVENT").then(
            col("sudden_event").replace_strict(SUDDEN_RISK_TYPE, default=col("rule_risk_type")))
        .otherwise(col("rule_risk_type"))).with_columns(
        verify_by=deadline("verify"), plan_by=deadline("plan"), close_by=deadline("close")
    ).sort("household_id", "raised_on", "first_check_id")
    ids = insert_rows(Alert, NEW_FIELDS, [
        (household, rule, risk, severity, channel, Source.CHECK, state, before, raised, seen,
         first, last, found[evidence_check][rule], cleared,
         cleared_dict(cleared, on, income), verify, plan, close)
        for (household, rule, risk, severity, channel, state, before, raised, seen, first, last,
             evidence_check, cleared, on, income, verify, plan, close) in new.select(
            "household_id", "rule", "risk_type", "rule_severity", "channel", "state",
            "state_before_ready", "raised_on", "last_seen_on", "first_check_id",
            "last_check_id", "evidence_check", "cleared_by_id", "cleared_on",
            "cleared_income", "verify_by", "plan_by", "close_by").rows()])
    new_ids = new.select("household_id", "rule", "risk_type").with_columns(
        alert_id=pl.Series(ids, dtype=pl.Int64))

    changed = alerts.filter(col("alert_id").is_not_null())
    update_rows(Alert, CHANGED_FIELDS, [(*row, now) for row in changed.select(
        "alert_id", "state", "state_before_ready", "last_seen_on", "last_check_id",
        "raised_on", "first_check_id", "cleared_by_id").rows()])
    update_rows(Alert, ["evidence"], [
        (alert_id, found[check_id][rule]) for alert_id, check_id, rule in changed.filter(
            col("evidence_check").is_not_null()).select(
            "alert_id", "evidence_check", "rule").rows()])
    update_rows(Alert, ["cleared_evidence"], [
        (alert_id, cleared_dict(cleared, on, income))
        for alert_id, cleared, on, income in changed.filter(col("cleared_changed")).select(
            "alert_id", "cleared_by_id", "cleared_on", "cleared_income").rows()])

    known = changed.select("household_id", "rule", risk_type="risk0", alert_id="alert_id")
    moves = result.moves.drop("alert_id").join(pl.concat([known, new_ids]),
                                               on=["household_id", "rule"],
                                               maintain_order="left")
    save_moves(moves, finding_texts(checks.filter(col("check_id").is_in(
        result.moves["check_id"].implode()))), now, reason, actor_id)
    return ids, moves.filter(col("to_state") == State.READY_TO_CLOSE).height


def cleared_dict(cleared_by, on, income) -> dict:
    return {"排查日期": on, "人均纯收入": income} if cleared_by is not None else {}


def save_moves(moves: pl.DataFrame, texts: pl.DataFrame, now, reason: str,
               actor_id: int | None) -> None:
    """The moves as AlertMove rows and audit events (source engine), with their notes: a
    raise's evidence, a clear's 排查未再触发, a return's 排查再次触发 and its evidence
    (`texts`: rules.finding_texts). Written as frames, no Python object a move."""
    visit = col("visit_date").dt.to_string("%Y-%m-%d")
    note = (pl.when(col("kind") == "raise").then(col("text"))
            .when(col("kind") == "clear").then(pl.format("{} 排查未再触发 {}", visit,
                                                         col("rule_name")))
            .otherwise(pl.format("{} 排查再次触发：{}", visit, col("text"))))
    if reason:
        note = pl.format("{}：{}", lit(reason), note)
    moves = moves.join(texts, on=["check_id", "rule"], how="left", maintain_order="left").join(
        RULE_FACTS.select("rule", "rule_name"), on="rule", how="left", maintain_order="left"
    ).with_columns(
        note=note, at=lit(now), actor_id=lit(actor_id, pl.Int64))
    insert_frame(AlertMove, moves.select(MOVE_FIELDS))
    # The trail's label of an alert, as LABELS words it, for each (rule, risk type) met.
    labels = moves.select("rule_name", "risk_type").unique()
    labels = labels.with_columns(object_label=pl.Series(
        [LABELS["alert"](Label(*pair)) for pair in labels.rows()], dtype=pl.String))
    audit_bulk_frame(moves.join(labels, on=["rule_name", "risk_type"], how="left",
                                maintain_order="left").select(
        "at", "actor_id", "household_id", "note", "object_label",
        action=pl.when(col("kind") == "raise").then(lit(AuditAction.CREATED.value))
        .otherwise(lit(AuditAction.MOVED.value)),
        object_kind=lit("alert"), object_id=col("alert_id").cast(pl.String),
        changes=pl.struct(pl.concat_list(
            pl.when(col("from_state") != "").then(col("from_state")), col("to_state")
        ).alias("状态")).struct.json_encode(),
        source=lit(AuditSource.ENGINE.value)))
