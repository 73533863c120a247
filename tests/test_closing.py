"""Closing (销号, domain.md §7): a supervisor closes only an alert in 待销号. A rule's
alert gets there when a newer check no longer fires it; an alert no rule re-checks (a
declaration, a department hit) gets there when, its assistance under way, a supervisor
records the verification check that shows the risk gone. Closing counts as closed in the
reconciliation; a verification that finds the problem untrue dismisses it (已排除)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from alerts.models import Alert, Source, State
from alerts.plans import catalogue_for, plan_add_measure
from alerts.services import (
    alert_close,
    alert_dismiss,
    alert_move,
    alert_ready,
    alert_start_assistance,
    alert_verify,
    moves_for,
)
from casework.declarations import declaration_record
from monitor.roles import Refused
from reports.five_lists import list_scope
from reports.reconciliation import reconcile

from .alert_helpers import alert_row, family, put, record

TODAY = timezone.localdate()


@pytest.fixture
def home(places):
    return family(places["village_a"], "HA001")


@pytest.fixture
def declared(home, village_officer):
    """A household's declaration, found ten days ago."""
    return declaration_record(household=home, channel="电话", risk_type="住房安全",
                              content="房屋漏雨", declared_on=TODAY - timedelta(days=10),
                              actor=village_officer).alert


def verification(home, days_ago: int, **answers):
    return record(home, TODAY - timedelta(days=days_ago), kind="核实", evaluate=False,
                  **answers)


def test_a_declared_alert_in_verification_cannot_be_closed(home, declared, town_supervisor):
    put(declared, State.VERIFIED)
    verification(home, 2)
    with pytest.raises(Refused, match="只有“待销号”状态的预警可以销号"):
        alert_close(alert=declared, actor=town_supervisor)
    assert Alert.objects.get(pk=declared.pk).state == State.VERIFIED


def test_a_declared_alert_in_assistance_reaches_ready_to_close_by_the_verification_that_shows_the_risk_gone(  # noqa: E501
        home, declared, town_supervisor):
    put(declared, State.IN_ASSISTANCE)
    check = verification(home, 2)
    assert "ready" in moves_for(declared, town_supervisor)
    alert_ready(alert=declared, actor=town_supervisor, check=check)
    alert = Alert.objects.get(pk=declared.pk)
    assert (alert.state, alert.cleared_by, alert.state_before_ready) == (
        State.READY_TO_CLOSE, check, State.IN_ASSISTANCE)
    alert_close(alert=alert, actor=town_supervisor)
    assert Alert.objects.get(pk=declared.pk).state == State.CLOSED


def test_closing_a_declared_alert_counts_as_closed_in_the_reconciliation(
        places, home, declared, town_supervisor):
    put(declared, State.IN_ASSISTANCE)
    alert_move(alert=declared, actor=town_supervisor, action="ready",
               check=verification(home, 1))
    alert_close(alert=Alert.objects.get(pk=declared.pk), actor=town_supervisor)
    result = reconcile(list_scope(place=places["village_a"]))
    assert (result.total.raised, result.total.closed, result.total.open) == (1, 1, 0)
    assert result.balanced, result.problems


def test_a_verification_that_finds_a_declaration_untrue_dismisses_it(
        places, declared, village_officer):
    alert_dismiss(alert=declared, actor=village_officer, reason="入户核实：房屋完好，申报不实")
    assert Alert.objects.get(pk=declared.pk).state == State.DISMISSED
    result = reconcile(list_scope(place=places["village_a"]))
    assert (result.total.dismissed, result.total.closed) == (1, 0)


def test_ready_to_close_needs_a_verification_check(declared, town_supervisor):
    put(declared, State.IN_ASSISTANCE)
    with pytest.raises(Refused, match="须关联一次核实风险已消除的“核实”排查"):
        alert_ready(alert=declared, actor=town_supervisor)


def test_a_verification_older_than_the_declaration_does_not_count(home, declared,
                                                                  town_supervisor):
    put(declared, State.IN_ASSISTANCE)
    with pytest.raises(Refused, match="早于预警发现日期"):
        alert_ready(alert=declared, actor=town_supervisor, check=verification(home, 20))


def test_a_village_officer_cannot_mark_it_ready(home, declared, village_officer):
    put(declared, State.IN_ASSISTANCE)
    with pytest.raises(Refused, match="须由乡镇或区县监管人员办理"):
        alert_ready(alert=declared, actor=village_officer, check=verification(home, 1))


def test_a_department_hit_whose_verification_still_finds_it_stays_in_assistance(
        home, town_supervisor):
    hit = alert_row(home, rule="HOUSING", state=State.IN_ASSISTANCE)
    Alert.objects.filter(pk=hit.pk).update(source=Source.DEPARTMENT,
                                           raised_on=TODAY - timedelta(days=10),
                                           last_seen_on=TODAY - timedelta(days=10))
    hit.refresh_from_db()
    with pytest.raises(Refused, match="仍发现该问题"):
        alert_ready(alert=hit, actor=town_supervisor, check=verification(home, 1, housing="D"))
    alert_ready(alert=hit, actor=town_supervisor, check=verification(home, 0, housing="A"))
    assert Alert.objects.get(pk=hit.pk).state == State.READY_TO_CLOSE


def test_a_declared_alert_walks_the_same_way_as_a_rules_alert(
        home, declared, village_officer, town_supervisor):
    """The same states, plan and catalogue (by the risk type it reports) for every source:
    预警 → 核实 → 帮扶中 → 待销号 → 已销号."""
    alert_verify(alert=declared, actor=village_officer, note="入户核实：房屋漏雨属实")
    measure = plan_add_measure(alert=Alert.objects.get(pk=declared.pk), actor=village_officer,
                               measure="危房改造", deadline=TODAY + timedelta(days=20))
    assert (measure.channel, measure.plan.household) == ("housing", home)
    alert_start_assistance(alert=Alert.objects.get(pk=declared.pk), actor=village_officer)
    alert_ready(alert=Alert.objects.get(pk=declared.pk), actor=town_supervisor,
                check=verification(home, 0))
    alert_close(alert=Alert.objects.get(pk=declared.pk), actor=town_supervisor)
    states = [m.to_state for m in declared.moves.order_by("id") if m.from_state != m.to_state]
    assert states == ["预警", "核实", "帮扶中", "待销号", "已销号"]


def test_a_declaration_of_a_risk_outside_the_rules_gets_the_catalogue_of_other(
        home, village_officer):
    alert = declaration_record(household=home, channel="当面", risk_type="其他",
                               content="家中老人走失，生活困难", declared_on=TODAY,
                               actor=village_officer).alert
    alert_verify(alert=alert, actor=village_officer, note="属实")
    assert [e.name for e in catalogue_for(alert)] == ["临时救助"]
