"""What a production deployment relies on: the login lockout, argon2 password hashes, the
Content Security Policy, static files without DEBUG, and backup and restore."""

import os
import re
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.hashers import identify_hasher
from django.urls import reverse
from rest_framework.test import APIClient

from .factories import UserFactory

TEMPLATES = Path(django_settings.BASE_DIR) / "templates"

PASSWORD = "correct-horse-9"


def production(**more) -> dict:
    """The environment of a production server: DEBUG off, a long random key, a host."""
    key = "".join(secrets.choice(string.ascii_letters + string.digits + "!@#%^&*(-_=+)")
                  for _ in range(50))
    return {**os.environ, "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": key,
            "DJANGO_ALLOWED_HOSTS": "shouwang.example,testserver", **more}


def manage(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], env=env, text=True,
                          capture_output=True, cwd=django_settings.BASE_DIR)


def test_production_settings_pass_check_deploy_with_no_issue():
    done = manage("check", "--deploy", "--fail-level", "DEBUG", env=production())
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "System check identified no issues (0 silenced)."
    assert done.stderr == ""


def test_gunicorn_loads_the_site_with_the_deploy_config():
    gunicorn = Path(sys.executable).with_name("gunicorn")
    done = subprocess.run([gunicorn, "--check-config", "--config", "deploy/gunicorn.conf.py"],
                          env=production(), capture_output=True, text=True,
                          cwd=django_settings.BASE_DIR)
    assert done.returncode == 0, done.stderr


SERVE_STATIC = """
import re, django
django.setup()
from django.test import Client
client = Client()
login = client.get("/login/", secure=True)
assert login.status_code == 200, login.status_code
css = re.search(r'href="(/static/css/site\\.[0-9a-f]{12}\\.css)"', login.content.decode()).group(1)
sheet = client.get(css, secure=True, HTTP_ACCEPT_ENCODING="gzip")
assert sheet.status_code == 200, (css, sheet.status_code)
print(css, sheet["Content-Encoding"], sheet["Cache-Control"])
"""


def test_without_debug_static_files_are_collected_and_served(tmp_path):
    env = production(DJANGO_STATIC_ROOT=str(tmp_path / "static"),
                     DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
                     DJANGO_SETTINGS_MODULE="shouwang.settings")
    collected = manage("collectstatic", "--no-input", env=env)
    assert collected.returncode == 0, collected.stderr
    assert (tmp_path / "static" / "staticfiles.json").exists()
    served = subprocess.run([sys.executable, "-c", SERVE_STATIC], env=env, text=True,
                            capture_output=True, cwd=django_settings.BASE_DIR)
    assert served.returncode == 0, served.stderr
    assert "gzip max-age=315360000, public, immutable" in served.stdout


def log_in(client, password):
    return client.post(reverse("login"), {"username": "alice", "password": password})


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


def test_it_locks_the_login_after_five_wrong_passwords(client, alice):
    for _ in range(4):
        assert log_in(client, "wrong-guess").status_code == 200
    assert log_in(client, "wrong-guess").status_code == 429
    refused = log_in(client, PASSWORD)
    assert refused.status_code == 429
    assert "登录已暂时锁定" in refused.content.decode()
    assert "锁定 15 分钟" in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_locks_only_that_username_from_that_address(client, alice):
    UserFactory(username="bob")
    for _ in range(5):
        log_in(client, "wrong-guess")
    other = client.post(reverse("login"), {"username": "bob", "password": PASSWORD})
    assert other.status_code == 302
    elsewhere = client.post(reverse("login"), {"username": "alice", "password": PASSWORD},
                            REMOTE_ADDR="10.0.0.9")
    assert elsewhere.status_code == 302


def test_a_successful_login_forgets_earlier_mistakes(client, alice):
    for _ in range(4):
        log_in(client, "wrong-guess")
    assert log_in(client, PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert log_in(client, "wrong-guess").status_code == 200
    assert log_in(client, PASSWORD).status_code == 302


def test_forced_logins_of_the_personas_still_work(client, village_officer):
    client.force_login(village_officer)
    assert client.get(reverse("home")).status_code == 200


def test_a_new_password_is_hashed_with_argon2(alice, settings):
    from shouwang import settings as project

    settings.PASSWORD_HASHERS = project.PASSWORD_HASHERS  # undo the suite's fast hasher
    alice.set_password("a-brand-new-password-7")
    alice.save()
    assert identify_hasher(alice.password).algorithm == "argon2"


def test_every_page_carries_the_content_security_policy(client, village_officer):
    client.force_login(village_officer)
    policy = client.get(reverse("home"))["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "Content-Security-Policy" in client.get(reverse("login"))


def test_swagger_ui_starts_from_a_script_file(db):
    client = APIClient()
    page = client.get("/api/docs/").content.decode()
    assert re.search(r'<script src="/api/docs/\?script=', page)
    script = client.get("/api/docs/?script=")
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


PAGES = sorted(str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*.html"))


@pytest.mark.parametrize("name", PAGES)
def test_no_template_has_an_inline_script(name):
    """The policy blocks inline scripts and on…= handlers: a template relying on one
    would silently stop working."""
    text = (TEMPLATES / name).read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", text)
    assert not re.search(r"\son[a-z]+\s*=", text)
    assert "javascript:" not in text
