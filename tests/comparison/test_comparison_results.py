"""Department data comparison (domain.md §9, interfaces.md compare_department): each
result per kind and the alerts that risky disagreements raise (once)."""

from datetime import date
from decimal import Decimal

import pytest

from alerts.engine import evaluate_household
from alerts.models import Alert, Measure, MeasureState, Plan, Source, State
from households.models import StatusChange
from visits.services import check_record

from ..alert_helpers import alert_of, put, record
from ..factories import MemberFactory, id_number
from .helpers import (
    ALLOWANCE,
    D0,
    DISABILITY,
    HOUSES,
    INSURED,
    ON,
    PUPILS,
    compare,
    insured_list,
    person,
    report,
    results,
)

# ── insured ───────────────────────────────────────────────────────────────────────────

def test_it_counts_members_insured_on_both_sides_as_matched(tmp_path, home):
    comparison = compare(tmp_path, "insured", INSURED, insured_list(home))
    assert (comparison.rows, comparison.matched) == (2, 2)
    assert report(comparison) == []


def test_it_reports_someone_on_the_list_the_registry_does_not_have(tmp_path, home):
    stranger = id_number(date(1990, 1, 1))
    comparison = compare(tmp_path, "insured", INSURED,
                         insured_list(home) + [[stranger, "外地人", "已参保"]])
    assert results(comparison) == [("外地人", "名单有登记无", "参保状态", "", "已参保")]
    assert report(comparison)[0]["户编号"] == ""
    assert comparison.only_in_list == 1


def test_it_reports_registry_members_missing_from_the_insured_list(tmp_path, home):
    father = person(home, "杨父")
    comparison = compare(tmp_path, "insured", INSURED, [[father.id_number, "杨父", "已参保"]])
    assert results(comparison) == [("杨小", "登记有名单无", "参保状态", "已参保", "")]
    assert report(comparison)[0]["户编号"] == "HA001"
    assert comparison.only_in_registry == 1


def test_it_reports_a_status_that_disagrees_without_an_alert_when_it_is_no_risk(
        tmp_path, home):
    home.members.filter(name="杨小").update(insured=False)
    comparison = compare(tmp_path, "insured", INSURED, insured_list(home))
    assert results(comparison) == [("杨小", "不一致", "参保状态", "未参保", "已参保")]
    assert comparison.disagreeing == 1
    assert not Alert.objects.exists()


def test_it_reports_a_name_that_disagrees(tmp_path, home):
    rows = insured_list(home)
    rows[0][1] = "杨富"
    comparison = compare(tmp_path, "insured", INSURED, rows)
    assert results(comparison) == [("杨父", "不一致", "姓名", "杨父", "杨富")]


def test_the_list_saying_uninsured_raises_an_uninsured_alert_from_the_department(
        tmp_path, home, county_supervisor):
    comparison = compare(tmp_path, "insured", INSURED, insured_list(home, 杨小="未参保"),
                         actor=county_supervisor)
    alert = alert_of(home, "UNINSURED")
    assert (alert.source, alert.state, alert.severity, alert.channel) == (
        Source.DEPARTMENT, State.RAISED, "high", "medical")
    assert (alert.raised_on, alert.last_seen_on) == (ON, ON)
    assert "杨小 未参保（登记为 已参保）" in alert.evidence["text"]
    assert alert.evidence["values"]["字段"] == "参保状态"
    assert alert.evidence["comparison"] == comparison.pk
    assert alert.verify_by is not None
    move = alert.moves.get()
    assert (move.actor, move.to_state) == (county_supervisor, State.RAISED)
    assert comparison.alerts_raised == 1


def test_a_department_alert_makes_the_household_borderline(tmp_path, home):
    record(home, D0)
    assert home.__class__.objects.get(pk=home.pk).household_class != "临界"
    compare(tmp_path, "insured", INSURED, insured_list(home, 杨小="未参保"))
    home.refresh_from_db()
    assert home.household_class == "临界"
    assert StatusChange.objects.filter(household=home, new="临界").exists()


