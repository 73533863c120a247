"""Pages for the other ways risks are found and the formal steps of monitoring (domain.md
§7, §9): department comparison, household declarations, identification and elimination
cases with their notice, and the data-quality checks before reporting upward.

Every page reads through monitor/scope.py (Household.objects.visible_to and the helpers built on
it); anything outside the user's scope is a 404, the same answer as for something that
does not exist. A role that has no business on a page gets 403. Views only translate:
scope, validate the form, call the service, redirect with its message (a refusal's
through monitor.roles.refusal_as_message).
"""
import csv
import tempfile
from datetime import timedelta
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, When
from django.http import FileResponse, Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from alerts.models import Alert
from households.models import Household
from monitor.audit import audit_export
from monitor.policy import Policy
from monitor.requests import posted_id
from monitor.roles import (
    ACCEPT_DECLARATIONS,
    COMPARE_LISTS,
    PROPOSE_CASES,
    READ_CASEWORK,
    RECORD_DECLARATIONS,
    RECORD_OBJECTIONS,
    may,
    refusal_as_message,
)
from monitor.tabular import live, write_table

from . import comparison as comparing
from . import declarations as declaring
from . import identification as identifying
from .forms import (
    ComparisonForm,
    DeclarationForm,
    NoticeForm,
    ObjectionForm,
    StepForm,
    form_errors,
)
from .matching import DISAGREE, ONLY_IN_LIST, ONLY_IN_REGISTRY
from .models import CasePurpose, CaseState, CaseStep, Notice
from .quality import CHECKS, COLUMNS, doubts

REPORT_PREVIEW = 200
DOUBTS_SHOWN = 500


def require_page(user, capability, page: str) -> None:
    """403 for a role that has no business on the page (monitor/roles.py says who has)."""
    if not may(user, capability):
        raise PermissionDenied(f"{user.get_role_display()}不能使用{page}")


def visible_household(user, number: str):
    return get_object_or_404(Household.objects.visible_to(user).select_related("village__parent"),
                             number=number)


# ── Department comparison ─────────────────────────────────────────────────────────────

@login_required
def comparisons(request):
    """The county's comparisons, newest first, and the form to upload a list."""
    require_page(request.user, COMPARE_LISTS, "部门数据比对")
    form = ComparisonForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not form.is_valid():
            messages.error(request, form_errors(form))
        else:
            done = run_upload(request, form.cleaned_data)
            if done is not None:
                return redirect("casework:comparison", pk=done.pk)
    page = Paginator(comparing.comparisons_visible_to(request.user), 30).get_page(
        request.GET.get("page"))
    return render(request, "casework/comparisons.html", {"form": form, "page": page})


def run_upload(request, data):
    upload = data["file"]
    with tempfile.TemporaryDirectory(prefix="comparison-") as folder:
        path = Path(folder) / f"list{Path(upload.name).suffix.lower()}"
        with path.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        with refusal_as_message(request):
            return comparing.comparison_run(kind=data["kind"], path=path, actor=request.user,
                                            file_name=upload.name, on=data["compared_on"])
        return None


@login_required
def comparison_detail(request, pk):
    """One comparison: its counts, the rows it could not read, the report's first rows
    (filtered by result). Like the list, for the county and administrators only: the
    report names people of the whole registry by ID number, beyond any department's tasks."""
    require_page(request.user, COMPARE_LISTS, "部门数据比对")
    comparison = get_object_or_404(comparing.comparisons_visible_to(request.user), pk=pk)
    result = request.GET.get("result", "")
    rows, total = [], 0
    path = comparing.report_path(comparison)
    if comparison.report and path.exists():
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                if result and row["结果"] != result:
                    continue
                total += 1
                if len(rows) < REPORT_PREVIEW:  # as the list had it, not as made inert
                    rows.append([live(row[column]) for column in comparing.REPORT_COLUMNS])
    return render(request, "casework/comparison.html", {
        "c": comparison, "rows": rows, "total": total, "result": result,
        "results": [ONLY_IN_LIST, ONLY_IN_REGISTRY, DISAGREE],
        "columns": comparing.REPORT_COLUMNS,
    })


@login_required
def comparison_report(request, pk):
    require_page(request.user, COMPARE_LISTS, "部门数据比对")
    comparison = get_object_or_404(comparing.comparisons_visible_to(request.user), pk=pk)
    path = comparing.report_path(comparison)
    if not comparison.report or not path.exists():
        raise Http404("比对报告文件不存在")
    name = f"比对报告-{comparison.get_kind_display()}-{comparison.compared_on}.csv"
    audit_export(actor=request.user, what=f"比对报告 {comparison.get_kind_display()}",
                 place=comparison.place, fmt="csv", rows=comparison.rows,
                 note=f"{comparison.file_name}，{comparison.compared_on} 比对")
    return FileResponse(path.open("rb"), as_attachment=True, filename=name)


