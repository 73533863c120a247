"""Places, households, members and checks (domain.md §2–4)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

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
from monitor.names import validate_name
from monitor.privacy import SEARCHABLE_TAIL, sees_personal_data
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

    def matching(self, query: str, user):
        """The one search of households (the list page and the API): by 户编号, the head's
        or a member's name, or the tail of an ID number. A user is searched for only by
        what they are shown: someone who sees ID numbers masked (500241********1234) may
        match the last four characters they see, no more, else asking "does this tail
        match?" digit by digit would rebuild the number and its birth date."""
        query = query.strip()
        if not query:
            return self
        names = Q(number__icontains=query) | Q(head_name__icontains=query)
        member_names = Q(name__icontains=query)
        if len(query) <= SEARCHABLE_TAIL or sees_personal_data(user):
            tail = query.upper()
            names |= Q(head_id_number__endswith=tail)
            member_names |= Q(id_number__endswith=tail)
        members = Member.objects.filter(member_names)
        return self.filter(names | Q(pk__in=members.values("household_id")))


class Household(models.Model):
    number = models.CharField("户编号", max_length=40, unique=True)
    village = models.ForeignKey(
        Place, on_delete=models.PROTECT, related_name="households", verbose_name="村",
        limit_choices_to={"level": PlaceLevel.VILLAGE},
    )
    group = models.CharField("村民小组", max_length=40, blank=True)
    head_name = models.CharField("户主姓名", max_length=50, validators=[validate_name])
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
    cadre = models.CharField("帮扶责任人", max_length=50, blank=True, validators=[validate_name])
    info_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="officer_households", verbose_name="信息员",
    )
    # Derived by the engine, never typed (domain.md §3, §6, §9). Not indexed, so the
    # engine's updates stay in place on the page (migration 0010: fillfactor 70); an
    # index on them would make every update write all six indexes again.
    household_class = models.CharField(
        "分类", max_length=4, choices=HouseholdClass.choices, blank=True
    )
    key_group = models.CharField("重点群体", max_length=8, choices=KeyGroup.choices, blank=True)
    monitoring_category = models.CharField(
        "监测类别", max_length=10, choices=MonitoringCategory.choices, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The digest of the household's rows (household, members, checks) in the last survey
    # workbook imported whole: the same rows again are skipped unread (survey/digest.py).
    survey_digest = models.BigIntegerField("导入摘要", null=True, blank=True, editable=False)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "农户"
        ordering = ["number"]

    def __str__(self):
        return f"{self.number} {self.head_name}"


class OfHouseholdQuerySet(models.QuerySet):
    """What belongs to one household (its members, its checks): seen with it."""

    def visible_to(self, user):
        """Those of the households this user may see (monitor/scope.py)."""
        return visible(self, user)

    def in_place(self, code: str):
        return self.filter(household__village__code__startswith=code)

    def of_channel(self, channel: str):
        return self.filter(household__in=Household.objects.of_channel(channel))


class Member(models.Model):
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="members", verbose_name="农户"
    )
    name = models.CharField("姓名", max_length=50, validators=[validate_name])
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

    objects = OfHouseholdQuerySet.as_manager()

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


class CheckQuerySet(OfHouseholdQuerySet):
    def in_visit_order(self):
        return self.order_by("visit_date", "id")

    def unevaluated(self):
        """Not yet run through the engine (index check_unevaluated)."""
        return self.filter(evaluated_at__isnull=True)


NOTES_MAX = 2000  # characters of a check's 备注 the page, the import and the API take


class Check(models.Model):
    """One visit by one officer to one household on one date (domain.md §4).

    `members` is the household's members as of the visit (schooling, insurance, labour,
    work), so the rules judge a late-arriving older check on what it actually saw.
    """

    # No index of its own: the unique (household, visit_date, kind) below leads with it
    # and serves every look-up by household; a second index only slowed a county's writes.
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="checks", verbose_name="农户",
        db_index=False,
    )
    visit_date = models.DateField("排查日期")
    kind = models.CharField("排查类型", max_length=8, choices=CheckKind.choices)
    officer_name = models.CharField("排查人", max_length=50, blank=True,
                                    validators=[validate_name])
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
    """A change of a household's class (§6), key group (§3) or monitoring category (§9):
    date, old → new, reasons.

    It is dated (`on`) by what changed it: the visit date of the check (a workbook holding
    three years of checks leaves the moves of those three years, each on its visit date),
    or the day of the alert's move or the county's confirmation. `changed_at` is only when
    it was recorded. Counting who moved where over a period reads `on`."""

    class Kind(models.TextChoices):
        CLASS = "class", "分类"
        KEY_GROUP = "key_group", "重点群体"
        MONITORING = "monitoring", "监测类别"  # set or removed by county confirmation (§9)

    # History, as the audit trail is: written only by the engine for households it has
    # just locked and checks it has just read, a county's 200,000 rows a pass. Without a
    # database constraint no row checks and locks its household and check at commit (a
    # county's evaluation spent 7.6 s in its commits, now 3.2 s); deleting through Django
    # still cascades and sets null, as on_delete says.
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="status_changes", verbose_name="农户",
        db_constraint=False,
    )
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    old = models.CharField("原值", max_length=10, blank=True)
    new = models.CharField("新值", max_length=10, blank=True)
    reasons = models.TextField("原因", blank=True)
    on = models.DateField("日期")
    changed_at = models.DateTimeField("记录时间", auto_now_add=True)
    based_on = models.ForeignKey(
        Check, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="依据排查", db_constraint=False,
    )

    class Meta:
        verbose_name = verbose_name_plural = "分类变化记录"
        ordering = ["on", "id"]
        indexes = [models.Index(fields=["kind", "on"], name="status_change_period")]

    def __str__(self):
        return f"{self.household.number} {self.old or '—'} → {self.new or '—'}"
