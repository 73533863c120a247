"""One plan per household (一户一策, domain.md §7): measures, their tasks, task updates and
the evidence a task carries."""

import uuid

from django.conf import settings
from django.db import models

from monitor.roles import Channel
from monitor.scope import visible

from .alerts import Alert, StateMove

# ── One plan per household (一户一策, §7) ─────────────────────────────────────────────

class MeasureCatalogue(models.Model):
    """The measures a county offers for a risk type (风险类型, domain.md §5), whatever found
    the risk: a check's rule, a department's list or the household's own declaration
    (§7: every source has the same catalogue, by risk type). The county edits it in the
    admin.

    A measure records its name as text, so editing the catalogue never rewrites a plan."""

    risk_type = models.CharField("风险类型", max_length=20)
    name = models.CharField("帮扶措施", max_length=40)
    channel = models.CharField("责任渠道", max_length=12, choices=Channel.choices)
    active = models.BooleanField("启用", default=True)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "帮扶措施目录"
        ordering = ["risk_type", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["risk_type", "name"],
                                    name="one_measure_name_per_risk_type")
        ]

    def __str__(self):
        return f"{self.risk_type}：{self.name}"


class Plan(models.Model):
    """A household's one plan: its measures per alert and their tasks."""

    household = models.OneToOneField(
        "households.Household", on_delete=models.CASCADE, related_name="plan",
        verbose_name="农户",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name="制定人",
    )
    created_at = models.DateTimeField("制定时间", auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "一户一策"

    def __str__(self):
        return f"{self.household_id} 一户一策"


class MeasureState(models.TextChoices):
    PLANNED = "待落实", "待落实"
    UNDER_WAY = "落实中", "落实中"
    DONE = "已落实", "已落实"


class MeasureQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The measures this user may see (monitor/scope.py): a department's are those of
        its channel, which may differ from the alert's (低保 for an income alert is civil
        affairs' work)."""
        return visible(self, user)

    def in_place(self, code: str):
        return self.filter(alert__village_code__startswith=code)

    def of_channel(self, channel: str):
        return self.filter(channel=channel)


class Measure(models.Model):
    """One measure chosen from the catalogue for one alert."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="measures",
                             verbose_name="一户一策")
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="measures",
                              verbose_name="预警")
    name = models.CharField("帮扶措施", max_length=40)
    channel = models.CharField("责任渠道", max_length=12, choices=Channel.choices)
    deadline = models.DateField("完成期限")
    state = models.CharField("状态", max_length=4, choices=MeasureState.choices,
                             default=MeasureState.PLANNED)
    note = models.TextField("说明", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name="制定人",
    )
    created_at = models.DateTimeField("制定时间", auto_now_add=True)

    objects = MeasureQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "帮扶措施"
        ordering = ["deadline", "id"]

    def __str__(self):
        return self.name


class TaskState(models.TextChoices):
    TODO = "待办", "待办"
    DOING = "进行中", "进行中"
    DONE = "已完成", "已完成"


class TaskQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The tasks this user may see (monitor/scope.py)."""
        return visible(self, user)

    def in_place(self, code: str):
        return self.filter(household__village__code__startswith=code)

    def of_channel(self, channel: str):
        return self.filter(channel=channel)

    def open(self):
        return self.exclude(state=TaskState.DONE)

    def overdue_on(self, today):
        """Open tasks whose due date has passed: due on day X, overdue from X + 1."""
        return self.open().filter(due__lt=today)


class Task(models.Model):
    """A piece of work for a measure, assigned to a unit and optionally a person.
    `household` and `channel` are copied from the measure for scope queries."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="tasks",
                                verbose_name="帮扶措施")
    household = models.ForeignKey(
        "households.Household", on_delete=models.CASCADE, related_name="tasks",
        verbose_name="农户",
    )
    channel = models.CharField("责任渠道", max_length=12, choices=Channel.choices)
    title = models.CharField("任务", max_length=200)
    unit = models.CharField("责任单位", max_length=100)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="tasks", verbose_name="责任人",
    )
    due = models.DateField("完成期限")
    state = models.CharField("状态", max_length=4, choices=TaskState.choices,
                             default=TaskState.TODO)
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    note = models.TextField("进展说明", blank=True)
    # The day the periodic job first found it overdue; set once, so it notifies once.
    overdue_since = models.DateField("逾期起始", null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name="指派人",
    )
    created_at = models.DateTimeField("指派时间", auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "帮扶任务"
        ordering = ["due", "id"]
        indexes = [models.Index(fields=["channel", "state"], name="task_channel_state")]

    def __str__(self):
        return self.title

    def overdue_days(self, today) -> int:
        return overdue_days(self.due, self.done_at, today)


def overdue_days(due, done_at, today) -> int:
    """A task's days past its due date: open, until today; done, until it was done (0 when
    on time)."""
    from django.utils import timezone

    end = timezone.localdate(done_at) if done_at else today
    return max(0, (end - due).days)


class TaskUpdate(StateMove):
    """One update of a task's state."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="updates")

    class Meta(StateMove.Meta):
        verbose_name = verbose_name_plural = "任务进展记录"


def evidence_path(evidence, filename: str) -> str:
    """Where an evidence file is kept under MEDIA_ROOT (never served directly: it is sent
    only through a page that checks the task's scope). A random name, so two photos both
    called IMG_0001.jpg never collide and a name can carry nothing into the path."""
    return f"evidence/{uuid.uuid4().hex}{evidence.kind_suffix}"


class TaskEvidence(models.Model):
    """A file showing a task's work was done (佐证材料): a photo or a scanned form. Seen by
    whoever sees its task (monitor/scope.py), so by the household's place and the task's
    channel."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="evidence",
                             verbose_name="帮扶任务")
    file = models.FileField("文件", upload_to=evidence_path, max_length=200)
    name = models.CharField("原文件名", max_length=120)
    content_type = models.CharField("文件类型", max_length=40)
    size = models.PositiveIntegerField("大小（字节）")
    note = models.CharField("说明", max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name="上传人",
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "任务佐证材料"
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.name

    @property
    def kind_suffix(self) -> str:
        return EVIDENCE_SUFFIXES.get(self.content_type, "")

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


# The kinds of evidence file accepted, found from the file's first bytes (not its name).
EVIDENCE_SUFFIXES = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp",
                     "application/pdf": ".pdf"}
