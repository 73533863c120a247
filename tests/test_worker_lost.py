"""An evaluation that dies midway leaves nothing half-done, and running it again raises
each alert once (issue 9): the engine's batch is one transaction, tasks are acked late
and requeued when their worker is lost, and the database holds one open alert per
(household, rule)."""

import os
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import IntegrityError, connection, transaction

from alerts.engine import evaluate_households
from alerts.models import Alert, AlertMove, State
from households.models import Check, StatusChange

from .alert_helpers import family, put, record
from .fault_helpers import (
    REFUSED,
    database_url,
    lock_waiters,
    side_connection,
    tables_written_by,
    terminate,
    wait_for,
)

RULES = {"HOUSING", "DROPOUT"}


def three_households(places) -> list[int]:
    """Three households whose unevaluated check shows an unsafe house and a dropout."""
    ids = []
    for n in range(3):
        home = family(places["village_a"], f"HK00{n}")
        record(home, date(2026, 3, 10), housing="D", child="失学辍学", evaluate=False)
        ids.append(home.id)
    return ids


def assert_nothing_written() -> None:
    assert not Alert.objects.exists() and not AlertMove.objects.exists()
    assert not StatusChange.objects.exists()
    assert Check.objects.unevaluated().count() == 3


def assert_each_alert_once(ids: list[int]) -> None:
    for household_id in ids:
        alerts = Alert.objects.filter(household_id=household_id)
        assert sorted(alerts.values_list("rule", flat=True)) == sorted(RULES)
    assert AlertMove.objects.count() == Alert.objects.count() == 3 * len(RULES)
    assert not Check.objects.unevaluated().exists()


def test_an_evaluation_that_fails_midway_writes_nothing_and_a_rerun_raises_once(
        places, monkeypatch):
    ids = three_households(places)

    from alerts import statuses

    write = statuses.insert_frame

    def die(model, frame):  # after the alerts, moves and evaluated checks are written
        if model is StatusChange:
            raise ConnectionError("the worker died")
        write(model, frame)

    monkeypatch.setattr(statuses, "insert_frame", die)
    with pytest.raises(ConnectionError):
        evaluate_households(ids)
    assert_nothing_written()
    monkeypatch.undo()
    evaluate_households(ids)
    evaluate_households(ids)  # a duplicate delivery of the same task
    assert_each_alert_once(ids)


def test_the_database_refuses_a_second_open_alert_for_one_rule(places):
    [household_id, *_] = three_households(places)
    evaluate_households([household_id])
    alert = Alert.objects.get(household_id=household_id, rule="HOUSING")
    twin = Alert.objects.filter(pk=alert.pk).values()[0]
    twin.pop("id")
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(**twin)
    put(alert, State.CLOSED)
    Alert.objects.create(**twin)  # a closed alert no longer counts: the rule may fire again


# ── A real worker, killed mid-batch (PostgreSQL, Redis) ──────────────────────────────

@pytest.fixture
def own_worker(tmp_path: Path):
    """A Celery worker of this test's own, prefork with one child as in production, on a
    queue of its own (the suite's worker never sees the task) and the test database."""
    queue = "shouwang-worker-lost"  # one name: reruns leave no new bindings in Redis
    env = {**os.environ, "DATABASE_URL": database_url(),
           "CELERY_BROKER_URL": django_settings.CELERY_BROKER_URL}
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "shouwang", "worker", "--pool=prefork",
         "--concurrency=1", "-Q", queue, "-n", f"{queue}@%h", "--without-gossip",
         "--without-mingle", "--without-heartbeat", "--loglevel=WARNING"],
        cwd=django_settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    yield queue, worker
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
    log.close()


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_leaves_nothing_and_its_retry_raises_each_alert_once(
        places, broker, own_worker):
    """How it is frozen midway, deterministically and with nothing in production code:
    the test holds a row lock (FOR NO KEY UPDATE) on one of the batch's checks. The
    engine writes the batch's alerts and moves (the foreign keys' KEY SHARE locks do not
    conflict), then waits on that row in `UPDATE households_check SET evaluated_at`: a
    batch half-written inside its transaction. The worker's pool child is then SIGKILLed
    — what the OOM killer or a lost VM does. Its PostgreSQL backend is terminated too,
    which is what the server does once it notices the dead socket (it cannot while the
    backend waits on a lock). Celery, acks_late with reject_on_worker_lost, requeues the
    task; the retry is frozen on the same row, so the committed state between the two
    runs can be looked at, then the lock is released and the retry finishes."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks and pg_stat_activity: PostgreSQL only")
    from alerts.tasks import evaluate_batch

    queue, worker = own_worker
    real_broker = django_settings.CELERY_BROKER_URL
    broker(REFUSED)  # recording the checks queues nothing: they wait for our worker
    ids = three_households(places)
    broker(real_broker)
    last = Check.objects.filter(household_id=ids[-1]).get()
    holder, watcher = side_connection(), side_connection(autocommit=True)
    try:
        holder.execute("SELECT id FROM households_check WHERE id = %s FOR NO KEY UPDATE",
                       [last.pk])
        evaluate_batch.apply_async(args=[ids], queue=queue)
        first = wait_for(lambda: lock_waiters(watcher, 'UPDATE "households_check"%'), 90)
        assert first, "the worker never reached the checks' UPDATE"
        assert {"alerts_alert", "alerts_alertmove"} <= tables_written_by(watcher, first[0])
        [child] = children(worker.pid)
        os.kill(child, signal.SIGKILL)
        terminate(watcher, first[0])
        retry = wait_for(lambda: [pid for pid in lock_waiters(
            watcher, 'UPDATE "households_check"%') if pid != first[0]], 60)
        assert retry, "the task was not requeued after its worker was lost"
        assert_nothing_written()  # what the killed run wrote was rolled back
        holder.commit()  # release the row: the retry finishes
        assert wait_for(lambda: not Check.objects.unevaluated().exists(), 60)
    finally:
        holder.close()
        watcher.close()
    assert_each_alert_once(ids)
    assert worker.poll() is None  # the worker itself carried on with a new child
