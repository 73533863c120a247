"""The class history (domain.md §6): each entry is dated by what changed the class — the
visit date of the check, or the day of the alert's move — so a workbook holding three
years of checks leaves the moves of those three years, each on its visit date, and a
county can count who moved where in a year."""

from datetime import date

import pytest
from django.utils import timezone

from alerts.engine import evaluate_household
from alerts.services import alert_dismiss
from households.models import StatusChange

from .alert_helpers import alert_of, family, record

# Two members, the line 6,000: 20,000 a year is 10,000 a head (巩固), 40,000 is 稳定.
Y2023, Y2024, Y2025 = date(2023, 5, 1), date(2024, 5, 1), date(2025, 5, 1)


@pytest.fixture
def home(places):
    return family(places["village_a"], "HA001")


def class_history(household) -> list[tuple]:
    return list(StatusChange.objects.filter(household=household, kind="class").order_by(
        "on", "id").values_list("old", "new", "on"))


def test_three_years_of_checks_evaluated_at_once_leave_three_years_of_moves(home):
    for visit, wages in ((Y2023, 20000), (Y2024, 40000), (Y2025, 20000)):
        record(home, visit, evaluate=False, income_wages=wages)
    evaluate_household(home.id)
    assert class_history(home) == [("", "巩固", Y2023), ("巩固", "稳定", Y2024),
                                   ("稳定", "巩固", Y2025)]
    home.refresh_from_db()
    assert home.household_class == "巩固"


def test_who_moved_where_in_a_year_counts_the_moves_dated_in_it(home, places):
    other = family(places["village_a"], "HA002")
    for household in (home, other):
        record(household, Y2023, evaluate=False, income_wages=20000)
        record(household, Y2024, evaluate=False, income_wages=40000)
        evaluate_household(household.id)
    moved_2024 = StatusChange.objects.filter(kind="class", old="巩固", new="稳定",
                                             on__year=2024).count()
    assert moved_2024 == 2
    assert not StatusChange.objects.filter(kind="class", on__year=timezone.localdate().year
                                           ).exists()


def test_a_check_evaluated_later_is_still_dated_by_its_visit(home):
    record(home, Y2023, income_wages=40000)
    record(home, Y2024, income_wages=20000)  # a 50 % drop: INCOME_DROP, 巩固
    assert class_history(home)[-1] == ("稳定", "巩固", Y2024)


def test_a_move_of_an_alert_dates_the_class_change_by_the_move(home, village_officer):
    record(home, Y2024, housing="D")  # HOUSING, high: 临界
    alert_dismiss(alert=alert_of(home, "HOUSING"), actor=village_officer,
                  reason="核实为仓库，非住房")
    assert class_history(home) == [("", "临界", Y2024),
                                   ("临界", "稳定", timezone.localdate())]
