"""The 导入排查 page (issue 20): a town or county supervisor uploads the survey workbook,
sees the dry run's refused rows, imports the good rows or stops, and watches the import
to its summary. Views only translate: scope (an import outside the user's place is a
404), the capability (others get 403), call the step in survey/tasks.py, redirect with
its refusal as a message."""

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from monitor.roles import IMPORT_SURVEY, Refused, may, refusal_as_message

from .jobs import holder, interrupted, limits_text, progress_read
from .models import RUNNING, ImportJob, ImportState
from .tasks import import_confirm, import_rerun, import_stop, import_upload

RECENT = 20
PHASES = {"reading": "读取文件", "checking": "校验数据", "writing": "写入数据",
          "evaluating": "评估预警"}
DRY_PHASES = {**PHASES, "writing": "试写（不保存）"}


def supervisor(request):
    if not may(request.user, IMPORT_SURVEY) or request.user.place is None:
        raise PermissionDenied("只有乡镇或区县监管人员可以导入排查数据")


@login_required
def import_page(request):
    """The limits, the upload, and the place's recent imports."""
    supervisor(request)
    if request.method == "POST":
        try:
            job = import_upload(user=request.user, files=request.FILES.getlist("files"))
        except Refused as refused:
            messages.error(request, str(refused))
        else:
            return redirect("survey:job", pk=job.pk)
    jobs = ImportJob.objects.visible_to(request.user).select_related("user", "place")
    return render(request, "survey/import.html", {
        "limits": limits_text(), "busy": holder(request.user.place),
        "jobs": jobs[:RECENT]})


def visible_job(request, pk: int) -> ImportJob:
    return get_object_or_404(ImportJob.objects.visible_to(request.user)
                             .select_related("user", "place"), pk=pk)


@login_required
def job_page(request, pk: int):
    job = visible_job(request, pk)
    return render(request, "survey/job.html", {
        "job": job, "status": status_of(job), "may_act": may(request.user, IMPORT_SURVEY),
        "counts": counts_table(job.summary)})


@login_required
def job_status(request, pk: int):
    """What the page's progress bar polls: small, and read afresh every time."""
    return JsonResponse(status_of(visible_job(request, pk)))


def status_of(job: ImportJob) -> dict:
    """The job's state and where its work is: the phase, its rows, and the bar's percent
    (each phase an equal share; the dry run has no evaluation)."""
    working = job.state in (ImportState.CHECKING, ImportState.IMPORTING)
    said = progress_read(job) if working else {"phase": "", "done": 0, "total": 0}
    names = PHASES if job.confirmed else DRY_PHASES
    phases = list(names)[:4 if job.confirmed else 3]
    phase = said["phase"] if said["phase"] in phases else ""
    step = phases.index(phase) if phase else 0
    within = min(1, said["done"] / said["total"]) if said["total"] else 0
    percent = int(100 * (step + within) / len(phases)) if phase else 0
    return {"state": job.state, "running": job.state in RUNNING,
            "interrupted": interrupted(job), "phase": names.get(phase, ""),
            "step": step + 1, "steps": len(phases), "done": said["done"],
            "total": said["total"], "percent": percent, "text": progress_text(job, phase, said)}


def progress_text(job: ImportJob, phase: str, said: dict) -> str:
    if job.state == ImportState.QUEUED:
        return "排队中，马上开始"
    if not phase:
        return "正在开始"
    done, total = f"{said['done']:,}", f"{said['total']:,}"
    if phase == "reading":
        return f"已读取 {done} 行"
    if phase == "checking":
        return "正在与系统中已有的农户、成员、排查比对"
    if phase == "writing":
        return f"{done} / {total} 行"
    return f"已评估 {done} / {total} 户"


SHEETS = (("农户", "households"), ("成员", "members"), ("排查", "checks"))


def counts_table(summary: dict) -> list[tuple[str, int, int, int]]:
    """(sheet, created, updated, unchanged) for the summary's table."""
    if not summary:
        return []
    return [(name, summary.get(f"{kind}_created", 0), summary.get(f"{kind}_updated", 0),
             summary.get(f"{kind}_unchanged", 0)) for name, kind in SHEETS]


def job_step(request, pk: int, step) -> object:
    """A button on the job's page (导入, 停止, 重新导入): the service `step` on the job, its
    refusal shown as a message, then the job's page again."""
    job = visible_job(request, pk)
    with refusal_as_message(request):
        step(job=job, user=request.user)
    return redirect("survey:job", pk=job.pk)


@login_required
@require_POST
def job_confirm(request, pk: int):
    return job_step(request, pk, import_confirm)


@login_required
@require_POST
def job_stop(request, pk: int):
    return job_step(request, pk, import_stop)


@login_required
@require_POST
def job_rerun(request, pk: int):
    return job_step(request, pk, import_rerun)


@login_required
def job_report(request, pk: int):
    """The error report: the refused rows in the upload's own format, with 错误原因."""
    job = visible_job(request, pk)
    path = Path(job.report) if job.report else None
    if path is None or not path.exists():
        raise Http404("没有错误报告")
    stem = Path(job.file_name).stem if path.suffix == ".xlsx" else "排查数据"
    return FileResponse(path.open("rb"), as_attachment=True,
                        filename=f"{stem}_错误报告{path.suffix}")
