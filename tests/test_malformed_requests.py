"""A bad request is a 400 or a 404, never a 500 (issue 16, item 6), tried on every URL
pattern of the resolver, so a page added later is tried too:

- a NUL character in a path, a query or a form field (PostgreSQL cannot hold one);
- a form's id that is not a number (move, task person, assign, propose);
- JSON nested thousands deep, or holding a NUL, posted to the API.
"""

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

from alerts.plans import plan_add_measure, task_assign

from .alert_helpers import alert_of, family, record
from .url_helpers import filled, parameters, plain_routes, routes

D0 = date(2026, 3, 10)
QUERY_NAMES = ["q", "place", "rule", "state", "page", "format", "from", "to", "only",
               "result", "household", "village", "next"]


def template_field_names() -> list[str]:
    """Every name= a form of the project's templates posts."""
    names = set()
    for path in (Path(settings.BASE_DIR) / "templates").rglob("*.html"):
        names |= set(re.findall(r'name="(\w+)"', path.read_text()))
    return sorted(names - {"csrfmiddlewaretoken"})


@pytest.fixture
def world(places, village_officer, town_supervisor):
    """A household with open alerts, a measure and a task: real ids for every route."""
    household = family(places["village_a"], "HA001")
    record(household, D0, housing="D", child="失学辍学")
    alert = alert_of(household, "HOUSING")
    measure = plan_add_measure(alert=alert, actor=village_officer, measure="危房改造",
                               deadline=D0 + timedelta(days=20))
    task = task_assign(measure=measure, actor=town_supervisor, unit="县住建委",
                       due=D0 + timedelta(days=20))
    return [str(alert.pk), str(measure.pk), str(task.pk), household.number]


def answers(client, method: str, url: str, data: dict):
    response = getattr(client, method)(url, data)
    assert response.status_code < 500, (method, url, data, response.status_code)
    return response


@pytest.mark.parametrize("who", ["anonymous", "town_supervisor", "education_staff"])
def test_a_nul_in_any_path_is_400_or_404(client, world, who, request):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    for route in routes():
        for value in ("%00", "1%00", "HA001%00"):
            url = filled(route, value) if parameters(route) else f"{route}{value}/"
            response = client.get(url)
            assert response.status_code in (400, 404), (route, response.status_code)


def test_a_nul_in_any_query_is_400(client, world, town_supervisor):
    client.force_login(town_supervisor)
    for url in plain_routes():
        for name in QUERY_NAMES:
            response = client.get(url, {name: "\x00"})
            assert response.status_code == 400, (url, name, response.status_code)
    api = client.get("/api/places/", {"parent": "5\x00"})
    assert api.json() == {"detail": "请求中含有空字符（NUL），无法处理"}
    page = client.get("/alerts/", {"rule": "\x00"})
    assert "空字符" in page.content.decode()


@pytest.mark.parametrize("junk", ["abc", "\x00", "１２", "²", "9" * 30, "-1", "长" * 3000])
def test_every_form_field_posted_as_junk_to_every_route_is_not_a_500(
        client, world, town_supervisor, village_officer, junk):
    """Every field name a template posts, set to junk, to every route filled with the
    ids of real objects, as a supervisor and as an officer."""
    body = dict.fromkeys(template_field_names(), junk)
    for user in (None, town_supervisor, village_officer):
        client.logout()
        if user is not None:
            client.force_login(user)
        for route in [*routes(), "/admin/login/"]:
            for value in world:
                answers(client, "post", filled(route, value), body)


@pytest.mark.parametrize(("url", "field"), [
    ("/alerts/{alert}/move/", "check"), ("/alerts/assign/", "alert"),
    ("/alerts/assign/", "assignee"), ("/alerts/measures/{measure}/tasks/", "person"),
    ("/monitoring/households/HA001/propose/", "alert")])
def test_a_non_numeric_id_in_a_form_is_400_saying_which(client, world, town_supervisor,
                                                       url, field):
    client.force_login(town_supervisor)
    alert, measure = world[:2]
    body = {"action": "verify", "alert": alert, "assignee": "1", "unit": "县住建委",
            "due": "2026-04-01", field: "abc"}
    response = client.post(url.format(alert=alert, measure=measure), body)
    assert response.status_code == 400
    assert "应为编号（数字）" in response.content.decode()


@pytest.mark.parametrize("body", [
    "[" * 100_000 + "]" * 100_000,
    '{"a":' * 50_000 + "1" + "}" * 50_000,
    "[" * 40 + "]" * 40,
    '{"note": "a\\u0000b"}',
    '{"a\\u0000": 1}'])
def test_json_too_deep_or_holding_a_nul_is_400_on_every_api_route(client, world,
                                                                  town_supervisor, body):
    client.force_login(town_supervisor)
    for route in routes():
        if not route.startswith("/api/"):
            continue
        cache.clear()  # the API's throttle counts in the cache
        for value in world[:3] if parameters(route) else world[:1]:
            url = filled(route, value)
            for method in ("post", "patch"):
                response = getattr(client, method)(url, body, content_type="application/json")
                # 415: a route that takes only a file (multipart) refuses JSON outright
                assert response.status_code in (400, 403, 404, 405, 415), (
                    method, url, response.status_code)
    response = client.post("/api/checks/", body, content_type="application/json")
    assert response.status_code == 400
    assert "嵌套过深" in response.json()["detail"] or "空字符" in response.json()["detail"]
