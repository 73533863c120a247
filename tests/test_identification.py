"""Identification (纳入监测) and risk elimination (风险消除), domain.md §9: every step's pass
and return, the notice's window and objections, order, roles, scope, the category and its
history, and each precondition of elimination."""

from datetime import date, timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from alerts.models import State
from casework.declarations import declaration_record
from casework.identification import (
    CaseRefused,
    case_propose_elimination,
    case_propose_inclusion,
    case_step,
    elimination_blockers,
    next_step,
    notice_post,
    objection_record,
)
from casework.models import CaseState, IdentificationCase
from households.models import StatusChange
from monitor.choices import PovertyStatus

from .alert_helpers import alert_of, family, put, record

TODAY = timezone.localdate()
DAY = TODAY - timedelta(days=30)  # the verification; later steps follow day by day
EARLY, LATE = date(2026, 1, 10), date(2026, 8, 1)  # two checks 6+ months apart


@pytest.fixture
def home(places):
    return family(places["village_a"], "HA001")


@pytest.fixture
def candidate(home):
    """A household never registered with an open HOUSING alert."""
    record(home, DAY - timedelta(days=5), housing="D")
    return home


@pytest.fixture
def monitored(home):
    """A monitored household whose last two checks (6+ months apart) fire nothing."""
    record(home, EARLY)
    record(home, LATE)
    home.monitoring_category = "边缘易致贫户"
    home.save()
    return home


@pytest.fixture
def people(village_officer, town_supervisor, county_supervisor):
    return {"village": village_officer, "town": town_supervisor, "county": county_supervisor}


@pytest.fixture(params=["纳入监测", "风险消除"])
def case(request, village_officer):
    """A case of each purpose, freshly proposed."""
    if request.param == "纳入监测":
        household = request.getfixturevalue("candidate")
        return case_propose_inclusion(household=household, alert=alert_of(household, "HOUSING"),
                                      actor=village_officer)
    household = request.getfixturevalue("monitored")
    return case_propose_elimination(household=household, actor=village_officer)


def verify(case, people, **options):
    options.setdefault("consent", True)
    return case_step(case=case, step="verify", outcome="通过", actor=people["village"],
                     done_on=DAY, **options)


def review(case, people):
    return case_step(case=case, step="village", outcome="通过", actor=people["village"],
                     done_on=DAY + timedelta(days=1))


def post(case, people, days=5):
    start = DAY + timedelta(days=2)
    return notice_post(case=case, actor=people["village"], starts_on=start,
                       ends_on=start + timedelta(days=days - 1))


def conclude(case, people, **options):
    return case_step(case=case, step="notice", outcome="通过", actor=people["village"],
                     done_on=DAY + timedelta(days=7), **options)


def town(case, people, outcome="通过", reason=""):
    return case_step(case=case, step="town", outcome=outcome, actor=people["town"],
                     done_on=DAY + timedelta(days=8), reason=reason)


def county(case, people, outcome="通过", reason=""):
    return case_step(case=case, step="county", outcome=outcome, actor=people["county"],
                     done_on=DAY + timedelta(days=10), reason=reason)


def through_notice(case, people):
    verify(case, people)
    review(case, people)
    post(case, people)
    conclude(case, people)


def reload(case):
    return IdentificationCase.objects.get(pk=case.pk)


# ── Proposals and the category ────────────────────────────────────────────────────────

def test_a_household_with_an_open_alert_becomes_a_candidate(candidate, village_officer):
    case = case_propose_inclusion(household=candidate, alert=alert_of(candidate, "HOUSING"),
                                  actor=village_officer)
    assert (case.purpose, case.state, case.category) == ("纳入监测", "办理中", "边缘易致贫户")
    assert case.cause.startswith("HOUSING 住房安全（基层干部排查")
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
    with pytest.raises(CaseRefused, match="未脱贫户"):
        case_propose_inclusion(household=candidate, alert=alert_of(candidate, "HOUSING"),
                               actor=village_officer)


