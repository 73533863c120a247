"""The member changes' rules (households/members.py), beside the API's and the pages'
tests: a household has one head, only those who record checks change members, a newborn
counts in the next check's per-capita income, and a race on one ID number is a refusal."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from households import members as member_changes
from households.members import member_add
from monitor.roles import Refused

from .alert_helpers import family, record
from .factories import MemberFactory, id_number


@pytest.fixture
def home(places):
    return family(places["village_a"], "HA001")


def add(home, actor, **changes):
    return member_add(**{"household": home, "actor": actor, "reason": "出生", "name": "杨小妹",
                         "id_number": id_number(date(2025, 12, 1)), "relation": "子女",
                         **changes})


def test_a_household_has_one_head(home, village_officer):
    with pytest.raises(ValidationError) as refused:
        add(home, village_officer, relation="户主")
    assert refused.value.message_dict == {"relation": ["本户已有户主；新增成员不能也是户主"]}


def test_department_staff_are_refused_by_the_service_too(home, education_staff):
    with pytest.raises(Refused, match="行业部门不能登记家庭成员变动"):
        add(home, education_staff)


def test_a_newborn_counts_in_the_next_checks_per_capita_income(home, village_officer):
    before = record(home, date(2026, 1, 5), income_wages=Decimal("30000"))
    add(home, village_officer)
    after = record(home, date(2026, 3, 5), income_wages=Decimal("30000"))
    assert (before.per_capita_income, after.per_capita_income) == (15000, 10000)


def test_the_same_id_number_saved_by_two_at_once_is_a_refusal(home, village_officer, places,
                                                               monkeypatch):
    """Another officer registers the number after this one's check and before its save."""
    number = id_number(date(2025, 12, 1))
    other = family(places["village_b"], "HB001")

    def checked_before_the_other_saved(raw, *, member=None):
        MemberFactory(household=other, name="别户", relation="子女", id_number=number)
        return number
    monkeypatch.setattr(member_changes, "checked_id_number", checked_before_the_other_saved)
    with pytest.raises(ValidationError, match="刚被登记在册"):
        add(home, village_officer, id_number=number)
    assert not home.members.filter(name="杨小妹").exists()
