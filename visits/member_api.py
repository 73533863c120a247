"""The API's writes to members from the field (issue 17): add a member, record one who
left or died, correct an ID number. Each answers once per Idempotency-Key (a phone's
outbox resends after a lost connection), reads the member through the user's scope (404
outside it) and writes through households/members.py, which checks the ID (GB 11643) and
keeps the trail. The phone's forms post here (static/js/member-forms.js)."""

from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from households.members import member_add, member_correct_id, member_remove
from households.models import Household
from monitor.api import idempotent
from monitor.choices import Health, Labour, MemberJoined, MemberLeft, Schooling, Work
from monitor.roles import CHANGE_MEMBERS, may


class VisibleHousehold(serializers.PrimaryKeyRelatedField):
    """A household id from the user's scope; any other is answered as if it did not exist."""

    def get_queryset(self):
        return Household.objects.visible_to(self.context["request"].user)


class MemberAddInput(serializers.Serializer):
    household = VisibleHousehold(queryset=Household.objects.none(), help_text="农户 id",
                                 error_messages={"does_not_exist": "未找到该农户",
                                                 "incorrect_type": "农户 id 应为整数"})
    reason = serializers.ChoiceField(MemberJoined.choices, help_text="新增原因")
    name = serializers.CharField(max_length=50, error_messages={"blank": "请填写成员姓名"})
    id_number = serializers.CharField(max_length=40, help_text="身份证号（18位）",
                                      error_messages={"blank": "请填写身份证号"})
    relation = serializers.CharField(max_length=20, allow_blank=True, default="",
                                     help_text="与户主关系，如 子女、配偶、孙子女")
    schooling = serializers.ChoiceField(Schooling.choices, required=False)
    health = serializers.ChoiceField(Health.choices, required=False)
    labour = serializers.ChoiceField(Labour.choices, required=False)
    work = serializers.ChoiceField(Work.choices, required=False)
    insured = serializers.BooleanField(required=False, help_text="参加基本医疗保险")


class MemberLeaveInput(serializers.Serializer):
    reason = serializers.ChoiceField(MemberLeft.choices, help_text="减少原因")
    on = serializers.DateField(help_text="迁出或死亡日期 YYYY-MM-DD")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class MemberIdInput(serializers.Serializer):
    id_number = serializers.CharField(max_length=40, help_text="更正后的身份证号",
                                      error_messages={"blank": "请填写身份证号"})


class MemberWrites:
    """What MemberViewSet (visits/api.py, with their schema) adds to reading members: the
    three changes."""

    def member_output(self, member):
        member = self.get_queryset().get(pk=member.pk)
        return self.get_serializer(member).data

    def require_changes(self, request):
        if not may(request.user, CHANGE_MEMBERS):
            raise PermissionDenied(CHANGE_MEMBERS.words(request.user))

    def create(self, request):
        self.require_changes(request)

        def add():
            entry = MemberAddInput(data=request.data, context=self.get_serializer_context())
            entry.is_valid(raise_exception=True)
            data = dict(entry.validated_data)
            member = member_add(household=data.pop("household"), actor=request.user, **data)
            return Response(self.member_output(member), status=status.HTTP_201_CREATED)
        return idempotent(request, add)

    @action(detail=True, methods=["post"], url_path="leave")
    def leave(self, request, pk=None):
        self.require_changes(request)

        def remove():
            member = self.get_object()
            entry = MemberLeaveInput(data=request.data)
            entry.is_valid(raise_exception=True)
            name = member.name
            member_remove(member=member, actor=request.user, **entry.validated_data)
            reason = entry.validated_data["reason"]
            return Response({"detail": f"已登记{name}{reason}"})
        return idempotent(request, remove)

    @action(detail=True, methods=["post"], url_path="id-number")
    def id_number(self, request, pk=None):
        self.require_changes(request)

        def correct():
            member = self.get_object()
            entry = MemberIdInput(data=request.data)
            entry.is_valid(raise_exception=True)
            member_correct_id(member=member, actor=request.user,
                              id_number=entry.validated_data["id_number"])
            return Response(self.member_output(member))
        return idempotent(request, correct)
