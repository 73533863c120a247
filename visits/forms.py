"""Forms for the officer's pages: the list's filters and the check (domain.md §4).

A check is entered as one form for the visit's answers and one small form per member for
what the visit saw of them. Labels and errors are in Chinese and name the field, so an
officer on a phone sees what to fix next to it. Saving goes through check_record only.
"""

from datetime import date
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from households.models import NOTES_MAX, Check, Member
from monitor.choices import (
    CheckKind,
    Health,
    HouseholdClass,
    HousingGrade,
    Labour,
    Schooling,
    SuddenEvent,
    Work,
)
from monitor.names import validate_name
from monitor.periods import age_on
from monitor.policy import Policy
from visits.carryover import INCOMES, last_check
from visits.services import check_record

# ── The list's filters ────────────────────────────────────────────────────────────────


class HouseholdFilterForm(forms.Form):
    """Search by head's or member's name, 户编号 or the tail of an ID number; filter by
    class, village, group, open alerts and the user's own households."""

    q = forms.CharField(label="搜索", required=False, max_length=40)
    household_class = forms.ChoiceField(
        label="分类", required=False,
        choices=[("", "全部分类"), *HouseholdClass.choices, ("none", "未分类")])
    village = forms.ChoiceField(label="村", required=False)
    group = forms.ChoiceField(label="村民小组", required=False)
    alerts = forms.ChoiceField(label="预警", required=False,
                               choices=[("", "不限"), ("open", "有未销号预警")])
    mine = forms.BooleanField(label="只看我联系的农户", required=False)

    def __init__(self, data, *, villages, groups):
        super().__init__(data)
        self.fields["village"].choices = [("", "全部村")] + [(v.code, v.name) for v in villages]
        self.fields["group"].choices = [("", "全部小组")] + [(g, g) for g in groups]
        if len(villages) <= 1:
            del self.fields["village"]

    def apply(self, households, *, user, open_alerts):
        """Narrow `households` by the valid filters; an invalid one is ignored."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        households = households.matching(data.get("q", ""), user)
        chosen = data.get("household_class")
        if chosen:
            households = households.filter(household_class="" if chosen == "none" else chosen)
        if data.get("village"):
            households = households.filter(village_id=data["village"])
        if data.get("group"):
            households = households.filter(group=data["group"])
        if data.get("alerts") == "open":
            households = households.filter(pk__in=open_alerts.values("household_id"))
        if data.get("mine"):
            households = households.filter(info_officer=user)
        return households


# ── The check ─────────────────────────────────────────────────────────────────────────

YES_NO = [("1", "是"), ("0", "否")]


HOUSING_LABELS = [
    (HousingGrade.A, "A 级"), (HousingGrade.B, "B 级"),
    (HousingGrade.C, "C 级（危房）"), (HousingGrade.D, "D 级（危房）"),
    (HousingGrade.RELOCATED, "已搬迁"), (HousingGrade.RENOVATED, "已改造"),
]
EARLIEST_VISIT = date(2021, 1, 1)  # the mechanism began in 2021


def yes_no(label: str, help_text: str = "") -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, choices=YES_NO, coerce=lambda value: value == "1",
        widget=forms.RadioSelect, help_text=help_text,
        error_messages={"required": f"请选择“{label}”：是或否"})


def money(label: str, *, required: bool = True, allow_negative: bool = False,
          help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=f"{label}（元）", required=required, max_digits=14, decimal_places=2,
        min_value=None if allow_negative else Decimal("0"), help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={
            "required": f"请填写{label}，没有请填 0",
            "invalid": f"{label}应为数字（元），如 12000 或 3500.50",
            "min_value": f"{label}不能为负数",
            "max_digits": f"{label}数额过大，请核对",
            "max_whole_digits": f"{label}数额过大，请核对",
            "max_decimal_places": f"{label}最多保留两位小数（角、分）",
        })


def choice(label: str, choices, *, radio: bool = False) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, choices=choices, widget=forms.RadioSelect if radio else forms.Select,
        error_messages={"required": f"请选择“{label}”",
                        "invalid_choice": f"“{label}”的选项无效，请重新选择"})


# ── Answers that contradict each other: refused by the form and the API alike ──────────


def sudden_loss_problem(event: str | None, loss) -> str:
    """A sudden event needs its loss (0 if unknown); no event, no loss."""
    if event and event != SuddenEvent.NONE and loss is None:
        return f"发生了“{event}”，请填写造成的损失（元），不清楚填 0"
    if event == SuddenEvent.NONE and loss:
        return "没有突发情况时损失应为 0 或不填"
    return ""


def labour_work_problem(name: str, labour: str | None, work: str | None) -> str:
    """One who has lost, or never had, the ability to work does not work."""
    if labour in (Labour.LOST, Labour.NONE) and work in (Work.IN_COUNTY, Work.OUT_OF_COUNTY):
        return f"{name}为“{labour}”，不能是“{work}”；请核对劳动能力或务工状况"
    return ""


def school_age_problem(member: Member, schooling: str | None, visit_date: date) -> str:
    """A child of compulsory-school age on the visit date is at school, taught at home or
    has dropped out: 学前 or 非在校 would hide a DROPOUT (§5)."""
    if schooling not in (Schooling.PRESCHOOL, Schooling.NOT_IN_SCHOOL):
        return ""
    policy = Policy()
    low = int(policy.value("school_age_from", visit_date))
    high = int(policy.value("school_age_to", visit_date))
    age = age_on(member.birth_date, visit_date)
    if low <= age <= high:
        return (f"{member.name}在排查日 {age} 岁，属义务教育年龄（{low}–{high}岁），"
                "应为“在校”“送教上门”或“失学辍学”")
    return ""


class CheckForm(forms.Form):
    """One visit's answers. Yes/no questions have no default: an officer answers each."""

    visit_date = forms.DateField(
        label="排查日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "请填写排查日期",
                        "invalid": "排查日期格式应为 年-月-日，如 2024-05-01"})
    kind = choice("排查类型", CheckKind.choices, radio=True)
    officer_name = forms.CharField(
        label="排查人", max_length=50, validators=[validate_name],
        error_messages={"required": "请填写排查人姓名"})
    food_secure = yes_no("不愁吃", "全年口粮、饮食有保障")
    clothing_secure = yes_no("不愁穿", "四季有换季衣物、被褥")
    education_spending = money("近12个月教育支出")
    medical_spending = money("近12个月医疗自付支出", help_text="报销后自己负担的部分")
    housing = choice("住房安全", HOUSING_LABELS, radio=True)
    water_quantity = yes_no("饮水水量达标")
    water_quality = yes_no("饮水水质达标")
    water_convenience = yes_no("取水方便")
    water_reliability = yes_no("供水有保证")
    income_wages = money("工资性收入", help_text="务工、工资，近12个月")
    income_business = money("经营性收入", allow_negative=True,
                            help_text="种养、经营的纯收入，亏损填负数")
    income_property = money("财产性收入", help_text="土地流转、入股分红、租金等")
    income_transfers = money("转移性收入", help_text="低保、养老金、各类补贴等")
    sudden_event = choice("突发情况", SuddenEvent.choices, radio=True)
    sudden_loss = money("突发情况造成的损失", required=False)
    notes = forms.CharField(label="备注", required=False, max_length=NOTES_MAX,
                            widget=forms.Textarea(attrs={"rows": 3}), error_messages={
                                "max_length": f"备注最多 {NOTES_MAX} 个字，请精简"})

    def __init__(self, data=None, *, household, initial=None):
        super().__init__(data, initial=initial)
        self.household = household

    def clean_visit_date(self):
        visit_date = self.cleaned_data["visit_date"]
        today = timezone.localdate()  # the county's date, as check_record judges it
        if visit_date > today:
            raise ValidationError(f"排查日期不能晚于今天（{today:%Y-%m-%d}）")
        if visit_date < EARLIEST_VISIT:
            raise ValidationError(f"排查日期不能早于 {EARLIEST_VISIT:%Y-%m-%d}，请核对年份")
        return visit_date

    def clean(self):
        data = super().clean()
        problem = sudden_loss_problem(data.get("sudden_event"), data.get("sudden_loss"))
        if problem:
            self.add_error("sudden_loss", problem)
        visit_date, kind = data.get("visit_date"), data.get("kind")
        if visit_date and kind and Check.objects.filter(
                household=self.household, visit_date=visit_date, kind=kind).exists():
            self.add_error("kind", f"该户 {visit_date:%Y-%m-%d} 已有一次“{kind}”记录；"
                                   "记录不能修改，更正请另选排查类型或日期录入新的排查")
        return data

    def answers(self) -> dict:
        """The check's fields for check_record (not the date, kind or members)."""
        data = dict(self.cleaned_data)
        data["sudden_loss"] = data.get("sudden_loss") or Decimal("0")
        for name in ("visit_date", "kind"):
            data.pop(name)
        return data


