"""Every answer to a logged-in user carries Cache-Control: no-store (issue 16, item 11):
pages, the API by session or token, downloads. Asked of every URL pattern, filled with
the ids of real objects, so an address added later is asked too."""

from datetime import date, timedelta

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from alerts.plans import plan_add_measure, task_assign

from .alert_helpers import alert_of, family, record
from .url_helpers import filled, parameters, routes

D0 = date(2026, 3, 10)


@pytest.fixture
def world(places, village_officer, town_supervisor):
    household = family(places["village_a"], "HA001")
    record(household, D0, housing="D")
    alert = alert_of(household, "HOUSING")
    measure = plan_add_measure(alert=alert, actor=village_officer, measure="危房改造",
                               deadline=D0 + timedelta(days=20))
    task = task_assign(measure=measure, actor=town_supervisor, unit="县住建委",
                       due=D0 + timedelta(days=20))
    return [str(alert.pk), str(measure.pk), str(task.pk), household.number]


def urls(world) -> list[str]:
    return [filled(route, value) for route in routes()
            for value in (world if parameters(route) else world[:1])
            if route != "/logout/"]


def test_every_answer_to_a_logged_in_user_says_no_store(client, world, town_supervisor):
    client.force_login(town_supervisor)
    answered = 0
    for url in urls(world):
        response = client.get(url)
        if response.status_code == 200:
            answered += 1
            assert "no-store" in response.get("Cache-Control", ""), url
    assert answered > 30


def test_every_api_answer_to_a_token_says_no_store(world, town_supervisor):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=town_supervisor)}")
    for url in urls(world):
        if url.startswith("/api/"):
            response = api.get(url)
            if response.status_code == 200:
                assert "no-store" in response.get("Cache-Control", ""), url

