"""A refusal names a person only to someone who may know them (issue 16, item 8): a
supervisor who picks the user id of another county's staff for a task or an alert hears
"所选人员", never that user's login name. Tried on every page and API address, with the
person in every field a form or the API takes a person by, so an address added later is
tried too."""

from datetime import date, timedelta

import pytest
from rest_framework.test import APIClient

from alerts.plans import plan_add_measure

from .alert_helpers import alert_of, family, record
from .factories import UserFactory
from .url_helpers import filled, parameters, routes

D0 = date(2026, 3, 10)
PERSON_FIELDS = ("person", "assignee")


@pytest.fixture
def world(places, village_officer):
    household = family(places["village_a"], "HA001")
    record(household, D0, housing="D")
    alert = alert_of(household, "HOUSING")
    measure = plan_add_measure(alert=alert, actor=village_officer, measure="危房改造",
                               deadline=D0 + timedelta(days=20))
    return [str(alert.pk), str(measure.pk), household.number]


@pytest.fixture
def stranger(places):
    """Another county's supervisor, known only by a login name."""
    return UserFactory(username="erin_fuling", first_name="", last_name="",
                       role="county", place=places["other_county"])


def test_no_page_or_api_names_a_person_outside_the_askers_scope(client, world, stranger,
                                                                town_supervisor):
    client.force_login(town_supervisor)
    api = APIClient()
    api.force_authenticate(town_supervisor)
    body = {"unit": "县住建委", "due": "2026-04-01", "title": "改造", "note": "",
            "alerts": [int(world[0])], "alert": world[0],
            **dict.fromkeys(PERSON_FIELDS, stranger.pk)}
    for route in routes():
        for value in world if parameters(route) else world[:1]:
            url = filled(route, value)
            if url.startswith("/api/"):
                answer = api.post(url, body, format="json")
            else:
                answer = client.post(url, body, follow=True)
            assert "erin_fuling" not in answer.content.decode(), url


def test_a_person_in_scope_is_named_in_the_refusal(client, world, town_supervisor, places):
    """A village officer of the town who cannot see the household: named, so the
    supervisor knows whom to replace."""
    neighbour = UserFactory(username="bob2", first_name="", last_name="王二",
                            role="village", place=places["village_b"])
    client.force_login(town_supervisor)
    answer = client.post(f"/alerts/measures/{world[1]}/tasks/",
                         {"unit": "村委", "due": "2026-04-01", "person": neighbour.pk},
                         follow=True)
    assert "责任人 王二 不负责该户所在地区或该渠道" in answer.content.decode()


def test_a_person_outside_scope_is_said_generically(client, world, town_supervisor, stranger):
    client.force_login(town_supervisor)
    answer = client.post(f"/alerts/measures/{world[1]}/tasks/",
                         {"unit": "村委", "due": "2026-04-01", "person": stranger.pk},
                         follow=True)
    assert "责任人 所选人员 不负责该户所在地区或该渠道" in answer.content.decode()
