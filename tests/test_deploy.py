"""What a production deployment relies on: the login lockout, argon2 password hashes, the
Content Security Policy, static files without DEBUG, and backup and restore."""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.hashers import identify_hasher
from django.urls import reverse
from rest_framework.test import APIClient

from .factories import UserFactory

TEMPLATES = Path(django_settings.BASE_DIR) / "templates"

PASSWORD = "correct-horse-9"


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


def test_a_new_password_is_hashed_with_argon2(alice):
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
