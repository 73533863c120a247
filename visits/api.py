"""The API for households, members and checks (issue 5).

Every queryset starts from monitor/scope.py, so a household outside the user's scope is
a 404, the same answer as for one that does not exist. Checks are written only through
visits.services.check_record, with an optional Idempotency-Key (monitor/api.py).

Personal data (monitor/privacy.py decides, for pages and exports too): department staff
work on the households with an alert of their channel (that is their scope), and see only
what that work needs: ID numbers masked (500241********1234), birth dates withheld (the
age is given), phones masked. Incomes are shown for the households in their scope, which
are exactly those their tasks are about.
"""
from django.db import IntegrityError
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from alerts.models import Alert
from households.models import NOTES_MAX, Check, Household, Member
from monitor.api import (
    IDEMPOTENCY_PARAMETER,
    LIST_ERRORS,
    BooleanFilter,
    DetailSerializer,
    IdFilter,
    Pagination,
    errors,
    idempotent,
)
from monitor.api_fields import (
    PLACE_HELP,
    BirthDateField,
    IdNumberField,
    PersonField,
    PhoneField,
    place_prefix,
)
from monitor.choices import (
    CheckKind,
    Health,
    HouseholdClass,
    HousingGrade,
    KeyGroup,
    Labour,
    MonitoringCategory,
    PovertyStatus,
    Schooling,
    SuddenEvent,
    Work,
)
from monitor.names import validate_name
from monitor.periods import age_on
from monitor.roles import RECORD_CHECKS, may
from visits.services import check_record

from .forms import EARLIEST_VISIT, labour_work_problem, school_age_problem, sudden_loss_problem
from .member_api import MemberAddInput, MemberIdInput, MemberLeaveInput, MemberWrites

# ── Households and members ────────────────────────────────────────────────────────────


class MemberOutput(serializers.ModelSerializer):
    id_number = IdNumberField(read_only=True, help_text="身份证号；行业部门用户只看到脱敏号码")
    birth_date = BirthDateField(help_text="出生日期；行业部门用户为 null")
    age = serializers.SerializerMethodField(help_text="今天的周岁")
    sex = serializers.CharField(read_only=True)
    is_head = serializers.BooleanField(read_only=True)

    class Meta:
        model = Member
        fields = ["id", "household", "name", "id_number", "relation", "is_head", "sex",
                  "birth_date", "age", "schooling", "health", "disability_grade", "labour",
                  "work", "insured"]

    def get_age(self, member) -> int:
        return age_on(member.birth_date, timezone.localdate())


class HouseholdOutput(serializers.ModelSerializer):
    village_name = serializers.CharField(source="village.name", read_only=True)
    town = serializers.CharField(source="village.parent_id", read_only=True, allow_null=True,
                                 help_text="乡镇代码")
    head_id_number = IdNumberField(read_only=True, help_text="户主身份证号；行业部门用户脱敏")
    phone = PhoneField(read_only=True, help_text="联系电话；行业部门用户脱敏")
    info_officer = PersonField(help_text="信息员")
    open_alerts = serializers.IntegerField(read_only=True,
                                           help_text="您能看到的未销号预警数")
    latest_visit_date = serializers.DateField(read_only=True, allow_null=True,
                                              help_text="最近一次排查日期")
    members = MemberOutput(many=True, read_only=True)

    class Meta:
        model = Household
        fields = ["id", "number", "village", "village_name", "town", "group", "head_name",
                  "head_id_number", "phone", "address", "registered", "poverty_status",
                  "poverty_exit_year", "cadre", "info_officer", "household_class", "key_group",
                  "monitoring_category", "open_alerts", "latest_visit_date", "members",
                  "created_at", "updated_at"]


