"""A policy change through the API (domain.md §5): the preview answers what would change
with rule codes and 名称 and writes nothing; adopting records it once per Idempotency-Key;
a town supervisor may do neither, and a county outside the user's scope is not found.

HZ001 has 20,000 a head (40,000 for two): under a line of 14,000 it is below 1.5 × the
line and under 2 × it, so it would fire INCOME_NEAR_LINE and move from 稳定 to 巩固."""

import pytest

from alerts.models import Alert, AlertMove
from monitor.models import AuditEvent, MonitoringLine

from .helpers import client_for

PROPOSAL = {"place": "500241", "effective_from": "2026-01-01", "line": "14000"}


def test_the_preview_answers_what_would_change_and_writes_nothing(as_role, county):
    _, client = as_role("county_supervisor")
    alerts, events = Alert.objects.count(), AuditEvent.objects.count()
    response = client.post("/api/policy/preview/", PROPOSAL, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert {"rule": "INCOME_NEAR_LINE", "name": "收入接近监测线",
            "households": 3} in body["raised"]
    hz = next(h for h in body["households"] if h["number"] == "HZ001")
    assert (hz["class_now"], hz["class_then"]) == ("稳定", "巩固")
    assert hz["raised"] == [{"rule": "INCOME_NEAR_LINE", "name": "收入接近监测线"}]
    assert (Alert.objects.count(), AuditEvent.objects.count()) == (alerts, events)
    assert not MonitoringLine.objects.exists()


def test_adopting_twice_with_one_idempotency_key_adopts_once(as_role, county):
    user, client = as_role("county_supervisor")
    asked = {**PROPOSAL, "reason": "市政府 2026 年 3 号文"}
    first = client.post("/api/policy/adopt/", asked, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == 200, first.content
    moves = AlertMove.objects.count()
    again = client.post("/api/policy/adopt/", asked, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert AlertMove.objects.count() == moves
    assert AuditEvent.objects.filter(object_kind="line").count() == 1
    alert = Alert.objects.get(household=county["HZ001"], rule="INCOME_NEAR_LINE")
    assert AlertMove.objects.get(alert=alert).note.startswith("政策调整")


def test_adopting_needs_a_reason(as_role, county):
    _, client = as_role("county_supervisor")
    response = client.post("/api/policy/adopt/", PROPOSAL, format="json")
    assert response.status_code == 400 and "reason" in response.json()


@pytest.mark.parametrize("url", ["/api/policy/preview/", "/api/policy/adopt/"])
def test_a_town_supervisor_may_neither_preview_nor_adopt(as_role, county, url):
    _, client = as_role("town_supervisor")
    response = client.post(url, {**PROPOSAL, "reason": "乡镇想调"}, format="json")
    assert response.status_code == 403
    assert "区县监管人员或管理员" in response.json()["detail"]
    assert not MonitoringLine.objects.exists()


@pytest.mark.parametrize("url", ["/api/policy/preview/", "/api/policy/adopt/"])
def test_a_county_outside_the_scope_is_not_found(as_role, county, url):
    _, client = as_role("other_county_supervisor")
    response = client.post(url, {**PROPOSAL, "reason": "越界"}, format="json")
    assert response.status_code == 404


@pytest.mark.parametrize("asked, field", [
    ({"settings": {"poverty_factor": "2"}}, "未知参数"),
    ({"settings": {"near_line_factor": "-1"}}, "不能为负数"),
    ({"line": "abc"}, "应为数字"),
])
def test_an_unknown_name_or_value_is_a_400_saying_which(county_supervisor, county, asked,
                                                        field):
    response = client_for(county_supervisor).post("/api/policy/preview/",
                                                  {**PROPOSAL, **asked}, format="json")
    assert response.status_code == 400 and field in response.json()["detail"]
