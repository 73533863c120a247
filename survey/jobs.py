"""Imports from the 导入排查 page (issue 20): a town or county supervisor uploads the
workbook, the background work checks it without writing (a dry run), the supervisor sees
the refused rows and imports the good ones or stops, and the import runs with progress.

The rows go through survey.importing, exactly as the command's: one transaction for the
whole file, then the evaluation. So a worker that dies while writing leaves nothing, and
one that dies while evaluating leaves the rows written and some households not yet
evaluated: the job is then shown as interrupted, and importing the same file again
(重新导入) changes no row and evaluates what was left (a file loaded twice changes
nothing).

Two imports of overlapping places (the same town, or a town and its county) never run at
once: a job holds its place from upload until it is checked, and from the decision to
import until it is done (models.RUNNING); starting one takes a lock on the county's row
first, so two uploads at the same moment cannot both pass the check.

Progress: the import is one transaction, and a row it updates is seen by nobody until it
commits (and SQLite lets no other connection write meanwhile). So the worker says where it
is in a small file beside the upload (progress.json), which the page reads; when it last
wrote it is the job's heartbeat.
"""

import json
import logging
import os
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.text import get_valid_filename

from households.models import Place
from monitor.roles import Refused
from monitor.tabular import UnreadableFile

from .importing import ImportResult, survey_evaluate, survey_import
from .models import ImportJob, ImportState
from .reading import MAX_CELLS, SHEET_NAMES, XLSX_SUFFIXES
from .report import write_report

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # as a department's list; a county's file: the command
CSV_NAMES = [f"{name}.csv" for name in SHEET_NAMES]
CSV_FOLDER = "排查数据"  # where the three CSV files of an upload are kept
SHOWN_REJECTED = 500  # refused rows kept for the page's table; the report has them all
STALE_AFTER = timedelta(minutes=10)  # no progress for this long: the worker is gone
COUNTS = ("households_created", "households_updated", "households_unchanged",
          "members_created", "members_updated", "members_unchanged",
          "checks_created", "checks_updated", "checks_unchanged", "alerts_raised")


# ── What the page offers ────────────────────────────────────────────────────────────

def limits_text() -> str:
    """The limits the page states before the upload."""
    return (f"文件不超过 {MAX_UPLOAD_BYTES // 1024 // 1024} MB；每张表不超过约 "
            f"{MAX_CELLS // 10_000:,} 万个单元格（约 100 万行）")


def upload_kind(files) -> str:
    """'xlsx' or 'csv' for an acceptable upload; Refused, in words a clerk follows, for
    anything else."""
    names = [f.name for f in files]
    if not files:
        raise Refused("请选择要上传的文件：一个 Excel 工作簿（.xlsx），或 农户.csv、成员.csv、"
                      "排查.csv 三个文件")
    if sum(f.size for f in files) > MAX_UPLOAD_BYTES:
        raise Refused(f"文件太大（超过 {MAX_UPLOAD_BYTES // 1024 // 1024} MB）：请按乡镇或"
                      "村分成几个文件分别上传，或请县信息管理员用命令导入")
    if len(files) == 1 and names[0].lower().endswith(XLSX_SUFFIXES):
        return "xlsx"
    if sorted(names) == sorted(CSV_NAMES):
        return "csv"
    if all(name.lower().endswith(".csv") for name in names):
        raise Refused(csv_refusal(names))
    raise Refused("只能上传一个 Excel 工作簿（.xlsx，含 农户、成员、排查 三张表），或 "
                  "农户.csv、成员.csv、排查.csv 三个文件一起上传")


def csv_refusal(names: list[str]) -> str:
    """What is wrong with a set of CSV files: which of the three are missing, which
    names are not theirs."""
    said = []
    if missing := [n for n in CSV_NAMES if n not in names]:
        said.append(f"缺少 {'、'.join(missing)}")
    if extra := [n for n in names if n not in CSV_NAMES]:
        said.append(f"文件名不对：{'、'.join(extra)}")
    return f"CSV 文件须是 农户.csv、成员.csv、排查.csv 三个一起上传（{'；'.join(said)}）"


def holder(place: Place, *, but: ImportJob | None = None) -> ImportJob | None:
    """The import that holds this place now (of it, inside it, or of the place it lies
    in), unless its worker is gone (interrupted: it holds nothing until rerun)."""
    jobs = ImportJob.objects.running().overlapping(place.code).select_related("user", "place")
    if but is not None:
        jobs = jobs.exclude(pk=but.pk)
    return next((job for job in jobs if not interrupted(job)), None)


def busy_words(job: ImportJob) -> str:
    since = timezone.localtime(job.started or job.created).strftime("%m月%d日 %H:%M")
    return (f"{job.user.name_and_unit} 正在导入“{job.file_name}”（{job.place.name}，"
            f"{since} 开始），同一地区的导入不能同时进行：请等它完成后再导入")


def held_place(place: Place, *, but: ImportJob | None = None) -> Place:
    """The place, once no other import holds it; the county's row is locked till the end
    of the transaction, so two uploads at the same moment take turns at this check."""
    Place.objects.select_for_update().filter(code=place.code[:6]).first()
    running = holder(place, but=but)
    if running is not None:
        raise Refused(busy_words(running))
    return place