class HouseholdFilter(filters.FilterSet):
    place = filters.CharFilter(method="filter_place", help_text=PLACE_HELP)
    village = filters.CharFilter(field_name="village_id", help_text="村代码（12位）")
    group = filters.CharFilter(help_text="村民小组")
    number = filters.CharFilter(help_text="户编号")
    q = filters.CharFilter(method="filter_q", help_text=(
        "户编号、户主或成员姓名、身份证号尾号（行业部门用户只能按看得到的后四位查）"))
    household_class = filters.ChoiceFilter(choices=HouseholdClass.choices,
                                           help_text="分类（稳定 / 巩固 / 临界）")
    classified = BooleanFilter(method="filter_classified", help_text="是否已分类")
    key_group = filters.ChoiceFilter(choices=KeyGroup.choices, help_text="重点群体")
    monitoring_category = filters.ChoiceFilter(choices=MonitoringCategory.choices,
                                               help_text="监测类别")
    registered = BooleanFilter(help_text="建档立卡")
    poverty_status = filters.ChoiceFilter(choices=PovertyStatus.choices)
    has_open_alerts = BooleanFilter(method="filter_open_alerts",
                                            help_text="有未销号预警")
    mine = BooleanFilter(method="filter_mine", help_text="只看我是信息员的农户")

    class Meta:
        model = Household
        fields = ["place", "village", "group", "number", "q", "household_class", "classified",
                  "key_group", "monitoring_category", "registered", "poverty_status",
                  "has_open_alerts", "mine"]

    def filter_place(self, queryset, name, value):
        return place_prefix(queryset, "village__code", value)

    def filter_q(self, queryset, name, value):
        return queryset.matching(value, self.request.user)

    def filter_classified(self, queryset, name, value):
        return queryset.exclude(household_class="") if value else queryset.filter(
            household_class="")

    def filter_open_alerts(self, queryset, name, value):
        return queryset.filter(open_alerts__gt=0) if value else queryset.filter(open_alerts=0)

    def filter_mine(self, queryset, name, value):
        return queryset.filter(info_officer=self.request.user) if value else queryset


@extend_schema_view(
    list=extend_schema(summary="农户列表（含成员）", responses={200: HouseholdOutput,
                                                         **LIST_ERRORS}),
    retrieve=extend_schema(summary="一户（含成员）", responses={200: HouseholdOutput,
                                                         **errors(404)}))
class HouseholdViewSet(viewsets.ReadOnlyModelViewSet):
    """Households in the user's scope, with their members, class, key group, monitoring
    category, open alerts and latest visit. Written only by imports and checks."""

    serializer_class = HouseholdOutput
    pagination_class = Pagination
    filter_backends = [filters.DjangoFilterBackend, OrderingFilter]
    filterset_class = HouseholdFilter
    ordering_fields = ["number", "head_name", "village", "updated_at", "open_alerts",
                       "latest_visit_date"]
    ordering = ["number"]

    def get_queryset(self):
        user = self.request.user
        open_alerts = Alert.objects.visible_to(user).open().filter(
            household=OuterRef("pk")).order_by().values("household").annotate(n=Count("id")).values("n")
        latest = Check.objects.filter(household=OuterRef("pk")).order_by(
            "-visit_date").values("visit_date")[:1]
        return Household.objects.visible_to(user).select_related(
            "village", "info_officer").prefetch_related("members").annotate(
            open_alerts=Coalesce(Subquery(open_alerts), 0),
            latest_visit_date=Subquery(latest))


class MemberFilter(filters.FilterSet):
    place = filters.CharFilter(method="filter_place", help_text=PLACE_HELP)
    household = IdFilter(field_name="household_id", help_text="农户 id")
    name = filters.CharFilter(lookup_expr="icontains")
    schooling = filters.ChoiceFilter(choices=Schooling.choices)
    health = filters.ChoiceFilter(choices=Health.choices)
    labour = filters.ChoiceFilter(choices=Labour.choices)
    work = filters.ChoiceFilter(choices=Work.choices)
    insured = BooleanFilter()

    class Meta:
        model = Member
        fields = ["place", "household", "name", "schooling", "health", "labour", "work",
                  "insured"]

    def filter_place(self, queryset, name, value):
        return place_prefix(queryset, "household__village__code", value)


