"""gunicorn's settings for Shouwang (README.md, "Deployment").

Change any of them without editing this file: GUNICORN_CMD_ARGS in the environment file
(e.g. GUNICORN_CMD_ARGS="--bind=0.0.0.0:443 --certfile=... --keyfile=...") overrides them.
"""

import gc
import multiprocessing

wsgi_app = "shouwang.wsgi:application"
# Behind a proxy on the same server by default; a proxy elsewhere, or gunicorn serving TLS
# itself, is set with --bind (and --forwarded-allow-ips for a proxy elsewhere).
bind = "127.0.0.1:8000"
workers = min(2 * multiprocessing.cpu_count() + 1, 9)
# A county-wide ledger export is written while the user waits; give it time.
timeout = 120
graceful_timeout = 30
# A fresh worker now and then, so a slow leak never takes the site down.
max_requests = 1000
max_requests_jitter = 100
# To standard output: systemd's journal keeps it (journalctl -u shouwang-web).
accesslog = "-"
errorlog = "-"
# The access log names the path, never the query string or the referring page: a search
# for a household (?q=…) or a list's filters may carry an ID number, and the journal keeps
# what it is given (Django's own log masks them: monitor/privacy.py).
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s "%(a)s"'


def post_worker_init(worker):
    """Once a worker has loaded Django, the project and its libraries, move those
    long-lived objects out of the garbage collector's sight (gc.freeze, Python's standard
    library): a full collection then scans only what requests made, not the whole
    application. Measured on the alert queue API (bench/api_load.py, docs/scaling.md): the
    slowest requests went from about 150 ms, when a full collection fell in them, to 55."""
    gc.collect()
    gc.freeze()
