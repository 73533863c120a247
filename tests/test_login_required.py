"""On a production server (DJANGO_DEBUG=0) nothing but the login page, the health check
and static files answers someone who is not logged in (issue 16, item 10: the API's
schema and Swagger UI were open). Every URL pattern of the resolver is asked, in a
process with the production settings, so an address added later is asked too."""

import json
import subprocess
import sys

from django.conf import settings

from .test_deploy import production

OPEN = {"/login/", "/healthz", "/logout/"}  # logout only ends a session: none to end
# Work without signal (visits/offline.py): the worker, the manifest and the pages a phone
# shows with no signal or an expired login hold no one's data (the 待发送 page draws what
# waits from the phone's own store).
OPEN |= {"/sw.js", "/manifest.webmanifest", "/offline/", "/households/outbox/"}
ASK_EVERY_ROUTE = """
import json, django
django.setup()
from django.test import Client
from django.urls import Resolver404, resolve
from tests.url_helpers import filled, routes
client, answers = Client(), {}
for route in routes():
    for url in {filled(route, "1"), filled(route, "HA001")}:
        try:
            resolve(url)
        except Resolver404:  # HA001 where a number goes
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(url, secure=True)
            answers[f"{method} {url}"] = [response.status_code, response.get("Location", "")]
print(json.dumps(answers))
"""


def test_every_address_but_the_login_needs_a_login_without_debug(tmp_path):
    env = production(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
                     DJANGO_STATIC_ROOT=str(tmp_path / "static"),
                     DJANGO_SETTINGS_MODULE="shouwang.settings", CELERY_BROKER_URL="")
    for command in (["migrate", "-v0"], ["collectstatic", "--no-input", "-v0"]):
        subprocess.run([sys.executable, "manage.py", *command], env=env, check=True,
                       cwd=settings.BASE_DIR)
    done = subprocess.run([sys.executable, "-c", ASK_EVERY_ROUTE], env=env, text=True,
                          capture_output=True, cwd=settings.BASE_DIR)
    assert done.returncode == 0, done.stderr[-3000:]
    answers = json.loads(done.stdout.strip().splitlines()[-1])
    let_in = {request: answer for request, answer in answers.items()
              if request.split(" ", 1)[1] not in OPEN
              and not (answer[0] in (401, 403, 405)
                       or (answer[0] == 302 and answer[1].startswith("/login/")))}
    assert let_in == {}
    assert answers["get /api/schema/"][0] == answers["get /api/docs/"][0] == 401
