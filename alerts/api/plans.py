"""The API for one plan per household (一户一策): its measures, and the measure catalogue."""
from django.db.models import Prefetch, Q
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from alerts import plans
from alerts.filters import date_filters
from alerts.models import (
    FINAL_STATES,
    Alert,
    Measure,
    MeasureCatalogue,
    MeasureState,
    Plan,
    Task,
)
from households.models import Household
from monitor.api import (
    LIST_ERRORS,
    IdFilter,
    Pagination,
    errors,
)
from monitor.api_fields import PLACE_HELP, PersonField, place_prefix
from monitor.models import User
from monitor.roles import Channel
from monitor.rules import RISK_TYPES, RULES, RULES_BY_CODE

from .common import HouseholdBrief
from .tasks import TaskInput, TaskOutput, tasks_of

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
    return Measure.objects.visible_to(user).select_related(
        "alert__household__village", "created_by").prefetch_related(Prefetch(
            "tasks", queryset=Task.objects.visible_to(user).select_related("person"),
            to_attr="visible_tasks"))



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
        task = plans.task_assign(measure=measure, actor=request.user,
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
        alerts = Alert.objects.visible_to(user).filter(
            Q(pk__in=Measure.objects.values("alert_id")) | ~Q(state__in=FINAL_STATES)
        ).order_by("-raised_on", "id").prefetch_related(
            Prefetch("measures", queryset=measures_of(user), to_attr="visible_measures"))
        return Plan.objects.filter(household__in=Household.objects.visible_to(user)).select_related(
            "household__village", "created_by").prefetch_related(
            Prefetch("household__alerts", queryset=alerts, to_attr="visible_alerts"))


class CatalogueOutput(serializers.ModelSerializer):
    class Meta:
        model = MeasureCatalogue
        fields = ["id", "risk_type", "name", "channel", "order"]


class CatalogueFilter(filters.FilterSet):
    risk_type = filters.ChoiceFilter(choices=[(r, r) for r in RISK_TYPES], help_text="风险类型")
    rule = filters.ChoiceFilter(choices=[(r.code, r.code) for r in RULES], method="of_rule",
                                help_text="规则代码：该规则风险类型的措施")
    channel = filters.ChoiceFilter(choices=Channel.choices)

    class Meta:
        model = MeasureCatalogue
        fields = ["risk_type", "rule", "channel"]

    def of_rule(self, queryset, name, value):
        return queryset.filter(risk_type=RULES_BY_CODE[value].risk_type)


@extend_schema_view(list=extend_schema(summary="帮扶措施目录（启用的）",
                                       responses={200: CatalogueOutput, **LIST_ERRORS}))
class CatalogueViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The measures the county offers per risk type: county settings, not personal data."""

    serializer_class = CatalogueOutput
    pagination_class = Pagination
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = CatalogueFilter
    queryset = MeasureCatalogue.objects.filter(active=True)
