"""Alerts at work over the API: alerts with evidence and moves, the moves themselves,
measures, tasks and their updates, plans and the catalogue — every role its scope,
404 outside, the services' refusals as 400 and lost races as 409."""

from datetime import timedelta

import pytest
from rest_framework.authtoken.models import Token

from alerts import plans, services
from alerts.models import Alert, AlertMove, State, Task

from ..alert_helpers import record
from .helpers import D0, DUE, ROLES, alert_of, client_for
from .helpers import results as rows

ALERTS = "/api/alerts/"

# The alerts each persona sees in `county`: (household number, rule).
ALERTS_SEEN = {
    "village_officer": {("HA001", "DROPOUT"), ("HA001", "HOUSING")},
    "town_supervisor": {("HA001", "DROPOUT"), ("HA001", "HOUSING"), ("HB001", "WATER")},
    "county_supervisor": {("HA001", "DROPOUT"), ("HA001", "HOUSING"), ("HB001", "WATER")},
    "education_staff": {("HA001", "DROPOUT")},
    "admin_user": {("HA001", "DROPOUT"), ("HA001", "HOUSING"), ("HB001", "WATER")},
    "other_county_supervisor": set(),
}


def seen(response) -> set[tuple[str, str]]:
    return {(row["household"]["number"], row["rule"]) for row in rows(response)}


def every_alert():
    return Alert.objects.select_related("household")


def move(client, alert, **body):
    return client.post(f"{ALERTS}{alert.pk}/moves/", body, format="json")


# ── Reading alerts ────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("role", ROLES)
def test_each_role_lists_and_reads_the_alerts_of_its_scope(county, as_role, role):
    _, client = as_role(role)
    assert seen(client.get(ALERTS)) == ALERTS_SEEN[role]
    for alert in every_alert():
        response = client.get(f"{ALERTS}{alert.pk}/")
        if (alert.household.number, alert.rule) in ALERTS_SEEN[role]:
            assert response.status_code == 200
        else:
            assert response.status_code == 404
            assert response.json() == client.get(f"{ALERTS}999999/").json()


def test_an_alert_carries_its_evidence_deadlines_and_moves(county, as_role):
    _, client = as_role("village_officer")
    body = client.get(f"{ALERTS}{alert_of(county['HA001'], 'DROPOUT').pk}/").json()
    assert body["evidence"]["text"].startswith("失学辍学：杨小")
    assert body["evidence"]["threshold"] == {"义务教育年龄": "6–15岁"}
    assert body["severity"] == "high" and body["channel"] == "education"
    assert body["raised_on"] == "2026-03-10"
    alert = alert_of(county["HA001"], "DROPOUT")
    assert body["verify_by"] == body["due"] == alert.verify_by.isoformat()
    assert body["close_by"] == alert.close_by.isoformat()
    assert [(m["from_state"], m["to_state"]) for m in body["moves"]] == [("", "预警")]
    assert body["allowed_moves"] == ["verify", "dismiss"]


@pytest.mark.parametrize(("query", "expected"), [
    ({"rule": "WATER"}, {("HB001", "WATER")}),
    ({"channel": "housing"}, {("HA001", "HOUSING")}),
    ({"severity": "medium"}, set()),
    ({"state": "预警"}, {("HA001", "DROPOUT"), ("HA001", "HOUSING"), ("HB001", "WATER")}),
    ({"open": "false"}, set()),
    ({"place": "500241101202"}, {("HB001", "WATER")}),
    ({"raised_from": "2026-03-11"}, set()),
    ({"raised_to": "2026-03-10", "rule": "DROPOUT"}, {("HA001", "DROPOUT")}),
    ({"overdue": "true"}, set()),
    ({"due_to": "2026-03-13"}, set()),
    ({"due_from": "2026-03-13", "source": "排查"},
     {("HA001", "DROPOUT"), ("HA001", "HOUSING"), ("HB001", "WATER")}),
])
def test_alerts_filter(county, as_role, query, expected):
    _, client = as_role("county_supervisor")
    assert seen(client.get(ALERTS, query)) == expected


def test_alerts_filter_by_the_check_that_raised_them(county, as_role):
    _, client = as_role("county_supervisor")
    check = county["HB001"].checks.get()
    assert seen(client.get(ALERTS, {"check": check.pk})) == {("HB001", "WATER")}


