"""The five lists of a past period are as of the end of the period (domain.md §8): states,
overdue days and open counts as they stood that day, the same whenever the lists are made
again; an alert closed after the period ends is still open in that period's lists; each
list says the date it is as of (截至)."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from python_calamine import CalamineWorkbook

from alerts.models import Alert, AlertMove, Measure, Task, TaskUpdate
from alerts.plans import plan_add_measure, task_assign, task_update
from alerts.services import alert_close, alert_start_assistance, alert_verify
from reports.five_lists import SHEETS_BY_NAME, list_scope
from reports.reconciliation import reconcile

from .alert_helpers import alert_of, family, record

TODAY = timezone.localdate()
FOUND = TODAY - timedelta(days=60)  # a check of two months ago, recorded that day
START, END = FOUND - timedelta(days=1), FOUND + timedelta(days=10)  # a past period


def on_day(day):
    return timezone.make_aware(datetime.combine(day, time(10)))


def recorded_on(day):
    """Everything so far was recorded on `day` (as if the clock had said so)."""
    when = on_day(day)
    for model in (Alert, Measure, Task):
        model.objects.update(created_at=when)
    AlertMove.objects.update(at=when)
    TaskUpdate.objects.update(at=when)


@pytest.fixture
def planned(places, village_officer, town_supervisor):
    """A HOUSING alert found and planned within the period, a task due in it not done by
    its end."""
    home = family(places["village_a"], "HA001")
    record(home, FOUND, housing="D")
    housing = alert_of(home, "HOUSING")
    alert_verify(alert=housing, actor=village_officer, note="属实")
    measure = plan_add_measure(alert=alert_of(home, "HOUSING"), actor=village_officer,
                               measure="危房改造", deadline=FOUND + timedelta(days=30))
    alert_start_assistance(alert=alert_of(home, "HOUSING"), actor=village_officer)
    task_assign(measure=measure, actor=town_supervisor, unit="县住建委",
                due=FOUND + timedelta(days=5))
    recorded_on(FOUND)
    return home


def later_work(home, town_supervisor):
    """Today: the task is done, the house renovated, the alert closed."""
    task_update(task=Task.objects.get(household=home), actor=town_supervisor,
                state="已完成", note="改造完工")
    record(home, TODAY - timedelta(days=1))  # house safe: 待销号
    alert_close(alert=alert_of(home, "HOUSING"), actor=town_supervisor)


@pytest.fixture
def worked(planned, town_supervisor):
    later_work(planned, town_supervisor)
    return planned


def lists(place):
    scope = list_scope(place=place, start=START, end=END)
    return scope, {name: [as_in_csv(row) for row in sheet.rows(scope)]
                   for name, sheet in SHEETS_BY_NAME.items()}


def as_in_csv(row: list) -> list:
    """A list's row as its CSV file shows it: a date as yyyy-mm-dd (the workbook holds it
    as an Excel date: test_the_workbook_holds_dates_as_excel_dates)."""
    return [cell.isoformat() if isinstance(cell, date) else cell for cell in row]


def column(sheet: str, rows: list, name: str) -> list:
    index = SHEETS_BY_NAME[sheet].columns.index(name)
    return [row[index] for row in rows]


def test_an_alert_closed_after_the_period_is_still_open_in_its_lists(places, worked):
    scope, rows = lists(places["village_a"])
    assert column("问题清单", rows["问题清单"], "状态") == ["帮扶中"]
    assert rows["效果清单"] == []
    t = reconcile(scope).total
    assert (t.raised, t.closed, t.open) == (1, 0, 1)
    assert reconcile(scope).balanced


def test_tasks_are_as_of_the_end_of_the_period(places, worked):
    _, rows = lists(places["village_a"])
    [task] = rows["任务清单"]
    assert column("任务清单", [task], "状态") == ["待办"]
    assert column("任务清单", [task], "完成日期") == [""]
    assert column("任务清单", [task], "逾期天数") == [5]  # due FOUND + 5, as of FOUND + 10
    [measure] = rows["整改清单"]
    assert column("整改清单", [measure], "措施状态") == ["待落实"]
    assert column("整改清单", [measure], "预警状态") == ["帮扶中"]
    [person] = rows["责任清单"]
    assert column("责任清单", [person], "未完成") == [1]
    assert column("责任清单", [person], "逾期") == [1]


def test_the_lists_of_a_past_period_are_the_same_whenever_made_again(places, planned,
                                                                   town_supervisor):
    scope, before = lists(places["village_a"])
    tally = reconcile(scope).total
    later_work(planned, town_supervisor)
    scope, after = lists(places["village_a"])
    assert after == before
    assert reconcile(scope).total == tally


def test_each_list_says_its_as_of_date(places, worked, tmp_path, capsys):
    call_command("five_lists", "--place", places["village_a"].code, "--from",
                 START.isoformat(), "--to", END.isoformat(), "--format", "xlsx",
                 "--out", str(tmp_path))
    assert f"截至 {END}" in capsys.readouterr().out
    book = CalamineWorkbook.from_path(str(tmp_path / "五张清单.xlsx"))
    for name in SHEETS_BY_NAME:
        meta = book.get_sheet_by_name(name).to_python()[1][0]
        assert f"截至 {END}" in meta


def test_a_current_period_is_as_of_today(places, worked):
    scope = list_scope(place=places["village_a"], start=START)
    assert scope.as_of == f"截至 {TODAY}"


def test_the_level_is_as_of_the_end_too(places, planned, town_supervisor):
    from alerts.escalation import escalate_overdue

    _, before = lists(places["village_a"])
    assert column("问题清单", before["问题清单"], "责任层级") == ["村"]
    escalate_overdue(today=TODAY + timedelta(days=40))  # the close deadline missed
    assert alert_of(planned, "HOUSING").level == "town"
    _, after = lists(places["village_a"])
    assert after == before
    scope = list_scope(place=places["village_a"], start=START)
    [row] = SHEETS_BY_NAME["问题清单"].rows(scope)
    assert column("问题清单", [row], "责任层级") == ["乡镇"]
