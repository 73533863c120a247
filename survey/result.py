"""What one import did (its counts, its refused rows) and its audit trail, and how it
reports progress while it runs (survey/importing.py writes, the page and the command read)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from django.utils import timezone

from monitor.audit import audit_bulk, audit_bulk_frame, audit_event, audit_record, plain
from monitor.models import AuditAction, AuditSource

from .validation import Rejected

OFFICER = "info_officer_id"  # set from the 信息员 column when it names someone

# progress(phase, done, total), phases in this order; total 0 while it is not known yet
# (the rows of a file are counted as they are read).
Progress = Callable[[str, int, int], None]
PHASES = ("reading", "checking", "writing", "evaluating")


def no_progress(phase: str, done: int, total: int) -> None:
    pass


@dataclass
class ImportResult:
    households_created: int = 0
    households_updated: int = 0
    members_created: int = 0
    members_updated: int = 0
    members_stale: int = 0  # rows older than the registry's newest visit of the household
    checks_created: int = 0
    checks_updated: int = 0
    households_unchanged: int = 0
    members_unchanged: int = 0
    checks_unchanged: int = 0
    alerts_raised: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    headers: dict[str, list[str]] = field(default_factory=dict)  # the input's columns
    evaluate: set[int] = field(default_factory=set)  # households whose checks changed
    refresh: set[int] = field(default_factory=set)  # households whose registration changed

    @property
    def rejected_rows(self) -> int:
        return len({(r.sheet, r.row) for r in self.rejected})


@dataclass
class ImportTrail:
    """The audit trail of one import (issue 9): the file itself, each household it
    created (its members and checks with it), and each record of a known household it
    created or changed, old → new. Written with the rows, batch by batch."""

    note: str
    actor: object = None  # the user who loaded the file from the page; None for the command
    people: dict[int, str] = field(default_factory=dict)  # officer id → name and unit

    def created(self, kind: str, records: pl.DataFrame) -> None:
        """An event per created record of `kind`, from a frame of object_id, label and
        household_id: the labels audit_event would give (LABELS), written straight from
        the import's rows (audit_row's columns, a frame at a time)."""
        actor = self.actor.pk if self.actor else None
        audit_bulk_frame(records.select(
            pl.lit(timezone.now()).alias("at"), pl.lit(actor, pl.Int64).alias("actor_id"),
            pl.lit(AuditAction.CREATED).alias("action"), pl.lit(kind).alias("object_kind"),
            pl.col("object_id").cast(pl.String), pl.col("label").alias("object_label"),
            pl.col("household_id"), pl.lit("{}").alias("changes"),
            pl.lit(self.note).alias("note"), pl.lit(AuditSource.IMPORT).alias("source")))

    def changed(self, model, changes: list[tuple[object, object, dict]]) -> None:
        """(the record as written, the stored row it replaced, {field: new value}); a
        person (the 信息员) by name and unit."""
        label = {f.attname: str(f.verbose_name) for f in model._meta.fields}
        audit_bulk(audit_event(
            actor=self.actor, action=AuditAction.CHANGED, obj=obj, source=AuditSource.IMPORT,
            note=self.note, changes={label[name]: [self.shown(name, getattr(known, name, None)),
                                                   self.shown(name, value)]
                                     for name, value in changed.items() if name in label})
            for obj, known, changed in changes)

    def shown(self, name: str, value):
        if name == OFFICER and value is not None:
            return self.people.get(value, value)
        return plain(value)

    def file(self, path: Path, result: "ImportResult") -> None:
        audit_record(actor=self.actor, action=AuditAction.IMPORTED, kind="import", label=path.name,
                     source=AuditSource.IMPORT, note=(
                         f"{self.note}；农户 新增 {result.households_created}、修改 "
                         f"{result.households_updated}；成员 新增 {result.members_created}、修改 "
                         f"{result.members_updated}；排查 新增 {result.checks_created}、修改 "
                         f"{result.checks_updated}；未导入 {result.rejected_rows} 行"))
