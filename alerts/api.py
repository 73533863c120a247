"""The API for alerts at work (issue 5): alerts with evidence and moves, the moves
themselves, one plan per household with its measures and tasks, task updates, the
measure catalogue and the five lists.

Reads start from monitor/scope.py; writes call alerts/services.py, which checks scope,
role and state again and refuses in Chinese (monitor/api.py turns a refusal into a 400
and a lost race into a 409). Nothing here decides what a move may do.
"""

from collections.abc import Iterator

from django.db.models import Prefetch, Q
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response
from rest_framework.views import APIView

from households.api import PLACE_HELP, PersonField, checks_visible_to, place_prefix
from households.models import Household
from monitor.api import (
    LIST_ERRORS,
    MAX_ID,
    BooleanFilter,
    CellField,
    Conflict,
    IdFilter,
    PageQuery,
    Pagination,
    cell,
    errors,
)
from monitor.audit import audit_export
from monitor.models import Channel, User
from monitor.scope import (
    alerts_visible_to,
    households_visible_to,
    measures_visible_to,
    places_visible_to,
    tasks_visible_to,
)

from . import services
from .five_lists import SHEETS_BY_NAME, list_scope, reconcile
from .models import (
    FINAL_STATES,
    Alert,
    AlertMove,
    Level,
    Measure,
    MeasureCatalogue,
    MeasureState,
    Plan,
    Severity,
    Source,
    State,
    Task,
    TaskState,
    TaskUpdate,
)

# ── Shared pieces ─────────────────────────────────────────────────────────────────────


class HouseholdBrief(serializers.ModelSerializer):
    village_name = serializers.CharField(source="village.name", read_only=True)

    class Meta:
        model = Household
        fields = ["id", "number", "head_name", "village", "village_name", "group"]


EVIDENCE_SCHEMA = {
    "type": "object",
    "description": "预警依据：触发的值及其比较的阈值",
    "properties": {
        "text": {"type": "string", "description": "依据（文字）"},
        "values": {"type": "object", "additionalProperties": True,
                   "description": "触发的值"},
        "threshold": {"type": "object", "additionalProperties": True,
                      "description": "比较的阈值"},
    },
    "additionalProperties": True,
}


@extend_schema_field(EVIDENCE_SCHEMA)
class EvidenceField(serializers.JSONField):
    pass


def date_filters(field_name: str, label: str) -> tuple:
    return (filters.DateFilter(field_name=field_name, lookup_expr="gte",
                               help_text=f"{label}不早于"),
            filters.DateFilter(field_name=field_name, lookup_expr="lte",
                               help_text=f"{label}不晚于"))


# ── Alerts: output and filters ────────────────────────────────────────────────────────


class AlertMoveOutput(serializers.ModelSerializer):
    actor = PersonField(help_text="操作人")

    class Meta:
        model = AlertMove
        fields = ["id", "at", "actor", "from_state", "to_state", "note"]


