"""Background work for alerts: thin wrappers that call a service."""

from dataclasses import asdict

from celery import shared_task

from .escalation import escalate_overdue
from .exports import export_run


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def escalate_overdue_alerts() -> dict:
    """Run by Celery beat (CELERY_BEAT_SCHEDULE); running it twice escalates nothing twice."""
    return asdict(escalate_overdue())


@shared_task(acks_late=True)
def run_export(job_id: int) -> None:
    """Write a queued five-lists export; a duplicate delivery finds the job taken."""
    export_run(job_id)