def test_an_open_alert_takes_the_finding_instead_of_a_second_alert(tmp_path, home):
    compare(tmp_path, "insured", INSURED, insured_list(home, 杨小="未参保"))
    comparison = compare(tmp_path, "insured", INSURED, insured_list(home, 杨小="未参保"))
    assert Alert.objects.filter(household=home, rule="UNINSURED").count() == 1
    assert (comparison.alerts_raised, comparison.alerts_updated) == (0, 1)
    alert = alert_of(home, "UNINSURED")
    assert alert.evidence["comparison"] == comparison.pk
    assert alert.moves.count() == 2
    assert alert.moves.last().note.startswith("部门比对再次发现")


def test_an_open_alert_from_a_check_gains_the_lists_finding(tmp_path, home):
    child = person(home, "杨小")
    check_record(household=home, recorded_by=None, visit_date=D0, kind="日常走访",
                 member_updates={child.id_number: {"insured": False}},
                 income_wages=Decimal("40000"))
    evaluate_household(home.id)
    home.members.filter(name="杨小").update(insured=True)  # the registry was corrected since
    compare(tmp_path, "insured", INSURED, insured_list(home, 杨小="未参保"))
    alert = Alert.objects.get(household=home, rule="UNINSURED")
    assert alert.source == Source.CHECK
    assert alert.evidence["text"] == "未参加基本医疗保险：杨小"
    assert "医保部门名单" in alert.evidence["values"]["部门名单"]
    assert alert.last_seen_on == ON


def test_an_alert_ready_to_close_returns_when_the_list_finds_it_again(tmp_path, home):
    compare(tmp_path, "insured", INSURED, insured_list(home, 杨小="未参保"))
    alert = put(alert_of(home, "UNINSURED"), State.VERIFIED)
    Alert.objects.filter(pk=alert.pk).update(state_before_ready=State.VERIFIED)
    put(alert, State.READY_TO_CLOSE)
    compare(tmp_path, "insured", INSURED, insured_list(home, 杨小="未参保"))
    alert.refresh_from_db()
    assert alert.state == State.VERIFIED
    assert alert.moves.last().from_state == State.READY_TO_CLOSE


def uninsured_check(home, visit, insured):
    """A check recording whether 杨小 is insured (not insured fires UNINSURED)."""
    return check_record(household=home, recorded_by=None, visit_date=visit, kind="日常走访",
                        member_updates={person(home, "杨小").id_number: {"insured": insured}},
                        income_wages=Decimal("40000"))


def test_a_list_older_than_the_check_that_cleared_an_alert_leaves_it_ready_to_close(
        tmp_path, home):
    uninsured_check(home, D0, insured=False)
    uninsured_check(home, date(2026, 10, 1), insured=True)  # after the list's date
    evaluate_household(home.id)
    assert alert_of(home, "UNINSURED").state == State.READY_TO_CLOSE
    compare(tmp_path, "insured", INSURED, insured_list(home, 杨小="未参保"))
    alert = alert_of(home, "UNINSURED")
    assert (alert.state, alert.last_seen_on) == (State.READY_TO_CLOSE, ON)
    move = alert.moves.last()
    assert (move.from_state, move.to_state) == (State.READY_TO_CLOSE, State.READY_TO_CLOSE)
    assert move.note.startswith("部门比对再次发现")


def test_a_list_older_than_a_checks_finding_adds_its_values_without_moving_the_dates(
        tmp_path, home):
    found = date(2026, 10, 1)
    uninsured_check(home, found, insured=False)
    evaluate_household(home.id)
    home.members.filter(name="杨小").update(insured=True)  # the registry was corrected since
    compare(tmp_path, "insured", INSURED, insured_list(home, 杨小="未参保"))
    alert = alert_of(home, "UNINSURED")
    assert (alert.raised_on, alert.last_seen_on) == (found, found)
    assert alert.evidence["department"]["values"]["字段"] == "参保状态"
    assert "医保部门名单" in alert.evidence["values"]["部门名单"]


# ── pupils ────────────────────────────────────────────────────────────────────────────

def test_a_pupil_at_school_on_both_sides_matches(tmp_path, home):
    child = person(home, "杨小")
    comparison = compare(tmp_path, "pupils", PUPILS, [[child.id_number, "杨小", "在校"]])
    assert (comparison.matched, report(comparison)) == (1, [])


