"""Background work for alerts: thin wrappers that load by id and call the engine or a
service."""

from dataclasses import asdict

from celery import shared_task

from monitor.background import run_after_commit

from .engine import evaluate_households, evaluate_pending
from .escalation import escalate_overdue

BATCH_SIZE = 500  # a Celery round trip costs ~3 ms: one task per household would be minutes


# The evaluation tasks keep the names they were queued under before they moved here, so a
# message still in Redis from the previous version runs after an upgrade.
@shared_task(name="monitor.tasks.evaluate_batch", acks_late=True, autoretry_for=(Exception,),
             retry_backoff=True, max_retries=5)
def evaluate_batch(household_ids: list[int]) -> dict:
    """Evaluate a batch of households; safe to run twice (the engine is idempotent)."""
    result = evaluate_households(household_ids)
    return {"households": result.households, "checks": result.checks,
            "alerts_raised": result.alerts_raised}


@shared_task(name="monitor.tasks.evaluate_pending_checks", acks_late=True)
def evaluate_pending_checks() -> dict:
    """Run by Celery beat (CELERY_BEAT_SCHEDULE): evaluate the checks whose evaluation
    never reached a worker, e.g. saved while Redis was down. Safe to run at any time."""
    result = evaluate_pending()
    return {"households": result.households, "checks": result.checks,
            "alerts_raised": result.alerts_raised, "failed": len(result.failed)}


def schedule_evaluation(household_ids) -> int:
    """Evaluate these households after the current transaction commits, in batches.
    Returns the number of batches queued; a batch the broker refused is left to the
    sweep (evaluate_pending_checks), its checks unevaluated."""
    ids = sorted(set(household_ids))
    batches = [ids[i:i + BATCH_SIZE] for i in range(0, len(ids), BATCH_SIZE)]
    for batch in batches:
        run_after_commit(evaluate_batch, batch)
    return len(batches)


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def escalate_overdue_alerts() -> dict:
    """Run by Celery beat (CELERY_BEAT_SCHEDULE); running it twice escalates nothing twice."""
    return asdict(escalate_overdue())