class AlertOutput(serializers.ModelSerializer):
    household = HouseholdBrief(read_only=True)
    due = serializers.DateField(read_only=True, allow_null=True,
                                help_text="当前环节的期限（预警：核实；核实：计划；其后：销号）")
    evidence = EvidenceField(read_only=True)
    cleared_evidence = EvidenceField(read_only=True)
    closed_by = PersonField(help_text="销号人")
    assignee_name = PersonField(source="assignee", help_text="负责人")
    moves = AlertMoveOutput(many=True, read_only=True, help_text="流转记录，按时间")
    allowed_moves = serializers.SerializerMethodField(
        help_text="当前用户的角色在此状态下可做的流转（verify / start / dismiss / close）")

    class Meta:
        model = Alert
        fields = ["id", "household", "rule", "risk_type", "severity", "channel", "source",
                  "state", "level", "overdue", "raised_on", "last_seen_on", "verify_by",
                  "plan_by", "close_by", "due", "first_check", "last_check", "cleared_by",
                  "verification_check", "evidence", "cleared_evidence", "closed_at",
                  "closed_by", "assignee", "assignee_name", "moves", "allowed_moves"]
        read_only_fields = ["assignee"]

    def get_allowed_moves(self, alert) -> list[str]:
        return services.moves_for(alert, self.context["request"].user)

    def to_representation(self, alert) -> dict:
        """The fields above, written out directly: the queue API writes 50 alerts a
        request, and DRF's field-by-field machinery cost more than the database did.
        tests/api/test_api_alerts.py checks it gives exactly what DRF would."""
        household, day, moment = alert.household, _DATE.to_representation, _MOMENT.to_representation
        return {
            "id": alert.id,
            "household": {"id": household.id, "number": household.number,
                          "head_name": household.head_name, "village": household.village_id,
                          "village_name": household.village.name, "group": household.group},
            "rule": alert.rule, "risk_type": alert.risk_type, "severity": alert.severity,
            "channel": alert.channel, "source": alert.source, "state": alert.state,
            "level": alert.level, "overdue": alert.overdue,
            "raised_on": day(alert.raised_on), "last_seen_on": day(alert.last_seen_on),
            "verify_by": _maybe(day, alert.verify_by), "plan_by": _maybe(day, alert.plan_by),
            "close_by": _maybe(day, alert.close_by),
            "due": _maybe(day, getattr(alert, "due", None)),
            "first_check": alert.first_check_id, "last_check": alert.last_check_id,
            "cleared_by": alert.cleared_by_id,
            "verification_check": alert.verification_check_id,
            "evidence": alert.evidence, "cleared_evidence": alert.cleared_evidence,
            "closed_at": _maybe(moment, alert.closed_at),
            "closed_by": _person(alert.closed_by), "assignee": alert.assignee_id,
            "assignee_name": _person(alert.assignee),
            "moves": [{"id": move.id, "at": moment(move.at), "actor": _person(move.actor),
                       "from_state": move.from_state, "to_state": move.to_state,
                       "note": move.note} for move in alert.moves.all()],
            "allowed_moves": self.get_allowed_moves(alert),
        }


_DATE, _MOMENT = serializers.DateField(), serializers.DateTimeField()


def _maybe(write, value):
    return None if value is None else write(value)


def _person(user) -> str | None:
    """As PersonField writes a user: full name, else username; None for nobody."""
    return None if user is None else (user.get_full_name() or user.username)


class AlertFilter(filters.FilterSet):
    place = filters.CharFilter(method="filter_place", help_text=PLACE_HELP)
    household = IdFilter(field_name="household_id", help_text="农户 id")
    rule = filters.CharFilter(help_text="规则代码，如 DROPOUT、INCOME_BELOW_LINE、DECLARATION")
    severity = filters.ChoiceFilter(choices=Severity.choices)
    state = filters.ChoiceFilter(choices=State.choices)
    open = BooleanFilter(method="filter_open", help_text="未销号（非已销号、已排除）")
    overdue = BooleanFilter()
    level = filters.ChoiceFilter(choices=Level.choices, help_text="当前责任层级")
    source = filters.ChoiceFilter(choices=Source.choices)
    channel = filters.ChoiceFilter(choices=Channel.choices)
    check = IdFilter(method="filter_check", help_text="由该排查发现、最近发现或消除")
    assignee = IdFilter(field_name="assignee_id", help_text="负责人（用户 id）")
    raised_from, raised_to = date_filters("raised_on", "发现日期")
    due_from, due_to = date_filters("due", "当前环节期限")

    class Meta:
        model = Alert
        fields = ["place", "household", "rule", "severity", "state", "open", "overdue",
                  "level", "source", "channel", "check", "assignee", "raised_from", "raised_to",
                  "due_from", "due_to"]

    def filter_place(self, queryset, name, value):
        return queryset.in_place(value)

    def filter_open(self, queryset, name, value):
        return queryset.open() if value else queryset.filter(state__in=FINAL_STATES)

    def filter_check(self, queryset, name, value):
        return queryset.filter(Q(first_check_id=value) | Q(last_check_id=value)
                               | Q(cleared_by_id=value))


