"""Alerts and every move they make (domain.md §5, §7)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from monitor.roles import Channel
from monitor.rules import rule_name
from monitor.scope import visible


class Severity(models.TextChoices):
    HIGH = "high", "高风险"
    MEDIUM = "medium", "中风险"


class Source(models.TextChoices):
    CHECK = "排查", "基层干部排查"
    DECLARATION = "自主申报", "农户自主申报"
    DEPARTMENT = "部门", "部门筛查预警"


class State(models.TextChoices):
    # Stored as the Chinese words, labelled with them too (not Django's English guess).
    RAISED = "预警", "预警"
    VERIFIED = "核实", "核实"
    IN_ASSISTANCE = "帮扶中", "帮扶中"
    READY_TO_CLOSE = "待销号", "待销号"
    CLOSED = "已销号", "已销号"
    DISMISSED = "已排除", "已排除"


FINAL_STATES = (State.CLOSED, State.DISMISSED)


class Level(models.TextChoices):
    """Who must act on an alert now; a missed deadline moves it up one level."""

    VILLAGE = "village", "村"
    TOWN = "town", "乡镇"
    COUNTY = "county", "区县"


def due_date():
    """The deadline of the step an alert is at: a declaration's acceptance while one waits
    for the town, else verify while 预警, plan while 核实, close after. The queue sorts on
    it, and an index of open alerts holds it (Alert.Meta)."""
    return models.Case(
        models.When(accept_by__isnull=False, then="accept_by"),
        models.When(state=State.RAISED, then="verify_by"),
        models.When(state=State.VERIFIED, then="plan_by"),
        default="close_by", output_field=models.DateField(),
    )


class AlertQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(state__in=FINAL_STATES)

    def visible_to(self, user):
        """The alerts this user may see (monitor/scope.py)."""
        return visible(self, user)

    def in_place(self, code: str):
        return self.filter(village_code__startswith=code)

    def of_channel(self, channel: str):
        return self.filter(channel=channel)

    def raised_between(self, start, end):
        """Raised (found on) within the period; either end may be None (open)."""
        alerts = self
        if start:
            alerts = alerts.filter(raised_on__gte=start)
        if end:
            alerts = alerts.filter(raised_on__lte=end)
        return alerts

    def with_due(self):
        """Annotate `due`: the deadline of the step the alert is at (verify while 预警,
        plan while 核实, close after), for sorting the queue by what is due first."""
        return self.annotate(due=due_date())


class Alert(models.Model):
    household = models.ForeignKey(
        "households.Household", on_delete=models.CASCADE, related_name="alerts",
        verbose_name="农户",
    )
    # The household's village, kept so by the database on every write of either
    # (alerts/migrations/0011): a place's alerts and their total need no join with its
    # households.
    village_code = models.CharField("村代码", max_length=12, default="", editable=False)
    rule = models.CharField("规则", max_length=24)
    risk_type = models.CharField("风险类型", max_length=20)
    severity = models.CharField("严重程度", max_length=8, choices=Severity.choices)
    channel = models.CharField("责任渠道", max_length=12, choices=Channel.choices)
    source = models.CharField("来源", max_length=8, choices=Source.choices, default=Source.CHECK)
    state = models.CharField("状态", max_length=4, choices=State.choices, default=State.RAISED)
    # The open state it left for 待销号, to return to if the rule fires again (§7).
    state_before_ready = models.CharField(max_length=4, choices=State.choices, blank=True)
    level = models.CharField("层级", max_length=8, choices=Level.choices, default=Level.VILLAGE)
    overdue = models.BooleanField("已逾期", default=False)
    # The last deadline step whose miss was escalated (alerts/escalation.py).
    escalated_step = models.CharField("已上报的逾期环节", max_length=8, blank=True, default="")
    raised_on = models.DateField("发现日期")
    # A declaration's own deadline (§7): the town accepts it within 2 days. Set while a
    # declaration of the alert waits for acceptance (the earliest one's); the alert's
    # verify, plan and close deadlines count from the first acceptance.
    accept_by = models.DateField("受理期限", null=True, blank=True)
    verify_by = models.DateField("核实期限", null=True, blank=True)
    plan_by = models.DateField("帮扶计划期限", null=True, blank=True)
    close_by = models.DateField("销号期限", null=True, blank=True)
    last_seen_on = models.DateField("最近发现日期")
    first_check = models.ForeignKey(
        "households.Check", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="发现于排查",
    )
    last_check = models.ForeignKey(
        "households.Check", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="最近一次排查",
    )
    cleared_by = models.ForeignKey(
        "households.Check", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="消除于排查",
    )
    evidence = models.JSONField("依据", default=dict)
    cleared_evidence = models.JSONField("消除时的值", default=dict, blank=True)
    verification_check = models.ForeignKey(
        "households.Check", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="核实排查",
    )
    # Who works the alert now (a supervisor assigns it from the queue); None = the place's
    # officers in general.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="assigned_alerts", verbose_name="负责人",
    )
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name="销号人",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "预警"
        ordering = ["-raised_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "rule"],
                condition=~Q(state__in=FINAL_STATES),
                name="one_open_alert_per_rule",
            )
        ]
        indexes = [
            models.Index(fields=["state", "severity"], name="alert_queue"),
            models.Index(fields=["raised_on"], name="alert_raised_on"),
            # The queue: open alerts, what is due first. A county keeps years of closed
            # alerts; this index holds only the open ones, in the queue's order.
            models.Index(due_date(), "id", name="alert_open_due",
                         condition=~Q(state__in=FINAL_STATES)),
            # A place's open alerts by code prefix (LIKE '500241%'), read from the index
            # alone: the queue's total for a county is its 54,000 entries, not a join.
            models.Index(fields=["village_code"], name="open_alert_village",
                         opclasses=["varchar_pattern_ops"],
                         condition=~Q(state__in=FINAL_STATES)),
        ]

    def __str__(self):
        return f"{self.household.number} {self.rule_name} {self.state}"

    @property
    def rule_name(self) -> str:
        """The rule's 名称, what a person reads (domain.md §5)."""
        return rule_name(self.rule)

    @property
    def is_open(self) -> bool:
        return self.state not in FINAL_STATES


