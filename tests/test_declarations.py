"""Household declarations (农户自主申报, domain.md §7): the alert they raise, the town's
acceptance deadline, joining an open one, roles and scope."""

from datetime import date, timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from alerts.escalation import escalate_overdue
from alerts.models import Alert, Level, Source, State
from casework.declarations import (
    declaration_accept,
    declaration_record,
)
from monitor.models import AuditAction, AuditEvent
from monitor.roles import Refused

from .alert_helpers import family

TODAY = timezone.localdate()


@pytest.fixture
def home(places):
    return family(places["village_a"], "HA001")


def declare(home, actor, on=TODAY, risk_type="因病", channel="电话",
            content="父亲住院，医疗费用负担重"):
    return declaration_record(household=home, channel=channel, risk_type=risk_type,
                              content=content, declared_on=on, actor=actor)


def test_a_declaration_raises_a_high_alert_with_source_declaration(home, village_officer):
    declaration = declare(home, village_officer)
    alert = declaration.alert
    assert (alert.rule, alert.source, alert.severity, alert.state) == (
        "DECLARATION", Source.DECLARATION, "high", State.RAISED)
    assert (alert.risk_type, alert.channel) == ("因病", "medical")
    assert alert.evidence["text"] == f"农户自主申报（电话申报，{TODAY}）：父亲住院，医疗费用负担重"
    assert alert.evidence["values"]["记录人"] == "alice"
    assert alert.moves.get().actor == village_officer


def test_the_risk_type_chooses_the_channel(home, village_officer):
    assert declare(home, village_officer, risk_type="住房安全").alert.channel == "housing"


def test_the_town_must_accept_within_the_policys_days_a_deadline_of_its_own(home,
                                                                          village_officer):
    alert = declare(home, village_officer).alert
    assert alert.accept_by == alert.declarations.get().accept_by == TODAY + timedelta(days=2)
    assert (alert.verify_by, alert.plan_by, alert.close_by) == (None, None, None)


def test_a_declared_alerts_deadlines_count_from_the_acceptance(home, village_officer,
                                                                town_supervisor):
    declaration = declare(home, village_officer, on=TODAY - timedelta(days=5))
    declaration_accept(declaration=declaration, actor=town_supervisor)  # late, today
    alert = Alert.objects.get(pk=declaration.alert_id)
    assert alert.accept_by is None
    assert (alert.verify_by, alert.plan_by, alert.close_by) == (
        TODAY + timedelta(days=3), TODAY + timedelta(days=7), TODAY + timedelta(days=30))


def test_a_missed_acceptance_escalates_once_and_verification_then_has_its_own_three_days(
        home, village_officer, town_supervisor):
    declaration = declare(home, village_officer, on=TODAY - timedelta(days=3))
    escalate_overdue(today=TODAY)
    alert = Alert.objects.get(pk=declaration.alert_id)
    assert (alert.escalated_step, alert.level, alert.overdue) == ("accept", Level.TOWN, True)
    declaration_accept(declaration=declaration, actor=town_supervisor)
    escalate_overdue(today=TODAY + timedelta(days=3))
    alert.refresh_from_db()
    assert (alert.escalated_step, alert.overdue) == ("accept", False)
    escalate_overdue(today=TODAY + timedelta(days=4))
    alert.refresh_from_db()
    assert (alert.escalated_step, alert.level) == ("verify", Level.COUNTY)


def test_a_declaration_not_accepted_by_the_end_of_day_2_is_not_yet_overdue(
        home, village_officer, town_supervisor):
    alert = declare(home, village_officer, on=TODAY - timedelta(days=2)).alert
    escalate_overdue(today=TODAY)
    alert.refresh_from_db()
    assert (alert.overdue, alert.level) == (False, Level.VILLAGE)


def test_a_declaration_not_accepted_in_time_escalates_like_any_deadline(
        home, village_officer, town_supervisor):
    alert = declare(home, village_officer, on=TODAY - timedelta(days=3)).alert
    escalate_overdue(today=TODAY)
    alert.refresh_from_db()
    assert (alert.overdue, alert.level) == (True, Level.TOWN)
    assert town_supervisor.notifications.exists()


def test_a_declaration_accepted_in_time_does_not_escalate(home, village_officer,
                                                          town_supervisor):
    declaration = declare(home, village_officer, on=TODAY - timedelta(days=1))
    declaration_accept(declaration=declaration, actor=town_supervisor, note="已受理，安排核实")
    alert = Alert.objects.get(pk=declaration.alert_id)
    assert alert.verify_by == TODAY + timedelta(days=3)
    escalate_overdue(today=TODAY + timedelta(days=1))
    alert.refresh_from_db()
    assert not alert.overdue
    assert alert.moves.last().note == "乡镇受理农户申报：已受理，安排核实"
    declaration.refresh_from_db()
    assert (declaration.accepted_by, declaration.accept_note) == (town_supervisor,
                                                                  "已受理，安排核实")


def test_an_acceptance_on_the_last_day_is_not_late(home, village_officer, town_supervisor):
    declaration = declare(home, village_officer, on=TODAY - timedelta(days=2))
    declaration_accept(declaration=declaration, actor=town_supervisor)
    assert "已超过受理期限" not in declaration.alert.moves.last().note


