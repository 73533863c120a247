"""Places, households, members and checks (domain.md §2–4)."""

from decimal import Decimal

from django.conf import settings
from django.db import models

from monitor import rules
from monitor.choices import (
    CheckKind,
    Health,
    HouseholdClass,
    HousingGrade,
    KeyGroup,
    Labour,
    MonitoringCategory,
    PlaceLevel,
    PovertyStatus,
    Schooling,
    SuddenEvent,
    Work,
)
from monitor.scope import visible

from .idnumber import parse_id_number, validate_id_number

CODE_LENGTH = {6: PlaceLevel.COUNTY, 9: PlaceLevel.TOWN, 12: PlaceLevel.VILLAGE}


class PlaceQuerySet(models.QuerySet):
    def within(self, code: str):
        """The place with this code and everything below it."""
        return self.filter(code__startswith=code)

    def visible_to(self, user):
        """The places this user may see (monitor/scope.py)."""
        return visible(self, user)

    def in_place(self, code: str):
        return self.within(code)

    def of_channel(self, channel: str):
        """Department staff see every place of their county."""
        return self

    def villages(self):
        return self.filter(level=PlaceLevel.VILLAGE)


class Place(models.Model):
    """County (6 digits) → town (9) → village (12); the parent is a prefix of the code."""

    code = models.CharField("代码", max_length=12, primary_key=True)
    name = models.CharField("名称", max_length=100)
    level = models.CharField("级别", max_length=8, choices=PlaceLevel.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name="上级",
    )

    objects = PlaceQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "地区"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}（{self.code}）"

    @property
    def province_code(self) -> str:
        return self.code[:2]

    @property
    def county_code(self) -> str:
        return self.code[:6]


class HouseholdQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The households this user may see (monitor/scope.py)."""
        return visible(self, user)

    def in_place(self, code: str):
        """Households whose village lies within the place with this code."""
        return self.filter(village__code__startswith=code)

    def of_channel(self, channel: str):
        """Households with an alert of the channel: a department's work."""
        return self.filter(pk__in=self.model.objects.filter(alerts__channel=channel).values("pk"))


