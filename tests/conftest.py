"""Personas per role, as in healthchecks' hc/test.py: one small county, two towns, three
villages, and a user of each role."""

import os
import sys

import pytest
from django.core.management import CommandError, call_command

from monitor.roles import Channel, Role

from .alert_helpers import alert_row
from .factories import HouseholdFactory, UserFactory, place
from .fault_helpers import point_broker_at

COUNTY = "500241"
AIKOU = "500241101"
PINGSUO = "500241101201"  # village A
TAIYANGSHAN = "500241101202"  # village B, same town
ZHONGHE_VILLAGE = "500241002201"  # a village of another town


@pytest.fixture(autouse=True)
def background_work(request, settings):
    """Ordinary tests run background work in-process; tests marked `worker` use the real
    Celery worker on Redis that .ci/run starts, and are skipped without one."""
    if request.node.get_closest_marker("worker"):
        if not os.environ.get("SHOUWANG_WORKER_TESTS"):
            pytest.skip("needs a Celery worker on Redis (run by .ci/run)")
    else:
        settings.CELERY_BROKER_URL = ""


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Argon2 costs a quarter of a second a hash by design; the suite creates thousands
    of users. tests/test_deploy.py checks the production hasher itself."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def dashboard_counted_live(settings):
    """The dashboard counts on every visit here, so each test sees the data it made;
    tests/test_pages_dashboard.py tests the figures kept for DASHBOARD_CACHE_SECONDS."""
    settings.DASHBOARD_CACHE_SECONDS = 0


@pytest.fixture
def broker(settings):
    """broker(url): queue background work on that broker for the rest of the test (with
    fault_helpers.REFUSED: as if Redis were down); the test's own broker comes back afterwards."""
    def use(url: str) -> None:
        settings.CELERY_BROKER_URL = url
        point_broker_at(url)

    yield use
    point_broker_at(None)


@pytest.fixture
def places(db):
    return {
        "county": place(COUNTY, "秀山县"),
        "town": place(AIKOU, "隘口镇"),
        "other_town": place("500241002", "中和街道"),
        "village_a": place(PINGSUO, "平所村"),
        "village_b": place(TAIYANGSHAN, "太阳山村"),
        "other_town_village": place(ZHONGHE_VILLAGE, "金田村"),
        "other_county": place("500102", "涪陵区"),
    }


@pytest.fixture
def village_officer(places):
    return UserFactory(username="alice", role=Role.VILLAGE, place=places["village_a"])


@pytest.fixture
def other_village_officer(places):
    return UserFactory(username="bob", role=Role.VILLAGE, place=places["village_b"])


@pytest.fixture
def town_supervisor(places):
    return UserFactory(username="charlie", role=Role.TOWN, place=places["town"])


@pytest.fixture
def county_supervisor(places):
    return UserFactory(username="dora", role=Role.COUNTY, place=places["county"])


@pytest.fixture
def other_county_supervisor(places):
    return UserFactory(username="erin", role=Role.COUNTY, place=places["other_county"])


@pytest.fixture
def education_staff(places):
    return UserFactory(username="frank", role=Role.DEPARTMENT, place=places["county"],
                       channel=Channel.EDUCATION)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="root", role=Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def household_a(places):
    return HouseholdFactory(village=places["village_a"], number="HA001")


@pytest.fixture
def household_b(places):
    return HouseholdFactory(village=places["village_b"], number="HB001")


@pytest.fixture
def household_other_town(places):
    return HouseholdFactory(village=places["other_town_village"], number="HZ001")


@pytest.fixture
def four_alerts(places):
    """Village A: HOUSING 预警 and WATER 核实; the other town: HOUSING 预警 and FOOD 已销号."""
    a, b = (HouseholdFactory(village=places[v]) for v in ("village_a", "other_town_village"))
    alert_row(a), alert_row(a, "WATER", "核实"), alert_row(b), alert_row(b, "FOOD", "已销号")
    return {"a": a, "b": b}


@pytest.fixture
def run(capsys):
    """import_survey as county IT runs it: (exit code, stdout, stderr), never a traceback.
    (Not through run_from_argv: it closes the database connection the test runs in; the
    exit code is CommandError's returncode, which run_from_argv passes to sys.exit.)"""
    def run(path, *args):
        capsys.readouterr()
        try:
            call_command("import_survey", str(path), *args)
            code = 0
        except CommandError as error:
            code = error.returncode
            sys.stderr.write(f"CommandError: {error}\n")
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        return code, out, err
    return run
