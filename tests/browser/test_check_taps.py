"""A routine visit where nothing changed, counted on a 390 px phone (issue 17): at most
10 taps and 4 typed numbers. The answers start from the last check, the keyboard opens on
the income step and its 下一项 key goes from one amount to the next (and from the last
to the next step); saving asks first when an income looks mistyped.

A tap is a click on the screen; a typed number is one amount typed on the keyboard and
ended with its Enter / 下一项 key."""

import re
from datetime import date
from decimal import Decimal

import pytest

from households.models import Check
from monitor.roles import Role
from visits.services import check_record

from ..factories import HouseholdFactory, MemberFactory, UserFactory, id_number, place
from .conftest import needs_chromium
from .test_visit_flow import log_in

pytestmark = needs_chromium
LAST_VISIT = date(2026, 1, 5)
SAVED = re.compile(r".*/households/HT001/checks/\d+/$")  # the saved check's page


@pytest.fixture
def home(transactional_db):
    """HT001: four adults, checked on LAST_VISIT with housing B and 12,000 元 of wages a
    head (48,000 元); its officer alice."""
    village = place("500241101201", "平所村")
    household = HouseholdFactory(village=village, number="HT001")
    people = (("田父", "户主", date(1970, 2, 1)), ("田母", "配偶", date(1972, 3, 1)),
              ("田大", "子女", date(1996, 4, 1)), ("田二", "子女", date(1999, 5, 1)))
    for name, relation, born in people:
        MemberFactory(household=household, name=name, relation=relation,
                      id_number=id_number(born), labour="普通劳动力", work="县内务工")
    check_record(household=household, recorded_by=None, visit_date=LAST_VISIT, kind="日常走访",
                 housing="B", income_wages=Decimal("48000"), income_transfers=Decimal("1200"),
                 education_spending=Decimal("0"), medical_spending=Decimal("300"))
    UserFactory(username="alice", role=Role.VILLAGE, place=village)
    return household


class Finger:
    """The officer's hand on the phone: every tap and every typed number counted."""

    def __init__(self, page):
        self.page, self.taps, self.numbers = page, 0, 0

    def tap(self, selector: str):
        self.page.click(selector)
        self.taps += 1

    def type_number(self, value: str, *, into: str):
        """Type an amount into the field that has the focus (it must be `into`)."""
        assert self.page.evaluate("document.activeElement.id") == into
        self.page.keyboard.type(value)
        self.page.keyboard.press("Enter")
        self.numbers += 1


def open_on_phone(open_page, live_server):
    page = open_page(390)
    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/households/HT001/")
    return page, Finger(page)


def walk_to_incomes(finger):
    """From the household page to the income step: each step as it was."""
    finger.tap("a.button:has-text('录入排查')")
    while not finger.page.is_visible("#step-income"):
        finger.tap("[data-next]")


def type_incomes(finger, wages="48000", transfers="1200"):
    for name, value in (("wages", wages), ("business", "0"), ("property", "0"),
                        ("transfers", transfers)):
        finger.type_number(value, into=f"id_income_{name}")


def test_a_routine_visit_where_nothing_changed_takes_ten_taps_and_four_numbers(
        open_page, live_server, home):
    page, finger = open_on_phone(open_page, live_server)
    walk_to_incomes(finger)
    type_incomes(finger)  # the last 下一项 goes on to 劳动就业
    assert page.is_visible("#step-labour")
    while not page.is_visible("button.save"):
        finger.tap("[data-next]")
    finger.tap("button.save")
    page.wait_for_url(SAVED)

    assert finger.taps <= 10 and finger.numbers <= 4, (finger.taps, finger.numbers)
    check = Check.objects.filter(household=home).latest("visit_date")
    assert check.visit_date > LAST_VISIT and check.housing == "B"
    assert check.medical_spending == Decimal("300") and check.income_wages == Decimal("48000")
    assert len(check.members) == 4


def test_the_step_bar_stays_on_the_screen_on_a_long_step(open_page, live_server, home):
    page, finger = open_on_phone(open_page, live_server)
    finger.tap("a.button:has-text('录入排查')")
    for _ in range(3):
        finger.tap("[data-next]")  # 基本医疗: four members, longer than the screen
    assert page.evaluate("document.documentElement.scrollHeight") > 844
    box = page.locator("[data-next]").bounding_box()
    assert 0 < box["y"] and box["y"] + box["height"] <= 844


def test_same_as_last_shows_once_an_answer_changed_and_puts_it_back(open_page, live_server, home):
    page, finger = open_on_phone(open_page, live_server)
    finger.tap("a.button:has-text('录入排查')")
    while not page.is_visible("#step-housing"):
        finger.tap("[data-next]")
    assert page.is_checked("#id_housing input[value=B]")
    assert not page.is_visible("#step-housing [data-same]")  # nothing to put back yet
    assert "未改动" in page.inner_text("#step-housing .same-as-last")
    finger.tap("#id_housing label:has-text('D 级')")
    assert "已改动" in page.inner_text("#step-housing .same-as-last")
    finger.tap("#step-housing [data-same]")
    assert page.is_checked("#id_housing input[value=B]")
    assert not page.is_visible("#step-housing [data-same]")


def test_a_slipped_digit_is_asked_about_before_saving(open_page, live_server, home):
    page, finger = open_on_phone(open_page, live_server)
    walk_to_incomes(finger)
    type_incomes(finger, wages="4800")  # a 0 missing: a tenth of last time
    while not page.is_visible("button.save"):
        finger.tap("[data-next]")
    finger.tap("button.save")
    question = page.locator("#income-question")
    assert question.is_visible()
    text = question.inner_text()
    assert "工资性收入 4800 元，约是上次 48000 元的十分之一：是否少输了一位？" in text
    assert "人均纯收入 1500.00 元，比上次 12300.00 元低 88%" in text
    assert not Check.objects.filter(household=home).exclude(visit_date=LAST_VISIT).exists()

    finger.tap("[data-ask-back]")  # back to the income step, on the amount asked about
    assert page.evaluate("document.activeElement.id") == "id_income_wages"
    page.fill("#id_income_wages", "48000")
    while not page.is_visible("button.save"):
        finger.tap("[data-next]")
    finger.tap("button.save")
    page.wait_for_url(SAVED)
    assert Check.objects.filter(household=home).latest("visit_date").income_wages == 48000


def test_a_real_change_is_saved_once_the_officer_confirms_it(open_page, live_server, home):
    page, finger = open_on_phone(open_page, live_server)
    walk_to_incomes(finger)
    type_incomes(finger, wages="30000")  # a son came home: per-capita down 37 %
    while not page.is_visible("button.save"):
        finger.tap("[data-next]")
    finger.tap("button.save")
    assert "低 37%" in page.inner_text("#income-question")
    finger.tap("[data-ask-save]")
    page.wait_for_url(SAVED)
    assert Check.objects.filter(household=home).latest("visit_date").income_wages == 30000
