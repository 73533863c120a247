"""Forms for the monitoring pages: a department list to compare, a declaration, a step
of a case, a notice, an objection. They only read what was typed (Chinese labels and
errors); the services in comparison.py, declarations.py and identification.py decide."""

from django import forms
from django.utils import timezone

from monitor.names import validate_name

from .comparison import KINDS
from .declarations import RISK_TYPES
from .models import ComparisonKind, DeclarationChannel, StepOutcome

LIST_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".xls", ".ods")
MAX_LIST_BYTES = 50 * 1024 * 1024


def today():
    return timezone.localdate()


class DateInput(forms.DateInput):
    input_type = "date"


class ComparisonForm(forms.Form):
    kind = forms.ChoiceField(label="名单类型",
                             choices=[(k, ComparisonKind(k).label) for k in KINDS])
    file = forms.FileField(label="部门名单（CSV 或 .xlsx，含 身份证号、姓名 和该类名单的列）")
    compared_on = forms.DateField(label="比对日期（计算年龄）", initial=today, widget=DateInput)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(LIST_SUFFIXES):
            raise forms.ValidationError("请上传 CSV 或 .xlsx 文件")
        if upload.size > MAX_LIST_BYTES:
            raise forms.ValidationError("文件超过 50 MB，请分批比对或使用命令行")
        return upload


class DeclarationForm(forms.Form):
    channel = forms.ChoiceField(label="申报方式", choices=DeclarationChannel.choices)
    risk_type = forms.ChoiceField(label="风险类型", choices=[(r, r) for r in RISK_TYPES])
    content = forms.CharField(label="申报内容", widget=forms.Textarea(attrs={"rows": 4}),
                              max_length=2000)
    declared_on = forms.DateField(label="申报日期", initial=today, widget=DateInput)


class StepForm(forms.Form):
    outcome = forms.ChoiceField(label="办理结果", choices=StepOutcome.choices,
                                widget=forms.RadioSelect)
    done_on = forms.DateField(label="办理日期", initial=today, widget=DateInput)
    reason = forms.CharField(label="意见（退回须填写理由）", required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))
    consent = forms.BooleanField(label="农户已签字确认（承诺书或认可书）", required=False)


class NoticeForm(forms.Form):
    starts_on = forms.DateField(label="公示开始日期", initial=today, widget=DateInput)
    ends_on = forms.DateField(label="公示结束日期", widget=DateInput)


class ObjectionForm(forms.Form):
    received_on = forms.DateField(label="收到日期", initial=today, widget=DateInput)
    raised_by = forms.CharField(label="异议人（可不填）", required=False, max_length=50,
                                validators=[validate_name])
    content = forms.CharField(label="异议内容", max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))


def form_errors(form) -> str:
    """A form's errors as one Chinese line for a message."""
    return "；".join(f"{form.fields[name].label if name in form.fields else ''}：{error}"
                    for name, errors in form.errors.items() for error in errors)
