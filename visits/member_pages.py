"""The officer's pages for members from the field (issue 17): add a member, record one who
left or died, correct an ID number. Each is a plain form that works without script; on a
phone static/js/member-forms.js checks the ID number as it is typed (GB 11643) and sends
the form to the API (visits/member_api.py) through the outbox, so it works offline too.
Both paths write through households/members.py."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from households.members import member_add, member_correct_id, member_remove
from households.models import Member
from monitor.choices import Health, Labour, MemberJoined, MemberLeft, Schooling, Work
from monitor.policy import Policy
from monitor.roles import CHANGE_MEMBERS, Refused, may

from .forms import choice, yes_no
from .offline import kept_offline
from .views import visible_household

# A member added is most often a newborn: the form starts as one.
NEWBORN = {"reason": MemberJoined.BIRTH, "relation": "子女", "schooling": Schooling.PRESCHOOL,
           "labour": Labour.NONE, "work": Work.NONE, "insured": "1"}
RELATIONS = ["子女", "配偶", "孙子女", "儿媳", "女婿", "父母", "兄弟姐妹", "其他"]


def id_number_field(label: str = "身份证号") -> forms.CharField:
    return forms.CharField(
        label=label, max_length=40, help_text="18位，最后一位可能是 X；出生日期和性别由号码得出",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters",
                                      "spellcheck": "false", "data-id-number": ""}),
        error_messages={"required": "请填写身份证号"})


class MemberAddForm(forms.Form):
    reason = choice("新增原因", MemberJoined.choices, radio=True)
    name = forms.CharField(label="姓名", max_length=50,
                           error_messages={"required": "请填写成员姓名"})
    id_number = id_number_field()
    relation = choice("与户主关系", [(r, r) for r in RELATIONS])
    schooling = choice("在校情况", Schooling.choices)
    health = choice("健康状况", Health.choices)
    labour = choice("劳动能力", Labour.choices)
    work = choice("务工状况", Work.choices)
    insured = yes_no("参加基本医疗保险")


class MemberLeaveForm(forms.Form):
    reason = choice("减少原因", MemberLeft.choices, radio=True)
    on = forms.DateField(label="发生日期", widget=forms.DateInput(attrs={"type": "date"},
                                                              format="%Y-%m-%d"),
                         error_messages={"required": "请填写日期",
                                         "invalid": "日期格式应为 年-月-日，如 2026-03-01"})
    note = forms.CharField(label="说明", required=False, max_length=200,
                           help_text="如：嫁到某镇某村；死亡证明已查看")


class MemberIdForm(forms.Form):
    id_number = id_number_field("更正后的身份证号")


def field_household(request, number):
    """The household, if the user sees it (else 404) and may change its members."""
    household = visible_household(request.user, number)
    if not may(request.user, CHANGE_MEMBERS):
        raise PermissionDenied(CHANGE_MEMBERS.words(request.user))
    return household


def posted(request):
    """The form's data when it was sent (even empty, so an empty form says what is missing)."""
    return request.POST if request.method == "POST" else None


def saved(form, write) -> bool:
    """Call the service; its refusal goes next to the field it names (or above the form)."""
    try:
        write()
        return True
    except ValidationError as refused:
        for field, errors in refused.message_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    except Refused as refused:
        form.add_error(None, str(refused))
    return False


def page(request, household, form, *, title, api, member=None, warning=""):
    today, policy = timezone.localdate(), Policy()
    return render(request, "households/member_form.html", {
        "household": household, "form": form, "title": title, "api": api, "member": member,
        "warning": warning, "school_ages": (int(policy.value("school_age_from", today)),
                                            int(policy.value("school_age_to", today))),
    }, status=400 if form.errors else 200)


def household_member(request, number, pk):
    household = field_household(request, number)
    return household, get_object_or_404(Member, household=household, pk=pk)


def done(request, household, message: str):
    messages.success(request, message)
    return redirect("households:detail", number=household.number)


@login_required
@kept_offline
def member_new(request, number):
    household = field_household(request, number)
    form = MemberAddForm(posted(request), initial=NEWBORN)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if saved(form, lambda: member_add(household=household, actor=request.user, **data)):
            return done(request, household, f"已新增成员{data['name']}")
    return page(request, household, form, title="新增家庭成员", api=reverse("api:member-list"))


@login_required
@kept_offline
def member_leave(request, number, pk):
    household, member = household_member(request, number, pk)
    form = MemberLeaveForm(posted(request), initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if saved(form, lambda: member_remove(member=member, actor=request.user, **data)):
            return done(request, household, f"已登记{member.name}{data['reason']}")
    return page(request, household, form, title=f"成员减少：{member.name}", member=member,
                api=reverse("api:member-leave", args=[member.pk]),
                warning=f"保存后{member.name}从本户移出，今后的排查不再计入；"
                        "以往的排查记录不变。")


@login_required
@kept_offline
def member_id_number(request, number, pk):
    household, member = household_member(request, number, pk)
    # Starts as it is: most corrections are one mistyped digit, edited in place.
    form = MemberIdForm(posted(request), initial={"id_number": member.id_number})
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["id_number"]
        if saved(form, lambda: member_correct_id(member=member, actor=request.user,
                                                  id_number=number)):
            return done(request, household, f"已更正{member.name}的身份证号")
    return page(request, household, form, title=f"更正身份证号：{member.name}", member=member,
                api=reverse("api:member-id-number", args=[member.pk]))