# ── Tasks ─────────────────────────────────────────────────────────────────────────────


class TaskUpdateOutput(serializers.ModelSerializer):
    actor = PersonField(help_text="操作人")

    class Meta:
        model = TaskUpdate
        fields = ["id", "at", "actor", "from_state", "to_state", "note"]


class TaskOutput(serializers.ModelSerializer):
    household = HouseholdBrief(read_only=True)
    alert = serializers.IntegerField(source="measure.alert_id", read_only=True)
    rule = serializers.CharField(source="measure.alert.rule", read_only=True)
    measure_name = serializers.CharField(source="measure.name", read_only=True)
    person_name = PersonField(source="person", help_text="责任人")
    assigned_by = PersonField(help_text="指派人")
    overdue_days = serializers.SerializerMethodField(
        help_text="逾期天数（按今天，已完成的按完成日）")
    updates = TaskUpdateOutput(many=True, read_only=True, help_text="进展记录")

    class Meta:
        model = Task
        fields = ["id", "measure", "measure_name", "alert", "rule", "household", "channel",
                  "title", "unit", "person", "person_name", "due", "state", "done_at", "note",
                  "overdue_days", "overdue_since", "assigned_by", "created_at", "updated_at",
                  "updates"]

    def get_overdue_days(self, task) -> int:
        return task.overdue_days(timezone.localdate())


class TaskFilter(filters.FilterSet):
    place = filters.CharFilter(method="filter_place", help_text=PLACE_HELP)
    household = IdFilter(field_name="household_id", help_text="农户 id")
    measure = IdFilter(field_name="measure_id")
    alert = IdFilter(field_name="measure__alert_id")
    state = filters.ChoiceFilter(choices=TaskState.choices)
    open = BooleanFilter(method="filter_open", help_text="未完成")
    overdue = BooleanFilter(method="filter_overdue", help_text="未完成且已过期限")
    channel = filters.ChoiceFilter(choices=Channel.choices)
    assignee = IdFilter(field_name="person_id", help_text="责任人用户 id")
    mine = BooleanFilter(method="filter_mine", help_text="只看指派给我的")
    unit = filters.CharFilter(lookup_expr="icontains", help_text="责任单位（包含）")
    due_from, due_to = date_filters("due", "完成期限")

    class Meta:
        model = Task
        fields = ["place", "household", "measure", "alert", "state", "open", "overdue",
                  "channel", "assignee", "mine", "unit", "due_from", "due_to"]

    def filter_place(self, queryset, name, value):
        return place_prefix(queryset, "household__village__code", value)

    def filter_open(self, queryset, name, value):
        return queryset.open() if value else queryset.filter(state=TaskState.DONE)

    def filter_overdue(self, queryset, name, value):
        overdue = queryset.overdue_on(timezone.localdate())
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))

    def filter_mine(self, queryset, name, value):
        return queryset.filter(person=self.request.user) if value else queryset


class TaskInput(serializers.Serializer):
    unit = serializers.CharField(max_length=100, required=False, allow_blank=True,
                                 help_text="责任单位；不填则用责任人的单位")
    person = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                      max_value=MAX_ID, help_text="责任人用户 id（须能看到该任务）")
    due = serializers.DateField(help_text="完成期限")
    title = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                  help_text="任务；不填为措施名称")
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class TaskUpdateInput(serializers.Serializer):
    state = serializers.ChoiceField(TaskState.choices, help_text="新的状态（只能向前）")
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000,
                                 help_text="进展说明")


def tasks_of(user):
    return tasks_visible_to(user).select_related(
        "household__village", "measure__alert", "person", "assigned_by").prefetch_related(
        Prefetch("updates", queryset=TaskUpdate.objects.select_related("actor")))