class StateMove(models.Model):
    """One move of something's state: who, when, from, to, note — the audit row (§7)."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name="操作人",
    )
    at = models.DateTimeField("时间", auto_now_add=True)
    from_state = models.CharField("原状态", max_length=4, blank=True)
    to_state = models.CharField("新状态", max_length=4)
    note = models.TextField("说明", blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.from_state or '—'} → {self.to_state}"


class AlertMove(StateMove):
    """One state move of an alert (§7)."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="moves")

    class Meta(StateMove.Meta):
        verbose_name = verbose_name_plural = "预警流转记录"


# ── Escalation (§7): which deadline step an alert has already been escalated for ──────

class Step(models.TextChoices):
    """The deadlines of §7 in order. An alert's `escalated_step` is the last one whose
    miss has been escalated, so the periodic job never escalates a step twice."""

    NONE = "", "未上报"
    ACCEPT = "accept", "受理"
    VERIFY = "verify", "核实"
    PLAN = "plan", "帮扶计划"
    CLOSE = "close", "销号"


STEP_ORDER = [Step.NONE, Step.ACCEPT, Step.VERIFY, Step.PLAN, Step.CLOSE]


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


class Notification(models.Model):
    """An in-app message to one user (escalations, overdue tasks)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notifications", verbose_name="用户")
    text = models.TextField("内容")
    link = models.CharField("链接", max_length=200, blank=True)
    created = models.DateTimeField("时间", auto_now_add=True)
    read = models.BooleanField("已读", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "通知"
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["user", "read"], name="notification_unread")]

    def __str__(self):
        return self.text[:40]


class ExportState(models.TextChoices):
    QUEUED = "排队中", "排队中"
    RUNNING = "生成中", "生成中"
    DONE = "已完成", "已完成"
    FAILED = "失败", "失败"


class ExportKind(models.TextChoices):
    FIVE_LISTS = "five_lists", "五张清单"
    LEDGER = "ledger", "农户台账"
    POLICY_PREVIEW = "preview", "政策调整预览"
    POLICY_ADOPTION = "adoption", "采纳政策调整"


class ExportJob(models.Model):
    """Long work run in the background with progress and a file when done: an export
    (the five lists of a place and period, the household ledger of a place), or a policy
    change previewed or adopted for a county (its proposal in `parameters`)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+", verbose_name="申请人")
    place = models.ForeignKey("households.Place", on_delete=models.CASCADE, related_name="+",
                              verbose_name="地区")
    kind = models.CharField("内容", max_length=12, choices=ExportKind.choices,
                            default=ExportKind.FIVE_LISTS)
    start = models.DateField("起始日期", null=True, blank=True)
    end = models.DateField("截止日期")
    format = models.CharField("格式", max_length=4, default="xlsx")
    state = models.CharField("状态", max_length=4, choices=ExportState.choices,
                             default=ExportState.QUEUED)
    rows_done = models.PositiveIntegerField("已写行数", default=0)
    rows_total = models.PositiveIntegerField("总行数", default=0)
    file = models.CharField("文件", max_length=300, blank=True)
    error = models.TextField("错误", blank=True)
    parameters = models.JSONField("参数", default=dict, blank=True)
    created = models.DateTimeField("申请时间", auto_now_add=True)
    finished = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "导出任务"
        ordering = ["-created", "-id"]

    def __str__(self):
        return f"{self.place_id} {self.start or '—'}～{self.end} {self.state}"

    @property
    def percent(self) -> int:
        if self.state == ExportState.DONE:
            return 100
        return int(100 * self.rows_done / self.rows_total) if self.rows_total else 0
