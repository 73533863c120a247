"""The audit trail (操作记录): who created, changed, moved, deleted, exported or imported
what, when, and what changed (old → new). docs/audit.md says what is recorded where.

Every write service records its event with `audit_record` inside its own transaction, so
a write and its event are committed or rolled back together (Zulip's `do_*` actions and
RealmAuditLog). Batch writers (the engine, the department comparison, the survey import)
build events with `audit_event` and write them with one `audit_bulk` per batch.

Where a write came from (page, API, admin, command…) is `source`: given explicitly, or
taken from `current_source()`, which `AuditSourceMiddleware` sets per request and
`audit_source(...)` sets around a command's work, so services need no extra argument.
"""

import getpass
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone

from .bulk import bulk_insert, insert_frame, insert_rows
from .models import AuditAction, AuditEvent, AuditSource
from .parameters import DEFAULTS

# The kind recorded for each model; anything else is recorded by its model name.
KINDS = {
    "households.household": "household",
    "households.member": "member",
    "households.check": "check",
    "casework.declaration": "declaration",
    "casework.identificationcase": "case",
    "casework.notice": "notice",
    "casework.objection": "objection",
    "casework.departmentcomparison": "comparison",
    "alerts.alert": "alert",
    "alerts.plan": "plan",
    "alerts.measure": "measure",
    "alerts.task": "task",
    "monitor.policysetting": "policy",
    "monitor.monitoringline": "line",
}
# Labels that read well next to the household column and need no query (an alert's str()
# would load its household, once per alert in a batch).
LABELS = {
    "member": lambda m: m.name,
    "check": lambda c: f"{c.visit_date} {c.kind}",
    "alert": lambda a: f"{a.rule_name}（{a.risk_type}）",
    "plan": lambda p: "一户一策",
    "task": lambda t: t.title,
    "case": lambda c: f"{c.purpose}（{c.category}）",
    "declaration": lambda d: f"{d.get_channel_display()} {d.declared_on} {d.risk_type}",
    "policy": lambda p: f"{DEFAULTS[p.key][1] if p.key in DEFAULTS else p.key}"
                        f"（{p.effective_from} 起）",
    "line": lambda line: f"{line.province} 省级 {line.year} 年监测线",
}
LABEL_LENGTH = AuditEvent._meta.get_field("object_label").max_length

_source: ContextVar[str] = ContextVar("audit_source", default="")


def current_source() -> str:
    return _source.get()


@contextmanager
def audit_source(source: str):
    """Record the events written inside the block as coming from `source`."""
    token = _source.set(source)
    try:
        yield
    finally:
        _source.reset(token)


class AuditSourceMiddleware:
    """A request's writes come from the API (/api/, shouwang/urls.py), the admin (/admin/)
    or a page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        source = (AuditSource.API if path.startswith("/api/")
                  else AuditSource.ADMIN if path.startswith("/admin/") else AuditSource.PAGE)
        with audit_source(source):
            return self.get_response(request)


def command_note() -> str:
    """Commands run by county IT have no user in the system: name the OS account."""
    try:
        return f"操作系统用户：{getpass.getuser()}"
    except (KeyError, OSError):  # no login name and no passwd entry (some containers)
        return "操作系统用户：未知"


# ── Values and differences ────────────────────────────────────────────────────────────

def plain(value):
    """A value as the trail keeps it (JSON): dates ISO, Decimals as strings, yes/no as
    是/否, a related object by its name."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None or isinstance(value, (int, float, str)):
        return value
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds") \
            if timezone.is_aware(value) else value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return str(value)


def _field(obj, name: str):
    try:
        return obj._meta.get_field(name)
    except FieldDoesNotExist:  # a form field that is not a model field
        return None


def _raw(obj, name: str):
    """The stored value, for comparing (a related object by its key, not loaded)."""
    if isinstance(obj, Mapping) or obj is None:
        return (obj or {}).get(name)
    field = _field(obj, name)
    return getattr(obj, field.attname if field is not None else name, None)


def _shown(obj, name: str):
    """The value as a person reads it: a choice by its label, a related object by str()."""
    value = _raw(obj, name)
    field = None if isinstance(obj, Mapping) or obj is None else _field(obj, name)
    if field is None or value is None:
        return plain(value)
    if field.is_relation:
        return plain(getattr(obj, name))
    if field.choices:
        return plain(dict(field.flatchoices).get(value, value))
    return plain(value)


def _label(before, after, name: str) -> str:
    for obj in (after, before):
        if obj is not None and not isinstance(obj, Mapping):
            field = _field(obj, name)
            if field is not None:
                return str(field.verbose_name)
    return name


def diff(before, after, fields: Iterable[str]) -> dict[str, list]:
    """{field: [old, new]} of the fields whose value differs between two versions of an
    object: model instances (keyed by the field's verbose name, values as people read
    them) or mappings (keyed as given). `before` None means the object is new."""
    changes = {}
    for name in fields:
        if _raw(before, name) != _raw(after, name):
            changes[_label(before, after, name)] = [_shown(before, name), _shown(after, name)]
    return changes


# ── Recording ─────────────────────────────────────────────────────────────────────────

