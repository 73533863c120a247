"""Bulk assignment from the alert queue: a town or county supervisor makes one person
responsible for several open alerts; the move history and the assignee are told."""

from datetime import date

import pytest

from alerts.models import Alert, AlertMove, Notification, State
from alerts.services import NotFound, alerts_assign
from monitor.roles import Refused

from .alert_helpers import alert_of, family, put, record

D0 = date(2026, 3, 10)


@pytest.fixture
def home(places):
    household = family(places["village_a"], "HA001")
    record(household, D0, housing="D", child="失学辍学")
    return household


@pytest.fixture
def open_alerts(home):
    return [alert_of(home, "HOUSING"), alert_of(home, "DROPOUT")]


def test_a_town_supervisor_assigns_two_alerts_to_a_village_officer(
        open_alerts, town_supervisor, village_officer):
    done = alerts_assign(alerts=open_alerts, assignee=village_officer,
                         actor=town_supervisor, note="请本周入户核实")
    assert (len(done.assigned), done.refused) == (2, [])
    assert set(Alert.objects.filter(assignee=village_officer).values_list("rule", flat=True)
               ) == {"HOUSING", "DROPOUT"}
    move = AlertMove.objects.filter(alert=open_alerts[0]).order_by("-id").first()
    assert (move.actor, move.from_state, move.to_state) == (town_supervisor, "预警", "预警")
    assert move.note == "指派给 alice：请本周入户核实"
    assert Notification.objects.get(user=village_officer).text.endswith("2 条预警，请及时核实处置")


def test_a_village_officer_cannot_assign(open_alerts, village_officer):
    with pytest.raises(Refused, match="须由乡镇或区县监管人员指派"):
        alerts_assign(alerts=open_alerts, assignee=village_officer, actor=village_officer)


def test_an_officer_of_another_village_gets_none_of_this_villages_alerts(
        open_alerts, town_supervisor, other_village_officer):
    done = alerts_assign(alerts=open_alerts, assignee=other_village_officer,
                         actor=town_supervisor)
    assert done.assigned == [] and len(done.refused) == 2
    assert all("看不到该户（不在其工作地区）" in why for _, why in done.refused)
    assert not Alert.objects.filter(assignee__isnull=False).exists()


def test_department_staff_cannot_be_made_responsible(
        open_alerts, county_supervisor, education_staff):
    with pytest.raises(Refused, match="不是您所辖地区的村干部或监管人员"):
        alerts_assign(alerts=open_alerts[1:], assignee=education_staff,
                      actor=county_supervisor)


def test_a_closed_alert_is_left_out_and_the_others_are_assigned(
        open_alerts, town_supervisor, village_officer):
    put(open_alerts[0], State.DISMISSED)
    done = alerts_assign(alerts=open_alerts, assignee=village_officer, actor=town_supervisor)
    assert done.assigned == [open_alerts[1]]
    assert [(a.pk, why) for a, why in done.refused] == [
        (open_alerts[0].pk, "已“已排除”，不能再指派")]
    assert list(Alert.objects.filter(assignee=village_officer)) == [open_alerts[1]]


def test_the_queue_lists_what_it_could_not_assign_and_keeps_those_ticked(
        client, places, open_alerts, town_supervisor, village_officer):
    put(open_alerts[0], State.DISMISSED)
    client.force_login(town_supervisor)
    response = client.post("/alerts/assign/", {
        "alert": [a.pk for a in open_alerts], "assignee": village_officer.pk,
        "query": "state=all"})
    assert response.url == f"/alerts/?state=all&keep={open_alerts[0].pk}"
    page = client.get(response.url).content.decode()
    assert "已将 1 条预警指派给" in page
    assert "未指派 HA001 住房不安全：已“已排除”，不能再指派" in page
    # a closed alert has no tick box; an open one left out would be ticked again
    response = client.post("/alerts/assign/", {"alert": [open_alerts[1].pk],
                                              "query": "state=open"})
    assert response.url == f"/alerts/?state=open&keep={open_alerts[1].pk}"
    assert "请选择负责人" in client.get(response.url).content.decode()
    assert f'value="{open_alerts[1].pk}" form="assign-form" data-village="500241101201" checked' \
        in client.get(response.url).content.decode()