def broker_down(job_id: int) -> None:
    ImportJob.objects.filter(pk=job_id, state=ImportState.QUEUED).update(
        state=ImportState.FAILED, finished=timezone.now(),
        error="后台任务队列暂时不可用，未能开始，请稍后点下面的按钮再试一次")


# ── The background work ────────────────────────────────────────────────────────────

def import_run(job_id: int) -> None:
    """Claim a queued job (once), then check or import its file, and record the result.
    A failure is recorded on the job in Chinese; it is never left saying it runs."""
    queued = ImportJob.objects.filter(pk=job_id, state=ImportState.QUEUED)
    job = queued.first()
    if job is None:
        return
    working = ImportState.IMPORTING if job.confirmed else ImportState.CHECKING
    if not queued.update(state=working, started=timezone.now()):
        return
    job = ImportJob.objects.select_related("user", "place").get(pk=job_id)
    progress_write(job, "reading", 0, 0)
    try:
        result = run_file(job)
    except UnreadableFile as exc:
        return job_failed(job, f"文件无法读取：{exc}。请改正后重新上传")
    except Exception:  # recorded for the supervisor; the log keeps the traceback
        log.exception("排查导入任务 %s 失败", job_id)
        return job_failed(job, failure_words(job))
    job_finished(job, result)


def run_file(job: ImportJob) -> ImportResult:
    """The dry run, or the import and its evaluation, telling the progress file."""
    def progress(phase: str, done: int, total: int) -> None:
        progress_write(job, phase, done, total)

    path = Path(job.path)
    result = survey_import(path=path, dry_run=not job.confirmed, place=job.place,
                           progress=progress, actor=job.user)
    if job.confirmed:
        survey_evaluate(result, progress=progress)
    return result


def failure_words(job: ImportJob) -> str:
    if job.confirmed:
        return ("导入中断：服务器出错。整个文件在一个事务中写入，出错时尚未保存的部分已全部撤销；"
                "已保存的数据不会重复写入。请点“重新导入”完成本次导入")
    return "校验中断：服务器出错，没有写入任何数据。请点“重新导入”再试一次"


def job_failed(job: ImportJob, error: str) -> None:
    ImportJob.objects.filter(pk=job.pk).update(state=ImportState.FAILED, error=error,
                                               finished=timezone.now())


def job_finished(job: ImportJob, result: ImportResult) -> None:
    """Record the summary, the refused rows and the error report; the job is checked
    (waiting for the supervisor) after a dry run, done after an import."""
    report = write_report(Path(job.path), result)
    if report is not None and report.is_dir():
        report = zipped(report)
    summary = {name: getattr(result, name) for name in COUNTS}
    summary["rejected_rows"] = result.rejected_rows
    summary["good_rows"] = sum(summary[f"{kind}_{what}"] for kind in
                               ("households", "members", "checks")
                               for what in ("created", "updated", "unchanged"))
    summary["changes"] = sum(summary[f"{kind}_{what}"] for kind in
                             ("households", "members", "checks") for what in ("created", "updated"))
    summary["warnings"] = result.warnings
    ImportJob.objects.filter(pk=job.pk).update(
        state=ImportState.DONE if job.confirmed else ImportState.CHECKED,
        summary=summary, rejected_count=len(result.rejected),
        rejected=[[r.sheet, r.row, r.column, r.value, r.reason]
                  for r in result.rejected[:SHOWN_REJECTED]],
        report=str(report or ""), finished=timezone.now() if job.confirmed else None)


def zipped(folder: Path) -> Path:
    """The CSV error report's three files in one zip, for one download."""
    target = folder.parent / "错误报告.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in CSV_NAMES:
            if (folder / name).exists():
                archive.write(folder / name, arcname=name)
    return target


# ── Where the files and the progress are ───────────────────────────────────────────

def job_folder(job: ImportJob) -> Path:
    """The job's folder: where its upload is (a worker elsewhere reads it by that path,
    whatever its own settings), or where a new upload goes."""
    if job.path:
        return Path(job.path).parent
    return Path(settings.IMPORT_ROOT) / str(job.pk)


def kept_name(name: str) -> str:
    """The upload's own name, made safe to keep on disk (Chinese is kept)."""
    path = Path(name)
    return get_valid_filename(path.stem) + path.suffix.lower()


def progress_path(job: ImportJob) -> Path:
    return job_folder(job) / "progress.json"


def progress_write(job: ImportJob, phase: str, done: int, total: int) -> None:
    """Where the job is: replaced whole, so a reader never sees half of it."""
    path = progress_path(job)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps({"phase": phase, "done": done, "total": total}))
    os.replace(partial, path)


def progress_read(job: ImportJob) -> dict:
    """{phase, done, total, at}: what the worker last said (at: its heartbeat), or the
    job's start when it has said nothing yet."""
    try:
        said = json.loads(progress_path(job).read_text())
        at = datetime.fromtimestamp(progress_path(job).stat().st_mtime,
                                    tz=timezone.get_current_timezone())
    except (OSError, ValueError):
        said, at = {"phase": "", "done": 0, "total": 0}, job.started or job.created
    return {**said, "at": at}


def interrupted(job: ImportJob) -> bool:
    """A job that says it runs but has not moved for STALE_AFTER: its worker is gone."""
    if job.state not in (ImportState.CHECKING, ImportState.IMPORTING):
        return False
    return timezone.now() - progress_read(job)["at"] > STALE_AFTER
