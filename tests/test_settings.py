import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from shouwang.env import env_bool, env_list


def test_a_bad_boolean_fails_loudly(monkeypatch):
    monkeypatch.setenv("DJANGO_DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="DJANGO_DEBUG"):
        env_bool("DJANGO_DEBUG", True)


def test_hosts_are_a_comma_list(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "a.example, b.example")
    assert env_list("DJANGO_ALLOWED_HOSTS", []) == ["a.example", "b.example"]


def test_the_site_speaks_chinese_in_shanghai_time(settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"


def test_production_settings_pass_the_deployment_checklist():
    env = {**os.environ, "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "x" * 60 + "-not-a-real-key",
           "DJANGO_ALLOWED_HOSTS": "shouwang.example"}
    done = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level",
                           "WARNING"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    done = subprocess.run([sys.executable, "manage.py", "check"], capture_output=True,
                          text=True, env={**env, "DJANGO_DEBUG": "0"})
    assert done.returncode != 0
    assert "DJANGO_SECRET_KEY" in done.stderr


def test_the_health_check_answers_without_a_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok"