def kind_of(obj) -> str:
    return KINDS.get(obj._meta.label_lower, obj._meta.model_name)


def _household_id(obj, household):
    if household is not None:
        return household if isinstance(household, int) else household.pk
    if obj is None:
        return None
    if obj._meta.label_lower == "households.household":
        return obj.pk
    return getattr(obj, "household_id", None)


def audit_event(*, actor, action: str, obj=None, kind: str = "", label: str = "",
                object_id="", household=None, changes: dict | None = None, note: str = "",
                source: str = "", at: datetime | None = None) -> AuditEvent:
    """An unsaved event. `obj` (a model instance) gives the kind, id, label and household
    unless they are given; `household` is an instance or an id. An actor that is not a
    signed-in user (the engine, a command) is recorded as none."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if obj is not None:
        kind = kind or kind_of(obj)
        object_id = object_id or obj.pk
        label = label or LABELS.get(kind, str)(obj)
    return AuditEvent(
        at=at or timezone.now(), actor=actor, action=action, object_kind=kind,
        object_id="" if object_id is None else str(object_id),
        object_label=str(label)[:LABEL_LENGTH], household_id=_household_id(obj, household),
        changes=changes or {}, note=note, source=source or current_source())


def audit_record(*, actor, action: str, obj=None, household=None, changes: dict | None = None,
                 note: str = "", source: str = "", **more) -> AuditEvent:
    """Record one event now, in the caller's transaction (see `audit_event`)."""
    event = audit_event(actor=actor, action=action, obj=obj, household=household,
                        changes=changes, note=note, source=source, **more)
    event.save(force_insert=True)
    return event


def audit_bulk(events: Iterable[AuditEvent]) -> None:
    """Write many events (built with `audit_event`) in a few INSERTs, in the caller's
    transaction.

    How a batch writer such as the survey import uses it: write a batch of rows first (so
    `bulk_create` has given them their ids), then build one event per row and write them
    together, inside the same transaction as the rows:

        audit_bulk([audit_event(actor=user, action=AuditAction.CREATED, obj=household,
                                source=AuditSource.IMPORT, note=f"{file_name} 第{line}行")
                    for line, household in created]
                   + [audit_event(actor=user, action=AuditAction.CHANGED, obj=member,
                                  changes=diff(before[member.pk], member, fields),
                                  source=AuditSource.IMPORT) for member in changed])

    plus one event for the file itself, once the import has counted its rows:

        audit_record(actor=user, action=AuditAction.IMPORTED, kind="import",
                     label=file_name, source=AuditSource.IMPORT,
                     note="农户 新增 3、修改 1；成员 …；排查 …")

    A command has no user: pass actor=None and add `command_note()` to the file's note.
    """
    bulk_insert(AuditEvent, list(events))


# The columns of an event written as a plain row (audit_row): what audit_event fills.
AUDIT_ROW_FIELDS = ["at", "actor_id", "action", "object_kind", "object_id", "object_label",
                    "household_id", "changes", "note", "source"]


def audit_row(*, at: datetime, actor_id: int | None, action: str, kind: str, object_id,
              label: str, household_id: int | None, changes: dict, note: str = "",
              source: str = "") -> tuple:
    """One event as a plain row in AUDIT_ROW_FIELDS order, for a batch writer that records
    tens of thousands of events (the engine's alert moves): the columns `audit_event`
    fills, without building a model instance for each. `actor_id` is a signed-in user's."""
    return (at, actor_id, action, kind, "" if object_id is None else str(object_id),
            str(label)[:LABEL_LENGTH], household_id, changes, note,
            source or current_source())


def audit_bulk_rows(rows: list[tuple]) -> None:
    """Write events built with `audit_row`, in the caller's transaction."""
    insert_rows(AuditEvent, AUDIT_ROW_FIELDS, rows)


def audit_bulk_frame(events) -> None:
    """Write events given as a polars frame of AUDIT_ROW_FIELDS (`changes` as JSON text),
    in the caller's transaction: the engine's moves and the import's records, tens of
    thousands a batch, with no Python object a row (monitor.bulk.insert_frame). Labels
    are cut to the column's length, as audit_row cuts them."""
    import polars as pl

    insert_frame(AuditEvent, events.select(AUDIT_ROW_FIELDS).with_columns(
        pl.col("object_label").str.slice(0, LABEL_LENGTH)))


def audit_export(*, actor, what: str, place=None, start=None, end=None, fmt: str = "",
                 rows: int | None = None, note: str = "", source: str = "") -> AuditEvent:
    """Record that `actor` exported `what` (e.g. 五张清单) of a place and period, in a
    format: the label names the list, the note says place, period, format and rows."""
    facts = []
    if place is not None:
        facts.append(f"地区：{place.name}（{place.code}）")
    if start or end:
        facts.append(f"期间：{start or '最早'} 至 {end or '今天'}")
    if fmt:
        facts.append(f"格式：{fmt}")
    if rows is not None:
        facts.append(f"{rows} 行")
    if note:
        facts.append(note)
    return audit_record(actor=actor, action=AuditAction.EXPORTED, kind="export", label=what,
                        object_id=place.code if place is not None else "",
                        note="；".join(facts), source=source)