def test_a_late_acceptance_says_so(home, village_officer, town_supervisor):
    declaration = declare(home, village_officer, on=TODAY - timedelta(days=5))
    declaration_accept(declaration=declaration, actor=town_supervisor)
    assert "已超过受理期限" in declaration.alert.moves.last().note


def test_a_declaration_is_accepted_once(home, village_officer, town_supervisor):
    declaration = declare(home, village_officer)
    declaration_accept(declaration=declaration, actor=town_supervisor)
    with pytest.raises(Refused, match="已经受理"):
        declaration_accept(declaration=declaration, actor=town_supervisor)


def test_a_village_officer_may_not_accept(home, village_officer):
    declaration = declare(home, village_officer)
    with pytest.raises(Refused, match="须由乡镇或区县监管人员受理"):
        declaration_accept(declaration=declaration, actor=village_officer)


def test_a_second_declaration_joins_the_open_alert(home, village_officer, town_supervisor):
    first = declare(home, village_officer, on=TODAY - timedelta(days=1))
    declaration_accept(declaration=first, actor=town_supervisor)
    second = declare(home, town_supervisor, channel="当面", content="房屋漏雨")
    assert second.alert_id == first.alert_id
    alert = Alert.objects.get(household=home, rule="DECLARATION")
    assert alert.evidence["values"]["申报次数"] == 2
    assert alert.evidence["declarations"] == [first.pk, second.pk]
    assert alert.accept_by == second.accept_by  # the new one must be accepted in time
    assert alert.verify_by == TODAY + timedelta(days=3)  # from the first acceptance
    assert alert.moves.last().note.startswith("再次申报")


def test_a_second_declaration_records_the_dates_it_changed_in_the_trail(
        home, village_officer, town_supervisor):
    first = declare(home, village_officer, on=TODAY - timedelta(days=3))
    declaration_accept(declaration=first, actor=town_supervisor)  # verify by TODAY + 3
    second = declare(home, town_supervisor, content="房屋漏雨")
    event = AuditEvent.objects.filter(object_kind="alert").latest("id")
    assert (event.action, event.actor) == (AuditAction.CHANGED, town_supervisor)
    assert event.note.startswith("再次申报")
    assert event.changes == {
        "最近发现日期": [(TODAY - timedelta(days=3)).isoformat(), TODAY.isoformat()],
        "受理期限": [None, second.accept_by.isoformat()]}


def test_staff_taking_a_phone_call_may_record(home, county_supervisor):
    assert declare(home, county_supervisor).recorded_by == county_supervisor


def test_department_staff_may_not_record(home, village_officer, education_staff):
    declare(home, village_officer, risk_type="因学")  # so the household is in their scope
    with pytest.raises(Refused, match="不能记录农户申报"):
        declare(home, education_staff)


def test_a_household_outside_scope_is_not_found(home, other_village_officer):
    with pytest.raises(Http404):
        declare(home, other_village_officer)


def test_a_future_date_or_an_unknown_risk_type_is_refused(home, village_officer):
    with pytest.raises(Refused, match="不能晚于今天"):
        declare(home, village_officer, on=TODAY + timedelta(days=1))
    with pytest.raises(Refused, match="风险类型应为以下之一"):
        declare(home, village_officer, risk_type="想要补贴")
    with pytest.raises(Refused, match="请填写申报内容"):
        declare(home, village_officer, content="  ")


def test_a_declaration_makes_the_household_borderline(home, village_officer):
    from .alert_helpers import record

    record(home, date(2026, 3, 10))
    declare(home, village_officer)
    home.refresh_from_db()
    assert home.household_class == "临界"


# ── The pages ─────────────────────────────────────────────────────────────────────────

def test_an_officer_records_a_declaration_on_the_households_page(client, home,
                                                                 village_officer):
    client.force_login(village_officer)
    assert client.get("/monitoring/households/HA001/declare/").status_code == 200
    response = client.post("/monitoring/households/HA001/declare/", {
        "channel": "当面", "risk_type": "因学", "content": "孩子不想上学",
        "declared_on": TODAY.isoformat()})
    assert response.status_code == 302
    assert response.url == "/monitoring/households/HA001/"
    alert = Alert.objects.get(household=home, rule="DECLARATION")
    assert alert.channel == "education"
    assert "孩子不想上学" in client.get(response.url).content.decode()


def test_the_town_accepts_on_the_declarations_page(client, home, village_officer,
                                                   town_supervisor):
    declaration = declare(home, village_officer)
    client.force_login(town_supervisor)
    page = client.get("/monitoring/declarations/?pending=1").content.decode()
    assert "HA001" in page and "受理</button>" in page
    client.post(f"/monitoring/declarations/{declaration.pk}/accept/", {"note": "已受理"})
    declaration.refresh_from_db()
    assert declaration.accepted_by == town_supervisor


def test_declarations_outside_scope_are_not_found(client, home, village_officer,
                                                  other_village_officer):
    declaration = declare(home, village_officer)
    client.force_login(other_village_officer)
    assert client.get("/monitoring/households/HA001/declare/").status_code == 404
    assert client.post(f"/monitoring/declarations/{declaration.pk}/accept/").status_code == 404
    assert "HA001" not in client.get("/monitoring/declarations/").content.decode()


def test_department_staff_do_not_use_the_declarations_page(client, education_staff):
    client.force_login(education_staff)
    assert client.get("/monitoring/declarations/").status_code == 403
