"""The API for a policy change (domain.md §5): preview what a new line or threshold would
change in a county, writing nothing; adopt it, once per Idempotency-Key. Scoped (a county
outside the user's scope is 404) and role-checked (403) as the page is."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from alerts.proposal import preview
from monitor.api import IDEMPOTENCY_PARAMETER, errors, idempotent
from monitor.roles import PREVIEW_POLICY, SET_POLICY, Capability, may

from .api import PlaceBrief
from .policy_preview import adoption_run, preview_json, proposal_read
from .policy_views import counties_of

# ── What is asked ─────────────────────────────────────────────────────────────────────


class ProposalInput(serializers.Serializer):
    place = serializers.CharField(max_length=12, help_text="区县代码（6 位）")
    effective_from = serializers.DateField(help_text="生效日期")
    line = serializers.CharField(required=False, allow_blank=True, max_length=20,
                                 help_text="新监测线（元/人·年），自生效日期所在年度起执行；"
                                           "不填为不调整")
    settings = serializers.DictField(
        child=serializers.CharField(max_length=20), required=False,
        help_text="拟调整的阈值：参数名 → 取值（参数名见 manage.py policy_preview --help）")


class AdoptionInput(ProposalInput):
    reason = serializers.CharField(max_length=200, help_text="调整原因（文件依据或会议决定）")


# ── What is answered ──────────────────────────────────────────────────────────────────


class RuleCount(serializers.Serializer):
    rule = serializers.CharField(help_text="规则代码")
    name = serializers.CharField(help_text="规则名称")
    households = serializers.IntegerField(help_text="户数")


class RuleOutput(serializers.Serializer):
    rule = serializers.CharField(help_text="规则代码")
    name = serializers.CharField(help_text="规则名称")


class ClassCount(serializers.Serializer):
    # "class" is a keyword: the field is named in get_fields.
    def get_fields(self):
        return {"class": serializers.CharField(help_text="分类：临界、巩固、稳定、未分类"),
                "now": serializers.IntegerField(help_text="现在户数"),
                "then": serializers.IntegerField(help_text="调整后户数")}


class TownOutput(serializers.Serializer):
    code = serializers.CharField(help_text="乡镇代码")
    classes = ClassCount(many=True)


class ChangedOutput(serializers.Serializer):
    id = serializers.IntegerField(help_text="农户 id")
    number = serializers.CharField(help_text="户编号")
    village = serializers.CharField(help_text="村代码")
    town = serializers.CharField(help_text="乡镇代码")
    class_now = serializers.CharField(help_text="现分类")
    class_then = serializers.CharField(help_text="新分类")
    raised = RuleOutput(many=True, help_text="新增预警")
    cleared = RuleOutput(many=True, help_text="不再触发")


class PreviewOutput(serializers.Serializer):
    place = PlaceBrief()
    effective_from = serializers.DateField()
    line = serializers.CharField(allow_null=True, help_text="新监测线；null 为不调整")
    settings = serializers.DictField(child=serializers.CharField(), help_text="拟调整的阈值")
    by_town = TownOutput(many=True, help_text="各乡镇各分类户数：现在与调整后")
    raised = RuleCount(many=True, help_text="新增预警，按规则")
    cleared = RuleCount(many=True, help_text="不再触发，按规则")
    households = ChangedOutput(many=True, help_text="分类或预警有变化的农户，按户编号")


# ── The two operations ────────────────────────────────────────────────────────────────


def asked_proposal(request, entry_class, capability: Capability):
    """The proposal of the request, from a county in the user's scope (else 404), for a
    user who may (else 403); a bad value is a 400 saying which."""
    if not may(request.user, capability):
        raise PermissionDenied(capability.words(request.user))
    entry = entry_class(data=request.data)
    entry.is_valid(raise_exception=True)
    data, counties = entry.validated_data, counties_of(request.user)
    get_object_or_404(counties, code=data["place"])
    proposal = proposal_read(place=data["place"], effective_from=data["effective_from"],
                             line=data.get("line"), settings=data.get("settings"),
                             counties=counties)
    return proposal, data


class PolicyPreviewView(APIView):
    @extend_schema(summary="政策调整预览", request=ProposalInput,
                   responses={200: PreviewOutput, **errors(400, 403, 404)},
                   description="按拟调整的监测线或阈值，自生效日期起重新评估全县农户，"
                               "返回分类与预警的变化；不写入任何数据。区县监管人员或管理员可用。")
    def post(self, request):
        proposal, _ = asked_proposal(request, ProposalInput, PREVIEW_POLICY)
        return Response(preview_json(preview(proposal)))


class PolicyAdoptView(APIView):
    @extend_schema(summary="采纳政策调整", request=AdoptionInput,
                   parameters=[IDEMPOTENCY_PARAMETER],
                   responses={200: PreviewOutput, **errors(400, 403, 404, 409)},
                   description="记录拟调整的值（自生效日期起，注明原因），并按其重新评估全县"
                               "自该日起的排查；每项预警和分类变动注明“政策调整”。"
                               "返回本次采纳的变化。带同一幂等键重发只采纳一次。")
    def post(self, request):
        return idempotent(request, lambda: self.adopt(request))

    def adopt(self, request) -> Response:
        proposal, data = asked_proposal(request, AdoptionInput, SET_POLICY)
        result = adoption_run(proposal, actor=request.user, reason=data["reason"])
        return Response(preview_json(result))