CHILD_MAX_AGE = 18


class MemberCheckForm(forms.Form):
    """What the visit saw of one member; children (18 and under) also have schooling."""

    schooling = choice("在校情况", Schooling.choices)
    insured = yes_no("参加基本医疗保险")
    health = choice("健康状况", Health.choices)
    labour = choice("劳动能力", Labour.choices)
    work = choice("务工状况", Work.choices)

    def __init__(self, data=None, *, member: Member, today: date | None = None):
        self.member = member
        self.age = age_on(member.birth_date, today or timezone.localdate())
        super().__init__(data, prefix=f"m{member.pk}", initial={
            "schooling": member.schooling, "insured": "1" if member.insured else "0",
            "health": member.health, "labour": member.labour, "work": member.work})
        if not self.is_child:
            del self.fields["schooling"]

    @property
    def is_child(self) -> bool:
        return self.age <= CHILD_MAX_AGE

    def clean(self):
        data = super().clean()
        problem = labour_work_problem(self.member.name, data.get("labour"), data.get("work"))
        if problem:
            self.add_error("work", problem)
        return data

    def updates(self) -> dict:
        return dict(self.cleaned_data)


class CheckEntry:
    """The check form and the household's member forms, validated and saved together.

    A new check starts from the household's last one (visits/carryover.py): its answers
    that rarely change, and its incomes beside the income fields."""

    def __init__(self, household, data=None, *, officer_name: str = ""):
        self.household = household
        members = list(household.members.all())
        self.last = last_check(household)
        self.form = CheckForm(data, household=household, initial={
            "visit_date": timezone.localdate(), "kind": CheckKind.ROUTINE,
            "officer_name": officer_name, "sudden_event": SuddenEvent.NONE,
            **(self.last.initial() if self.last else {})})
        if self.last:
            for name in INCOMES:
                self.form.fields[name].widget.attrs["data-last"] = self.last.incomes[name]
        self.member_forms = [MemberCheckForm(data, member=m) for m in members]

    @property
    def children(self) -> list[MemberCheckForm]:
        return [f for f in self.member_forms if f.is_child]

    def is_valid(self) -> bool:
        valid = [self.form.is_valid()] + [f.is_valid() for f in self.member_forms]
        if all(valid):
            self._check_school_age()
        return all(valid) and not self.has_errors

    @property
    def has_errors(self) -> bool:
        return bool(self.form.errors) or any(f.errors for f in self.member_forms)

    def _check_school_age(self) -> None:
        visit_date = self.form.cleaned_data["visit_date"]
        for member_form in self.children:
            problem = school_age_problem(member_form.member,
                                         member_form.cleaned_data["schooling"], visit_date)
            if problem:
                member_form.add_error("schooling", problem)

    def error_summary(self) -> list[tuple[str, str]]:
        """Every error as (field id, text) for the summary at the top; a member's errors
        start with the member's name, since several members have the same questions."""
        found = [(self.form[name].auto_id if name in self.form.fields else "", message)
                 for name, messages in self.form.errors.items() for message in messages]
        for member_form in self.member_forms:
            name = member_form.member.name
            for field_name, messages in member_form.errors.items():
                field_id = member_form[field_name].auto_id \
                    if field_name in member_form.fields else ""
                found += [(field_id, m if m.startswith(name) else f"{name}：{m}")
                          for m in messages]
        return found

    def save(self, *, recorded_by) -> Check | None:
        """Record the check through check_record; None (with the errors added) if the
        service refused it."""
        data = self.form.cleaned_data
        try:
            return check_record(
                household=self.household, recorded_by=recorded_by,
                visit_date=data["visit_date"], kind=data["kind"],
                member_updates={f.member.id_number: f.updates() for f in self.member_forms},
                **self.form.answers())
        except ValidationError as refused:
            for field, messages in refused.message_dict.items():
                target = field if field in self.form.fields else None
                for message in messages:
                    self.form.add_error(target, message)
            return None