# ── Household declarations ────────────────────────────────────────────────────────────

@login_required
def declarations(request):
    """Declarations in scope, those waiting for the town's acceptance first."""
    require_page(request.user, READ_CASEWORK, "农户申报")
    found = declaring.declarations_visible_to(request.user).select_related(
        "household__village", "recorded_by", "accepted_by", "alert")
    if request.GET.get("pending"):
        found = found.filter(accepted_at__isnull=True)
    page = Paginator(found.order_by("accepted_at", "accept_by", "-id"), 50).get_page(
        request.GET.get("page"))
    return render(request, "casework/declarations.html", {
        "page": page, "pending": request.GET.get("pending", ""),
        "query": urlencode({"pending": request.GET.get("pending", "")}),
        "can_accept": may(request.user, ACCEPT_DECLARATIONS),
        "today": timezone.localdate(),
    })


@login_required
def declaration_new(request, number):
    household = visible_household(request.user, number)
    # The form opens for anyone reading casework; recording is RECORD_DECLARATIONS's, which
    # the household page's button asks and the service requires (administrators are refused).
    require_page(request.user, READ_CASEWORK, "农户申报")
    form = DeclarationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusal_as_message(request):
            declaration = declaring.declaration_record(household=household,
                                                       actor=request.user, **form.cleaned_data)
            messages.success(request, f"已记录农户申报，乡镇须在 {declaration.accept_by} 前受理")
            return redirect("casework:household", number=household.number)
    return render(request, "casework/declaration_form.html", {"household": household,
                                                                "form": form})


@login_required
@require_POST
def declaration_accept(request, pk):
    declaration = get_object_or_404(declaring.declarations_visible_to(request.user).
                                    select_related("household", "alert"), pk=pk)
    with refusal_as_message(request):
        declaring.declaration_accept(declaration=declaration, actor=request.user,
                                     note=request.POST.get("note", ""))
        messages.success(request, f"已受理 {declaration.household.number} 的申报")
    return redirect("casework:declarations")


# ── Identification and elimination ────────────────────────────────────────────────────

@login_required
def cases(request):
    """Cases in scope, open ones first, filtered by purpose and state."""
    require_page(request.user, READ_CASEWORK, "纳入监测和风险消除")
    found = identifying.cases_visible_to(request.user).select_related("household__village")
    filters = {name: request.GET.get(name, "") for name in ("purpose", "state")}
    if filters["purpose"] in CasePurpose.values:
        found = found.filter(purpose=filters["purpose"])
    if filters["state"] in CaseState.values:
        found = found.filter(state=filters["state"])
    open_first = Case(When(state=CaseState.OPEN, then=0), default=1)
    page = Paginator(found.order_by(open_first, "-opened_at", "-id"), 50).get_page(
        request.GET.get("page"))
    return render(request, "casework/cases.html", {
        "page": page, "filters": filters, "query": urlencode(filters),
        "purposes": CasePurpose.values,
        "states": CaseState.values,
    })


@login_required
def household_monitoring(request, number):
    """A household's monitoring: its declarations, its cases, the open alerts it may be
    proposed on, or why it cannot be proposed for elimination yet."""
    user = request.user
    household = visible_household(user, number)
    require_page(user, READ_CASEWORK, "纳入监测和风险消除")
    household_cases = identifying.cases_visible_to(user).filter(household=household)
    has_open = household_cases.filter(state=CaseState.OPEN).exists()
    monitored = bool(household.monitoring_category)
    return render(request, "casework/household.html", {
        "household": household, "cases": household_cases.order_by("-opened_at"),
        "declarations": declaring.declarations_visible_to(user).filter(household=household),
        "alerts": [] if has_open or monitored else
        Alert.objects.visible_to(user).open().filter(household=household),
        "blockers": identifying.elimination_blockers(household)
        if monitored and not has_open else [],
        "monitored": monitored, "has_open": has_open,
        "can_propose": may(user, PROPOSE_CASES),
        "can_declare": may(user, RECORD_DECLARATIONS),
    })


@login_required
@require_POST
def case_propose(request, number):
    user = request.user
    household = visible_household(user, number)
    with refusal_as_message(request):
        if request.POST.get("purpose") == CasePurpose.ELIMINATE:
            case = identifying.case_propose_elimination(household=household, actor=user)
        else:
            alert = get_object_or_404(Alert.objects.visible_to(user),
                                      pk=posted_id(request.POST, "alert", "预警"),
                                      household=household)
            case = identifying.case_propose_inclusion(household=household, alert=alert,
                                                      actor=user)
        messages.success(request, f"已提出{case.purpose}，下一步：入户核实")
        return redirect("casework:case", pk=case.pk)
    return redirect("casework:household", number=household.number)


