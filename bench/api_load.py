"""The alert queue and the dashboard at county scale under concurrent load (issue 8 goals:
p95 under 100 ms, at least 30 % of a bare Django view's requests per second).

    apt-get install wrk   # the load generator (Debian package)
    DATABASE_URL=postgres://postgres@127.0.0.1/shouwang_bench python bench/api_load.py \
        --connections 4,8

Loads the generated county if the database does not hold it (bench/import_survey.py),
adds closed and dismissed alerts until there are --history historical alerts (default
1,000,000), serves the project with gunicorn (deploy/gunicorn.conf.py, DJANGO_DEBUG=0) and
drives each URL with wrk for --seconds at each of --connections in turn, a county
supervisor logged in: the bare view /healthz, the alert queue API, the queue page, the
dashboard, and the queue API and page again while an officer writes an alert every
--write-every seconds. Prints requests per second, p50 / p95 / p99 latency, the ratio to
the bare view, the web workers' peak memory, and PostgreSQL's plans for the queue's page
and its total.
"""

import argparse
import os
import random
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from contextlib import contextmanager, nullcontext
from datetime import date, timedelta
from pathlib import Path

from common import ROOT, county_parser, ensure_county, setup_django

LUA = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %.2f %.2f %.2f\\n", summary.requests,
    summary.duration, summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


def add_history(total: int, seed: int = 8) -> int:
    """Closed and dismissed alerts of past years until the registry holds `total` of them
    (a county's years of work); returns how many were added."""
    from alerts.models import FINAL_STATES, Alert, Source, State
    from households.models import Household
    from monitor.bulk import bulk_insert
    from monitor.rules import RULES

    have = Alert.objects.filter(state__in=FINAL_STATES).count()
    ids = list(Household.objects.values_list("id", flat=True))
    rng, added, start = random.Random(seed), 0, date(2021, 1, 1)
    while have + added < total:
        batch = []
        for _ in range(min(50_000, total - have - added)):
            rule = rng.choice(RULES)
            raised = start + timedelta(days=rng.randrange(365 * 5))
            closed = rng.random() < 0.9
            batch.append(Alert(
                household_id=rng.choice(ids), rule=rule.code, risk_type=rule.risk_type,
                severity=rule.severity, channel=rule.channel, source=Source.CHECK,
                state=State.CLOSED if closed else State.DISMISSED, raised_on=raised,
                last_seen_on=raised, evidence={"text": "历史预警"},
                verify_by=raised + timedelta(days=3), plan_by=raised + timedelta(days=7),
                close_by=raised + timedelta(days=30)))
        bulk_insert(Alert, batch)
        added += len(batch)
        print(f"  historical alerts added: {added}", flush=True)
    return added


def credentials() -> tuple[str, str]:
    """A county supervisor's API token and cookies: the session's and, as a browser has
    after its first page, the CSRF secret's."""
    from django.http import HttpRequest
    from django.middleware.csrf import get_token
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from households.models import Place
    from monitor.models import User
    from monitor.roles import Role

    county = Place.objects.filter(level="county").order_by("code").first()
    user, _ = User.objects.update_or_create(
        username="bench_county", defaults={"role": Role.COUNTY, "place": county})
    token, _ = Token.objects.get_or_create(user=user)
    client = Client()
    client.force_login(user)
    request = HttpRequest()
    get_token(request)
    return token.key, (f"sessionid={client.cookies['sessionid'].value}; "
                       f"csrftoken={request.META['CSRF_COOKIE']}")


def serve(port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_DEBUG": "0", "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
           "DJANGO_SECURE_SSL_REDIRECT": "0", "DJANGO_API_USER_RATE": "100000000/minute"}
    env["DJANGO_STATIC_ROOT"] = tempfile.mkdtemp(prefix="shouwang-static-")
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "collectstatic", "--no-input",
                    "-v0"], cwd=ROOT, env=env, check=True)
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--config", "deploy/gunicorn.conf.py",
         "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
         "--access-logfile", "/dev/null",
         # The shipped config renews a worker every ~1,000 requests against slow leaks: at
         # a county's few requests a second that is every half hour or so, under this
         # load every few seconds, which would measure restarts rather than requests.
         "--max-requests", "0"], cwd=ROOT, env=env)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def load(url: str, headers: list[str], seconds: int, connections: int, script: Path) -> dict:
    # A slow page is measured, not dropped: wrk's own timeout (2 s) would count it lost.
    args = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s",
            "--timeout", "30s", "-s", str(script), url]
    for header in headers:
        args[1:1] = ["-H", header]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    requests, micros, errors, p50, p95, p99 = re.search(
        r"RESULT (\d+) (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+)", out).groups()
    return {"rps": int(requests) / (int(micros) / 1e6), "errors": int(errors),
            "p50": float(p50), "p95": float(p95), "p99": float(p99)}