def test_the_lists_total_follows_a_write_at_once(county, as_role):
    _, client = as_role("county_supervisor")
    assert client.get(ALERTS, {"open": "true"}).json()["count"] == 3
    Alert.objects.filter(rule="WATER").update(state=State.CLOSED)
    body = client.get(ALERTS, {"open": "true"}).json()
    assert body["count"] == 2
    assert {row["rule"] for row in body["results"]} == {"DROPOUT", "HOUSING"}


def test_a_user_moved_to_another_place_sees_that_place_at_once(county, as_role, places):
    user, client = as_role("town_supervisor")
    assert seen(client.get(ALERTS)) == ALERTS_SEEN["town_supervisor"]
    user.place = places["other_town"]
    user.save()
    assert seen(client.get(ALERTS)) == set()


def test_a_deleted_token_or_a_deactivated_user_is_refused_at_once(county, as_role):
    county_user, county_client = as_role("county_supervisor")
    town_user, town_client = as_role("town_supervisor")
    assert county_client.get(ALERTS).status_code == town_client.get(ALERTS).status_code == 200
    Token.objects.filter(user=county_user).delete()
    assert county_client.get(ALERTS).status_code == 401
    town_user.is_active = False
    town_user.save()
    assert town_client.get(ALERTS).status_code == 401


def test_the_list_asked_from_a_logged_in_browser_varies_on_its_cookie(county, client,
                                                                     county_supervisor):
    """A shared cache in front must not give one user's list to another."""
    client.force_login(county_supervisor)
    response = client.get(ALERTS)
    assert response.status_code == 200 and "Cookie" in response["Vary"]


# ── Moves ─────────────────────────────────────────────────────────────────────────────

def test_an_officer_verifies_an_alert_and_the_move_is_recorded(county, as_role):
    user, client = as_role("village_officer")
    alert = alert_of(county["HA001"], "DROPOUT")
    response = move(client, alert, action="verify", note="入户核实：已辍学两个月")
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "核实"
    assert response.json()["moves"][-1]["actor"] == "alice"
    last = AlertMove.objects.filter(alert=alert).latest("id")
    assert (last.actor, last.from_state, last.to_state) == (user, "预警", "核实")


def test_a_move_the_rules_refuse_is_a_400_saying_why(county, as_role):
    _, client = as_role("village_officer")
    alert = alert_of(county["HA001"], "DROPOUT")
    response = move(client, alert, action="dismiss")
    assert response.status_code == 400
    assert response.json() == {"detail": "排除预警须填写理由"}
    response = move(client, alert, action="close", note="已复学")
    assert response.status_code == 400
    assert "村干部不能销号预警" in response.json()["detail"]
    assert alert_of(county["HA001"], "DROPOUT").state == State.RAISED


def test_department_staff_cannot_move_alerts(county, as_role):
    _, client = as_role("education_staff")
    response = move(client, alert_of(county["HA001"], "DROPOUT"), action="verify", note="x")
    assert response.status_code == 400
    assert "行业部门不能核实预警" in response.json()["detail"]


@pytest.mark.parametrize("role", ["village_officer", "education_staff",
                                  "other_county_supervisor"])
def test_moving_an_alert_outside_the_scope_is_a_404(county, as_role, role):
    _, client = as_role(role)
    response = move(client, alert_of(county["HB001"], "WATER"), action="verify", note="x")
    assert response.status_code == 404
    assert alert_of(county["HB001"], "WATER").state == State.RAISED


def test_an_unknown_action_is_a_400_on_the_field(county, as_role):
    _, client = as_role("village_officer")
    response = move(client, alert_of(county["HA001"], "DROPOUT"), action="promote")
    assert response.status_code == 400
    assert "action" in response.json()


def test_a_stale_expected_state_is_a_409(county, as_role):
    _, client = as_role("village_officer")
    alert = alert_of(county["HA001"], "DROPOUT")
    response = move(client, alert, action="verify", note="x", expected_state="核实")
    assert response.status_code == 409
    assert "当前状态为“预警”" in response.json()["detail"]


