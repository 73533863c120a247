"""The supervisor's steps of an import from the page (upload, import the good rows, stop,
run again) and the background task that checks or imports the file (survey/jobs.py),
queued after commit (a Celery worker, or in-process on the embedded default)."""

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from monitor.background import run_after_commit
from monitor.roles import IMPORT_SURVEY, Refused, require

from .jobs import (
    CSV_FOLDER,
    broker_down,
    held_place,
    import_run,
    interrupted,
    job_folder,
    kept_name,
    progress_path,
    upload_kind,
)
from .models import ImportJob, ImportState

TAKEN = "这个文件已经在导入或已处理，请刷新页面查看"


@shared_task(name="survey.tasks.run_import", acks_late=True)
def run_import(job_id: int) -> None:
    """Check or import a queued job's file; a duplicate delivery finds the job taken."""
    import_run(job_id)


def queue(job_id: int) -> None:
    run_after_commit(run_import, job_id, on_broker_down=lambda: broker_down(job_id))


def import_upload(*, user, files) -> ImportJob:
    """Keep the uploaded file(s) for the user's place and queue the dry run. Refused
    when the upload is not the workbook, too big, or the place is busy."""
    require(user, IMPORT_SURVEY)
    kind = upload_kind(files)
    with transaction.atomic():
        place = held_place(user.place)
        job = ImportJob.objects.create(user=user, place=place, path="",
                                       file_name="、".join(f.name for f in files)[:300])
        folder = job_folder(job)
        if kind == "csv":
            target = folder / CSV_FOLDER
            target.mkdir(parents=True)
            for upload in files:
                save(upload, target / upload.name)
        else:
            folder.mkdir(parents=True)
            target = folder / kept_name(files[0].name)
            save(files[0], target)
        ImportJob.objects.filter(pk=job.pk).update(path=str(target))
        queue(job.pk)
    return job


def save(upload, path) -> None:
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)


def import_confirm(*, job: ImportJob, user) -> None:
    """Import the good rows of a checked file (after the dry run: 导入正确的行)."""
    require(user, IMPORT_SURVEY)
    with transaction.atomic():
        held_place(job.place, but=job)
        if not ImportJob.objects.filter(pk=job.pk, state=ImportState.CHECKED).update(
                state=ImportState.QUEUED, confirmed=True, error=""):
            raise Refused(TAKEN)
        progress_path(job).unlink(missing_ok=True)  # the dry run's
        queue(job.pk)


def import_stop(*, job: ImportJob, user) -> None:
    """Stop after the dry run: nothing is written; the file is kept for the record."""
    require(user, IMPORT_SURVEY)
    if not ImportJob.objects.filter(pk=job.pk, state=ImportState.CHECKED).update(
            state=ImportState.STOPPED, finished=timezone.now()):
        raise Refused(TAKEN)


def import_rerun(*, job: ImportJob, user) -> None:
    """Run a failed or interrupted job again from the start: the dry run for a file not
    yet checked, the import for one confirmed. The rows already written stay as they are
    (the same file changes nothing twice); what was left undone is done."""
    require(user, IMPORT_SURVEY)
    if not (job.state == ImportState.FAILED or interrupted(job)):
        raise Refused("这个导入没有中断，不需要重新导入")
    with transaction.atomic():
        held_place(job.place, but=job)
        if not ImportJob.objects.filter(pk=job.pk, state=job.state).update(
                state=ImportState.QUEUED, error="", started=None, finished=None):
            raise Refused("这个导入的状态刚刚变了，请刷新页面查看")
        progress_path(job).unlink(missing_ok=True)
        queue(job.pk)
