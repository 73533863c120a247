"""Run background work after the current transaction commits.

With a broker (CELERY_BROKER_URL) the task is queued for a Celery worker; without one it
runs in this process right after the commit, so a newcomer needs nothing else running.

A broker that is down does not fail the request: its data is already committed, so the
enqueue failure is logged and the work waits for a sweep (`evaluate_pending` finds every
unevaluated check). The publish gives up within seconds (CELERY_BROKER_* settings), so a
request never hangs on a dead or half-open Redis.
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from kombu.exceptions import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

# Celery wraps most connection errors in kombu's OperationalError; the rest get through
# as redis-py's or the socket's own.
BROKER_DOWN = (OperationalError, RedisConnectionError, RedisTimeoutError, OSError)


def run_after_commit(task, *args, on_broker_down: Callable[[], None] | None = None) -> None:
    """Queue `task(*args)` once the surrounding transaction has committed. If the broker
    cannot be reached, `on_broker_down()` is called (after logging) instead of raising."""
    if settings.CELERY_BROKER_URL:
        transaction.on_commit(lambda: enqueue(task, *args, on_broker_down=on_broker_down))
    else:
        transaction.on_commit(lambda: task(*args))


def enqueue(task, *args, on_broker_down: Callable[[], None] | None = None) -> None:
    """Send the task to the broker; when it cannot be reached, logged, not raised."""
    try:
        task.delay(*args)
    except BROKER_DOWN as exc:
        log.warning("消息队列不可用，任务 %s 未能排队：%s", task.name, exc)
        if on_broker_down is not None:
            on_broker_down()
