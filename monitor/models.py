"""Users with their role and place, the county's policy (domain.md §1, §5–7) and the
audit trail (monitor/audit.py)."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .names import validate_name
from .parameters import DEFAULTS
from .roles import Channel, Role
from .scope import sees_audit_trail, visible

ROLE_LEVEL = {Role.VILLAGE: 12, Role.TOWN: 9, Role.COUNTY: 6, Role.DEPARTMENT: 6}


class User(AbstractUser):
    # How the person is shown everywhere (display_name): nothing that displays as another text.
    first_name = models.CharField("名", max_length=150, blank=True, validators=[validate_name])
    last_name = models.CharField("姓", max_length=150, blank=True, validators=[validate_name])
    role = models.CharField("角色", max_length=12, choices=Role.choices, default=Role.VILLAGE)
    place = models.ForeignKey(
        "households.Place", on_delete=models.PROTECT, null=True, blank=True,
        related_name="users", verbose_name="工作地区",
    )
    channel = models.CharField("部门渠道", max_length=12, choices=Channel.choices, blank=True)
    unit = models.CharField("单位", max_length=100, blank=True)
    phone = models.CharField("电话", max_length=20, blank=True)
    # When the password last changed: API tokens made before it no longer work.
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True,
                                               editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "用户"

    def set_password(self, raw_password):
        """Django's, noting when: every API token made before stops working
        (monitor.accounts.token_valid). Saved with the password wherever it is saved."""
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    def clean(self):
        super().clean()
        check_role_binding(role=self.role, place=self.place, channel=self.channel)

    @property
    def display_name(self) -> str:
        return person_name(self.first_name, self.last_name, self.username)

    @property
    def name_and_unit(self) -> str:
        """The person as trails and lists show them (domain.md §7): 王小燕 · 平所村委会."""
        return " · ".join(part for part in (self.display_name, self.unit) if part)


def person_name(first_name: str | None, last_name: str | None, username: str | None) -> str:
    """A person as every page, list, export and message shows them: the full name as
    Django's get_full_name makes it, else the username; from a user's values (all None
    for nobody: ""), or User.display_name."""
    if username is None:
        return ""
    return f"{first_name} {last_name}".strip() or username


def check_role_binding(*, role, place, channel) -> None:
    """A role needs the right kind of place, and department staff a channel."""
    level = ROLE_LEVEL.get(role)
    if level and place is None:
        raise ValidationError({"place": f"角色“{Role(role).label}”必须指定工作地区"})
    if level and len(place.code) != level:
        kind = {12: "村", 9: "乡镇", 6: "区县"}[level]
        raise ValidationError({"place": f"角色“{Role(role).label}”的工作地区必须是{kind}"})
    if role == Role.DEPARTMENT and not channel:
        raise ValidationError({"channel": "行业部门用户必须指定部门渠道"})
    if role != Role.DEPARTMENT and channel:
        raise ValidationError({"channel": "只有行业部门用户有部门渠道"})


class MonitoringLine(models.Model):
    """The monitoring line (监测线): per-capita yearly income, per province and year."""

    province = models.CharField("省级代码", max_length=2, default="50")
    year = models.PositiveSmallIntegerField("年度")
    amount = models.DecimalField("监测线（元/人·年）", max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = verbose_name_plural = "监测线"
        ordering = ["province", "year"]
        constraints = [
            models.UniqueConstraint(fields=["province", "year"], name="one_line_per_year")
        ]

    def __str__(self):
        return f"{self.province} {self.year}: {self.amount}"


class PolicySetting(models.Model):
    """One threshold of the rules, classes or deadlines, in force from a date on."""

    key = models.CharField("参数", max_length=60)
    value = models.DecimalField("取值", max_digits=12, decimal_places=4)
    effective_from = models.DateField("生效日期", default=date(2021, 1, 1))
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "政策参数"
        ordering = ["key", "effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["key", "effective_from"], name="one_value_per_date")
        ]

    def __str__(self):
        return f"{self.key} = {self.value}（{self.effective_from} 起）"

    def clean(self):
        if self.key not in DEFAULTS:
            raise ValidationError({"key": f"未知参数“{self.key}”"})
        if self.value is not None and self.value < Decimal("0"):
            raise ValidationError({"value": "取值不能为负"})


class IdempotencyKey(models.Model):
    """A submission's Idempotency-Key and the answer it got (monitor/api.py).

    An officer's phone resends a check after a dropped connection with the same key; the
    server answers the stored response instead of recording the check twice. The row is
    written in the same transaction as the check, so it exists only with its response."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+", verbose_name="用户")
    key = models.CharField("幂等键", max_length=255)
    fingerprint = models.CharField("请求摘要", max_length=64)
    status_code = models.PositiveSmallIntegerField("响应状态")
    body = models.JSONField("响应内容", encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "幂等键"
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="one_idempotency_key_per_user")
        ]

    def __str__(self):
        return f"{self.user_id} {self.key}"


