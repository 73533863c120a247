"""The five lists and the ledger over the API: the same rows the county prints, for a
place in the user's scope (404 outside), a page at a time."""

import pytest

from reports.five_lists import SHEETS_BY_NAME
from reports.ledger import COLUMNS

from .helpers import ROLES, SEES

RAISED = {"village_officer": 2, "town_supervisor": 3, "county_supervisor": 3,
          "education_staff": 1, "admin_user": 3, "other_county_supervisor": 0}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reconciles_its_own_place_by_default(county, as_role, role):
    user, client = as_role(role)
    response = client.get("/api/five-lists/")
    if user.place_id is None:  # the administrator works everywhere: they name a place
        assert response.status_code == 400
        assert response.json() == {"place": ["请指定地区代码"]}
        response = client.get("/api/five-lists/", {"place": "500241"})
    body = response.json()
    assert body["balanced"] is True
    assert body["total"]["raised"] == body["total"]["open"] == RAISED[role]
    assert [entry["name"] for entry in body["lists"]] == [
        "问题清单", "整改清单", "任务清单", "责任清单", "效果清单"]


@pytest.mark.parametrize(("role", "outside"), [
    ("village_officer", "500241101202"), ("town_supervisor", "500241002"),
    ("education_staff", "500102"), ("other_county_supervisor", "500241")])
def test_a_place_outside_the_scope_is_a_404(county, as_role, role, outside):
    _, client = as_role(role)
    assert client.get("/api/five-lists/", {"place": outside}).status_code == 404
    assert client.get("/api/five-lists/problems/", {"place": outside}).status_code == 404
    assert client.get("/api/ledger/", {"place": outside}).status_code == 404
    assert client.get("/api/ledger/", {"place": "999999"}).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_problems_it_may_see(county, as_role, role):
    _, client = as_role(role)
    body = client.get("/api/five-lists/problems/", {"place": "500241"} if role in (
        "admin_user",) else {}).json()
    assert body["count"] == RAISED[role]
    assert body["columns"] == SHEETS_BY_NAME["问题清单"].columns
    rule = body["columns"].index("规则代码")
    assert all(isinstance(row[0], int) for row in body["results"])
    if role == "education_staff":
        assert [row[rule] for row in body["results"]] == ["DROPOUT"]
        assert [row[rule + 1] for row in body["results"]] == ["义务教育阶段失学辍学"]


def test_the_lists_page_through_their_rows(county, as_role):
    _, client = as_role("county_supervisor")
    first = client.get("/api/five-lists/problems/", {"page_size": 2}).json()
    assert (first["count"], len(first["results"]), first["previous"]) == (3, 2, None)
    second = client.get(first["next"]).json()
    assert [row[0] for row in second["results"]] == [3]
    assert client.get("/api/five-lists/problems/", {"page": 9}).status_code == 404


@pytest.mark.parametrize("name", ["rectification", "tasks", "responsibility", "effect"])
def test_every_list_answers(county, as_role, name):
    _, client = as_role("county_supervisor")
    body = client.get(f"/api/five-lists/{name}/").json()
    assert body["count"] == 0
    assert body["columns"]


@pytest.mark.parametrize(("query", "field"), [
    ({"from": "2026-13-01"}, "from"), ({"to": "昨天"}, "to"),
    ({"from": "2026-05-01", "to": "2026-04-01"}, "from"), ({"page_size": 0}, "page_size")])
def test_a_bad_period_is_a_400_on_the_field(county, as_role, query, field):
    _, client = as_role("county_supervisor")
    response = client.get("/api/five-lists/problems/", query)
    assert response.status_code == 400
    assert field in response.json()


def test_a_period_narrows_the_lists(county, as_role):
    _, client = as_role("county_supervisor")
    body = client.get("/api/five-lists/", {"from": "2026-03-11"}).json()
    assert body["total"]["raised"] == 0
    assert body["start"] == "2026-03-11"


def test_an_unknown_list_is_a_404(county, as_role):
    _, client = as_role("county_supervisor")
    assert client.get("/api/five-lists/wishes/").status_code == 404


# ── The ledger ────────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_ledger_of_its_households(county, as_role, role):
    user, client = as_role(role)
    query = {"place": "500241"} if user.place_id is None else {}
    body = client.get("/api/ledger/", query).json()
    assert body["columns"] == COLUMNS
    assert {row[0] for row in body["results"]} == SEES[role]
    assert body["count"] == len(SEES[role])


def test_the_ledger_row_has_the_households_figures(county, as_role):
    _, client = as_role("county_supervisor")
    body = client.get("/api/ledger/", {"place": "500241101201"}).json()
    row = dict(zip(body["columns"], body["results"][0], strict=True))
    assert row["户编号"] == "HA001"
    assert row["人口数"] == 2
    assert row["人均纯收入"] == "20000.00"
    assert row["分类"] == "临界"
    assert row["未销号预警数"] == 2


def test_the_ledger_pages_by_household(county, as_role):
    _, client = as_role("county_supervisor")
    body = client.get("/api/ledger/", {"page_size": 2}).json()
    assert [row[0] for row in body["results"]] == ["HA001", "HB001"]
    assert body["count"] == 3 and "page=2" in body["next"]
