"""Identification (纳入监测) and risk elimination (风险消除), domain.md §9: proposing a
household, the category and its history, each precondition of elimination, and the
pages."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.http import Http404

from alerts.models import State
from casework.declarations import declaration_record
from casework.identification import (
    Refused,
    case_propose_elimination,
    case_propose_inclusion,
    elimination_blockers,
    next_step,
)
from casework.models import IdentificationCase
from monitor.choices import PovertyStatus
from monitor.models import PolicySetting
from monitor.parameters import DEFAULTS

from ..alert_helpers import alert_of, put, record
from .helpers import (
    DAY,
    EARLY,
    LATE,
    TODAY,
    county,
    review,
    through_notice,
    town,
    verify,
)

# ── Proposals and the category ────────────────────────────────────────────────────────

def test_a_household_with_an_open_alert_becomes_a_candidate(candidate, village_officer):
    case = case_propose_inclusion(household=candidate, alert=alert_of(candidate, "HOUSING"),
                                  actor=village_officer)
    assert (case.purpose, case.state, case.category) == ("纳入监测", "办理中", "边缘易致贫户")
    assert case.cause.startswith("住房不安全（住房安全，基层干部排查，")
    assert next_step(case) == "verify"


def test_a_household_out_of_poverty_is_an_unstable_one(candidate, village_officer):
    candidate.registered, candidate.poverty_status = True, PovertyStatus.OUT
    candidate.save()
    case = case_propose_inclusion(household=candidate, alert=alert_of(candidate, "HOUSING"),
                                  actor=village_officer)
    assert case.category == "脱贫不稳定户"


def test_a_sudden_event_makes_a_sudden_hardship_household(home, village_officer):
    home.registered, home.poverty_status = True, PovertyStatus.OUT
    home.save()
    record(home, DAY, sudden_event="因灾", sudden_loss=30000)
    case = case_propose_inclusion(household=home, alert=alert_of(home, "SUDDEN_EVENT"),
                                  actor=village_officer)
    assert case.category == "突发严重困难户"


def test_a_medical_burden_makes_a_sudden_hardship_household(home, village_officer):
    record(home, DAY, medical_spending=30000)
    case = case_propose_inclusion(household=home, alert=alert_of(home, "MEDICAL_BURDEN"),
                                  actor=village_officer)
    assert case.category == "突发严重困难户"


def test_a_declared_illness_makes_a_sudden_hardship_household(home, village_officer):
    declaration = declaration_record(household=home, channel="电话", risk_type="因病",
                                     content="重病住院", declared_on=TODAY,
                                     actor=village_officer)
    case = case_propose_inclusion(household=home, alert=declaration.alert,
                                  actor=village_officer)
    assert case.category == "突发严重困难户"


def test_a_household_not_yet_out_of_poverty_is_not_proposed(candidate, village_officer):
    candidate.registered, candidate.poverty_status = True, PovertyStatus.NOT_OUT
    candidate.save()
    with pytest.raises(Refused, match="未脱贫户"):
        case_propose_inclusion(household=candidate, alert=alert_of(candidate, "HOUSING"),
                               actor=village_officer)


def test_a_closed_alert_is_no_cause(candidate, village_officer):
    alert = put(alert_of(candidate, "HOUSING"), State.CLOSED)
    with pytest.raises(Refused, match="未销号的预警"):
        case_propose_inclusion(household=candidate, alert=alert, actor=village_officer)


def test_a_monitored_household_is_not_proposed_again(candidate, village_officer):
    candidate.monitoring_category = "边缘易致贫户"
    candidate.save()
    with pytest.raises(Refused, match="已是监测对象"):
        case_propose_inclusion(household=candidate, alert=alert_of(candidate, "HOUSING"),
                               actor=village_officer)


def test_one_open_case_per_household(candidate, village_officer):
    alert = alert_of(candidate, "HOUSING")
    case_propose_inclusion(household=candidate, alert=alert, actor=village_officer)
    with pytest.raises(Refused, match="正在办理"):
        case_propose_inclusion(household=candidate, alert=alert, actor=village_officer)


def test_a_household_outside_scope_cannot_be_proposed(candidate, other_village_officer):
    with pytest.raises(Http404):
        case_propose_inclusion(household=candidate, alert=alert_of(candidate, "HOUSING"),
                               actor=other_village_officer)


# ── Elimination's preconditions (§9) ─────────────────────────────────────────────────

def refused_elimination(household, actor) -> str:
    with pytest.raises(Refused) as refused:
        case_propose_elimination(household=household, actor=actor)
    return str(refused.value)


def test_a_household_not_monitored_needs_no_elimination(home, village_officer):
    assert refused_elimination(home, village_officer) == "该户不是监测对象，无需风险消除"


def test_elimination_needs_two_checks(home, village_officer):
    record(home, LATE)
    home.monitoring_category = "边缘易致贫户"
    home.save()
    assert "须有至少两次排查记录（现有 1 次）" in refused_elimination(home, village_officer)


def test_elimination_needs_the_last_two_checks_six_months_apart(home, village_officer):
    record(home, date(2026, 2, 2))
    record(home, date(2026, 8, 1))
    home.monitoring_category = "边缘易致贫户"
    home.save()
    assert refused_elimination(home, village_officer) == (
        "不符合风险消除条件：最近两次排查（2026-02-02、2026-08-01）间隔不足 6 个月")


def test_elimination_refuses_a_high_rule_on_either_check(home, village_officer):
    record(home, EARLY, housing="D")
    record(home, LATE)
    put(alert_of(home, "HOUSING"), State.CLOSED)
    home.monitoring_category = "边缘易致贫户"
    home.save()
    assert refused_elimination(home, village_officer) == (
        "不符合风险消除条件：2026-01-10 的排查触发高风险规则：HOUSING")


def test_elimination_refuses_income_below_the_line(home, village_officer):
    record(home, EARLY)
    record(home, LATE, income_wages=10000)
    home.monitoring_category = "边缘易致贫户"
    home.save()
    message = refused_elimination(home, village_officer)
    assert "最近一次排查人均纯收入 5000.00 元，低于监测线 6000.00 元" in message


def test_elimination_refuses_an_open_alert(monitored, village_officer):
    declaration_record(household=monitored, channel="当面", risk_type="收入", content="失业",
                       declared_on=TODAY, actor=village_officer)
    assert refused_elimination(monitored, village_officer) == (
        "不符合风险消除条件：还有 1 条未销号预警：DECLARATION")


@pytest.fixture
def on_safety_net(home):
    """A monitored household with no labour, living on transfers, no open alert."""
    home.members.update(labour="丧失劳动力", work="未务工")
    record(home, EARLY, income_wages=0, income_transfers=20000)
    record(home, LATE, income_wages=0, income_transfers=20000)
    for alert in home.alerts.all():
        put(alert, State.CLOSED)
    home.monitoring_category = "边缘易致贫户"
    home.save()
    return home


def test_a_household_on_the_safety_net_is_not_proposed_and_the_refusal_names_the_setting(
        on_safety_net, village_officer):
    assert refused_elimination(on_safety_net, village_officer) == (
        "不符合风险消除条件：家庭无普通或技能劳动力，转移性收入占收入 50 % 及以上（兜底保障），"
        "不标注风险消除，应继续监测帮扶（政策参数“风险消除：兜底保障户不标注风险消除”为开启）")


def test_the_safety_net_hold_is_a_policy_setting_listed_with_the_thresholds_on_by_default(db):
    assert DEFAULTS["safety_net_hold"] == (
        Decimal("1"), "风险消除：兜底保障户不标注风险消除（1 开启，0 关闭）")
    assert DEFAULTS["safety_net_transfer_share"][0] == Decimal("0.50")


def test_a_county_that_turns_the_safety_net_hold_off_may_propose_it(on_safety_net):
    PolicySetting.objects.create(key="safety_net_hold", value=0,
                                 effective_from=date(2021, 1, 1))
    assert elimination_blockers(on_safety_net) == []


def test_a_household_without_labour_on_its_own_income_may_be_eliminated(home,
                                                                         village_officer):
    home.members.update(labour="弱劳动力", work="未务工")
    record(home, EARLY, income_wages=0, income_business=20000, income_transfers=4000)
    record(home, LATE, income_wages=0, income_business=20000, income_transfers=4000)
    for alert in home.alerts.all():
        put(alert, State.CLOSED)
    assert elimination_blockers(home) == []


def test_every_failing_condition_is_named_at_once(home, village_officer):
    record(home, date(2026, 6, 1), housing="D")
    record(home, LATE, income_wages=10000)
    home.monitoring_category = "边缘易致贫户"
    home.save()
    # the gap, a high rule on each check, the line, the open alerts
    assert [reason[:6] for reason in elimination_blockers(home)] == [
        "最近两次排查", "2026-0", "2026-0", "最近一次排查", "还有 3 条"]


def test_the_confirmation_checks_the_conditions_again(monitored, people):
    case = case_propose_elimination(household=monitored, actor=people["village"])
    through_notice(case, people)
    town(case, people)
    declaration_record(household=monitored, channel="电话", risk_type="因病", content="住院",
                       declared_on=TODAY, actor=people["village"])
    with pytest.raises(Refused, match="风险消除条件已不满足，请退回：还有 1 条未销号预警"):
        county(case, people)
    county(case, people, outcome="退回", reason="新发生因病风险")
    monitored.refresh_from_db()
    assert monitored.monitoring_category == "边缘易致贫户"


# ── The pages ─────────────────────────────────────────────────────────────────────────

def test_an_officer_proposes_and_verifies_on_the_pages(client, candidate, village_officer):
    client.force_login(village_officer)
    page = client.get("/monitoring/households/HA001/").content.decode()
    assert "提出纳入监测" in page and "住房不安全" in page and "HOUSING" not in page
    alert = alert_of(candidate, "HOUSING")
    response = client.post("/monitoring/households/HA001/propose/",
                           {"purpose": "纳入监测", "alert": alert.pk})
    case = IdentificationCase.objects.get()
    assert response.url == f"/monitoring/cases/{case.pk}/"
    assert "办理：入户核实" in client.get(response.url).content.decode()
    client.post(f"/monitoring/cases/{case.pk}/step/", {
        "step": "verify", "outcome": "通过", "done_on": TODAY.isoformat(), "consent": "on"})
    assert next_step(case) == "village"


def test_a_refused_step_says_why_on_the_page(client, case, village_officer):
    client.force_login(village_officer)
    response = client.post(f"/monitoring/cases/{case.pk}/step/", {
        "step": "verify", "outcome": "通过", "done_on": TODAY.isoformat()}, follow=True)
    assert "入户核实通过须有农户签字确认" in response.content.decode()


def test_the_notice_is_posted_printed_and_objected_to_on_the_pages(client, case, people):
    verify(case, people)
    review(case, people)
    client.force_login(people["village"])
    start = TODAY
    client.post(f"/monitoring/cases/{case.pk}/notice/", {
        "starts_on": start.isoformat(), "ends_on": (start + timedelta(days=4)).isoformat()})
    printed = client.get(f"/monitoring/cases/{case.pk}/notice/print/").content.decode()
    assert "的公示" in printed and case.household.head_name in printed
    client.post(f"/monitoring/cases/{case.pk}/objections/", {
        "received_on": start.isoformat(), "content": "有异议", "raised_by": ""})
    assert case.notice.objections.count() == 1


def test_elimination_blockers_show_on_the_households_page(client, home, village_officer):
    record(home, LATE)
    home.monitoring_category = "边缘易致贫户"
    home.save()
    client.force_login(village_officer)
    page = client.get("/monitoring/households/HA001/").content.decode()
    assert "暂不符合风险消除条件" in page and "须有至少两次排查记录" in page


def test_a_case_outside_scope_is_not_found(client, case, other_village_officer,
                                           other_county_supervisor):
    for user in (other_village_officer, other_county_supervisor):
        client.force_login(user)
        for url in (f"/monitoring/cases/{case.pk}/", f"/monitoring/cases/{case.pk}/notice/print/",
                    f"/monitoring/households/{case.household.number}/"):
            assert client.get(url).status_code == 404
        assert client.post(f"/monitoring/cases/{case.pk}/step/", {
            "step": "verify", "outcome": "通过", "done_on": TODAY.isoformat(),
            "consent": "on"}).status_code == 404
    assert next_step(case) == "verify"


def test_the_cases_list_shows_only_cases_in_scope(client, case, village_officer,
                                                  other_village_officer):
    client.force_login(village_officer)
    assert case.household.number in client.get("/monitoring/cases/").content.decode()
    client.force_login(other_village_officer)
    assert case.household.number not in client.get("/monitoring/cases/").content.decode()
