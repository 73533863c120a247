"""Helpers for the fault tests (issue 9): a broker that is down, waiting for another
process, and a side connection to PostgreSQL that holds locks and watches backends."""

import time

from django.conf import settings

from shouwang.celery import app

REFUSED = "redis://127.0.0.1:1/0"  # a broker that is down: nothing listens on port 1


def point_broker_at(url: str | None) -> None:
    """Send tasks to `url` (None: the configured broker again). It is the write URL that
    changes, as the environment's CELERY_BROKER_URL outranks app.conf.broker_url; the app
    caches its connection and producer pools, so they are dropped, as after a fork."""
    app.conf.broker_write_url = url
    app._pool = None
    app.amqp._producer_pool = None


def wait_for(predicate, seconds: float = 30, every: float = 0.1):
    """Poll until `predicate()` is truthy; its last value (falsy on timeout)."""
    deadline = time.monotonic() + seconds
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(every)


def database_url() -> str:
    """The test database as a DATABASE_URL, for a manage.py or worker subprocess."""
    db = settings.DATABASES["default"]
    user, host = db.get("USER") or "postgres", db.get("HOST") or "127.0.0.1"
    return f"postgres://{user}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"


def side_connection(autocommit: bool = False):
    """A connection of the test's own to its database, outside Django. Without
    autocommit, what it locks stays locked until it commits or closes; to watch other
    backends use one with autocommit (a transaction sees pg_stat_activity as it was when
    the transaction first read it)."""
    import psycopg

    db = settings.DATABASES["default"]
    return psycopg.connect(dbname=db["NAME"], user=db.get("USER") or "postgres",
                           host=db.get("HOST") or "127.0.0.1", port=db.get("PORT") or 5432,
                           application_name="shouwang-fault-test", autocommit=autocommit)


def lock_waiters(watcher, like: str) -> list[int]:
    """Backend pids of the test database waiting on a lock in a statement matching the
    SQL LIKE pattern `like` (e.g. 'UPDATE "households_check"%')."""
    with watcher.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query LIKE %s ORDER BY pid", [like])
        return [pid for (pid,) in cursor.fetchall()]


def terminate(watcher, pid: int) -> None:
    """What a PostgreSQL restart does to one backend: its transaction is rolled back and
    its client told 'terminating connection due to administrator command'."""
    with watcher.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])


def tables_written_by(watcher, backend: int) -> set[str]:
    """The tables a backend's open transaction has written to (holds RowExclusiveLock on)."""
    with watcher.cursor() as cursor:
        cursor.execute("SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                       "WHERE l.pid = %s AND l.mode = 'RowExclusiveLock' AND l.granted",
                       [backend])
        return {name for (name,) in cursor.fetchall()}
