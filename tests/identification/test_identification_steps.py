"""Identification (纳入监测) and risk elimination (风险消除), domain.md §9: the steps of a
case, each one's pass and return, the notice's window and objections, order, dates, roles
and scope."""

from datetime import timedelta

import pytest
from django.http import Http404

from casework.identification import (
    Refused,
    case_propose_inclusion,
    case_step,
    next_step,
    notice_post,
    objection_record,
)
from casework.models import CaseState
from households.models import StatusChange

from ..alert_helpers import alert_of
from .helpers import (
    DAY,
    TODAY,
    conclude,
    county,
    post,
    reload,
    review,
    through_notice,
    town,
    verify,
)

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
    with pytest.raises(Refused, match="农户签字确认"):
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
    with pytest.raises(Refused, match="退回须填写理由"):
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
    with pytest.raises(Refused, match="该事项已已退回"):
        case_step(case=reload(case), step="village", outcome="通过", actor=people["village"])


# ── The notice: window, text, objections ──────────────────────────────────────────────

def test_a_notice_window_shorter_than_the_policy_is_refused(case, people):
    verify(case, people)
    review(case, people)
    with pytest.raises(Refused, match="公示期不少于 5 天：.* 只有 4 天"):
        post(case, people, days=4)


def test_a_notice_cannot_start_before_the_village_review(case, people):
    verify(case, people)
    review(case, people)
    with pytest.raises(Refused, match="早于民主评议日期"):
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
    with pytest.raises(Refused, match="期满后才能办结公示"):
        case_step(case=case, step="notice", outcome="通过", actor=people["village"],
                  done_on=notice.ends_on)


def test_the_notice_cannot_pass_before_it_is_posted(case, people):
    verify(case, people)
    review(case, people)
    with pytest.raises(Refused, match="须先发布公示"):
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
    with pytest.raises(Refused, match="异议须在公示期内提出"):
        objection_record(case=case, actor=people["village"],
                         received_on=notice.ends_on + timedelta(days=1), content="有异议")


def test_a_notice_with_objections_passes_only_with_their_handling(case, people):
    verify(case, people)
    review(case, people)
    notice = post(case, people)
    objection_record(case=case, actor=people["village"], received_on=notice.starts_on,
                     content="该户有车有房")
    with pytest.raises(Refused, match="收到 1 条异议，通过须说明"):
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
    with pytest.raises(Refused, match="下一步是“入户核实”，不能办理“民主评议”"):
        review(case, people)
    verify(case, people)
    review(case, people)
    with pytest.raises(Refused, match="下一步是“公示”，不能办理“乡镇审核”"):
        town(case, people)


def test_a_step_done_is_not_done_again(case, people):
    verify(case, people)
    with pytest.raises(Refused, match="“入户核实”已经办理"):
        verify(case, people)


def test_a_step_dated_before_the_previous_one_or_in_the_future_is_refused(case, people):
    verify(case, people)
    with pytest.raises(Refused, match="早于上一环节的日期"):
        case_step(case=case, step="village", outcome="通过", actor=people["village"],
                  done_on=DAY - timedelta(days=1))
    with pytest.raises(Refused, match="不能晚于今天"):
        case_step(case=case, step="village", outcome="通过", actor=people["village"],
                  done_on=TODAY + timedelta(days=1))


def test_the_verification_is_a_village_officers(case, people):
    with pytest.raises(Refused, match="“入户核实”须由村干部办理"):
        case_step(case=case, step="verify", outcome="通过", actor=people["town"],
                  consent=True)


def test_the_town_review_is_the_towns(case, people):
    through_notice(case, people)
    for who in ("village", "county"):
        with pytest.raises(Refused, match="“乡镇审核”须由乡镇监管人员办理"):
            case_step(case=case, step="town", outcome="通过", actor=people[who])


def test_the_confirmation_is_the_countys(case, people):
    through_notice(case, people)
    town(case, people)
    with pytest.raises(Refused, match="“县级确认”须由区县监管人员办理"):
        case_step(case=case, step="county", outcome="通过", actor=people["town"])


def test_staff_outside_the_households_place_are_answered_not_found(
        case, other_village_officer, other_county_supervisor):
    with pytest.raises(Http404):
        case_step(case=case, step="verify", outcome="通过", actor=other_village_officer,
                  consent=True)
    with pytest.raises(Http404):
        objection_record(case=case, actor=other_county_supervisor, received_on=TODAY,
                         content="x")
