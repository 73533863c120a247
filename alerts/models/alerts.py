"""Alerts and every move they make (domain.md §5, §7), and the messages they send."""

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
    state_before_ready = models.CharField("转待销号前状态", max_length=4, choices=State.choices,
                                          blank=True)
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
