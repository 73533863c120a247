"""The API for alerts at work: alerts with evidence and moves, and the moves themselves
(核实, 开始帮扶, 排除, 销号, 指派) and adding a measure to an alert.

Reads start from the user's scope; writes call alerts/services.py, which checks scope,
role and state again and refuses in Chinese (monitor/api.py turns a refusal into a 400
and a lost race into a 409). Nothing here decides what a move may do."""

from collections import defaultdict

from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from alerts import plans, services
from alerts.filters import AlertFilter
from alerts.models import (
    Alert,
    AlertMove,
    State,
)
from households.models import Check
from monitor.api import (
    LIST_ERRORS,
    MAX_ID,
    Conflict,
    Pagination,
    errors,
)
from monitor.api_fields import PersonField
from monitor.models import person_name

from .common import EvidenceField, HouseholdBrief
from .plans import MeasureOutput, measures_of

# ── Alerts: output and filters ────────────────────────────────────────────────────────


class AlertMoveOutput(serializers.ModelSerializer):
    actor = PersonField(help_text="操作人")

    class Meta:
        model = AlertMove
        fields = ["id", "at", "actor", "from_state", "to_state", "note"]


class AlertsOutput(serializers.ListSerializer):
    """A page of alerts: their moves are read for the whole page in one query of plain
    rows (a queue page is 50 alerts and about as many moves; as model instances, with
    their actors, they cost more than the rest of the page)."""

    def to_representation(self, data):
        alerts = list(data)
        self.child.context["moves"] = moves_written([alert.id for alert in alerts])
        return [self.child.to_representation(alert) for alert in alerts]


def moves_written(alert_ids: list[int]) -> dict[int, list[dict]]:
    """Each alert's moves in order, as AlertMoveOutput writes them."""
    written = defaultdict(list)
    for alert_id, move_id, at, first, last, username, from_state, to_state, note in (
            AlertMove.objects.filter(alert_id__in=alert_ids).values_list(
                "alert_id", "id", "at", "actor__first_name", "actor__last_name",
                "actor__username", "from_state", "to_state", "note")):
        written[alert_id].append({
            "id": move_id, "at": _MOMENT.to_representation(at),
            "actor": None if username is None else person_name(first, last, username),
            "from_state": from_state, "to_state": to_state, "note": note})
    return written


class AlertOutput(serializers.ModelSerializer):
    household = HouseholdBrief(read_only=True)
    due = serializers.DateField(read_only=True, allow_null=True,
                                help_text="当前环节的期限（农户申报待受理：受理；预警：核实；"
                                          "核实：计划；其后：销号）")
    evidence = EvidenceField(read_only=True)
    cleared_evidence = EvidenceField(read_only=True)
    closed_by = PersonField(help_text="销号人")
    assignee_name = PersonField(source="assignee", help_text="负责人")
    moves = AlertMoveOutput(many=True, read_only=True, help_text="流转记录，按时间")
    allowed_moves = serializers.SerializerMethodField(
        help_text="当前用户的角色在此状态下可做的流转（verify / start / dismiss / ready / close）")

    class Meta:
        model = Alert
        fields = ["id", "household", "rule", "risk_type", "severity", "channel", "source",
                  "state", "level", "overdue", "raised_on", "last_seen_on", "accept_by",
                  "verify_by",
                  "plan_by", "close_by", "due", "first_check", "last_check", "cleared_by",
                  "verification_check", "evidence", "cleared_evidence", "closed_at",
                  "closed_by", "assignee", "assignee_name", "moves", "allowed_moves"]
        read_only_fields = ["assignee"]
        list_serializer_class = AlertsOutput

    def _moves(self, alert) -> list[dict]:
        """From the page's moves when the alert is written in a list (AlertsOutput), else
        read for this one alert."""
        page = self.context["moves"] if "moves" in self.context else moves_written([alert.id])
        return page.get(alert.id, [])

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
            "accept_by": _maybe(day, alert.accept_by),
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
            "moves": self._moves(alert),
            "allowed_moves": self.get_allowed_moves(alert),
        }


