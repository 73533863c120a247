"""With Redis down, a check is still saved and answered, left unevaluated, and the sweep
(evaluate_pending) evaluates it once the work can run (issue 9). These run the enqueue
path against a broker that refuses or never answers, on SQLite and PostgreSQL alike; the
real-worker version is in test_worker.py."""

import socket
import time
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from alerts.models import Alert, ExportJob, ExportState
from households.models import Check
from shouwang.celery import app

from .alert_helpers import family
from .api.helpers import client_for
from .api.test_api_checks import answers
from .fault_helpers import REFUSED

GIVE_UP = 5  # seconds: the publish timeouts in settings, with room for a slow machine


@pytest.fixture
def silent_port():
    """A port that accepts connections and never answers: a half-open Redis."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    yield listener.getsockname()[1]
    listener.close()


@pytest.fixture
def home(places):
    return family(places["village_a"], "HA001")


def post_check(user, home, capture):
    client = client_for(user)
    started = time.monotonic()
    with capture(execute=True):
        response = client.post("/api/checks/", answers(home, housing="D"), format="json")
    return response, time.monotonic() - started


def test_a_check_posted_while_redis_refuses_is_saved_and_answered_201(
        broker, village_officer, home, django_capture_on_commit_callbacks, caplog):
    broker(REFUSED)
    response, took = post_check(village_officer, home, django_capture_on_commit_callbacks)
    assert response.status_code == 201, response.content
    assert took < GIVE_UP
    check = Check.objects.get(pk=response.json()["id"])
    assert check.evaluated_at is None
    assert not Alert.objects.exists()
    assert "消息队列不可用" in caplog.text


def test_a_half_open_redis_does_not_hang_the_request(
        broker, silent_port, village_officer, home, django_capture_on_commit_callbacks):
    broker(f"redis://127.0.0.1:{silent_port}/0")
    response, took = post_check(village_officer, home, django_capture_on_commit_callbacks)
    assert response.status_code == 201, response.content
    assert took < GIVE_UP
    assert Check.objects.unevaluated().count() == 1


def test_the_sweep_evaluates_the_checks_the_broker_never_got(
        broker, village_officer, home, django_capture_on_commit_callbacks, capsys):
    broker(REFUSED)
    post_check(village_officer, home, django_capture_on_commit_callbacks)
    call_command("evaluate_pending")
    assert "评估 1 户、排查 1 次，新增预警 1 条" in capsys.readouterr().out
    assert Alert.objects.get(household=home).rule == "HOUSING"
    assert not Check.objects.unevaluated().exists()
    call_command("evaluate_pending")  # again: nothing left, nothing doubled
    assert "评估 0 户" in capsys.readouterr().out
    assert Alert.objects.count() == 1


def test_the_sweep_carries_on_past_a_batch_that_fails(places, monkeypatch, capsys):
    from alerts import engine

    from .alert_helpers import record

    homes = [family(places["village_a"], number) for number in ("HA001", "HA002")]
    for home in homes:
        record(home, date(2026, 3, 10), housing="D", evaluate=False)
    evaluate = engine.evaluate_households

    def first_fails(ids, *args, **kwargs):
        if homes[0].id in ids:
            raise RuntimeError("a household the engine chokes on")
        return evaluate(ids, *args, **kwargs)

    monkeypatch.setattr(engine, "evaluate_households", first_fails)
    with pytest.raises(CommandError, match="1 户评估失败（见日志），下次运行将重试"):
        call_command("evaluate_pending", "--batch", "1")
    assert not homes[0].alerts.exists() and homes[1].alerts.get().rule == "HOUSING"
    assert list(Check.objects.unevaluated().values_list("household", flat=True)) == [homes[0].id]


def test_the_check_page_saves_while_redis_is_down_and_says_evaluating(
        broker, client, village_officer, home, django_capture_on_commit_callbacks):
    from .test_pages_check import answers as page_answers

    broker(REFUSED)
    client.force_login(village_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("households:check_new", args=["HA001"]),
                               page_answers(home, housing="D"))
    assert response.status_code == 302
    check = Check.objects.get()
    assert check.evaluated_at is None
    assert "评估中" in client.get(response.url).content.decode()


def test_an_export_requested_while_redis_is_down_fails_with_why(
        broker, county_supervisor, places, django_capture_on_commit_callbacks):
    from reports.tasks import export_request

    broker(REFUSED)
    with django_capture_on_commit_callbacks(execute=True):
        job = export_request(user=county_supervisor, place=places["county"], start=None,
                             end=date(2026, 12, 31), fmt="xlsx")
    job = ExportJob.objects.get(pk=job.pk)
    assert job.state == ExportState.FAILED
    assert "后台任务队列暂时不可用" in job.error


def test_celery_beat_runs_the_sweep(settings):
    import alerts.tasks  # noqa: F401 — registers the task, as the worker's autodiscovery does

    entry = settings.CELERY_BEAT_SCHEDULE["evaluate-pending-checks"]
    assert entry["task"] in app.tasks
    assert entry["schedule"] <= 600
