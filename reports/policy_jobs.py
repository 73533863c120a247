"""The policy page's background work (domain.md §5): a county's preview takes a minute
on a large county, so the page asks for it as a job, with progress, as it asks for an
export (alerts.models.ExportJob); adopting it is a job too, its result shown the same way.
"""

import json
from pathlib import Path

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from alerts.models import ExportJob, ExportKind, ExportState
from alerts.proposal import Proposal, preview
from households.models import Place
from monitor.audit import audit_source
from monitor.models import AuditSource
from monitor.roles import Refused

from .exports import export_failed
from .policy_preview import adoption_run, csv_write, preview_json, proposal_json, proposal_read

JSON_NAME = "preview.json"
POLICY_KINDS = (ExportKind.POLICY_PREVIEW, ExportKind.POLICY_ADOPTION)


def policy_job(*, user, proposal: Proposal, kind: str = ExportKind.POLICY_PREVIEW,
               **more) -> ExportJob:
    """A job of the policy page for this user, keeping the proposal (and for an
    adoption its reason and the preview it adopts); reports/tasks.py queues it."""
    return ExportJob.objects.create(user=user, place=proposal.county, kind=kind, format="csv",
                                    end=timezone.localdate(),
                                    parameters=proposal_json(proposal) | more)


def policy_job_run(job_id: int) -> None:
    """Claim the job (once: a duplicate delivery finds it taken), preview the proposal
    it keeps, with progress, or adopt it, and keep the result beside the CSV of the
    households that change."""
    jobs = ExportJob.objects.filter(pk=job_id)
    if not jobs.filter(state=ExportState.QUEUED).update(state=ExportState.RUNNING):
        return
    job = jobs.select_related("user").get()
    asked = job.parameters
    try:
        proposal = proposal_read(place=asked["place"], effective_from=asked["effective_from"],
                                 line=asked["line"], settings=asked["settings"],
                                 counties=Place.objects.visible_to(job.user))
        if job.kind == ExportKind.POLICY_ADOPTION:
            with audit_source(AuditSource.PAGE):
                result = adoption_run(proposal, actor=job.user, reason=asked["reason"])
        else:
            result = preview(proposal, progress=lambda done, total: jobs.update(
                rows_done=done, rows_total=total))
        target = Path(settings.EXPORT_ROOT) / str(job.pk) / f"{job.get_kind_display()}.csv"
        csv_write(result, target)
        target.with_name(JSON_NAME).write_text(json.dumps(preview_json(result),
                                                          ensure_ascii=False))
    except Refused as refused:  # the user's scope or role changed since it was asked
        export_failed(jobs, str(refused))
        return
    except Exception as exc:
        export_failed(jobs, str(exc))
        raise
    jobs.update(state=ExportState.DONE, file=str(target), finished=timezone.now(),
                rows_done=F("rows_total"))


def policy_job_result(job: ExportJob) -> dict:
    """A finished job's preview, as preview_json made it."""
    return json.loads(Path(job.file).with_name(JSON_NAME).read_text())