def visible_case(user, pk):
    return get_object_or_404(identifying.cases_visible_to(user).select_related(
        "household__village__parent", "alert", "opened_by"), pk=pk)


@login_required
def case_detail(request, pk):
    """A case: its steps as done, its notice and objections, and the form for the next
    step when it is the user's to do."""
    user = request.user
    case = visible_case(user, pk)
    step = identifying.next_step(case)
    notice = Notice.objects.filter(case=case).first()
    mine = step is not None and may(user, identifying.STEP_CAPABILITY[step])
    start = timezone.localdate()
    days = int(Policy().value("notice_days", start))
    return render(request, "casework/case.html", {
        "case": case, "steps": case.steps.select_related("actor"), "next": step,
        "next_label": CaseStep(step).label if step else "", "mine": mine,
        "notice": notice, "objections": notice.objections.select_related("recorded_by")
        if notice else [],
        "post_notice": mine and step == CaseStep.NOTICE and notice is None,
        "take_objection": step == CaseStep.NOTICE and notice is not None
        and may(user, RECORD_OBJECTIONS),
        "step_form": StepForm(), "notice_form": NoticeForm(initial={
            "starts_on": start, "ends_on": start + timedelta(days=days - 1)}),
        "objection_form": ObjectionForm(), "notice_days": days,
    })


@login_required
@require_POST
def case_step(request, pk):
    case = visible_case(request.user, pk)
    form = StepForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("casework:case", pk=case.pk)
    step = request.POST.get("step", "")
    if step not in CaseStep.values:
        return HttpResponseBadRequest("未知环节")
    with refusal_as_message(request):
        row = identifying.case_step(case=case, step=step, actor=request.user,
                                    **form.cleaned_data)
        messages.success(request, f"“{row.get_step_display()}”已办理：{row.outcome}")
    return redirect("casework:case", pk=case.pk)


@login_required
@require_POST
def case_notice(request, pk):
    case = visible_case(request.user, pk)
    form = NoticeForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("casework:case", pk=case.pk)
    with refusal_as_message(request):
        identifying.notice_post(case=case, actor=request.user, **form.cleaned_data)
        messages.success(request, "公示已发布，请打印张贴")
    return redirect("casework:case", pk=case.pk)


@login_required
@require_POST
def case_objection(request, pk):
    case = visible_case(request.user, pk)
    form = ObjectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("casework:case", pk=case.pk)
    with refusal_as_message(request):
        identifying.objection_record(case=case, actor=request.user, **form.cleaned_data)
        messages.success(request, "异议已记录")
    return redirect("casework:case", pk=case.pk)


@login_required
def notice_print(request, pk):
    case = visible_case(request.user, pk)
    notice = get_object_or_404(Notice, case=case)
    return render(request, "casework/notice_print.html", {"case": case, "notice": notice})


# ── Data-quality checks (疑点) ────────────────────────────────────────────────────────

@login_required
def quality(request):
    """The doubtful points among the households in scope, check by check."""
    require_page(request.user, READ_CASEWORK, "疑点核查")
    only = request.GET.get("only", "")
    found = doubts(Household.objects.visible_to(request.user), timezone.localdate(),
                   only if only in {code for code, _, _ in CHECKS} else "")
    counts = {code: 0 for code, _, _ in CHECKS}
    for doubt in found:
        counts[doubt.code] += 1
    return render(request, "casework/quality.html", {
        "doubts": found[:DOUBTS_SHOWN], "total": len(found), "only": only,
        "checks": [(code, title, counts[code]) for code, title, _ in CHECKS],
        "columns": COLUMNS, "shown": DOUBTS_SHOWN,
    })


@login_required
def quality_export(request):
    require_page(request.user, READ_CASEWORK, "疑点核查")
    fmt, only = request.GET.get("format", "xlsx"), request.GET.get("only", "")
    if fmt not in ("xlsx", "csv"):
        return HttpResponseBadRequest("格式应为 xlsx 或 csv")
    found = doubts(Household.objects.visible_to(request.user), timezone.localdate(),
                   only if only in {code for code, _, _ in CHECKS} else "")
    path = Path(tempfile.mkdtemp(prefix="doubts-")) / f"疑点清单.{fmt}"
    write_table(path, COLUMNS, (doubt.row() for doubt in found), title="疑点清单")
    audit_export(actor=request.user, what="疑点清单", place=request.user.place, fmt=fmt,
                 rows=len(found), note=f"只看 {only}" if only else "")
    return FileResponse(path.open("rb"), as_attachment=True,
                        filename=f"疑点清单-{timezone.localdate()}.{fmt}")