def test_a_school_age_child_missing_from_the_pupils_list_is_reported(tmp_path, home):
    comparison = compare(tmp_path, "pupils", PUPILS, [])
    assert results(comparison) == [("杨小", "登记有名单无", "在校情况", "在校", "")]


def test_a_pupil_the_registry_does_not_have_is_reported(tmp_path, home):
    comparison = compare(tmp_path, "pupils", PUPILS,
                         [[person(home, "杨小").id_number, "杨小", "在校"],
                          [id_number(date(2015, 1, 1)), "吴丽", "在校"]])
    assert results(comparison) == [("吴丽", "名单有登记无", "在校情况", "", "在校")]


def test_a_schooling_that_disagrees_without_risk_raises_nothing(tmp_path, home):
    comparison = compare(tmp_path, "pupils", PUPILS,
                         [[person(home, "杨小").id_number, "杨小", "送教上门"]])
    assert results(comparison) == [("杨小", "不一致", "在校情况", "在校", "送教上门")]
    assert not Alert.objects.exists()


def test_a_dropout_of_school_age_raises_a_dropout_alert(tmp_path, home):
    compare(tmp_path, "pupils", PUPILS, [[person(home, "杨小").id_number, "杨小", "失学辍学"]])
    alert = alert_of(home, "DROPOUT")
    assert (alert.source, alert.channel, alert.risk_type) == (Source.DEPARTMENT, "education",
                                                              "因学")
    assert alert.evidence["threshold"] == {"义务教育年龄": "6–15岁"}


def test_a_dropout_older_than_school_age_is_reported_without_an_alert(tmp_path, home):
    older = MemberFactory(household=home, name="杨大", relation="子女",
                          id_number=id_number(date(2009, 1, 1)), schooling="在校")
    comparison = compare(tmp_path, "pupils", PUPILS, [
        [person(home, "杨小").id_number, "杨小", "在校"], [older.id_number, "杨大", "失学辍学"]])
    assert results(comparison) == [("杨大", "不一致", "在校情况", "在校", "失学辍学")]
    assert not Alert.objects.exists()


# ── houses ────────────────────────────────────────────────────────────────────────────

def head_row(household, grade):
    return [household.members.get(relation="户主").id_number, "杨父", grade]


@pytest.fixture
def housed(home):
    """The household's newest check grades the house B."""
    record(home, D0, housing="B")
    return home


def test_a_house_graded_alike_matches_by_the_heads_id(tmp_path, housed):
    comparison = compare(tmp_path, "houses", HOUSES, [head_row(housed, "B")])
    assert (comparison.matched, report(comparison)) == (1, [])


def test_a_renovated_house_agrees_with_a_safe_grade(tmp_path, home):
    record(home, D0, housing="已改造")
    comparison = compare(tmp_path, "houses", HOUSES, [head_row(home, "A")])
    assert comparison.matched == 1


def test_the_list_grading_a_house_c_raises_a_housing_alert(tmp_path, housed):
    comparison = compare(tmp_path, "houses", HOUSES, [head_row(housed, "C")])
    assert results(comparison) == [("杨父", "不一致", "住房安全", "B", "C")]
    alert = alert_of(housed, "HOUSING")
    assert (alert.source, alert.channel) == (Source.DEPARTMENT, "housing")


def test_a_house_whose_head_id_is_missing_is_found_by_the_head_member(tmp_path, housed):
    housed.__class__.objects.filter(pk=housed.pk).update(head_id_number="")
    comparison = compare(tmp_path, "houses", HOUSES, [head_row(housed, "B")])
    assert comparison.matched == 1


def test_a_house_found_by_another_members_id_is_the_same_house(tmp_path, housed):
    comparison = compare(tmp_path, "houses", HOUSES,
                         [[person(housed, "杨小").id_number, "杨小", "B"]])
    assert (comparison.matched, comparison.only_in_list) == (1, 0)


def test_an_unsafe_house_missing_from_the_list_is_reported(tmp_path, home):
    record(home, D0, housing="D")
    comparison = compare(tmp_path, "houses", HOUSES, [])
    assert results(comparison) == [("杨父", "登记有名单无", "住房安全", "D", "")]


