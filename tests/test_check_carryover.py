"""A new check starts from the household's last one (issue 17, fewer taps): the answers
that rarely change start as they were, each step says so with a 同上次 button, and the
last incomes and per-capita income stand beside the income fields. The question asked
before saving (30 % / a slipped digit) is the phone's: tests/browser/test_check_taps.py."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from visits.carryover import amount, last_check

from .alert_helpers import family, record


@pytest.fixture
def home(places):
    return family(places["village_a"], "HA001")


def open_form(client, user, household):
    client.force_login(user)
    return client.get(reverse("households:check_new", args=[household.number]))


def test_a_household_never_checked_starts_with_its_questions_unanswered(
        client, village_officer, home):
    form = open_form(client, village_officer, home).context["form"]
    assert "food_secure" not in form.initial and "housing" not in form.initial
    assert "同上次" not in form.as_p()


def test_a_new_check_starts_from_the_last_checks_answers(client, village_officer, home):
    record(home, date(2026, 1, 5), food_secure=False, housing="B", water_quality=False,
           education_spending=Decimal("800"), medical_spending=Decimal("1204.50"))
    record(home, date(2025, 11, 1), housing="D")  # older, arrived late: not the last
    initial = open_form(client, village_officer, home).context["form"].initial
    assert initial["food_secure"] == "0" and initial["clothing_secure"] == "1"
    assert initial["housing"] == "B"
    assert initial["water_quality"] == "0" and initial["water_quantity"] == "1"
    assert initial["education_spending"] == "800"
    assert initial["medical_spending"] == "1204.5"


def test_the_incomes_are_not_carried_over_but_shown_beside_their_fields(
        client, village_officer, home):
    record(home, date(2026, 1, 5), income_wages=Decimal("31616.22"),
           income_transfers=Decimal("1200"))
    response = open_form(client, village_officer, home)
    assert "income_wages" not in response.context["form"].initial
    html = response.content.decode()
    assert "上次 31616.22 元" in html and "上次 1200 元" in html
    assert "上次（2026-01-05）人均 16408.11 元（2 人）" in html
    assert 'data-last-per-capita="16408.11"' in html
    assert 'data-last="31616.22"' in html


def test_each_carried_step_says_what_it_was_with_a_same_as_last_button(
        client, village_officer, home):
    record(home, date(2026, 1, 5), housing="C", water_convenience=False)
    html = open_form(client, village_officer, home).content.decode()
    assert "已按上次（2026-01-05）填好：住房安全 C 级" in html
    assert "饮水水量 是 · 饮水水质 是 · 取水方便 否 · 供水保证 是" in html
    assert html.count(">同上次</button>") == 5


def test_a_carried_check_saves_as_typed_once_the_incomes_are_in(client, village_officer, home):
    record(home, date(2026, 1, 5), housing="B")
    last = last_check(home)
    data = {"visit_date": "2026-03-10", "kind": "日常走访", "officer_name": "李明",
            **last.initial(), "income_wages": "40000", "income_business": "0",
            "income_property": "0", "income_transfers": "0", "sudden_event": "无"}
    for member in home.members.all():
        prefix = f"m{member.pk}-"
        data.update({prefix + "insured": "1", prefix + "health": member.health,
                     prefix + "labour": member.labour, prefix + "work": member.work,
                     prefix + "schooling": member.schooling})
    response = client.post(reverse("households:check_new", args=["HA001"]), data)
    assert response.status_code == 302
    assert home.checks.latest("visit_date").housing == "B"


def test_an_amount_reads_as_typed():
    assert amount(Decimal("12000.00")) == "12000"
    assert amount(Decimal("3500.50")) == "3500.5"
    assert amount(Decimal("-200.25")) == "-200.25"
