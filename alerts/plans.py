"""Writes to a household's one plan (一户一策, domain.md §7): measures from the catalogue of
the alert's risk type, their tasks, a task's progress, reopening and evidence. Every write
is recorded (who, when, what) as a TaskUpdate and in the household's audit trail."""

from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from monitor.audit import audit_record
from monitor.models import AuditAction
from monitor.roles import (
    ASSIGN_TASKS,
    PLAN_MEASURES,
    UPDATE_TASKS,
    LostRace,
    Refused,
    may,
    require,
)
from monitor.scope import person_named

from .models import (
    Alert,
    Measure,
    MeasureCatalogue,
    MeasureState,
    Notification,
    Plan,
    Task,
    TaskEvidence,
    TaskState,
    TaskUpdate,
)
from .services import NotFound, alert_in_scope

# ── One plan per household: measures and tasks (§7) ──────────────────────────────────

def catalogue_for(alert: Alert) -> list[MeasureCatalogue]:
    """The measures offered for the alert's risk type, whatever its source (§7)."""
    return list(MeasureCatalogue.objects.filter(risk_type=alert.risk_type, active=True))


@transaction.atomic
def plan_add_measure(*, alert: Alert, actor, measure: str, deadline: date,
                     note: str = "") -> Measure:
    """Add a measure from the catalogue of the alert's risk type (any source: a check's
    rule, a department list, a declaration) to the household's plan (created with its
    first measure)."""
    alert_in_scope(alert, actor)
    require(actor, PLAN_MEASURES)
    if not alert.is_open:
        raise Refused(f"预警已“{alert.state}”，不能再制定帮扶措施")
    entry = MeasureCatalogue.objects.filter(risk_type=alert.risk_type, name=measure,
                                            active=True).first()
    if entry is None:
        offered = "、".join(e.name for e in catalogue_for(alert)) or "（目录为空）"
        raise Refused(f"“{measure}”不在“{alert.risk_type}”的帮扶措施目录中，可选：{offered}")
    if deadline is None:
        raise Refused("帮扶措施须填写完成期限")
    plan, created = Plan.objects.get_or_create(household_id=alert.household_id,
                                               defaults={"created_by": actor})
    if created:
        audit_record(actor=actor, action=AuditAction.CREATED, obj=plan)
    measure = Measure.objects.create(plan=plan, alert=alert, name=entry.name,
                                     channel=entry.channel, deadline=deadline,
                                     note=note.strip(), created_by=actor)
    audit_record(actor=actor, action=AuditAction.CREATED, obj=measure,
                 household=alert.household_id,
                 note=f"{alert.risk_type}：{entry.name}，{deadline} 前完成")
    return measure


@transaction.atomic
def task_assign(*, measure: Measure, actor, unit: str, due: date, person=None,
                title: str = "", note: str = "") -> Task:
    """Assign a task for a measure to a unit and optionally a person who can see it
    (department staff of the measure's channel, or an officer of the household's place)."""
    alert = measure.alert
    alert_in_scope(alert, actor)
    require(actor, ASSIGN_TASKS)
    if not alert.is_open:
        raise Refused(f"预警已“{alert.state}”，不能再指派任务")
    unit = (unit or (person.unit if person else "")).strip()
    if not unit:
        raise Refused("任务须填写责任单位")
    if due is None:
        raise Refused("任务须填写完成期限")
    task = Task.objects.create(
        measure=measure, household_id=alert.household_id, channel=measure.channel,
        title=title.strip() or measure.name, unit=unit, person=person, due=due,
        note=note.strip(), assigned_by=actor)
    if person is not None:
        if not Task.objects.visible_to(person).filter(pk=task.pk).exists():
            raise Refused(f"责任人 {person_named(person, actor)} 不负责该户所在地区或该渠道，"
                          "看不到这项任务，请另选")
        Notification.objects.create(
            user=person, text=f"新任务：{alert.household.number} {task.title}，"
                              f"{due} 前完成", link=task_link(task))
    who = f"{unit} {person.display_name}" if person else unit
    note = f"指派给 {who}，{due} 前完成"
    TaskUpdate.objects.create(task=task, actor=actor, to_state=task.state, note=note)
    audit_record(actor=actor, action=AuditAction.CREATED, obj=task, note=note)
    return task


TASK_ORDER = [TaskState.TODO, TaskState.DOING, TaskState.DONE]


@transaction.atomic
def task_update(*, task: Task, actor, state: str, note: str = "") -> Task:
    """Move a task forward (待办 → 进行中 → 已完成) or add a progress note. Department staff
    update the tasks of their channel; supervisors and the assignee any they can see."""
    if not Task.objects.visible_to(actor).filter(pk=task.pk).exists():
        raise NotFound("未找到该任务")
    if not may(actor, UPDATE_TASKS) and task.person_id != actor.pk:
        raise Refused(UPDATE_TASKS.words(actor))
    if state not in TASK_ORDER:
        raise Refused(f"未知的任务状态“{state}”，可选：{'、'.join(TASK_ORDER)}")
    note = note.strip()
    if task.state == TaskState.DONE:
        raise Refused("任务已完成，不能再修改")
    if TASK_ORDER.index(state) < TASK_ORDER.index(task.state):
        raise Refused(f"任务不能从“{task.state}”退回“{state}”")
    if state == task.state and not note:
        raise Refused("状态未变化：请选择新的状态或填写进展说明")
    now = timezone.now()
    changes = {"state": state, "updated_at": now}
    if note:
        changes["note"] = note
    if state == TaskState.DONE:
        changes["done_at"] = now
    if not Task.objects.filter(pk=task.pk, state=task.state).update(**changes):
        raise LostRace("该任务刚被他人更新，请刷新页面后再操作")
    TaskUpdate.objects.create(task=task, actor=actor, from_state=task.state, to_state=state,
                              note=note)
    if state != task.state:
        audit_record(actor=actor, action=AuditAction.MOVED, obj=task,
                     changes={"状态": [task.state, state]}, note=note)
    else:
        audit_record(actor=actor, action=AuditAction.CHANGED, obj=task,
                     changes={"进展说明": [task.note, note]})
    for name, value in changes.items():
        setattr(task, name, value)
    _derive_measure_state(task.measure_id)
    return task