def test_an_alert_outside_the_supervisors_place_is_not_found(
        places, open_alerts, town_supervisor, village_officer):
    elsewhere = family(places["other_town_village"], "HC001")
    record(elsewhere, D0, housing="D")
    with pytest.raises(NotFound):
        alerts_assign(alerts=[*open_alerts, alert_of(elsewhere, "HOUSING")],
                      assignee=village_officer, actor=town_supervisor)
    assert not Alert.objects.filter(assignee__isnull=False).exists()


def test_the_queue_assigns_the_ticked_alerts_and_filters_mine(
        client, open_alerts, town_supervisor, village_officer):
    client.force_login(town_supervisor)
    page = client.get("/alerts/")
    assert "批量指派" in page.content.decode()
    response = client.post("/alerts/assign/", {
        "alert": [a.pk for a in open_alerts], "assignee": village_officer.pk,
        "query": "state=open"})
    assert response.status_code == 302 and response.url == "/alerts/?state=open"
    assert Alert.objects.filter(assignee=village_officer).count() == 2
    assert "已将 2 条预警指派给" in client.get(response.url).content.decode()
    client.force_login(village_officer)
    mine = client.get("/alerts/?assignee=me").content.decode()
    assert "HA001" in mine and "批量指派" not in mine  # officers do not assign


def test_the_queue_answers_404_for_an_alert_outside_the_scope(
        client, places, open_alerts, town_supervisor, village_officer):
    elsewhere = family(places["other_town_village"], "HC001")
    record(elsewhere, D0, housing="D")
    client.force_login(town_supervisor)
    response = client.post("/alerts/assign/", {
        "alert": [alert_of(elsewhere, "HOUSING").pk], "assignee": village_officer.pk})
    assert response.status_code == 404


def test_the_api_assigns_in_bulk(client, open_alerts, town_supervisor, village_officer):
    client.force_login(town_supervisor)
    response = client.post("/api/alerts/assign/", {
        "alerts": [a.pk for a in open_alerts], "assignee": village_officer.pk},
        content_type="application/json")
    assert response.status_code == 200
    body = response.json()
    assert body["assigned"] == 2
    assert {row["assignee_name"] for row in body["alerts"]} == {"alice"}
    assert client.get(f"/api/alerts/?assignee={village_officer.pk}").json()["count"] == 2


def test_the_api_refuses_an_assignee_outside_the_place(
        client, open_alerts, town_supervisor, other_county_supervisor):
    client.force_login(town_supervisor)
    response = client.post("/api/alerts/assign/", {
        "alerts": [open_alerts[0].pk], "assignee": other_county_supervisor.pk},
        content_type="application/json")
    assert response.status_code == 400
    assert "assignee" in response.json()


def test_the_assignment_is_in_the_households_audit_trail(
        home, open_alerts, town_supervisor, village_officer):
    from monitor.models import AuditEvent

    alerts_assign(alerts=open_alerts, assignee=village_officer, actor=town_supervisor)
    events = AuditEvent.objects.filter(household=home, actor=town_supervisor)
    assert {e.changes["负责人"][1] for e in events} == {"alice"}
    assert events.count() == 2


def test_the_api_assigns_what_it_can_and_lists_the_rest(client, open_alerts, town_supervisor,
                                                       village_officer):
    put(open_alerts[0], State.CLOSED)
    client.force_login(town_supervisor)
    body = client.post("/api/alerts/assign/", {
        "alerts": [a.pk for a in open_alerts], "assignee": village_officer.pk},
        content_type="application/json").json()
    assert body["assigned"] == 1 and [a["id"] for a in body["alerts"]] == [open_alerts[1].pk]
    assert body["refused"] == [{"alert": open_alerts[0].pk, "reason": "已“已销号”，不能再指派"}]
