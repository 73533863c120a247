"""The API for tasks: a measure's tasks, assigned to a unit and a person, and their updates."""
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from alerts import plans
from alerts.filters import date_filters
from alerts.models import (
    Task,
    TaskEvidence,
    TaskState,
    TaskUpdate,
)
from monitor.api import (
    LIST_ERRORS,
    MAX_ID,
    BooleanFilter,
    IdFilter,
    Pagination,
    errors,
)
from monitor.api_fields import PLACE_HELP, PersonField, place_prefix
from monitor.roles import Channel

from .common import HouseholdBrief

# ── Tasks ─────────────────────────────────────────────────────────────────────────────


class TaskUpdateOutput(serializers.ModelSerializer):
    actor = PersonField(help_text="操作人")

    class Meta:
        model = TaskUpdate
        fields = ["id", "at", "actor", "from_state", "to_state", "note"]


class EvidenceOutput(serializers.ModelSerializer):
    uploaded_by = PersonField(help_text="上传人")
    url = serializers.SerializerMethodField(help_text="下载地址（需登录，按任务的可见范围）")

    class Meta:
        model = TaskEvidence
        fields = ["id", "name", "content_type", "size", "note", "uploaded_by", "uploaded_at",
                  "url"]

    def get_url(self, evidence) -> str:
        return reverse("alerts:evidence", args=[evidence.pk])


class EvidenceInput(serializers.Serializer):
    file = serializers.FileField(help_text="照片（JPEG、PNG、WebP）或 PDF 扫描件")
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


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
    evidence = EvidenceOutput(many=True, read_only=True, help_text="佐证材料")

    class Meta:
        model = Task
        fields = ["id", "measure", "measure_name", "alert", "rule", "household", "channel",
                  "title", "unit", "person", "person_name", "due", "state", "done_at", "note",
                  "overdue_days", "overdue_since", "assigned_by", "created_at", "updated_at",
                  "updates", "evidence"]

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
    return Task.objects.visible_to(user).select_related(
        "household__village", "measure__alert", "person", "assigned_by").prefetch_related(
        Prefetch("updates", queryset=TaskUpdate.objects.select_related("actor")),
        Prefetch("evidence", queryset=TaskEvidence.objects.select_related("uploaded_by")))


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
        plans.task_update(task=task, actor=request.user, state=entry.validated_data["state"],
                             note=entry.validated_data.get("note", ""))
        return Response(self.get_serializer(self.get_queryset().get(pk=task.pk)).data)

    @extend_schema(summary="上传任务的佐证材料（照片或扫描件，multipart/form-data）",
                   request={"multipart/form-data": EvidenceInput},
                   responses={201: TaskOutput, **errors(400, 404)})
    @action(detail=True, methods=["post"], url_path="evidence",
            parser_classes=[MultiPartParser])
    def evidence(self, request, pk=None):
        task = self.get_object()
        entry = EvidenceInput(data=request.data)
        entry.is_valid(raise_exception=True)
        plans.task_add_evidence(task=task, actor=request.user,
                                upload=entry.validated_data["file"],
                                note=entry.validated_data.get("note", ""))
        return Response(self.get_serializer(self.get_queryset().get(pk=task.pk)).data,
                        status=201)