def test_a_closed_alert_is_no_cause(candidate, village_officer):
    alert = put(alert_of(candidate, "HOUSING"), State.CLOSED)
    with pytest.raises(CaseRefused, match="未销号的预警"):
        case_propose_inclusion(household=candidate, alert=alert, actor=village_officer)


def test_a_monitored_household_is_not_proposed_again(candidate, village_officer):
    candidate.monitoring_category = "边缘易致贫户"
    candidate.save()
    with pytest.raises(CaseRefused, match="已是监测对象"):
        case_propose_inclusion(household=candidate, alert=alert_of(candidate, "HOUSING"),
                               actor=village_officer)


def test_one_open_case_per_household(candidate, village_officer):
    alert = alert_of(candidate, "HOUSING")
    case_propose_inclusion(household=candidate, alert=alert, actor=village_officer)
    with pytest.raises(CaseRefused, match="正在办理"):
        case_propose_inclusion(household=candidate, alert=alert, actor=village_officer)


def test_a_household_outside_scope_cannot_be_proposed(candidate, other_village_officer):
    with pytest.raises(Http404):
        case_propose_inclusion(household=candidate, alert=alert_of(candidate, "HOUSING"),
                               actor=other_village_officer)


# ── Every step, passed ────────────────────────────────────────────────────────────────

def test_inclusion_runs_every_step_and_sets_the_category_with_history(case, people):
    through_notice(case, people)
    town(case, people)
    county(case, people)
    case = reload(case)
    household = case.household
    household.refresh_from_db()
    assert (case.state, case.closed_on) == (CaseState.CONFIRMED, DAY + timedelta(days=10))
    assert [(s.step, s.outcome, s.actor.username) for s in case.steps.all()] == [
        ("verify", "通过", "alice"), ("village", "通过", "alice"), ("notice", "通过", "alice"),
        ("town", "通过", "charlie"), ("county", "通过", "dora")]
    change = StatusChange.objects.get(household=household, kind="monitoring")
    if case.purpose == "纳入监测":
        assert household.monitoring_category == "边缘易致贫户"
        assert (change.old, change.new) == ("", "边缘易致贫户")
    else:
        assert household.monitoring_category == ""
        assert (change.old, change.new) == ("边缘易致贫户", "")
    assert "县级确认（dora）" in change.reasons


def test_the_verification_records_the_households_consent(case, people):
    step = verify(case, people)
    assert (step.consent, step.done_on, step.actor) == (True, DAY, people["village"])


# ── Returned, with a reason ───────────────────────────────────────────────────────────

def test_a_verification_without_consent_does_not_pass(case, people):
    with pytest.raises(CaseRefused, match="农户签字确认"):
        verify(case, people, consent=False)


def test_a_step_returned_with_its_reason_ends_the_case(case, people):
    verify(case, people)
    step = case_step(case=case, step="village", outcome="退回", actor=people["village"],
                     done_on=DAY, reason="评议认为家庭收入稳定")
    case = reload(case)
    assert (case.state, case.closed_on, step.reason) == (CaseState.RETURNED, DAY,
                                                         "评议认为家庭收入稳定")
    assert next_step(case) is None
    assert not StatusChange.objects.filter(kind="monitoring").exists()


def test_a_return_needs_a_reason(case, people):
    with pytest.raises(CaseRefused, match="退回须填写理由"):
        case_step(case=case, step="verify", outcome="退回", actor=people["village"],
                  reason="  ")


def test_the_town_returns_a_case(case, people):
    through_notice(case, people)
    town(case, people, outcome="退回", reason="材料不全")
    assert reload(case).state == CaseState.RETURNED


def test_the_county_returns_a_case(case, people):
    through_notice(case, people)
    town(case, people)
    county(case, people, outcome="退回", reason="收入核算有误")
    case = reload(case)
    assert case.state == CaseState.RETURNED
    household = case.household
    household.refresh_from_db()
    expected = "" if case.purpose == "纳入监测" else "边缘易致贫户"
    assert household.monitoring_category == expected


