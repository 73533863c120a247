"""The edges of domain.md §5 and §6 the set-wise law must keep, read as the domain says
them: exact thresholds where a division would round, checks judged against the previous
one by visit date whatever order they came in, a county's frame judging each household
against its own checks, households of no member, no income, ages on the birthday."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import polars as pl

from monitor.classification import classify, derived, key_group
from monitor.frames import check_frame
from monitor.rules import findings, fired_rules, judged

from .engine_helpers import check, person, thresholds

T = thresholds()  # line 6,000
VISIT = date(2026, 9, 1)


def fires(c, previous=None, t=T) -> set[str]:
    return set(fired_rules(c, previous, t))


def household_of(size: int, total: str, visit=VISIT, **answers):
    members = [person(f"成员{n}") for n in range(size)]
    return check(visit=visit, members=members, income_wages=Decimal(total), **answers)


# ── Exact thresholds ──────────────────────────────────────────────────────────────────

def test_a_drop_of_exactly_30_percent_in_a_household_of_three_raises_income_drop():
    # 20,000 → 14,000 over three members: 6,666.67 … → 4,666.67 … a head, thirds that a
    # division rounds but the law compares exactly.
    before = household_of(3, "20000", visit=date(2025, 9, 1))
    assert "INCOME_DROP" in fires(household_of(3, "14000"), before)


def test_a_drop_a_fen_short_of_30_percent_does_not():
    before = household_of(3, "20000", visit=date(2025, 9, 1))
    assert "INCOME_DROP" not in fires(household_of(3, "14000.03"), before)


def test_a_drop_is_per_head_when_the_household_grew():
    before = household_of(2, "40000", visit=date(2025, 9, 1))  # 20,000 a head
    after = household_of(4, "56000")  # 14,000 a head: a 30 % fall though the sum grew
    found = fired_rules(after, before, T)["INCOME_DROP"]
    assert found["values"]["下降比例"] == "30.0%"


def test_income_of_exactly_the_line_in_thirds_is_near_not_below():
    assert fires(household_of(3, "18000")) == {"INCOME_NEAR_LINE"}


def test_income_a_fen_under_the_line_in_thirds_is_below():
    assert fires(household_of(3, "17999.99")) == {"INCOME_BELOW_LINE"}


def test_the_shown_per_capita_income_is_rounded_half_to_even():
    found = fired_rules(household_of(8, "4"), None, T)["INCOME_BELOW_LINE"]  # 0.50 a head
    assert found["values"]["人均纯收入"] == "0.50"
    found = fired_rules(household_of(8, "0.20"), None, T)["INCOME_BELOW_LINE"]  # 0.025
    assert found["values"]["人均纯收入"] == "0.02"


def test_income_of_exactly_1_2_lines_in_thirds_is_consolidated_not_borderline():
    assert classify(household_of(3, "21600"), [], T)[0] == "巩固"


# ── Households of nobody, of no income ────────────────────────────────────────────────

def test_a_household_of_no_member_counts_its_income_whole_and_has_no_labour():
    c = check(members=[], income_wages=Decimal("5000"))
    assert fires(c) == {"INCOME_BELOW_LINE", "NO_LABOUR"}


def test_no_income_with_medical_spending_is_a_burden_and_borderline():
    c = check(per_capita=0, medical_spending=Decimal("0.01"))
    assert "MEDICAL_BURDEN" in fires(c)
    assert classify(c, [], T)[0] == "临界"


# ── Ages on the visit date ────────────────────────────────────────────────────────────

def dropout_born(born: date, visit=VISIT):
    return check(visit=visit, members=[person(), person("杨小", born, schooling="失学辍学",
                                                      labour="无劳动力", work="未务工")])


def test_a_dropout_turning_16_on_the_visit_date_does_not_raise_dropout():
    assert "DROPOUT" not in fires(dropout_born(date(2010, 9, 1)))


def test_a_dropout_turning_16_the_day_after_the_visit_raises_dropout():
    found = fired_rules(dropout_born(date(2010, 9, 2)), None, T)["DROPOUT"]
    assert found["values"]["失学辍学成员"] == ["杨小（15岁）"]


def test_a_dropout_turning_6_on_the_visit_date_raises_dropout():
    assert "DROPOUT" in fires(dropout_born(date(2020, 9, 1)))


def test_a_child_born_on_29_february_is_a_year_older_on_1_march():
    assert "DROPOUT" not in fires(dropout_born(date(2008, 2, 29), visit=date(2024, 3, 1)))
    assert "DROPOUT" in fires(dropout_born(date(2008, 2, 29), visit=date(2024, 2, 28)))


def test_the_school_age_comes_from_the_thresholds():
    t = thresholds(school_age_to="16")
    assert "DROPOUT" in fires(dropout_born(date(2010, 9, 1)), t=t)


# ── A county's frame ──────────────────────────────────────────────────────────────────

def numbered(c, check_id: int, household_id: int):
    c.id, c.household_id = check_id, household_id
    return c


def test_a_frame_judges_each_check_against_the_previous_of_its_own_household():
    checks = [numbered(household_of(1, "20000", visit=date(2025, 1, 1)), 7, 1),
              # a late check of an earlier date, recorded after: it comes first by visit
              numbered(household_of(1, "19000", visit=date(2025, 6, 1)), 9, 1),
              numbered(household_of(1, "10000", visit=date(2025, 12, 1)), 8, 1),
              # another household's first check is compared with nothing
              numbered(household_of(1, "5000", visit=date(2025, 12, 1)), 3, 2)]
    found = findings(judged(check_frame(checks, t=T)))
    assert "INCOME_DROP" not in found.get(9, {})
    assert found[8]["INCOME_DROP"]["values"]["上次排查日期"] == "2025-06-01"
    assert "INCOME_DROP" not in found[3]


def test_the_water_evidence_names_only_the_failing_indicators():
    found = fired_rules(check(water_quality=False, water_convenience=False), None, T)
    assert found["WATER"]["text"] == "饮水不达标：饮水水质、取水方便"
    assert found["WATER"]["values"] == {"饮水水质": "否", "取水方便": "否"}


def test_a_frame_of_households_is_classed_row_by_row():
    checks = [numbered(household_of(1, "7199.99"), 1, 1), numbered(household_of(1, "7200"), 2, 2),
              numbered(household_of(1, "12000"), 3, 3)]
    frame = judged(check_frame(checks, t=T)).with_columns(
        open_high=pl.Series([[], [], []], dtype=pl.List(pl.String)),
        open_medium=pl.Series([[], [], ["NO_WORK"]]), registered=pl.lit(False),
        poverty_status=pl.lit("一般农户"))
    assert derived(frame)["class"].to_list() == ["临界", "巩固", "巩固"]


def test_key_group_reasons_name_the_rules_fired():
    household = SimpleNamespace(registered=False, poverty_status="一般农户")
    group, reasons = key_group(household, check(housing="D"), {"HOUSING": {}}, T)
    assert (group, reasons) == ("临界户", ["最近一次排查触发：住房不安全"])
