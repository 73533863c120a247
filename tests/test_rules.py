"""The rules of domain.md §5, one behaviour a test."""

from datetime import date
from decimal import Decimal

from monitor.rules import RULES, fired_rules

from .engine_helpers import check, person, thresholds

T = thresholds()
VISIT = date(2026, 9, 1)


def fires(c, previous=None, t=T) -> set[str]:
    return set(fired_rules(c, previous, t))


def test_a_household_with_nothing_wrong_fires_nothing():
    assert fires(check()) == set()


def test_the_rule_table_has_the_thirteen_rules_of_the_spec():
    assert [r.code for r in RULES] == [
        "FOOD", "CLOTHING", "DROPOUT", "UNINSURED", "HOUSING", "WATER", "INCOME_BELOW_LINE",
        "INCOME_NEAR_LINE", "INCOME_DROP", "MEDICAL_BURDEN", "NO_LABOUR", "NO_WORK",
        "SUDDEN_EVENT"]


def test_not_food_secure_raises_food():
    assert fires(check(food_secure=False)) == {"FOOD"}


def test_not_clothing_secure_raises_clothing():
    assert fires(check(clothing_secure=False)) == {"CLOTHING"}


def dropout_aged(years_and_days: tuple[int, int]):
    """A dropout whose birthday puts them at this age on the visit date."""
    years, days_after_birthday = years_and_days
    born = date(VISIT.year - years, VISIT.month, VISIT.day)
    born = date.fromordinal(born.toordinal() - days_after_birthday)
    return check(visit=VISIT, members=[person(), person("杨小", born, schooling="失学辍学",
                                                      labour="无劳动力", work="未务工")])


def test_a_dropout_aged_6_raises_dropout():
    assert "DROPOUT" in fires(dropout_aged((6, 0)))


def test_a_dropout_aged_15_raises_dropout():
    assert "DROPOUT" in fires(dropout_aged((15, 364)))


def test_a_dropout_aged_16_does_not():
    assert "DROPOUT" not in fires(dropout_aged((16, 0)))


def test_a_dropout_aged_5_does_not():
    assert "DROPOUT" not in fires(dropout_aged((5, 364)))


def test_dropout_evidence_names_the_child_and_the_age_range():
    found = fired_rules(dropout_aged((12, 0)), None, T)["DROPOUT"]
    assert found["values"]["失学辍学成员"] == ["杨小（12岁）"]
    assert found["threshold"] == {"义务教育年龄": "6–15岁"}


def test_a_child_taught_at_home_is_not_a_dropout():
    c = check(visit=VISIT, members=[person(), person("杨小", date(2015, 1, 1),
                                                    schooling="送教上门", labour="无劳动力")])
    assert "DROPOUT" not in fires(c)


def test_a_member_without_insurance_raises_uninsured():
    c = check(members=[person(), person("杨二", insured=False)])
    found = fired_rules(c, None, T)
    assert found["UNINSURED"]["values"] == {"未参保成员": ["杨二"]}


def test_housing_graded_c_or_d_raises_housing():
    assert "HOUSING" in fires(check(housing="C"))
    assert "HOUSING" in fires(check(housing="D"))


def test_housing_graded_b_relocated_or_renovated_is_safe():
    for grade in ("A", "B", "已搬迁", "已改造"):
        assert "HOUSING" not in fires(check(housing=grade))


def test_any_failing_water_indicator_raises_water():
    found = fired_rules(check(water_reliability=False), None, T)
    assert found["WATER"]["values"] == {"供水保证": "否"}


def test_income_below_the_line_raises_below_not_near():
    assert fires(check(per_capita=5999)) == {"INCOME_BELOW_LINE"}


def test_income_exactly_at_the_line_is_near_not_below():
    assert fires(check(per_capita=6000)) == {"INCOME_NEAR_LINE"}


def test_income_just_under_one_and_a_half_lines_is_near():
    assert fires(check(per_capita="8999.99")) == {"INCOME_NEAR_LINE"}


def test_income_exactly_one_and_a_half_lines_is_neither():
    assert fires(check(per_capita=9000)) == set()


def test_per_capita_income_sums_the_four_sources_over_the_members():
    c = check(members=[person("甲"), person("乙")], income_wages=Decimal("4000"),
              income_business=Decimal("3000"), income_property=Decimal("1000"),
              income_transfers=Decimal("2000"))
    assert fires(c) == {"INCOME_BELOW_LINE"}  # 10,000 / 2 = 5,000


def test_the_line_comes_from_the_thresholds():
    assert fires(check(per_capita=6500), t=thresholds(line=Decimal("7000"))) == {
        "INCOME_BELOW_LINE"}


def test_a_drop_of_exactly_30_percent_raises_income_drop():
    previous = check(visit=date(2025, 6, 1), per_capita=20000)
    assert "INCOME_DROP" in fires(check(per_capita=14000), previous)


def test_a_drop_of_29_percent_does_not():
    previous = check(visit=date(2025, 6, 1), per_capita=20000)
    assert "INCOME_DROP" not in fires(check(per_capita=14200), previous)


def test_without_a_previous_check_there_is_no_drop():
    assert "INCOME_DROP" not in fires(check(per_capita=100))


def test_drop_evidence_gives_before_and_after():
    previous = check(visit=date(2025, 6, 1), per_capita=20000)
    found = fired_rules(check(per_capita=10000), previous, T)["INCOME_DROP"]
    assert found["values"]["上次人均纯收入"] == "20000.00"
    assert found["values"]["本次人均纯收入"] == "10000.00"
    assert found["values"]["下降比例"] == "50.0%"


def test_medical_spending_over_half_of_income_raises_medical_burden():
    c = check(per_capita=20000, medical_spending=Decimal("10000.01"))
    assert "MEDICAL_BURDEN" in fires(c)


def test_medical_spending_exactly_half_of_income_does_not():
    c = check(per_capita=20000, medical_spending=Decimal("10000"))
    assert "MEDICAL_BURDEN" not in fires(c)


def test_no_income_and_some_medical_spending_raises_medical_burden():
    c = check(per_capita=0, medical_spending=Decimal("1"))
    assert "MEDICAL_BURDEN" in fires(c)


def test_no_income_and_no_medical_spending_is_no_burden():
    assert "MEDICAL_BURDEN" not in fires(check(per_capita=0))


def test_a_household_of_weak_and_lost_labour_raises_no_labour_not_no_work():
    c = check(members=[person(labour="弱劳动力", work="未务工"),
                       person("乙", labour="丧失劳动力", work="未务工")])
    assert fires(c) == {"NO_LABOUR"}


def test_able_labour_that_does_not_work_raises_no_work_not_no_labour():
    c = check(members=[person(labour="技能劳动力", work="未务工")])
    assert fires(c) == {"NO_WORK"}


def test_one_member_working_out_of_county_is_work():
    c = check(members=[person(labour="普通劳动力", work="未务工"),
                       person("乙", labour="弱劳动力", work="县外务工")])
    assert fires(c) == set()


def test_a_sudden_event_raises_sudden_event():
    found = fired_rules(check(sudden_event="因灾", sudden_loss=Decimal("8000")), None, T)
    assert found["SUDDEN_EVENT"]["values"] == {"突发情况": "因灾", "损失": "8000.00"}


def test_every_alert_carries_a_readable_reason():
    c = check(per_capita=5000, food_secure=False, housing="D")
    for found in fired_rules(c, None, T).values():
        assert found["text"]
