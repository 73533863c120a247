import json
from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from households.idnumber import check_character, parse_id_number

from .factories import MemberFactory, id_number

VALID = "11010519491231002X"  # the standard's own example


def test_a_valid_number_gives_birth_date_and_sex():
    parsed = parse_id_number(VALID)
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.sex == "女"  # sequence 002 is even


def test_an_odd_sequence_is_male():
    number = id_number(date(1990, 1, 2), male=True)
    assert parse_id_number(number).male


def test_a_lower_case_x_is_accepted():
    assert parse_id_number(VALID.lower()).number == VALID


def test_a_wrong_check_character_is_refused_and_says_the_right_one():
    with pytest.raises(ValidationError) as error:
        parse_id_number(VALID[:-1] + "1")
    assert "校验码错误" in error.value.messages[0]
    assert "应为X" in error.value.messages[0]


def test_an_impossible_birth_date_is_refused():
    first17 = "50024119900230001"
    with pytest.raises(ValidationError) as error:
        parse_id_number(first17 + check_character(first17))
    assert "出生日期19900230不存在" in error.value.messages[0]


def test_a_future_birth_date_is_refused():
    first17 = "50024120990101001"
    with pytest.raises(ValidationError) as error:
        parse_id_number(first17 + check_character(first17), today=date(2026, 11, 22))
    assert "在今天之后" in error.value.messages[0]


@pytest.mark.parametrize("raw", ["", "5002411990", "50024119900101001Y", "5002411990010100111"])
def test_a_malformed_number_is_refused(raw):
    with pytest.raises(ValidationError) as error:
        parse_id_number(raw)
    assert "格式不对" in error.value.messages[0]


def test_age_is_whole_years_on_the_day():
    parsed = parse_id_number(id_number(date(2010, 9, 1)))
    assert parsed.age_on(date(2026, 8, 31)) == 15
    assert parsed.age_on(date(2026, 9, 1)) == 16


def test_a_member_takes_birth_date_and_sex_from_the_id(db):
    member = MemberFactory(id_number=id_number(date(2012, 3, 4), male=False))
    assert member.birth_date == date(2012, 3, 4)
    assert member.sex == "女"


def test_an_id_number_appears_once_in_the_registry(db):
    first = MemberFactory()
    second = MemberFactory.build(household=first.household, id_number=first.id_number)
    with pytest.raises(ValidationError) as error:
        second.full_clean()
    assert "身份证号" in str(error.value)


# ── The cases the phone's check (static/js/idnumber.js) is tested against too ─────────

CASES = json.loads((Path(__file__).parent / "data" / "idnumber_cases.json").read_text())


@pytest.mark.parametrize("case", CASES["cases"], ids=lambda case: case["case"])
def test_the_shared_cases_on_the_server(case):
    today = date.fromisoformat(CASES["today"])
    if case["valid"]:
        parsed = parse_id_number(case["number"], today=today)
        assert (parsed.birth_date.isoformat(), parsed.sex) == (case["birth_date"], case["sex"])
        return
    with pytest.raises(ValidationError) as refused:
        parse_id_number(case["number"], today=today)
    assert refused.value.error_list[0].code == case["code"]
    assert refused.value.messages == [case["message"]]
