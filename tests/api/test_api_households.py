"""The API for places, households and members: every role sees its scope and nothing
else (404 outside, like a missing object), department staff see masked personal data,
filters narrow, the list's queries do not grow with its rows, and a token works."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from monitor.privacy import mask_id_number
from monitor.roles import Role

from ..factories import HouseholdFactory, MemberFactory, UserFactory
from .helpers import ROLES, SEES, client_for, numbers
from .helpers import results as rows

HOUSEHOLDS = "/api/households/"


def detail(kind: str, key) -> str:
    return f"/api/{kind}/{key}/"


# ── Authentication ────────────────────────────────────────────────────────────────────

def test_anonymous_requests_are_refused(county):
    response = APIClient().get(HOUSEHOLDS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["detail"] == "身份认证信息未提供。"


def test_a_token_from_drf_create_token_authenticates(county, county_supervisor):
    from django.core.management import call_command

    call_command("drf_create_token", county_supervisor.username, verbosity=0)
    from rest_framework.authtoken.models import Token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get().key}")
    assert numbers(client.get(HOUSEHOLDS)) == {"HA001", "HB001", "HZ001"}


def test_a_wrong_token_is_refused(county):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert client.get(HOUSEHOLDS).status_code == 401


def test_a_session_authenticates_too(county, village_officer):
    # Through the login page: the lockout backend needs the request authenticate() is given.
    client = APIClient()
    login = client.post(reverse("login"), {"username": "alice", "password": "correct-horse-9"},
                        format="multipart")
    assert login.status_code == 302
    assert numbers(client.get(HOUSEHOLDS)) == {"HA001"}


def test_the_api_is_mounted_under_api(db):
    assert reverse("api:household-list") == HOUSEHOLDS


# ── Households: every role, its scope ─────────────────────────────────────────────────

@pytest.mark.parametrize("role", ROLES)
def test_each_role_lists_the_households_of_its_scope(county, as_role, role):
    _, client = as_role(role)
    response = client.get(HOUSEHOLDS)
    assert numbers(response) == SEES[role]
    assert response.json()["count"] == len(SEES[role])


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reads_a_household_in_scope_and_gets_404_outside(county, as_role, role):
    _, client = as_role(role)
    for number, household in county.items():
        response = client.get(detail("households", household.pk))
        if number in SEES[role]:
            assert response.status_code == 200
            assert response.json()["number"] == number
        else:
            assert response.status_code == 404
            assert response.json() == client.get(detail("households", 999999)).json()


def test_a_household_carries_its_members_class_group_and_open_alerts(county, as_role):
    _, client = as_role("county_supervisor")
    body = client.get(detail("households", county["HA001"].pk)).json()
    assert [m["name"] for m in body["members"]] == ["杨父", "杨小"]
    assert body["household_class"] == "临界"  # an open high alert
    assert body["open_alerts"] == 2
    assert body["latest_visit_date"] == "2026-03-10"
    assert body["village"] == "500241101201"
    assert body["town"] == "500241101"


def test_department_staff_count_only_their_channels_open_alerts(county, as_role):
    _, client = as_role("education_staff")
    assert client.get(detail("households", county["HA001"].pk)).json()["open_alerts"] == 1


# ── Personal data ─────────────────────────────────────────────────────────────────────

def test_department_staff_get_masked_id_numbers_phones_and_no_birth_dates(county, as_role):
    household = county["HA001"]
    household.phone = "13812345678"
    household.save()
    _, client = as_role("education_staff")
    body = client.get(detail("households", household.pk)).json()
    assert body["head_id_number"] == mask_id_number(household.head_id_number)
    assert "*" * 8 in body["head_id_number"]
    assert body["phone"] == "138****5678"
    for member in body["members"]:
        assert "********" in member["id_number"]
        assert member["birth_date"] is None
    assert body["members"][1]["age"] == 13


def test_department_staff_cannot_read_households_beyond_their_tasks(county, as_role):
    _, client = as_role("education_staff")
    for number in ("HB001", "HZ001"):
        assert client.get(detail("households", county[number].pk)).status_code == 404
    assert client.get(HOUSEHOLDS, {"q": "HB001"}).json()["count"] == 0
    assert client.get("/api/members/", {"household": county["HB001"].pk}).json()["count"] == 0


@pytest.mark.parametrize("role", ["village_officer", "town_supervisor", "county_supervisor",
                                  "admin_user"])
def test_other_roles_read_full_id_numbers(county, as_role, role):
    household = county["HA001"]
    _, client = as_role(role)
    body = client.get(detail("households", household.pk)).json()
    assert body["head_id_number"] == household.head_id_number
    assert body["members"][0]["birth_date"] == "1980-01-01"


# ── Filters and ordering ──────────────────────────────────────────────────────────────

@pytest.mark.parametrize(("query", "expected"), [
    ({"place": "500241101"}, {"HA001", "HB001"}),
    ({"place": "500241101201"}, {"HA001"}),
    ({"village": "500241002201"}, {"HZ001"}),
    ({"household_class": "临界"}, {"HA001", "HB001"}),
    ({"household_class": "稳定"}, {"HZ001"}),
    ({"has_open_alerts": "true"}, {"HA001", "HB001"}),
    ({"has_open_alerts": "false"}, {"HZ001"}),
    ({"q": "HB0"}, {"HB001"}),
    ({"q": "杨小"}, {"HA001", "HB001", "HZ001"}),
    ({"classified": "false"}, set()),
    ({"number": "HZ001"}, {"HZ001"}),
])
def test_households_filter(county, as_role, query, expected):
    _, client = as_role("county_supervisor")
    assert numbers(client.get(HOUSEHOLDS, query)) == expected


def test_a_filter_cannot_widen_the_scope(county, as_role):
    _, client = as_role("village_officer")
    assert numbers(client.get(HOUSEHOLDS, {"place": "500241"})) == {"HA001"}


def test_households_order_by_request(county, as_role):
    _, client = as_role("county_supervisor")
    ordered = [row["number"] for row in rows(client.get(HOUSEHOLDS, {"ordering": "-number"}))]
    assert ordered == ["HZ001", "HB001", "HA001"]


def test_a_bad_filter_value_is_a_400_naming_the_field(county, as_role):
    _, client = as_role("county_supervisor")
    response = client.get(HOUSEHOLDS, {"household_class": "富裕"})
    assert response.status_code == 400
    assert "household_class" in response.json()


def test_the_list_is_paginated_with_a_count(county, as_role):
    _, client = as_role("county_supervisor")
    body = client.get(HOUSEHOLDS, {"page_size": 2}).json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"].endswith("page=2&page_size=2") or "page=2" in body["next"]


# ── Query counts ──────────────────────────────────────────────────────────────────────

def households_with_members(village, n: int, start: int = 0):
    for i in range(start, start + n):
        household = HouseholdFactory(village=village, number=f"Q{i:04d}")
        MemberFactory(household=household, relation="户主")
        MemberFactory(household=household, relation="子女")


def count_queries(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


def test_a_household_list_runs_the_same_queries_for_5_and_50_rows(places, as_role):
    _, client = as_role("county_supervisor")
    households_with_members(places["village_a"], 5)
    five = count_queries(client, HOUSEHOLDS)
    households_with_members(places["village_b"], 45, start=5)
    assert client.get(HOUSEHOLDS).json()["count"] == 50
    fifty = count_queries(client, HOUSEHOLDS)
    assert five == fifty
    assert fifty <= 6  # token, user, count, page, members (+ throttle uses the cache)


@pytest.mark.parametrize("path", ["/api/members/", "/api/checks/", "/api/alerts/"])
def test_other_lists_run_constant_queries(county, places, as_role, path):
    _, client = as_role("county_supervisor")
    before = count_queries(client, path)
    households_with_members(places["village_a"], 10)
    from ..alert_helpers import family, record

    for i in range(5):
        record(family(places["village_b"], f"W{i}"), county["HA001"].checks.first().visit_date,
               water_quality=False)
    assert count_queries(client, path) == before


# ── Members ───────────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("role", ROLES)
def test_each_role_lists_the_members_of_its_scope(county, as_role, role):
    _, client = as_role(role)
    body = client.get("/api/members/").json()
    assert body["count"] == 2 * len(SEES[role])
    for household in county.values():
        member = household.members.first()
        expected = 200 if household.number in SEES[role] else 404
        assert client.get(detail("members", member.pk)).status_code == expected


def test_members_filter_by_schooling(county, as_role):
    _, client = as_role("county_supervisor")
    found = rows(client.get("/api/members/", {"schooling": "失学辍学"}))
    assert [(m["name"], m["household"]) for m in found] == [("杨小", county["HA001"].pk)]


def test_department_staff_get_masked_members(county, as_role):
    _, client = as_role("education_staff")
    for member in rows(client.get("/api/members/")):
        assert "********" in member["id_number"]
        assert member["birth_date"] is None


# ── Places ────────────────────────────────────────────────────────────────────────────

PLACES_SEEN = {
    "village_officer": {"500241101201"},
    "town_supervisor": {"500241101", "500241101201", "500241101202"},
    "county_supervisor": {"500241", "500241101", "500241002", "500241101201",
                          "500241101202", "500241002201"},
    "education_staff": {"500241", "500241101", "500241002", "500241101201",
                        "500241101202", "500241002201"},
    "admin_user": {"500241", "500241101", "500241002", "500241101201", "500241101202",
                   "500241002201", "500102"},
    "other_county_supervisor": {"500102"},
}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_lists_its_place_and_below(places, as_role, role):
    _, client = as_role(role)
    assert {p["code"] for p in rows(client.get("/api/places/", {"page_size": 200}))} == \
        PLACES_SEEN[role]
    for code in ("500241101202", "500102"):
        expected = 200 if code in PLACES_SEEN[role] else 404
        assert client.get(detail("places", code)).status_code == expected


def test_places_filter_by_level_and_parent(places, as_role):
    _, client = as_role("county_supervisor")
    assert {p["code"] for p in rows(client.get("/api/places/", {"level": "town"}))} == {
        "500241101", "500241002"}
    assert {p["code"] for p in rows(client.get("/api/places/", {"parent": "500241101"}))} == {
        "500241101201", "500241101202"}


def test_a_user_without_a_place_sees_nothing(county):
    user = UserFactory(username="nobody", role=Role.COUNTY, place=None)
    client = client_for(user)
    assert client.get(HOUSEHOLDS).json()["count"] == 0
    assert client.get("/api/places/").json()["count"] == 0


# ── Malformed requests get JSON answers ───────────────────────────────────────────────

@pytest.mark.parametrize("query", [{"has_open_alerts": "yes"}, {"registered": "4"}])
def test_a_boolean_filter_refuses_anything_but_true_or_false(county, as_role, query):
    _, client = as_role("county_supervisor")
    response = client.get(HOUSEHOLDS, query)
    assert response.status_code == 400
    assert response.json() == {next(iter(query)): ["应为 true 或 false"]}


@pytest.mark.parametrize("value", ["0", "-3", str(2**64), "1.5"])
def test_an_id_filter_refuses_what_no_row_could_have(county, as_role, value):
    _, client = as_role("county_supervisor")
    response = client.get("/api/members/", {"household": value})
    assert response.status_code == 400
    assert "household" in response.json()


@pytest.mark.parametrize("path", ["/api/households/0.5/", "/api/nothing/", "/api/places/a.b/"])
def test_an_unknown_api_path_is_a_json_404(db, as_role, path):
    _, client = as_role("county_supervisor")
    response = client.get(path)
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到。"}


def test_a_page_past_the_end_is_a_404(county, as_role):
    _, client = as_role("county_supervisor")
    response = client.get(HOUSEHOLDS, {"page": 9})
    assert response.status_code == 404
    assert response.json() == {"detail": "无效页面。"}


def test_a_post_to_an_unknown_api_path_is_a_json_404_not_a_csrf_page(db, county_supervisor):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(county_supervisor)
    response = client.post("/api/alerts/0.5/moves/", {}, content_type="application/json")
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到。"}


def test_a_path_without_its_slash_is_redirected_to_it(db, as_role):
    _, client = as_role("county_supervisor")
    response = client.get("/api/households")
    assert response.status_code == 301
    assert response["Location"] == "/api/households/"