@extend_schema_view(
    list=extend_schema(summary="成员列表", responses={200: MemberOutput, **LIST_ERRORS}),
    retrieve=extend_schema(summary="一名成员", responses={200: MemberOutput, **errors(404)}),
    create=extend_schema(
        summary="新增家庭成员（出生、婚入、迁入）", request=MemberAddInput,
        parameters=[IDEMPOTENCY_PARAMETER], responses={201: MemberOutput, **errors(400, 403, 409)},
        description="身份证号按 GB 11643 校验，全库唯一；出生日期、性别取自身份证号。"),
    leave=extend_schema(
        summary="成员减少（婚出、迁出、死亡）", request=MemberLeaveInput,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={200: DetailSerializer, **errors(400, 403, 404, 409)},
        description="成员移出本户；以往排查记录中的成员情况不变，操作记录保留原因和日期。"
                    "户主不能直接减少。"),
    id_number=extend_schema(
        summary="更正成员身份证号", request=MemberIdInput, parameters=[IDEMPOTENCY_PARAMETER],
        responses={200: MemberOutput, **errors(400, 403, 404, 409)},
        description="出生日期、性别随新号码；户主的号码同时更正农户的户主身份证号。"))
class MemberViewSet(MemberWrites, viewsets.ReadOnlyModelViewSet):
    """Members of the households in scope. A check updates their answers; the officer adds
    one, records one who left and corrects an ID number (visits/member_api.py)."""

    serializer_class = MemberOutput
    pagination_class = Pagination
    filter_backends = [filters.DjangoFilterBackend, OrderingFilter]
    filterset_class = MemberFilter
    ordering_fields = ["id", "name", "household"]
    ordering = ["household", "id"]

    def get_queryset(self):
        return Member.objects.visible_to(self.request.user)


# ── Checks ────────────────────────────────────────────────────────────────────────────


class CheckMemberOutput(serializers.Serializer):
    """A member as the check saw them."""

    id_number = IdNumberField(read_only=True)
    name = serializers.CharField(read_only=True)
    birth_date = BirthDateField()
    schooling = serializers.CharField(read_only=True, required=False)
    health = serializers.CharField(read_only=True, required=False)
    labour = serializers.CharField(read_only=True, required=False)
    work = serializers.CharField(read_only=True, required=False)
    insured = serializers.BooleanField(read_only=True, required=False)


MONEY = {"max_digits": 14, "decimal_places": 2}


class CheckOutput(serializers.ModelSerializer):
    household_number = serializers.CharField(source="household.number", read_only=True)
    recorded_by = PersonField(help_text="录入人")
    members = CheckMemberOutput(many=True, read_only=True)
    total_income = serializers.DecimalField(read_only=True, help_text="家庭纯收入（元）",
                                            **MONEY)
    per_capita_income = serializers.DecimalField(read_only=True, help_text="人均纯收入（元）",
                                                 **MONEY)

    class Meta:
        model = Check
        fields = ["id", "household", "household_number", "visit_date", "kind", "officer_name",
                  "recorded_by", "food_secure", "clothing_secure", "housing",
                  "water_quantity", "water_quality", "water_convenience", "water_reliability",
                  "income_wages", "income_business", "income_property", "income_transfers",
                  "total_income", "per_capita_income", "medical_spending",
                  "education_spending", "sudden_event", "sudden_loss", "notes", "members",
                  "created_at", "evaluated_at"]


class CheckMemberInput(serializers.Serializer):
    """What the visit saw of one member; only the answers given change."""

    id_number = serializers.CharField(max_length=18, help_text="成员身份证号")
    schooling = serializers.ChoiceField(Schooling.choices, required=False)
    health = serializers.ChoiceField(Health.choices, required=False)
    labour = serializers.ChoiceField(Labour.choices, required=False)
    work = serializers.ChoiceField(Work.choices, required=False)
    insured = serializers.BooleanField(required=False)