@transaction.atomic
def task_reopen(*, task: Task, actor, reason: str) -> Task:
    """A supervisor who may assign tasks reopens a finished one (进行中 again) with the
    reason, e.g. the work was found not done; the person responsible is told."""
    if not Task.objects.visible_to(actor).filter(pk=task.pk).exists():
        raise NotFound("未找到该任务")
    require(actor, ASSIGN_TASKS)
    reason = reason.strip()
    if not reason:
        raise Refused("重新打开任务须写明原因")
    if task.state != TaskState.DONE:
        raise Refused(f"任务为“{task.state}”，未完成的任务不需要重新打开")
    alert = task.measure.alert
    if not alert.is_open:
        raise Refused(f"预警已“{alert.state}”，它的任务不能再重新打开")
    if not Task.objects.filter(pk=task.pk, state=TaskState.DONE).update(
            state=TaskState.DOING, done_at=None, updated_at=timezone.now()):
        raise LostRace("该任务刚被他人更新，请刷新页面后再操作")
    note = f"重新打开：{reason}"
    TaskUpdate.objects.create(task=task, actor=actor, from_state=TaskState.DONE,
                              to_state=TaskState.DOING, note=note)
    audit_record(actor=actor, action=AuditAction.MOVED, obj=task,
                 changes={"状态": [TaskState.DONE, TaskState.DOING]}, note=note)
    if task.person_id:
        Notification.objects.create(user_id=task.person_id, link=task_link(task),
                                    text=f"任务被重新打开：{task.household.number} {task.title}"
                                         f"，原因：{reason}")
    task.state, task.done_at = TaskState.DOING, None
    _derive_measure_state(task.measure_id)
    return task


def _derive_measure_state(measure_id: int) -> None:
    """A measure is 已落实 when all its tasks are done, 落实中 once any has started."""
    states = set(Task.objects.filter(measure_id=measure_id).values_list("state", flat=True))
    if states == {TaskState.DONE}:
        new = MeasureState.DONE
    elif states & {TaskState.DOING, TaskState.DONE}:
        new = MeasureState.UNDER_WAY
    else:
        new = MeasureState.PLANNED
    Measure.objects.filter(pk=measure_id).exclude(state=new).update(state=new)


def task_link(task: Task) -> str:
    return reverse("alerts:tasks") + f"#task-{task.pk}"


# ── Evidence a task carries (佐证材料): a photo, a scanned form ──────────────────────────

FIRST_BYTES = [(b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"),
               (b"%PDF-", "application/pdf")]


def evidence_type(head: bytes) -> str | None:
    """The kind of file from its first bytes, whatever its name says: JPEG, PNG, WebP or
    PDF; None for anything else (an .exe renamed .jpg is refused)."""
    for magic, kind in FIRST_BYTES:
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def shown_size(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{max(1, size // 1024)} KB"


@transaction.atomic
def task_add_evidence(*, task: Task, actor, upload, note: str = "") -> TaskEvidence:
    """Keep `upload` (a Django UploadedFile) as evidence of `task`. Whoever may update the
    task may add evidence, in any state while its alert is open (a photo often comes with
    已完成). Refused: a file over EVIDENCE_MAX_BYTES, one that is not a photo or a PDF by
    its content, more than EVIDENCE_PER_TASK files on one task."""
    if not Task.objects.visible_to(actor).filter(pk=task.pk).exists():
        raise NotFound("未找到该任务")
    if not may(actor, UPDATE_TASKS) and task.person_id != actor.pk:
        raise Refused(UPDATE_TASKS.words(actor))
    alert = task.measure.alert
    if not alert.is_open:
        raise Refused(f"预警已“{alert.state}”，它的任务不能再上传佐证材料")
    if upload is None or not upload.size:
        raise Refused("请选择要上传的照片或扫描件")
    if upload.size > settings.EVIDENCE_MAX_BYTES:
        raise Refused(f"文件 {shown_size(upload.size)}，超过上限 "
                      f"{shown_size(settings.EVIDENCE_MAX_BYTES)}：请压缩照片或分页扫描后再传")
    upload.seek(0)
    kind = evidence_type(upload.read(16))
    upload.seek(0)
    if kind is None:
        raise Refused(f"“{upload.name}”不是照片（JPEG、PNG、WebP）或 PDF 扫描件，不能上传")
    if TaskEvidence.objects.filter(task=task).count() >= settings.EVIDENCE_PER_TASK:
        raise Refused(f"每项任务最多上传 {settings.EVIDENCE_PER_TASK} 个文件")
    name = "".join(c for c in Path(upload.name).name if c.isprintable())[:120] or "佐证材料"
    evidence = TaskEvidence(task=task, name=name, content_type=kind, size=upload.size,
                            note=note.strip()[:200], uploaded_by=actor)
    evidence.file.save(name, upload, save=False)
    evidence.save()
    text = f"上传佐证材料：{name}（{shown_size(upload.size)}）"
    TaskUpdate.objects.create(task=task, actor=actor, from_state=task.state,
                              to_state=task.state, note=text)
    audit_record(actor=actor, action=AuditAction.CREATED, obj=evidence,
                 household=task.household_id, note=text)
    return evidence
