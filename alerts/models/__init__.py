"""The alerts app's tables, one module per concept (Django's documented models package):
alerts and their moves (`alerts`), one plan per household with its measures and tasks
(`plans`), background exports (`exports`). Everything is importable from `alerts.models`."""

from .alerts import (
    FINAL_STATES,
    STEP_ORDER,
    Alert,
    AlertMove,
    AlertQuerySet,
    Level,
    Notification,
    Severity,
    Source,
    State,
    StateMove,
    Step,
    due_date,
)
from .exports import ExportJob, ExportKind, ExportState
from .plans import (
    EVIDENCE_SUFFIXES,
    Measure,
    MeasureCatalogue,
    MeasureQuerySet,
    MeasureState,
    Plan,
    Task,
    TaskEvidence,
    TaskQuerySet,
    TaskState,
    TaskUpdate,
    overdue_days,
)

__all__ = [
    "FINAL_STATES", "STEP_ORDER", "Alert", "AlertMove", "AlertQuerySet", "Level",
    "Notification", "Severity", "Source", "State", "StateMove", "Step", "due_date",
    "ExportJob", "ExportKind", "ExportState",
    "Measure", "MeasureCatalogue", "MeasureQuerySet", "MeasureState", "Plan", "Task",
    "TaskEvidence", "TaskQuerySet", "TaskState", "TaskUpdate", "overdue_days",
    "EVIDENCE_SUFFIXES",
]