def test_a_returned_household_may_be_proposed_again(candidate, people):
    alert = alert_of(candidate, "HOUSING")
    first = case_propose_inclusion(household=candidate, alert=alert, actor=people["village"])
    case_step(case=first, step="verify", outcome="退回", actor=people["village"], reason="拒签")
    again = case_propose_inclusion(household=candidate, alert=alert, actor=people["village"])
    assert next_step(again) == "verify"


def test_a_returned_case_takes_no_more_steps(case, people):
    case_step(case=case, step="verify", outcome="退回", actor=people["village"], reason="拒签")
    with pytest.raises(CaseRefused, match="该事项已已退回"):
        case_step(case=reload(case), step="village", outcome="通过", actor=people["village"])


# ── The notice: window, text, objections ──────────────────────────────────────────────

def test_a_notice_window_shorter_than_the_policy_is_refused(case, people):
    verify(case, people)
    review(case, people)
    with pytest.raises(CaseRefused, match="公示期不少于 5 天：.* 只有 4 天"):
        post(case, people, days=4)


def test_a_notice_cannot_start_before_the_village_review(case, people):
    verify(case, people)
    review(case, people)
    with pytest.raises(CaseRefused, match="早于民主评议日期"):
        notice_post(case=case, actor=people["village"], starts_on=DAY,
                    ends_on=DAY + timedelta(days=10))


def test_the_notice_text_names_the_household_and_window_but_no_id_number(case, people):
    verify(case, people)
    review(case, people)
    notice = post(case, people)
    household = case.household
    assert notice.text.startswith("平所村关于")
    assert household.head_name in notice.text and "边缘易致贫户" in notice.text
    start = notice.starts_on
    assert f"{start.year}年{start.month}月{start.day}日" in notice.text
    assert "（共5天）" in notice.text
    assert household.head_id_number not in notice.text
    assert not any(m.id_number in notice.text for m in household.members.all())


def test_the_notice_passes_only_after_its_window(case, people):
    verify(case, people)
    review(case, people)
    notice = post(case, people)
    with pytest.raises(CaseRefused, match="期满后才能办结公示"):
        case_step(case=case, step="notice", outcome="通过", actor=people["village"],
                  done_on=notice.ends_on)


def test_the_notice_cannot_pass_before_it_is_posted(case, people):
    verify(case, people)
    review(case, people)
    with pytest.raises(CaseRefused, match="须先发布公示"):
        conclude(case, people)


def test_an_objection_during_the_notice_is_recorded(case, people):
    verify(case, people)
    review(case, people)
    notice = post(case, people)
    objection = objection_record(case=case, actor=people["town"], received_on=notice.starts_on,
                                 content="该户有车有房", raised_by="村民田某")
    assert (objection.notice, objection.recorded_by, objection.raised_by) == (
        notice, people["town"], "村民田某")


def test_an_objection_outside_the_window_is_refused(case, people):
    verify(case, people)
    review(case, people)
    notice = post(case, people)
    with pytest.raises(CaseRefused, match="异议须在公示期内提出"):
        objection_record(case=case, actor=people["village"],
                         received_on=notice.ends_on + timedelta(days=1), content="有异议")


def test_a_notice_with_objections_passes_only_with_their_handling(case, people):
    verify(case, people)
    review(case, people)
    notice = post(case, people)
    objection_record(case=case, actor=people["village"], received_on=notice.starts_on,
                     content="该户有车有房")
    with pytest.raises(CaseRefused, match="收到 1 条异议，通过须说明"):
        conclude(case, people)
    step = conclude(case, people, reason="经核实车辆为借用，异议不成立")
    assert step.outcome == "通过"


def test_an_upheld_objection_returns_the_case(case, people):
    verify(case, people)
    review(case, people)
    notice = post(case, people)
    objection_record(case=case, actor=people["village"], received_on=notice.starts_on,
                     content="该户在城区有商品房")
    case_step(case=case, step="notice", outcome="退回", actor=people["village"],
              done_on=notice.starts_on + timedelta(days=1), reason="异议属实")
    assert reload(case).state == CaseState.RETURNED


