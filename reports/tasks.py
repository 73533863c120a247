"""Background work for reports: an export (five lists, ledger) or the policy page's preview
or adoption, queued after commit and run by a worker (or in-process on the embedded
default)."""

from celery import shared_task

from alerts.models import ExportJob, ExportKind, ExportState
from monitor.background import run_after_commit

from .exports import export_failed, export_run
from .policy_jobs import policy_job, policy_job_run


# The name it was queued under before it moved here: an export queued by the previous
# version still runs after an upgrade.
@shared_task(name="alerts.tasks.run_export", acks_late=True)
def run_export(job_id: int) -> None:
    """Write a queued export; a duplicate delivery finds the job taken."""
    export_run(job_id)


def export_request(*, user, place, start, end, fmt: str,
                   kind: str = ExportKind.FIVE_LISTS) -> ExportJob:
    """Queue an export (the five lists, or the ledger) for this user (their scope) after
    commit."""
    job = ExportJob.objects.create(user=user, place=place, start=start, end=end, format=fmt,
                                   kind=kind)

    def broker_down() -> None:  # no sweep restarts exports: say so rather than wait forever
        export_failed(ExportJob.objects.filter(pk=job.pk, state=ExportState.QUEUED),
                      "后台任务队列暂时不可用，导出未能开始，请稍后重新申请")

    run_after_commit(run_export, job.pk, on_broker_down=broker_down)
    return job


@shared_task(acks_late=True)
def run_policy_job(job_id: int) -> None:
    """Preview or adopt a county's policy change; a duplicate delivery finds it taken."""
    policy_job_run(job_id)


def policy_job_request(*, user, proposal, kind: str = ExportKind.POLICY_PREVIEW,
                       **more) -> ExportJob:
    """Queue the policy page's work after commit, as an export is queued."""
    job = policy_job(user=user, proposal=proposal, kind=kind, **more)

    def broker_down() -> None:
        export_failed(ExportJob.objects.filter(pk=job.pk, state=ExportState.QUEUED),
                      "后台任务队列暂时不可用，未能开始，请稍后重新提交")

    run_after_commit(run_policy_job, job.pk, on_broker_down=broker_down)
    return job