@extend_schema_view(
    list=extend_schema(summary="帮扶任务列表", responses={200: TaskOutput, **LIST_ERRORS}),
    retrieve=extend_schema(summary="一项任务", responses={200: TaskOutput, **errors(404)}))
class TaskViewSet(viewsets.ReadOnlyModelViewSet):
    """Tasks in scope: department staff see their channel's, others their place's."""

    serializer_class = TaskOutput
    pagination_class = Pagination
    filter_backends = [filters.DjangoFilterBackend, OrderingFilter]
    filterset_class = TaskFilter
    ordering_fields = ["due", "created_at", "updated_at", "state", "id"]
    ordering = ["due", "id"]

    def get_queryset(self):
        return tasks_of(self.request.user)

    @extend_schema(summary="更新任务进展（待办 → 进行中 → 已完成）", request=TaskUpdateInput,
                   responses={200: TaskOutput, **errors(400, 404, 409)})
    @action(detail=True, methods=["post"], url_path="updates")
    def updates(self, request, pk=None):
        task = self.get_object()
        entry = TaskUpdateInput(data=request.data)
        entry.is_valid(raise_exception=True)
        services.task_update(task=task, actor=request.user, state=entry.validated_data["state"],
                             note=entry.validated_data.get("note", ""))
        return Response(self.get_serializer(self.get_queryset().get(pk=task.pk)).data)


# ── Measures and plans ────────────────────────────────────────────────────────────────


class TaskBrief(serializers.ModelSerializer):
    person_name = PersonField(source="person", help_text="责任人")

    class Meta:
        model = Task
        fields = ["id", "title", "unit", "person", "person_name", "due", "state", "done_at"]


class MeasureOutput(serializers.ModelSerializer):
    household = HouseholdBrief(source="alert.household", read_only=True)
    rule = serializers.CharField(source="alert.rule", read_only=True)
    created_by = PersonField(help_text="制定人")
    tasks = TaskBrief(source="visible_tasks", many=True, read_only=True,
                      help_text="您能看到的任务")

    class Meta:
        model = Measure
        fields = ["id", "plan", "alert", "rule", "household", "name", "channel", "deadline",
                  "state", "note", "created_by", "created_at", "tasks"]


def measures_of(user):
    return measures_visible_to(user).select_related(
        "alert__household__village", "created_by").prefetch_related(Prefetch(
            "tasks", queryset=tasks_visible_to(user).select_related("person"),
            to_attr="visible_tasks"))


# ── Alerts: reading, moves and measures ──────────────────────────────────────────────


class AlertMoveInput(serializers.Serializer):
    action = serializers.ChoiceField(
        [(key, move.label) for key, move in services.MOVES.items()],
        help_text="verify 核实；start 开始帮扶；dismiss 排除（note 为理由，必填）；close 销号")
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000,
                                 help_text="说明；排除时为理由")
    check = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                     max_value=MAX_ID,
                                     help_text="核实或销号所依据的该户“核实”排查 id")
    expected_state = serializers.ChoiceField(
        State.choices, required=False,
        help_text="客户端看到的预警状态；若已被他人改变则回答 409，不做流转")


class AlertAssignInput(serializers.Serializer):
    alerts = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), min_length=1,
        max_length=500, help_text="要指派的预警 id（最多 500 条）")
    assignee = serializers.IntegerField(min_value=1, max_value=MAX_ID,
                                        help_text="负责人的用户 id：所辖地区的村干部或监管人员")
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class AlertAssignOutput(serializers.Serializer):
    assigned = serializers.IntegerField(help_text="指派的预警条数")
    alerts = AlertOutput(many=True, help_text="指派后的预警")


class MeasureInput(serializers.Serializer):
    measure = serializers.CharField(max_length=40, help_text="该规则帮扶措施目录中的措施名称")
    deadline = serializers.DateField(help_text="完成期限")
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