class VisibleHouseholdField(serializers.PrimaryKeyRelatedField):
    """A household id from the user's scope; any other is answered as if it did not exist."""

    def get_queryset(self):
        return Household.objects.visible_to(self.context["request"].user)


def money_input(label: str, *, negative: bool = False, **kwargs):
    return serializers.DecimalField(
        min_value=None if negative else 0, help_text=f"{label}（元）", **MONEY, **kwargs,
        error_messages={"min_value": f"{label}不能为负数",
                        "invalid": f"{label}应为数字（元），如 12000 或 3500.50",
                        "max_digits": f"{label}数额过大，请核对",
                        "max_whole_digits": f"{label}数额过大，请核对",
                        "max_decimal_places": f"{label}最多保留两位小数"})


class CheckInput(serializers.Serializer):
    """One visit's answers (domain.md §4). Every yes/no and amount is answered, as on the
    paper form; members carry what the visit saw of them."""

    household = VisibleHouseholdField(
        queryset=Household.objects.none(), help_text="农户 id",
        error_messages={"does_not_exist": "未找到该农户", "incorrect_type": "农户 id 应为整数"})
    visit_date = serializers.DateField(help_text="排查日期 YYYY-MM-DD")
    kind = serializers.ChoiceField(CheckKind.choices)
    officer_name = serializers.CharField(max_length=50, required=False, allow_blank=True,
                                         validators=[validate_name],
                                         help_text="排查人；不填为当前用户")
    food_secure = serializers.BooleanField(help_text="不愁吃")
    clothing_secure = serializers.BooleanField(help_text="不愁穿")
    housing = serializers.ChoiceField(HousingGrade.choices, help_text="住房安全")
    water_quantity = serializers.BooleanField(help_text="饮水水量达标")
    water_quality = serializers.BooleanField(help_text="饮水水质达标")
    water_convenience = serializers.BooleanField(help_text="取水方便")
    water_reliability = serializers.BooleanField(help_text="供水有保证")
    income_wages = money_input("工资性收入")
    income_business = money_input("经营性收入", negative=True)
    income_property = money_input("财产性收入")
    income_transfers = money_input("转移性收入")
    medical_spending = money_input("医疗自付支出")
    education_spending = money_input("教育支出")
    sudden_event = serializers.ChoiceField(SuddenEvent.choices, default=SuddenEvent.NONE)
    sudden_loss = money_input("突发损失", default=0)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=NOTES_MAX)
    members = CheckMemberInput(many=True, required=False)

    def validate_visit_date(self, value):
        today = timezone.localdate()
        if value > today:
            raise ValidationError(f"排查日期不能晚于今天（{today:%Y-%m-%d}）")
        if value < EARLIEST_VISIT:
            raise ValidationError(f"排查日期不能早于 {EARLIEST_VISIT:%Y-%m-%d}，请核对年份")
        return value

    def validate_members(self, value):
        seen = [m["id_number"].strip().upper() for m in value]
        twice = sorted({n for n in seen if seen.count(n) > 1})
        if twice:
            raise ValidationError(f"成员重复：{'、'.join(twice)}")
        return value

    def validate(self, data):
        if Check.objects.filter(household=data["household"], visit_date=data["visit_date"],
                                kind=data["kind"]).exists():
            raise ValidationError({"kind": [duplicate_message(data)]})
        problems = {}
        loss = sudden_loss_problem(data.get("sudden_event"), data.get("sudden_loss"))
        if loss:
            problems["sudden_loss"] = [loss]
        members = problems_of_members(data["household"], data.get("members", []),
                                      data["visit_date"])
        if members:
            problems["members"] = members
        if problems:
            raise ValidationError(problems)
        return data


