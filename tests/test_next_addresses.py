"""A form's `next` leads only to a path of this site (issue 16, item 5): another site,
a scheme-relative address or a word that is no address gives the page's own fallback,
never a redirect away and never a 500. Every view that follows a `next` asks
monitor.requests.next_or; the class test holds the code to that."""

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings

from alerts.plans import plan_add_measure, task_assign

from .alert_helpers import alert_of, family, record

D0 = date(2026, 3, 10)
BAD = ["https://evil.example", "//evil.example", "/\\evil.example", "foo", "javascript:alert(1)",
       "http://testserver.evil.example/", " //evil.example"]


@pytest.fixture
def task(places, village_officer, town_supervisor):
    household = family(places["village_a"], "HA001")
    record(household, D0, housing="D")
    measure = plan_add_measure(alert=alert_of(household, "HOUSING"), actor=village_officer,
                               measure="危房改造", deadline=D0 + timedelta(days=20))
    return task_assign(measure=measure, actor=town_supervisor, unit="县住建委",
                       due=D0 + timedelta(days=20))


@pytest.mark.parametrize("target", BAD)
def test_a_task_update_with_a_next_off_the_site_goes_back_to_the_tasks(
        client, task, town_supervisor, target):
    client.force_login(town_supervisor)
    response = client.post(f"/alerts/tasks/{task.pk}/", {"state": "进行中", "next": target})
    assert (response.status_code, response["Location"]) == (302, "/alerts/tasks/")


def test_a_task_update_with_a_path_of_the_site_goes_there(client, task, town_supervisor):
    client.force_login(town_supervisor)
    response = client.post(f"/alerts/tasks/{task.pk}/",
                           {"state": "进行中", "next": "/alerts/plans/HA001/"})
    assert response["Location"] == "/alerts/plans/HA001/"


def test_every_view_follows_next_through_next_or():
    reads = re.compile(r"""(GET|POST|data)(\.get\(|\[)["']next["']""")
    root = Path(settings.BASE_DIR)
    apps = [folder for folder in root.iterdir() if (folder / "__init__.py").exists()
            and folder.name not in ("tests", "bench")]
    found = sorted(str(path.relative_to(root)) for app in apps for path in app.rglob("*.py")
                   if reads.search(path.read_text()))
    assert found == ["monitor/requests.py"]