def test_a_house_without_a_check_disagrees_with_any_grade(tmp_path, home):
    comparison = compare(tmp_path, "houses", HOUSES, [head_row(home, "A")])
    assert results(comparison) == [("杨父", "不一致", "住房安全", "（无排查记录）", "A")]


# ── allowance ─────────────────────────────────────────────────────────────────────────

def on_allowance(household):
    record(household, D0, housing="D")
    plan = Plan.objects.create(household=household)
    Measure.objects.create(plan=plan, alert=alert_of(household, "HOUSING"), name="低保",
                           channel="civil", deadline=D0, state=MeasureState.DONE)


def test_a_recipient_in_the_registry_matches(tmp_path, home):
    comparison = compare(tmp_path, "allowance", ALLOWANCE,
                         [[person(home, "杨父").id_number, "杨父", "农村低保一类"]])
    assert (comparison.matched, report(comparison)) == (1, [])


def test_a_recipient_the_registry_does_not_have_is_reported(tmp_path, home):
    comparison = compare(tmp_path, "allowance", ALLOWANCE,
                         [[id_number(date(1950, 1, 1)), "龙秀", "农村低保"]])
    assert results(comparison) == [("龙秀", "名单有登记无", "低保类别", "", "农村低保")]


def test_a_household_on_allowance_by_its_plan_missing_from_the_list_is_reported(
        tmp_path, home, household_b):
    on_allowance(home)
    comparison = compare(tmp_path, "allowance", ALLOWANCE, [])
    assert results(comparison) == [("杨父", "登记有名单无", "低保类别", "一户一策：低保已落实", "")]


def test_a_household_on_allowance_is_found_by_any_member(tmp_path, home):
    on_allowance(home)
    comparison = compare(tmp_path, "allowance", ALLOWANCE,
                         [[person(home, "杨小").id_number, "杨小", "农村低保"]])
    assert comparison.only_in_registry == 0


# ── disability ────────────────────────────────────────────────────────────────────────

def test_a_disabled_member_of_the_same_grade_matches(tmp_path, home):
    home.members.filter(name="杨父").update(health="残疾", disability_grade="二级")
    comparison = compare(tmp_path, "disability", DISABILITY,
                         [[person(home, "杨父").id_number, "杨父", "二级"]])
    assert (comparison.matched, report(comparison)) == (1, [])


def test_a_disability_grade_that_disagrees_is_reported(tmp_path, home):
    home.members.filter(name="杨父").update(health="残疾", disability_grade="二级")
    comparison = compare(tmp_path, "disability", DISABILITY,
                         [[person(home, "杨父").id_number, "杨父", "三级"]])
    assert results(comparison) == [("杨父", "不一致", "残疾等级", "二级", "三级")]


def test_a_blank_registry_grade_is_not_a_disagreement(tmp_path, home):
    home.members.filter(name="杨父").update(health="残疾")
    comparison = compare(tmp_path, "disability", DISABILITY,
                         [[person(home, "杨父").id_number, "杨父", "三级"]])
    assert comparison.matched == 1


def test_a_listed_member_the_registry_calls_healthy_disagrees(tmp_path, home):
    comparison = compare(tmp_path, "disability", DISABILITY,
                         [[person(home, "杨父").id_number, "杨父", "四级"]])
    assert results(comparison) == [("杨父", "不一致", "健康状况", "健康", "残疾（四级）")]


def test_a_disabled_member_missing_from_the_register_is_reported(tmp_path, home):
    home.members.filter(name="杨父").update(health="残疾", disability_grade="一级")
    comparison = compare(tmp_path, "disability", DISABILITY, [])
    assert results(comparison) == [("杨父", "登记有名单无", "残疾等级", "残疾（一级）", "")]


def test_no_disability_or_allowance_difference_raises_an_alert(tmp_path, home):
    compare(tmp_path, "disability", DISABILITY, [[id_number(), "某人", "一级"]])
    compare(tmp_path, "allowance", ALLOWANCE, [[id_number(), "某人", "低保"]])
    assert not Alert.objects.exists()