class Household(models.Model):
    number = models.CharField("户编号", max_length=40, unique=True)
    village = models.ForeignKey(
        Place, on_delete=models.PROTECT, related_name="households", verbose_name="村",
        limit_choices_to={"level": PlaceLevel.VILLAGE},
    )
    group = models.CharField("村民小组", max_length=40, blank=True)
    head_name = models.CharField("户主姓名", max_length=50)
    head_id_number = models.CharField(
        "户主身份证号", max_length=18, blank=True, validators=[validate_id_number]
    )
    phone = models.CharField("联系电话", max_length=30, blank=True)
    address = models.CharField("住址", max_length=200, blank=True)
    registered = models.BooleanField("建档立卡", default=False)
    poverty_status = models.CharField(
        "脱贫状态", max_length=8, choices=PovertyStatus.choices, default=PovertyStatus.GENERAL
    )
    poverty_exit_year = models.PositiveSmallIntegerField("脱贫年度", null=True, blank=True)
    cadre = models.CharField("帮扶责任人", max_length=50, blank=True)
    info_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="officer_households", verbose_name="信息员",
    )
    # Derived by the engine, never typed (domain.md §3, §6, §9).
    household_class = models.CharField(
        "分类", max_length=4, choices=HouseholdClass.choices, blank=True
    )
    key_group = models.CharField("重点群体", max_length=8, choices=KeyGroup.choices, blank=True)
    monitoring_category = models.CharField(
        "监测类别", max_length=10, choices=MonitoringCategory.choices, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "农户"
        ordering = ["number"]

    def __str__(self):
        return f"{self.number} {self.head_name}"


class MemberQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Members of the households this user may see (monitor/scope.py)."""
        return visible(self, user)

    def in_place(self, code: str):
        return self.filter(household__village__code__startswith=code)

    def of_channel(self, channel: str):
        return self.filter(household__in=Household.objects.of_channel(channel))


class Member(models.Model):
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="members", verbose_name="农户"
    )
    name = models.CharField("姓名", max_length=50)
    id_number = models.CharField(
        "身份证号", max_length=18, unique=True, validators=[validate_id_number]
    )
    relation = models.CharField("与户主关系", max_length=20, blank=True)
    birth_date = models.DateField("出生日期", editable=False)
    male = models.BooleanField("男", editable=False)
    schooling = models.CharField(
        "在校情况", max_length=8, choices=Schooling.choices, default=Schooling.NOT_IN_SCHOOL
    )
    health = models.CharField("健康状况", max_length=8, choices=Health.choices,
                              default=Health.HEALTHY)
    disability_grade = models.CharField("残疾等级", max_length=8, blank=True)
    labour = models.CharField("劳动能力", max_length=8, choices=Labour.choices,
                              default=Labour.ORDINARY)
    work = models.CharField("务工状况", max_length=8, choices=Work.choices, default=Work.NONE)
    insured = models.BooleanField("参加基本医疗保险", default=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "家庭成员"
        ordering = ["household", "id"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # Birth date and sex are facts of the ID number, kept as columns for queries.
        parsed = parse_id_number(self.id_number)
        self.id_number, self.birth_date, self.male = parsed.number, parsed.birth_date, parsed.male
        super().save(*args, **kwargs)

    @property
    def sex(self) -> str:
        return "男" if self.male else "女"

    @property
    def is_head(self) -> bool:
        return self.relation == "户主"


MONEY = {"max_digits": 14, "decimal_places": 2, "default": Decimal("0")}


class CheckQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Checks of the households this user may see (monitor/scope.py)."""
        return visible(self, user)

    def in_place(self, code: str):
        return self.filter(household__village__code__startswith=code)

    def of_channel(self, channel: str):
        return self.filter(household__in=Household.objects.of_channel(channel))

    def in_visit_order(self):
        return self.order_by("visit_date", "id")

    def unevaluated(self):
        """Not yet run through the engine (index check_unevaluated)."""
        return self.filter(evaluated_at__isnull=True)


NOTES_MAX = 2000  # characters of a check's 备注 the import and the API take


class Check(models.Model):
    """One visit by one officer to one household on one date (domain.md §4).

    `members` is the household's members as of the visit (schooling, insurance, labour,
    work), so the rules judge a late-arriving older check on what it actually saw.
    """

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="checks", verbose_name="农户"
    )
    visit_date = models.DateField("排查日期")
    kind = models.CharField("排查类型", max_length=8, choices=CheckKind.choices)
    officer_name = models.CharField("排查人", max_length=50, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name="录入人",
    )
    food_secure = models.BooleanField("不愁吃", default=True)
    clothing_secure = models.BooleanField("不愁穿", default=True)
    housing = models.CharField("住房安全", max_length=4, choices=HousingGrade.choices,
                               default=HousingGrade.A)
    water_quantity = models.BooleanField("饮水水量", default=True)
    water_quality = models.BooleanField("饮水水质", default=True)
    water_convenience = models.BooleanField("取水方便", default=True)
    water_reliability = models.BooleanField("供水保证", default=True)
    income_wages = models.DecimalField("工资性收入", **MONEY)
    income_business = models.DecimalField("经营性收入", **MONEY)
    income_property = models.DecimalField("财产性收入", **MONEY)
    income_transfers = models.DecimalField("转移性收入", **MONEY)
    medical_spending = models.DecimalField("医疗自付支出", **MONEY)
    education_spending = models.DecimalField("教育支出", **MONEY)
    sudden_event = models.CharField("突发情况", max_length=8, choices=SuddenEvent.choices,
                                    default=SuddenEvent.NONE)
    sudden_loss = models.DecimalField("突发损失", **MONEY)
    notes = models.TextField("备注", blank=True)  # at most NOTES_MAX where typed in bulk
    members = models.JSONField("成员情况", default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    evaluated_at = models.DateTimeField("已评估于", null=True, blank=True)

    objects = CheckQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "排查记录"
        ordering = ["household", "visit_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "visit_date", "kind"], name="one_check_per_day_and_kind"
            )
        ]
        indexes = [models.Index(fields=["evaluated_at"], name="check_unevaluated")]

    def __str__(self):
        return f"{self.household.number} {self.visit_date} {self.kind}"

    @property
    def total_income(self) -> Decimal:
        return rules.total_income(self)

    @property
    def member_count(self) -> int:
        return len(self.members)

    @property
    def per_capita_income(self) -> Decimal:
        """As shown (to the fen) of what the income rules compare."""
        return rules.to_fen(rules.per_capita_income(self))


class StatusChange(models.Model):
    """A change of a household's class (§6) or key group (§3): date, old → new, reasons."""

    class Kind(models.TextChoices):
        CLASS = "class", "分类"
        KEY_GROUP = "key_group", "重点群体"
        MONITORING = "monitoring", "监测类别"  # set or removed by county confirmation (§9)

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="status_changes", verbose_name="农户"
    )
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    old = models.CharField("原值", max_length=10, blank=True)
    new = models.CharField("新值", max_length=10, blank=True)
    reasons = models.TextField("原因", blank=True)
    changed_at = models.DateTimeField("时间", auto_now_add=True)
    based_on = models.ForeignKey(
        Check, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="依据排查",
    )

    class Meta:
        verbose_name = verbose_name_plural = "分类变化记录"
        ordering = ["changed_at", "id"]
        indexes = [models.Index(fields=["kind", "changed_at"], name="status_change_period")]

    def __str__(self):
        return f"{self.household.number} {self.old or '—'} → {self.new or '—'}"


# ── Department comparison, declarations, identification and elimination (§7, §9) ──────
#
# Appended by the monitoring work (issue 7): casework/comparison.py, declarations.py,
# identification.py and quality.py hold the services that write these.

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
        verbose_name = verbose_name_plural = "公示"

    def __str__(self):
        return f"{self.case} 公示 {self.starts_on}～{self.ends_on}"


class Objection(models.Model):
    """An objection raised during a notice, and who recorded it."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="objections",
                               verbose_name="公示")
    received_on = models.DateField("收到日期")
    raised_by = models.CharField("异议人", max_length=50, blank=True)
    content = models.TextField("异议内容")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name="记录人",
    )
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "公示异议"
        ordering = ["received_on", "id"]

    def __str__(self):
        return f"{self.received_on} {self.content[:20]}"