def test_a_move_that_loses_a_race_is_a_409(county, as_role, monkeypatch):
    """Someone else verifies the alert between this request loading it and moving it:
    the service's conditional UPDATE finds the state changed and refuses."""
    verify = services.alert_verify

    def someone_else_first(*, alert, **kwargs):
        Alert.objects.filter(pk=alert.pk).update(state=State.DISMISSED)
        return verify(alert=alert, **kwargs)

    monkeypatch.setattr(services, "alert_verify", someone_else_first)
    _, client = as_role("village_officer")
    response = move(client, alert_of(county["HA001"], "DROPOUT"), action="verify", note="x")
    assert response.status_code == 409
    assert "刚被他人处理" in response.json()["detail"]


def test_a_verification_check_of_another_household_is_a_400(county, as_role):
    _, client = as_role("town_supervisor")
    other = county["HB001"].checks.get()
    response = move(client, alert_of(county["HA001"], "DROPOUT"), action="verify",
                    check=other.pk)
    assert response.status_code == 400
    assert response.json() == {"check": ["未找到该户的这次排查"]}


def test_a_supervisor_closes_an_alert_a_newer_check_cleared(county, as_role):
    household = county["HA001"]
    record(household, D0 + timedelta(days=20), housing="D", child="在校")
    alert = alert_of(household, "DROPOUT")
    assert alert.state == State.READY_TO_CLOSE
    _, client = as_role("town_supervisor")
    response = move(client, alert, action="close", expected_state="待销号")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["state"] == "已销号"
    assert body["closed_by"] == "charlie"
    assert body["cleared_by"] == household.checks.latest("visit_date").pk


# ── Measures and tasks ────────────────────────────────────────────────────────────────

def add_measure(client, alert, name="劝返复学", deadline=DUE):
    return client.post(f"{ALERTS}{alert.pk}/measures/",
                       {"measure": name, "deadline": deadline.isoformat()}, format="json")


@pytest.fixture
def dropout_measure(county, village_officer):
    return plans.plan_add_measure(alert=alert_of(county["HA001"], "DROPOUT"),
                                     actor=village_officer, measure="劝返复学", deadline=DUE)


@pytest.fixture
def housing_measure(county, village_officer):
    return plans.plan_add_measure(alert=alert_of(county["HA001"], "HOUSING"),
                                     actor=village_officer, measure="危房改造", deadline=DUE)


@pytest.fixture
def education_task(dropout_measure, town_supervisor, education_staff):
    return plans.task_assign(measure=dropout_measure, actor=town_supervisor, unit="县教委",
                                person=education_staff, due=DUE)


@pytest.fixture
def housing_task(housing_measure, town_supervisor):
    return plans.task_assign(measure=housing_measure, actor=town_supervisor,
                                unit="县住建委", due=D0 + timedelta(days=5))


def test_an_officer_plans_a_measure_from_the_catalogue(county, as_role):
    _, client = as_role("village_officer")
    response = add_measure(client, alert_of(county["HA001"], "DROPOUT"))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["name"], body["channel"], body["deadline"]) == ("劝返复学", "education",
                                                                 DUE.isoformat())
    assert body["household"]["number"] == "HA001"


def test_a_measure_outside_the_catalogue_is_a_400_listing_the_choices(county, as_role):
    _, client = as_role("village_officer")
    response = add_measure(client, alert_of(county["HA001"], "DROPOUT"), name="发红包")
    assert response.status_code == 400
    assert "“发红包”不在“因学”的帮扶措施目录中" in response.json()["detail"]


@pytest.mark.parametrize(("role", "status"), [
    ("village_officer", 201), ("town_supervisor", 201), ("county_supervisor", 201),
    ("admin_user", 400), ("education_staff", 400), ("other_county_supervisor", 404)])
def test_who_may_plan_a_measure(county, as_role, role, status):
    _, client = as_role(role)
    assert add_measure(client, alert_of(county["HA001"], "DROPOUT")).status_code == status