class AuditAction(models.TextChoices):
    CREATED = "created", "新增"
    CHANGED = "changed", "修改"
    MOVED = "moved", "流转"
    DELETED = "deleted", "删除"
    EXPORTED = "exported", "导出"
    IMPORTED = "imported", "导入"


class AuditSource(models.TextChoices):
    PAGE = "page", "页面"
    API = "api", "接口"
    ADMIN = "admin", "管理后台"
    IMPORT = "import", "导入"
    ENGINE = "engine", "系统评估"
    COMMAND = "command", "命令行"


# What the trail calls each kind of object (monitor/audit.py KINDS).
AUDIT_KINDS = {
    "household": "农户", "member": "家庭成员", "check": "排查", "declaration": "农户申报",
    "case": "纳入监测/风险消除", "notice": "公示", "objection": "公示异议",
    "comparison": "部门数据比对", "alert": "预警", "plan": "一户一策", "measure": "帮扶措施",
    "task": "帮扶任务", "export": "导出", "import": "导入", "policy": "政策参数",
    "line": "监测线",
}


class AuditEventQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Events of the households this user may see, for those who read the trail
        (exports and other events without a household: administrators only, in the
        admin). Department staff read no trail (monitor/scope.py)."""
        if not sees_audit_trail(user):
            return self.none()
        return visible(self, user, departments=False)

    def in_place(self, code: str):
        return self.filter(household__village__code__startswith=code)


class AuditEvent(models.Model):
    """One line of the audit trail (操作记录): who did what to which object, when, and
    what changed (old → new). Written by monitor/audit.py in the transaction of the write
    it describes; never changed or deleted (the admin refuses, and on PostgreSQL a trigger
    refuses even code). The household and actor links carry no database constraint and
    are not cascaded, so the trail outlives what it describes."""

    at = models.DateTimeField("时间", default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False,
        null=True, blank=True, related_name="+", verbose_name="操作人",
    )
    action = models.CharField("操作", max_length=10, choices=AuditAction.choices)
    object_kind = models.CharField("对象类型", max_length=20)
    object_id = models.CharField("对象编号", max_length=40, blank=True)
    object_label = models.CharField("对象", max_length=200, blank=True)
    household = models.ForeignKey(
        "households.Household", on_delete=models.DO_NOTHING, db_constraint=False,
        db_index=False,  # audit_household_at leads with it
        null=True, blank=True, related_name="+", verbose_name="农户",
    )
    changes = models.JSONField("变化", default=dict, blank=True, encoder=DjangoJSONEncoder)
    note = models.TextField("说明", blank=True)
    source = models.CharField("来源", max_length=10, choices=AuditSource.choices, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "操作记录"
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["household", "at"], name="audit_household_at"),
            models.Index(fields=["at"], name="audit_at"),
            # The engine's changes of an alert, which are its escalations: the five lists
            # read each alert's level as of the end of a period from them (reports).
            models.Index(fields=["object_id", "at"], name="audit_alert_escalation",
                         condition=Q(object_kind="alert", source=AuditSource.ENGINE,
                                     action=AuditAction.CHANGED)),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.object_label}"

    @property
    def kind_label(self) -> str:
        return AUDIT_KINDS.get(self.object_kind, self.object_kind)

    @property
    def change_rows(self) -> list[tuple[str, object, object]]:
        """(field, old, new) for a table."""
        return [(name, old, new) for name, (old, new) in (self.changes or {}).items()]

    @property
    def changes_text(self) -> str:
        return "；".join(f"{name}：{'—' if old in (None, '') else old} → "
                        f"{'—' if new in (None, '') else new}"
                        for name, old, new in self.change_rows)
