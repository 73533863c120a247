"""Run background work after the current transaction commits.

With a broker (CELERY_BROKER_URL) the task is queued for a Celery worker; without one it
runs in this process right after the commit, so a newcomer needs nothing else running.
"""

from django.conf import settings
from django.db import transaction


def run_after_commit(task, *args) -> None:
    """Queue `task(*args)` once the surrounding transaction has committed."""
    if settings.CELERY_BROKER_URL:
        transaction.on_commit(lambda: task.delay(*args))
    else:
        transaction.on_commit(lambda: task(*args))