def test_a_supervisor_assigns_a_task_to_department_staff(dropout_measure, as_role,
                                                          education_staff):
    _, client = as_role("town_supervisor")
    response = client.post(f"/api/measures/{dropout_measure.pk}/tasks/", {
        "unit": "县教委", "person": education_staff.pk, "due": DUE.isoformat(),
        "title": "劝返杨小复学"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["title"], body["person_name"], body["state"]) == ("劝返杨小复学", "frank",
                                                                   "待办")
    assert body["updates"][0]["note"].startswith("指派给 县教委 frank")


def test_assigning_to_someone_who_cannot_see_the_task_is_a_400(dropout_measure, as_role,
                                                               other_county_supervisor):
    _, client = as_role("town_supervisor")
    url = f"/api/measures/{dropout_measure.pk}/tasks/"
    response = client.post(url, {"unit": "县教委", "person": other_county_supervisor.pk,
                                 "due": DUE.isoformat()}, format="json")
    assert response.status_code == 400
    assert "看不到这项任务" in response.json()["detail"]
    response = client.post(url, {"unit": "县教委", "person": 999999, "due": DUE.isoformat()},
                           format="json")
    assert response.json() == {"person": ["未找到该用户"]}
    assert not Task.objects.exists()


def test_an_officer_cannot_assign_tasks(dropout_measure, as_role):
    _, client = as_role("village_officer")
    response = client.post(f"/api/measures/{dropout_measure.pk}/tasks/",
                           {"unit": "县教委", "due": DUE.isoformat()}, format="json")
    assert response.status_code == 400
    assert "村干部不能指派任务" in response.json()["detail"]


TASKS_SEEN = {
    "village_officer": {"县教委", "县住建委"},
    "town_supervisor": {"县教委", "县住建委"},
    "county_supervisor": {"县教委", "县住建委"},
    "education_staff": {"县教委"},
    "admin_user": {"县教委", "县住建委"},
    "other_county_supervisor": set(),
}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reads_the_tasks_of_its_scope(education_task, housing_task, as_role, role):
    _, client = as_role(role)
    assert {t["unit"] for t in rows(client.get("/api/tasks/"))} == TASKS_SEEN[role]
    for task in (education_task, housing_task):
        expected = 200 if task.unit in TASKS_SEEN[role] else 404
        assert client.get(f"/api/tasks/{task.pk}/").status_code == expected


@pytest.mark.parametrize(("query", "expected"), [
    ({"overdue": "true"}, {"县住建委"}),
    ({"overdue": "false"}, {"县教委"}),
    ({"channel": "education"}, {"县教委"}),
    ({"state": "待办"}, {"县教委", "县住建委"}),
    ({"open": "false"}, set()),
    ({"due_from": DUE.isoformat()}, {"县教委"}),
    ({"unit": "住建"}, {"县住建委"}),
])
def test_tasks_filter(education_task, housing_task, as_role, query, expected):
    _, client = as_role("county_supervisor")
    assert {t["unit"] for t in rows(client.get("/api/tasks/", query))} == expected


def test_tasks_filter_by_assignee_and_mine(education_task, housing_task, as_role,
                                           education_staff):
    _, client = as_role("county_supervisor")
    found = rows(client.get("/api/tasks/", {"assignee": education_staff.pk}))
    assert [t["unit"] for t in found] == ["县教委"]
    mine = rows(client_for(education_staff).get("/api/tasks/", {"mine": "true"}))
    assert [t["unit"] for t in mine] == ["县教委"]


def test_an_overdue_task_says_by_how_many_days(housing_task, as_role):
    _, client = as_role("county_supervisor")
    body = client.get(f"/api/tasks/{housing_task.pk}/").json()
    assert body["overdue_days"] > 0


def test_department_staff_update_their_channels_task(education_task, as_role):
    _, client = as_role("education_staff")
    url = f"/api/tasks/{education_task.pk}/updates/"
    response = client.post(url, {"state": "进行中", "note": "已联系学校"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "进行中"
    assert response.json()["updates"][-1]["note"] == "已联系学校"
    back = client.post(url, {"state": "待办"}, format="json")
    assert back.status_code == 400
    assert back.json() == {"detail": "任务不能从“进行中”退回“待办”"}


@pytest.mark.parametrize("role", ["education_staff", "other_county_supervisor"])
def test_updating_a_task_outside_the_scope_is_a_404(housing_task, as_role, role):
    _, client = as_role(role)
    response = client.post(f"/api/tasks/{housing_task.pk}/updates/", {"state": "进行中"},
                           format="json")
    assert response.status_code == 404


def test_a_task_update_that_loses_a_race_is_a_409(education_task, as_role, monkeypatch):
    update = plans.task_update

    def someone_else_first(*, task, **kwargs):
        Task.objects.filter(pk=task.pk).update(state="进行中")
        return update(task=task, **kwargs)

    monkeypatch.setattr(plans, "task_update", someone_else_first)
    _, client = as_role("education_staff")
    response = client.post(f"/api/tasks/{education_task.pk}/updates/", {"state": "已完成"},
                           format="json")
    assert response.status_code == 409


# ── Measures, plans and the catalogue ────────────────────────────────────────────────

MEASURES_SEEN = {
    "village_officer": {"劝返复学", "危房改造"},
    "town_supervisor": {"劝返复学", "危房改造"},
    "county_supervisor": {"劝返复学", "危房改造"},
    "education_staff": {"劝返复学"},
    "admin_user": {"劝返复学", "危房改造"},
    "other_county_supervisor": set(),
}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reads_the_measures_of_its_scope(education_task, housing_task, as_role,
                                                   role):
    _, client = as_role(role)
    assert {m["name"] for m in rows(client.get("/api/measures/"))} == MEASURES_SEEN[role]
    for measure in (education_task.measure, housing_task.measure):
        expected = 200 if measure.name in MEASURES_SEEN[role] else 404
        assert client.get(f"/api/measures/{measure.pk}/").status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reads_the_plan_with_what_it_may_see(education_task, housing_task,
                                                        as_role, role):
    _, client = as_role(role)
    plan = education_task.measure.plan
    response = client.get(f"/api/plans/{plan.pk}/")
    if not MEASURES_SEEN[role]:
        assert response.status_code == 404
        assert client.get("/api/plans/").json()["count"] == 0
        return
    body = response.json()
    assert body["household"]["number"] == "HA001"
    measures = {m["name"] for a in body["alerts"] for m in a["measures"]}
    assert measures == MEASURES_SEEN[role]
    tasks = {t["unit"] for a in body["alerts"] for m in a["measures"] for t in m["tasks"]}
    assert tasks == TASKS_SEEN[role]


def test_the_catalogue_lists_a_rules_measures(db, as_role):
    _, client = as_role("education_staff")
    names = {m["name"] for m in rows(client.get("/api/measure-catalogue/",
                                                {"rule": "DROPOUT"}))}
    assert {"劝返复学", "送教上门"} <= names


def test_the_alerts_written_out_are_exactly_what_drf_would_write(county, town_supervisor,
                                                                 village_officer):
    from django.utils import timezone
    from rest_framework import serializers
    from rest_framework.test import APIRequestFactory

    from alerts.api.alerts import AlertOutput, AlertViewSet

    village_officer.first_name, village_officer.last_name = "明", "杨"
    village_officer.save()
    dropout, housing = (alert_of(county["HA001"], rule) for rule in ("DROPOUT", "HOUSING"))
    services.alerts_assign(alerts=[dropout], assignee=village_officer, actor=town_supervisor)
    services.alert_dismiss(alert=housing, actor=town_supervisor, reason="核实不属实")
    Alert.objects.filter(pk=alert_of(county["HB001"], "WATER").pk).update(
        state=State.CLOSED, closed_at=timezone.now(), closed_by=town_supervisor,
        cleared_evidence={"text": "已整改"})
    request = APIRequestFactory().get(ALERTS)
    request.user = town_supervisor
    view = AlertViewSet(request=request, format_kwarg=None, action="list")
    output = AlertOutput(context={"request": request})
    alerts = list(view.get_queryset())
    assert len(alerts) == 3 and all(a.moves.all() for a in alerts)
    for alert in alerts:
        assert output.to_representation(alert) == \
            serializers.ModelSerializer.to_representation(output, alert)


def test_a_page_of_alerts_reads_their_moves_in_one_query_moved_or_not(
        county, as_role, django_assert_max_num_queries):
    """The queue's page of up to 50 alerts costs the same few queries, whether the alerts
    have moves or none (an empty page of moves must not send each alert to the database)."""
    _, client = as_role("county_supervisor")
    AlertMove.objects.all().delete()
    with django_assert_max_num_queries(6):
        listed = rows(client.get("/api/alerts/"))
    assert listed and all(alert["moves"] == [] for alert in listed)
    alert = Alert.objects.first()
    AlertMove.objects.create(alert=alert, from_state="", to_state=alert.state, note="再次发现")
    with django_assert_max_num_queries(6):
        moved = {a["id"]: a["moves"] for a in rows(client.get("/api/alerts/"))}
    assert [m["note"] for m in moved[alert.id]] == ["再次发现"]