def move_alert(alert: Alert, *, actor, action: str, note: str, check) -> Alert:
    """The service for each move; the page's form does the same."""
    if action == "verify":
        return services.alert_verify(alert=alert, actor=actor, note=note, check=check)
    if action == "dismiss":
        return services.alert_dismiss(alert=alert, actor=actor, reason=note)
    if action == "start":
        return services.alert_start_assistance(alert=alert, actor=actor, note=note)
    return services.alert_close(alert=alert, actor=actor, note=note, check=check)


@extend_schema_view(
    list=extend_schema(summary="预警列表", responses={200: AlertOutput, **LIST_ERRORS}),
    retrieve=extend_schema(summary="一条预警（含依据和流转记录）",
                           responses={200: AlertOutput, **errors(404)}))
class AlertViewSet(viewsets.ReadOnlyModelViewSet):
    """Alerts in scope (department staff: their channel's) with evidence and moves."""

    serializer_class = AlertOutput
    pagination_class = Pagination
    filter_backends = [filters.DjangoFilterBackend, OrderingFilter]
    filterset_class = AlertFilter
    ordering_fields = ["raised_on", "due", "last_seen_on", "severity", "state", "id"]
    ordering = ["due", "id"]

    def get_queryset(self):
        return alerts_visible_to(self.request.user).with_due().select_related(
            "household__village", "closed_by", "assignee").prefetch_related(
            Prefetch("moves", queryset=AlertMove.objects.select_related("actor")))

    @extend_schema(summary="预警流转：核实、开始帮扶、排除、销号", request=AlertMoveInput,
                   responses={200: AlertOutput, **errors(400, 404, 409)},
                   description="调用预警流转服务；角色、状态或缺少理由不符时 400 并说明原因；"
                               "他人已先处理（或 expected_state 不符）时 409。")
    @action(detail=True, methods=["post"], url_path="moves")
    def moves(self, request, pk=None):
        alert = self.get_object()
        entry = AlertMoveInput(data=request.data)
        entry.is_valid(raise_exception=True)
        data = entry.validated_data
        expected = data.get("expected_state")
        if expected and expected != alert.state:
            raise Conflict(f"该预警已被他人处理，当前状态为“{alert.state}”，请刷新后再操作")
        check = None
        if data.get("check"):
            check = checks_visible_to(request.user).filter(
                pk=data["check"], household_id=alert.household_id).first()
            if check is None:
                raise ValidationError({"check": ["未找到该户的这次排查"]})
        move_alert(alert, actor=request.user, action=data["action"],
                   note=data.get("note", ""), check=check)
        return Response(self.get_serializer(self.get_queryset().get(pk=alert.pk)).data)

    @extend_schema(summary="批量指派预警负责人", request=AlertAssignInput,
                   responses={200: AlertAssignOutput, **errors(400, 404)},
                   description="乡镇或区县监管人员把所选未销号预警指派给一名负责人；"
                               "有一条不能指派则全部不指派，并说明原因。")
    @action(detail=False, methods=["post"], url_path="assign", pagination_class=None,
            filter_backends=[])
    def assign(self, request):
        entry = AlertAssignInput(data=request.data)
        entry.is_valid(raise_exception=True)
        data = entry.validated_data
        ids = set(data["alerts"])
        alerts = list(self.get_queryset().filter(pk__in=ids))
        if len(alerts) != len(ids):
            raise NotFound("未找到该预警")
        assignee = services.assignable_to(request.user).filter(pk=data["assignee"]).first()
        if assignee is None:
            raise ValidationError({"assignee": ["不是您所辖地区的村干部或监管人员"]})
        services.alerts_assign(alerts=alerts, assignee=assignee, actor=request.user,
                               note=data.get("note", ""))
        assigned = self.get_queryset().filter(pk__in=ids).order_by("id")
        return Response({"assigned": len(ids),
                         "alerts": self.get_serializer(assigned, many=True).data})

    @extend_schema(summary="为预警制定帮扶措施（一户一策）", request=MeasureInput,
                   responses={201: MeasureOutput, **errors(400, 404)},
                   description="措施须取自该规则的帮扶措施目录；第一次制定时建立该户的一户一策。")
    @action(detail=True, methods=["post"], url_path="measures")
    def measures(self, request, pk=None):
        alert = self.get_object()
        entry = MeasureInput(data=request.data)
        entry.is_valid(raise_exception=True)
        data = entry.validated_data
        measure = services.plan_add_measure(alert=alert, actor=request.user,
                                            measure=data["measure"], deadline=data["deadline"],
                                            note=data.get("note", ""))
        measure = measures_of(request.user).get(pk=measure.pk)
        return Response(MeasureOutput(measure, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)


class MeasureFilter(filters.FilterSet):
    place = filters.CharFilter(method="filter_place", help_text=PLACE_HELP)
    household = IdFilter(field_name="alert__household_id", help_text="农户 id")
    alert = IdFilter(field_name="alert_id")
    plan = IdFilter(field_name="plan_id")
    channel = filters.ChoiceFilter(choices=Channel.choices)
    state = filters.ChoiceFilter(choices=MeasureState.choices)
    deadline_from, deadline_to = date_filters("deadline", "完成期限")

    class Meta:
        model = Measure
        fields = ["place", "household", "alert", "plan", "channel", "state", "deadline_from",
                  "deadline_to"]

    def filter_place(self, queryset, name, value):
        return place_prefix(queryset, "alert__household__village__code", value)


@extend_schema_view(
    list=extend_schema(summary="帮扶措施列表", responses={200: MeasureOutput, **LIST_ERRORS}),
    retrieve=extend_schema(summary="一项帮扶措施", responses={200: MeasureOutput,
                                                            **errors(404)}))
class MeasureViewSet(viewsets.ReadOnlyModelViewSet):
    """Measures of the alerts in scope; department staff also those of their channel."""

    serializer_class = MeasureOutput
    pagination_class = Pagination
    filter_backends = [filters.DjangoFilterBackend, OrderingFilter]
    filterset_class = MeasureFilter
    ordering_fields = ["deadline", "created_at", "id"]
    ordering = ["deadline", "id"]

    def get_queryset(self):
        return measures_of(self.request.user)

    @extend_schema(summary="为帮扶措施指派任务", request=TaskInput,
                   responses={201: TaskOutput, **errors(400, 404)},
                   description="乡镇或区县监管人员指派；责任人须能看到该任务（本地区人员或该渠道的行业部门）。")
    @action(detail=True, methods=["post"], url_path="tasks")
    def tasks(self, request, pk=None):
        measure = self.get_object()
        entry = TaskInput(data=request.data)
        entry.is_valid(raise_exception=True)
        data = entry.validated_data
        person = None
        if data.get("person"):
            person = User.objects.filter(pk=data["person"], is_active=True).first()
            if person is None:
                raise ValidationError({"person": ["未找到该用户"]})
        task = services.task_assign(measure=measure, actor=request.user,
                                    unit=data.get("unit", ""), person=person, due=data["due"],
                                    title=data.get("title", ""), note=data.get("note", ""))
        return Response(TaskOutput(tasks_of(request.user).get(pk=task.pk),
                                   context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)


class PlanAlertOutput(serializers.ModelSerializer):
    measures = MeasureOutput(source="visible_measures", many=True, read_only=True)

    class Meta:
        model = Alert
        fields = ["id", "rule", "risk_type", "severity", "channel", "state", "raised_on",
                  "measures"]


class PlanOutput(serializers.ModelSerializer):
    household = HouseholdBrief(read_only=True)
    created_by = PersonField(help_text="制定人")
    alerts = PlanAlertOutput(source="household.visible_alerts", many=True, read_only=True,
                             help_text="该户未销号的预警，以及已有措施的预警，各带措施和任务")

    class Meta:
        model = Plan
        fields = ["id", "household", "created_by", "created_at", "updated_at", "alerts"]


class PlanFilter(filters.FilterSet):
    place = filters.CharFilter(method="filter_place", help_text=PLACE_HELP)
    household = IdFilter(field_name="household_id", help_text="农户 id")

    class Meta:
        model = Plan
        fields = ["place", "household"]

    def filter_place(self, queryset, name, value):
        return place_prefix(queryset, "household__village__code", value)


@extend_schema_view(
    list=extend_schema(summary="一户一策列表", responses={200: PlanOutput, **LIST_ERRORS}),
    retrieve=extend_schema(summary="一户一策", responses={200: PlanOutput, **errors(404)}))
class PlanViewSet(viewsets.ReadOnlyModelViewSet):
    """一户一策: a household's open alerts, the measures chosen for each and their tasks."""

    serializer_class = PlanOutput
    pagination_class = Pagination
    filter_backends = [filters.DjangoFilterBackend, OrderingFilter]
    filterset_class = PlanFilter
    ordering_fields = ["created_at", "updated_at", "id"]
    ordering = ["id"]

    def get_queryset(self):
        user = self.request.user
        alerts = alerts_visible_to(user).filter(
            Q(pk__in=Measure.objects.values("alert_id")) | ~Q(state__in=FINAL_STATES)
        ).order_by("-raised_on", "id").prefetch_related(
            Prefetch("measures", queryset=measures_of(user), to_attr="visible_measures"))
        return Plan.objects.filter(household__in=households_visible_to(user)).select_related(
            "household__village", "created_by").prefetch_related(
            Prefetch("household__alerts", queryset=alerts, to_attr="visible_alerts"))


class CatalogueOutput(serializers.ModelSerializer):
    class Meta:
        model = MeasureCatalogue
        fields = ["id", "rule", "name", "channel", "order"]


class CatalogueFilter(filters.FilterSet):
    rule = filters.CharFilter(help_text="规则代码")
    channel = filters.ChoiceFilter(choices=Channel.choices)

    class Meta:
        model = MeasureCatalogue
        fields = ["rule", "channel"]


@extend_schema_view(list=extend_schema(summary="帮扶措施目录（启用的）",
                                       responses={200: CatalogueOutput, **LIST_ERRORS}))
class CatalogueViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The measures the county offers per rule: county settings, not personal data."""

    serializer_class = CatalogueOutput
    pagination_class = Pagination
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = CatalogueFilter
    queryset = MeasureCatalogue.objects.filter(active=True)


# ── The five lists ────────────────────────────────────────────────────────────────────

LISTS = {"problems": "问题清单", "rectification": "整改清单", "tasks": "任务清单",
         "responsibility": "责任清单", "effect": "效果清单"}


class PeriodQuery(serializers.Serializer):
    """A place in the user's scope (default: their own) and a period (default: up to today)."""

    place = serializers.CharField(required=False, max_length=12,
                                  help_text="地区代码；不填为您的工作地区")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField(required=False, help_text="起始日期（含）")
        fields["to"] = serializers.DateField(required=False, help_text="截止日期（含），默认今天")
        return fields

    def validate(self, data):
        start, end = data.get("from"), data.get("to")
        if start and end and start > end:
            raise ValidationError({"from": [f"起始日期 {start} 晚于截止日期 {end}"]})
        return data


def period_scope(request):
    """The five lists' scope for the query, or 400 / 404 (a place outside the user's)."""
    query = PeriodQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    code = query.validated_data.get("place") or request.user.place_id
    if not code:
        raise ValidationError({"place": ["请指定地区代码"]})
    place = places_visible_to(request.user).filter(code=code).first()
    if place is None:
        raise NotFound("未找到该地区")
    return list_scope(place=place, start=query.validated_data.get("from"),
                      end=query.validated_data.get("to"), user=request.user)


class PlaceBrief(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class TallyOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    raised = serializers.IntegerField(help_text="期内发现")
    closed = serializers.IntegerField(help_text="已销号")
    dismissed = serializers.IntegerField(help_text="已排除")
    open = serializers.IntegerField(help_text="未销号")
    balanced = serializers.BooleanField()


class ListSummary(serializers.Serializer):
    list = serializers.ChoiceField(list(LISTS), help_text="清单（用于 /api/five-lists/{list}/）")
    name = serializers.CharField()
    columns = serializers.ListField(child=serializers.CharField())


class FiveListsOutput(serializers.Serializer):
    place = PlaceBrief()
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField()
    balanced = serializers.BooleanField(help_text="发现 = 销号 + 排除 + 未销号，且各清单一致")
    total = TallyOutput()
    villages = TallyOutput(many=True)
    problems = serializers.ListField(child=serializers.CharField(),
                                     help_text="对不上的地方（中文）")
    lists = ListSummary(many=True)


class ListPageOutput(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    name = serializers.CharField()
    columns = serializers.ListField(child=serializers.CharField())
    results = serializers.ListField(child=serializers.ListField(child=CellField()),
                                    help_text="每行按 columns 的顺序")


def tally(t) -> dict:
    return {"code": t.code, "name": t.name, "raised": t.raised, "closed": t.closed,
            "dismissed": t.dismissed, "open": t.open, "balanced": t.balanced}


PERIOD_PARAMETERS = [PeriodQuery]


class FiveListsView(APIView):
    """The five lists' reconciliation (对账销号) for a place and period, and their columns."""

    @extend_schema(summary="五张清单：对账", operation_id="five_lists_reconciliation",
                   parameters=PERIOD_PARAMETERS,
                   responses={200: FiveListsOutput, **errors(400, 404)})
    def get(self, request):
        scope = period_scope(request)
        found = reconcile(scope)
        return Response(FiveListsOutput({
            "place": {"code": scope.place.code, "name": scope.place.name},
            "start": scope.start, "end": scope.end, "balanced": found.balanced,
            "total": tally(found.total), "villages": [tally(t) for t in found.villages],
            "problems": found.problems,
            "lists": [{"list": slug, "name": name, "columns": SHEETS_BY_NAME[name].columns}
                      for slug, name in LISTS.items()],
        }).data)


def window(rows: Iterator[list], first: int, size: int) -> tuple[list[list], int]:
    """The rows of one page, and how many rows there are in all."""
    page, count = [], 0
    for count, row in enumerate(rows, start=1):  # noqa: B007 - count is the total
        if first < count <= first + size:
            page.append([cell(value) for value in row])
    return page, count


class FiveListView(APIView):
    """One of the five lists, a page of rows at a time, in the printed sheet's columns."""

    @extend_schema(summary="五张清单：一张清单的行", operation_id="five_lists_rows", parameters=[
        OpenApiParameter("list", str, OpenApiParameter.PATH, enum=list(LISTS),
                         description="problems 问题清单；rectification 整改清单；tasks 任务清单；"
                                     "responsibility 责任清单；effect 效果清单"),
        *PERIOD_PARAMETERS, PageQuery], responses={200: ListPageOutput, **errors(400, 404)})
    def get(self, request, list):
        if list not in LISTS:
            raise NotFound("未知的清单")
        scope = period_scope(request)
        paging = PageQuery(data=request.query_params)
        paging.is_valid(raise_exception=True)
        number, size = paging.validated_data["page"], paging.validated_data["page_size"]
        sheet = SHEETS_BY_NAME[LISTS[list]]
        rows, count = window(sheet.rows(scope), (number - 1) * size, size)
        if number > 1 and not rows:
            raise NotFound("该页不存在")
        audit_export(actor=request.user, what=sheet.name, place=scope.place, start=scope.start,
                     end=scope.end, fmt="json", rows=len(rows), note=f"第 {number} 页")
        return Response({"count": count, "next": page_link(request, number + 1)
                         if number * size < count else None,
                         "previous": page_link(request, number - 1) if number > 1 else None,
                         "name": sheet.name, "columns": sheet.columns, "results": rows})


def page_link(request, number: int) -> str:
    query = request.query_params.copy()
    query["page"] = number
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