_DATE, _MOMENT = serializers.DateField(), serializers.DateTimeField()


def _maybe(write, value):
    return None if value is None else write(value)


def _person(user) -> str | None:
    """As PersonField writes a user; None for nobody."""
    return None if user is None else user.display_name


# ── Alerts: reading, moves and measures ──────────────────────────────────────────────


class AlertMoveInput(serializers.Serializer):
    action = serializers.ChoiceField(
        [(key, move.label) for key, move in services.MOVES.items()],
        help_text="verify 核实；start 开始帮扶；dismiss 排除（note 为理由，必填）；"
                  "ready 转待销号（农户申报、部门预警：关联风险已消除的核实排查）；"
                  "close 销号（仅“待销号”）")
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000,
                                 help_text="说明；排除时为理由")
    check = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                     max_value=MAX_ID,
                                     help_text="核实或转待销号所依据的该户“核实”排查 id")
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


class AssignRefusal(serializers.Serializer):
    alert = serializers.IntegerField(help_text="预警 id")
    reason = serializers.CharField(help_text="不能指派的原因")


class AlertAssignOutput(serializers.Serializer):
    assigned = serializers.IntegerField(help_text="指派的预警条数")
    alerts = AlertOutput(many=True, help_text="指派后的预警")
    refused = AssignRefusal(many=True, help_text="没有指派的预警及原因")


class MeasureInput(serializers.Serializer):
    measure = serializers.CharField(max_length=40, help_text="该规则帮扶措施目录中的措施名称")
    deadline = serializers.DateField(help_text="完成期限")
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


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
        return Alert.objects.visible_to(self.request.user).with_due().select_related(
            "household__village", "closed_by", "assignee")

    @extend_schema(summary="预警流转：核实、开始帮扶、排除、转待销号、销号", request=AlertMoveInput,
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
            check = Check.objects.visible_to(request.user).filter(
                pk=data["check"], household_id=alert.household_id).first()
            if check is None:
                raise ValidationError({"check": ["未找到该户的这次排查"]})
        services.alert_move(alert=alert, actor=request.user, action=data["action"],
                            note=data.get("note", ""), check=check)
        return Response(self.get_serializer(self.get_queryset().get(pk=alert.pk)).data)

    @extend_schema(summary="批量指派预警负责人", request=AlertAssignInput,
                   responses={200: AlertAssignOutput, **errors(400, 404)},
                   description="乡镇或区县监管人员把所选未销号预警指派给一名负责人；"
                               "能指派的都指派，不能指派的（已销号、已排除，或不在负责人的"
                               "工作地区）列在 refused 中并说明原因。")
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
        done = services.alerts_assign(alerts=alerts, assignee=assignee, actor=request.user,
                                      note=data.get("note", ""))
        assigned = self.get_queryset().filter(
            pk__in=[a.pk for a in done.assigned]).order_by("id")
        return Response({"assigned": len(done.assigned),
                         "alerts": self.get_serializer(assigned, many=True).data,
                         "refused": [{"alert": a.pk, "reason": why} for a, why in done.refused]})

    @extend_schema(summary="为预警制定帮扶措施（一户一策）", request=MeasureInput,
                   responses={201: MeasureOutput, **errors(400, 404)},
                   description="措施须取自该规则的帮扶措施目录；第一次制定时建立该户的一户一策。")
    @action(detail=True, methods=["post"], url_path="measures")
    def measures(self, request, pk=None):
        alert = self.get_object()
        entry = MeasureInput(data=request.data)
        entry.is_valid(raise_exception=True)
        data = entry.validated_data
        measure = plans.plan_add_measure(alert=alert, actor=request.user,
                                            measure=data["measure"], deadline=data["deadline"],
                                            note=data.get("note", ""))
        measure = measures_of(request.user).get(pk=measure.pk)
        return Response(MeasureOutput(measure, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)