# ── Order, dates, roles, scope ────────────────────────────────────────────────────────

def test_a_step_out_of_order_is_refused(case, people):
    with pytest.raises(CaseRefused, match="下一步是“入户核实”，不能办理“民主评议”"):
        review(case, people)
    verify(case, people)
    review(case, people)
    with pytest.raises(CaseRefused, match="下一步是“公示”，不能办理“乡镇审核”"):
        town(case, people)


def test_a_step_done_is_not_done_again(case, people):
    verify(case, people)
    with pytest.raises(CaseRefused, match="“入户核实”已经办理"):
        verify(case, people)


def test_a_step_dated_before_the_previous_one_or_in_the_future_is_refused(case, people):
    verify(case, people)
    with pytest.raises(CaseRefused, match="早于上一环节的日期"):
        case_step(case=case, step="village", outcome="通过", actor=people["village"],
                  done_on=DAY - timedelta(days=1))
    with pytest.raises(CaseRefused, match="不能晚于今天"):
        case_step(case=case, step="village", outcome="通过", actor=people["village"],
                  done_on=TODAY + timedelta(days=1))


def test_the_verification_is_a_village_officers(case, people):
    with pytest.raises(CaseRefused, match="“入户核实”须由村干部办理"):
        case_step(case=case, step="verify", outcome="通过", actor=people["town"],
                  consent=True)


def test_the_town_review_is_the_towns(case, people):
    through_notice(case, people)
    for who in ("village", "county"):
        with pytest.raises(CaseRefused, match="“乡镇审核”须由乡镇监管人员办理"):
            case_step(case=case, step="town", outcome="通过", actor=people[who])


def test_the_confirmation_is_the_countys(case, people):
    through_notice(case, people)
    town(case, people)
    with pytest.raises(CaseRefused, match="“县级确认”须由区县监管人员办理"):
        case_step(case=case, step="county", outcome="通过", actor=people["town"])


def test_staff_outside_the_households_place_are_answered_not_found(
        case, other_village_officer, other_county_supervisor):
    with pytest.raises(Http404):
        case_step(case=case, step="verify", outcome="通过", actor=other_village_officer,
                  consent=True)
    with pytest.raises(Http404):
        objection_record(case=case, actor=other_county_supervisor, received_on=TODAY,
                         content="x")


# ── Elimination's preconditions (§9) ─────────────────────────────────────────────────

def refused_elimination(household, actor) -> str:
    with pytest.raises(CaseRefused) as refused:
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


def test_a_household_without_labour_on_transfers_alone_is_never_eliminated(
        home, village_officer):
    home.members.update(labour="丧失劳动力", work="未务工")
    record(home, EARLY, income_wages=0, income_transfers=20000)
    record(home, LATE, income_wages=0, income_transfers=20000)
    for alert in home.alerts.all():
        put(alert, State.CLOSED)
    home.monitoring_category = "边缘易致贫户"
    home.save()
    assert refused_elimination(home, village_officer) == (
        "不符合风险消除条件：家庭无普通或技能劳动力，收入主要依靠转移性收入（兜底保障），"
        "不标注风险消除，应继续监测帮扶")


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
    with pytest.raises(CaseRefused, match="风险消除条件已不满足，请退回：还有 1 条未销号预警"):
        county(case, people)
    county(case, people, outcome="退回", reason="新发生因病风险")
    monitored.refresh_from_db()
    assert monitored.monitoring_category == "边缘易致贫户"


# ── The pages ─────────────────────────────────────────────────────────────────────────

def test_an_officer_proposes_and_verifies_on_the_pages(client, candidate, village_officer):
    client.force_login(village_officer)
    page = client.get("/monitoring/households/HA001/").content.decode()
    assert "提出纳入监测" in page and "HOUSING" in page
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
