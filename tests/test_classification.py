"""Fuling's 六看六问 classes (§6) and Xiushan's key groups (§3), at their boundaries."""

from decimal import Decimal
from types import SimpleNamespace

from monitor.classification import classify, key_group

from .engine_helpers import check, person, thresholds

T = thresholds()  # line 6,000: 1.2 × = 7,200; 2 × = 12,000


def klass(c, open_alerts=()):
    return classify(c, list(open_alerts), T)[0]


def test_no_check_no_class():
    assert classify(None, [], T) == ("", [])


def test_income_just_below_1_2_lines_is_borderline():
    assert klass(check(per_capita="7199.99")) == "临界"


def test_income_exactly_1_2_lines_is_consolidated():
    assert klass(check(per_capita=7200)) == "巩固"


def test_income_just_below_2_lines_is_consolidated():
    assert klass(check(per_capita="11999.99")) == "巩固"


def test_income_exactly_2_lines_with_nothing_open_is_stable():
    assert klass(check(per_capita=12000)) == "稳定"


def test_an_open_high_alert_makes_it_borderline():
    assert klass(check(per_capita=30000), [("HOUSING", "high")]) == "临界"


def test_an_open_no_labour_alert_makes_it_borderline():
    assert klass(check(per_capita=30000), [("NO_LABOUR", "medium")]) == "临界"


def test_an_open_medium_alert_makes_it_consolidated():
    assert klass(check(per_capita=30000), [("NO_WORK", "medium")]) == "巩固"


def test_transfers_half_of_income_is_borderline():
    c = check(income_wages=Decimal("15000"), income_transfers=Decimal("15000"))
    assert klass(c) == "临界"


def test_transfers_just_under_half_is_not_borderline():
    c = check(income_wages=Decimal("15001"), income_transfers=Decimal("14999"))
    assert klass(c) == "稳定"


def test_medical_and_education_spending_a_fifth_of_income_is_consolidated():
    c = check(per_capita=30000, medical_spending=Decimal("3000"),
              education_spending=Decimal("3000"))
    assert klass(c) == "巩固"


def test_spending_just_under_a_fifth_is_stable():
    c = check(per_capita=30000, medical_spending=Decimal("5999.99"))
    assert klass(c) == "稳定"


def test_the_reasons_say_why():
    _, reasons = classify(check(per_capita=5000), [("INCOME_BELOW_LINE", "high")], T)
    assert reasons[0] == "有未销号高风险预警：收入低于监测线"


def household(registered=False, status="一般农户"):
    return SimpleNamespace(registered=registered, poverty_status=status)


def test_registered_households_are_grouped_by_their_poverty_status():
    assert key_group(household(True, "未脱贫"), None, {}, None)[0] == "未脱贫户"
    assert key_group(household(True, "已脱贫"), None, {}, None)[0] == "已脱贫户"


def test_an_unregistered_household_whose_newest_check_fires_is_borderline():
    assert key_group(household(), check(), {"WATER": {}}, T)[0] == "临界户"


def test_an_unregistered_household_below_1_5_lines_is_borderline():
    assert key_group(household(), check(per_capita="8999.99"), {}, T)[0] == "临界户"


def test_an_unregistered_household_at_1_5_lines_with_nothing_fired_is_in_no_group():
    assert key_group(household(), check(per_capita=9000), {}, T)[0] == ""


def test_person_helper_members_work():
    assert person()["labour"] == "普通劳动力"
