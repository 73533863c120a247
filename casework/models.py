"""Department comparison, declarations, identification and elimination (domain.md §7, §9):
the records that casework/comparison.py, declarations.py, identification.py and
quality.py write.

These models were first written in households; their tables keep the names they had
there (households_declaration …, set by db_table), so moving them here changed nothing
in the database (migrations/0001_initial.py).
"""

from django.conf import settings
from django.db import models

from households.models import Household, Place
from monitor.choices import MonitoringCategory
from monitor.names import validate_name


class ComparisonKind(models.TextChoices):
    """The department lists of interfaces.md and the column each brings."""

    INSURED = "insured", "参保人员（医保部门）"
    PUPILS = "pupils", "在校生和失学辍学学生（教育部门）"
    HOUSES = "houses", "住房安全鉴定（住建部门）"
    ALLOWANCE = "allowance", "低保对象（民政部门）"
    DISABILITY = "disability", "残疾人（残联）"


class DepartmentComparison(models.Model):
    """One department list matched against the registry (部门数据比对): who, when, which
    list, how many rows, the count of each result and the report file."""

    kind = models.CharField("名单类型", max_length=12, choices=ComparisonKind.choices)
    place = models.ForeignKey(
        Place, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="比对范围",
    )
    file_name = models.CharField("名单文件", max_length=200)
    compared_on = models.DateField("比对日期")
    rows = models.PositiveIntegerField("名单行数", default=0)
    matched = models.PositiveIntegerField("一致", default=0)
    only_in_list = models.PositiveIntegerField("名单有登记无", default=0)
    only_in_registry = models.PositiveIntegerField("登记有名单无", default=0)
    disagreeing = models.PositiveIntegerField("不一致", default=0)
    invalid = models.PositiveIntegerField("名单错误行", default=0)
    alerts_raised = models.PositiveIntegerField("新发预警", default=0)
    alerts_updated = models.PositiveIntegerField("更新预警", default=0)
    problems = models.JSONField("名单错误（前若干行）", default=list, blank=True)
    report = models.CharField("比对报告", max_length=300, blank=True)
    seconds = models.DecimalField("用时（秒）", max_digits=8, decimal_places=2, default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name="比对人",
    )
    created_at = models.DateTimeField("比对时间", auto_now_add=True)

    class Meta:
        db_table = "households_departmentcomparison"
        verbose_name = verbose_name_plural = "部门数据比对"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.file_name} {self.compared_on}"


class DeclarationChannel(models.TextChoices):
    IN_PERSON = "当面", "当面申报"
    IN_WRITING = "书面", "书面申报"
    PHONE = "电话", "电话申报"
    ONLINE = "网上", "网上申报"


class Declaration(models.Model):
    """A household's own declaration of difficulty (农户自主申报), recorded by an officer
    or by staff taking the call; it raises (or joins) the household's DECLARATION alert,
    which the town must accept within the policy's days."""

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="declarations", verbose_name="农户"
    )
    channel = models.CharField("申报方式", max_length=4, choices=DeclarationChannel.choices)
    risk_type = models.CharField("风险类型", max_length=20)
    content = models.TextField("申报内容")
    declared_on = models.DateField("申报日期")
    alert = models.ForeignKey(
        "alerts.Alert", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="declarations", verbose_name="预警",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name="记录人",
    )
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)
    accept_by = models.DateField("受理期限")
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name="受理人",
    )
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    accept_note = models.TextField("受理意见", blank=True)

    class Meta:
        db_table = "households_declaration"
        verbose_name = verbose_name_plural = "农户自主申报"
        ordering = ["-declared_on", "-id"]

    def __str__(self):
        return f"{self.household.number} {self.declared_on} {self.channel}"


class CasePurpose(models.TextChoices):
    INCLUDE = "纳入监测", "纳入监测"
    ELIMINATE = "风险消除", "风险消除"


class CaseState(models.TextChoices):
    OPEN = "办理中", "办理中"
    CONFIRMED = "已确认", "已确认"
    RETURNED = "已退回", "已退回"


class CaseStep(models.TextChoices):
    """The steps of identification and of elimination, in their order (§9)."""

    VERIFY = "verify", "入户核实"
    VILLAGE_REVIEW = "village", "民主评议"
    NOTICE = "notice", "公示"
    TOWN_REVIEW = "town", "乡镇审核"
    COUNTY_CONFIRM = "county", "县级确认"


class StepOutcome(models.TextChoices):
    PASS = "通过", "通过"
    RETURNED = "退回", "退回"


class IdentificationCase(models.Model):
    """One run of the steps that put a household under monitoring (纳入监测) or take it
    off (风险消除). A step returned ends the case; the household may be proposed again."""

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="identification_cases",
        verbose_name="农户",
    )
    purpose = models.CharField("事项", max_length=4, choices=CasePurpose.choices)
    category = models.CharField("监测类别", max_length=10, choices=MonitoringCategory.choices)
    cause = models.TextField("原因")
    alert = models.ForeignKey(
        "alerts.Alert", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="来源预警",
    )
    state = models.CharField("状态", max_length=4, choices=CaseState.choices,
                             default=CaseState.OPEN)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name="提出人",
    )
    opened_at = models.DateTimeField("提出时间", auto_now_add=True)
    closed_on = models.DateField("办结日期", null=True, blank=True)

    class Meta:
        db_table = "households_identificationcase"
        verbose_name = verbose_name_plural = "纳入监测与风险消除"
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=models.Q(state="办理中"),
                name="one_open_case_per_household",
            )
        ]

    def __str__(self):
        return f"{self.household.number} {self.purpose} {self.state}"


class IdentificationStep(models.Model):
    """One step of a case, as done: date, person, outcome, reason (§9)."""

    case = models.ForeignKey(IdentificationCase, on_delete=models.CASCADE,
                             related_name="steps", verbose_name="事项")
    step = models.CharField("环节", max_length=8, choices=CaseStep.choices)
    outcome = models.CharField("结果", max_length=2, choices=StepOutcome.choices)
    done_on = models.DateField("日期")
    reason = models.TextField("意见或退回理由", blank=True)
    consent = models.BooleanField("农户签字确认", default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name="经办人",
    )
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        db_table = "households_identificationstep"
        verbose_name = verbose_name_plural = "办理环节"
        ordering = ["case", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "step"], name="one_row_per_case_step")
        ]

    def __str__(self):
        return f"{self.get_step_display()} {self.outcome}"


class Notice(models.Model):
    """The public notice (公示) of a case: its window and the text printed for it."""

    case = models.OneToOneField(IdentificationCase, on_delete=models.CASCADE,
                                related_name="notice", verbose_name="事项")
    starts_on = models.DateField("公示开始")
    ends_on = models.DateField("公示结束")
    text = models.TextField("公示内容")
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name="发布人",
    )
    posted_at = models.DateTimeField("发布时间", auto_now_add=True)

    class Meta:
        db_table = "households_notice"
        verbose_name = verbose_name_plural = "公示"

    def __str__(self):
        return f"{self.case} 公示 {self.starts_on}～{self.ends_on}"


class Objection(models.Model):
    """An objection raised during a notice, and who recorded it."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="objections",
                               verbose_name="公示")
    received_on = models.DateField("收到日期")
    raised_by = models.CharField("异议人", max_length=50, blank=True, validators=[validate_name])
    content = models.TextField("异议内容")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name="记录人",
    )
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        db_table = "households_objection"
        verbose_name = verbose_name_plural = "公示异议"
        ordering = ["received_on", "id"]

    def __str__(self):
        return f"{self.received_on} {self.content[:20]}"