def problems_of_members(household, seen: list[dict], visit_date) -> list[str]:
    """What the check form refuses of the members too (visits/forms.py): a child of
    compulsory-school age not at school, one who cannot work but works."""
    by_id = {m.id_number: m for m in household.members.all()}
    problems = []
    for answers in seen:
        member = by_id.get(answers["id_number"].strip().upper())
        if member is None:
            continue  # check_record names members that are not the household's
        problems += [p for p in (
            school_age_problem(member, answers.get("schooling"), visit_date),
            labour_work_problem(member.name, answers.get("labour", member.labour),
                                answers.get("work", member.work))) if p]
    return problems


def duplicate_message(data) -> str:
    return (f"该户 {data['visit_date']:%Y-%m-%d} 已有一次“{data['kind']}”记录；记录不能修改，"
            "更正请另选排查类型或日期录入新的排查")


class CheckFilter(filters.FilterSet):
    place = filters.CharFilter(method="filter_place", help_text=PLACE_HELP)
    household = IdFilter(field_name="household_id", help_text="农户 id")
    kind = filters.ChoiceFilter(choices=CheckKind.choices)
    visit_from = filters.DateFilter(field_name="visit_date", lookup_expr="gte",
                                    help_text="排查日期不早于")
    visit_to = filters.DateFilter(field_name="visit_date", lookup_expr="lte",
                                  help_text="排查日期不晚于")
    evaluated = BooleanFilter(field_name="evaluated_at", lookup_expr="isnull",
                                      exclude=True, help_text="是否已评估")

    class Meta:
        model = Check
        fields = ["place", "household", "kind", "visit_from", "visit_to", "evaluated"]

    def filter_place(self, queryset, name, value):
        return place_prefix(queryset, "household__village__code", value)


@extend_schema_view(
    list=extend_schema(summary="排查列表", responses={200: CheckOutput, **LIST_ERRORS}),
    retrieve=extend_schema(summary="一次排查", responses={200: CheckOutput, **errors(404)}),
    create=extend_schema(
        summary="录入一次排查", request=CheckInput, parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: CheckOutput, **errors(400, 403, 409)},
        description="通过 check_record 记录一次排查；评估（预警、分类）在提交后于后台进行，"
                    "`evaluated_at` 为空表示尚在评估。行业部门用户不能录入（403）。"
                    "排查记录不能修改：更正请录入新的排查。"))
class CheckViewSet(viewsets.ReadOnlyModelViewSet):
    """Checks of the households in scope; recording one is the only write."""

    serializer_class = CheckOutput
    pagination_class = Pagination
    filter_backends = [filters.DjangoFilterBackend, OrderingFilter]
    filterset_class = CheckFilter
    ordering_fields = ["visit_date", "created_at", "id"]
    ordering = ["-visit_date", "-id"]

    def get_queryset(self):
        return Check.objects.visible_to(self.request.user).select_related("household",
                                                                          "recorded_by")

    def create(self, request):
        if not may(request.user, RECORD_CHECKS):
            raise PermissionDenied(RECORD_CHECKS.words(request.user))
        return idempotent(request, lambda: self.record(request))

    def record(self, request) -> Response:
        entry = CheckInput(data=request.data, context=self.get_serializer_context())
        entry.is_valid(raise_exception=True)
        data = dict(entry.validated_data)
        updates = {m.pop("id_number").strip().upper(): m for m in data.pop("members", [])}
        if not data.get("officer_name"):
            data["officer_name"] = request.user.display_name
        try:
            check = check_record(household=data.pop("household"), recorded_by=request.user,
                                 visit_date=data.pop("visit_date"), kind=data.pop("kind"),
                                 member_updates=updates, **data)
        except IntegrityError:  # the same visit recorded by someone else a moment ago
            raise ValidationError({"kind": [duplicate_message(entry.validated_data)]}) from None
        output = CheckOutput(check, context=self.get_serializer_context())
        return Response(output.data, status=status.HTTP_201_CREATED)