@contextmanager
def writing(every: float):
    """While the block runs, an officer's write every `every` seconds: one open alert's
    updated_at (as while checks are being entered). Yields the list of writes made, one
    entry each, complete when the block has ended."""
    from django.db import connection

    stop, written = threading.Event(), []

    def write():
        from django.utils import timezone

        from alerts.models import Alert

        alert_id = Alert.objects.open().values_list("id", flat=True).first()
        while not stop.wait(every):
            Alert.objects.filter(id=alert_id).update(updated_at=timezone.now())
            written.append(alert_id)
        connection.close()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        yield written
    finally:
        stop.set()
        writer.join()


def workers_peak_mb(server: subprocess.Popen) -> float:
    """Peak resident memory (VmHWM) of gunicorn's master and workers, added up."""
    pids = [server.pid] + [int(p) for p in subprocess.run(
        ["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()]
    total = 0
    for pid in pids:
        status = Path(f"/proc/{pid}/status").read_text()
        total += int(re.search(r"VmHWM:\s+(\d+)", status).group(1))
    return total / 1024


def connection_counts(text: str) -> list[int]:
    """--connections 8, or several in turn: 4,8."""
    try:
        counts = [int(part) for part in text.split(",")]
    except ValueError:
        counts = []
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("positive whole numbers separated by commas: 4,8")
    return counts


def main():
    parser = county_parser(__doc__)
    parser.add_argument("--history", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=connection_counts, default=[8],
                        help="wrk's open connections; several separated by commas (4,8) "
                             "run every URL at each in turn (default 8)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=10,
                        help="seconds of load before each measurement: every worker counts "
                             "the dashboard once (DJANGO_DASHBOARD_CACHE_SECONDS) and opens "
                             "its database connection")
    parser.add_argument("--write-every", type=float, default=1.0,
                        help="seconds between an officer's writes in the runs with writes")
    parser.add_argument("--port", type=int, default=8931)
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{args.data / 'import.sqlite3'}")
    # The benchmark and gunicorn share the key, or gunicorn would refuse the session.
    os.environ["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    setup_django()
    from django.db import connection
    from django.db.models import F

    from alerts.models import Alert
    from monitor.models import User


    ensure_county(args.households, args.data)
    add_history(args.history)
    token, cookies = credentials()
    print(f"alerts in the registry: {Alert.objects.count()}", flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # After a million inserts autovacuum would have run (its insert threshold):
            # without it no index-only scan is possible and the first figures are a guess.
            cursor.execute("VACUUM ANALYZE")
        queue = Alert.objects.visible_to(User.objects.get(username="bench_county")).open(
        ).with_due().order_by(F("due").asc(nulls_last=True), "id")[:50]
        print("plan of the queue's page query:\n" + queue.explain(analyze=True))
        scoped = Alert.objects.visible_to(User.objects.get(username="bench_county")).open()
        inner, params = scoped.order_by().values("pk").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN ANALYZE SELECT COUNT(*) FROM ({inner}) AS scoped", params)
            print("plan of the queue's total:\n"
                  + "\n".join(row[0] for row in cursor.fetchall()))
    connection.close()
    script = Path(tempfile.mkdtemp()) / "report.lua"
    script.write_text(LUA)
    base = f"http://127.0.0.1:{args.port}"
    api, page = ("/api/alerts/?open=true", [f"Authorization: Token {token}"]), \
        ("/alerts/", [f"Cookie: {cookies}"])
    targets = [
        ("bare view /healthz", "/healthz", [], None),
        ("alert queue API", *api, None),
        ("alert queue page", *page, None),
        ("dashboard", "/", [f"Cookie: {cookies}"], None),
        (f"queue API, a write/{args.write_every:g} s", *api, args.write_every),
        (f"queue page, a write/{args.write_every:g} s", *page, args.write_every),
    ]
    server = serve(args.port, args.workers)
    try:
        results = {connections: {} for connections in args.connections}
        for connections, runs in results.items():
            for label, path, headers, every in targets:
                load(base + path, headers, args.warmup, connections, script)
                with writing(every) if every else nullcontext([]) as written:
                    runs[label] = load(base + path, headers, args.seconds, connections,
                                       script)
                runs[label]["writes"] = len(written) / args.seconds
        peak = workers_peak_mb(server)
    finally:
        server.terminate()
        server.wait()
    for connections, runs in results.items():
        bare = runs["bare view /healthz"]["rps"]
        print(f"\n{connections} connections, {args.seconds} s each, gunicorn -w "
              f"{args.workers}")
        print(f"{'':30} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'of bare':>8}"
              f" {'errors':>7} {'writes/s':>8}")
        for label, r in runs.items():
            print(f"{label:30} {r['rps']:8.0f} {r['p50']:8.1f} {r['p95']:8.1f} "
                  f"{r['p99']:8.1f} {r['rps'] / bare:8.0%} {r['errors']:7} {r['writes']:8.1f}")
    print("\nwrites/s: the officer's writes during the run")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
    print(f"web workers' peak memory (master + {args.workers} workers): {peak:.0f} MB")


if __name__ == "__main__":
    main()
