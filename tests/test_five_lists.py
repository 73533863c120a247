"""The five lists (domain.md §8) of a scenario counted by hand, reconciliation that
balances and names where it does not, and the `five_lists` command (interfaces.md)."""

import csv
import zipfile
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from python_calamine import CalamineWorkbook

from alerts.models import Alert
from alerts.plans import plan_add_measure, task_assign, task_update
from alerts.services import alert_close, alert_dismiss, alert_start_assistance, alert_verify
from monitor.roles import Role
from reports.five_lists import SHEETS_BY_NAME, effect, list_scope, problems
from reports.place_period import OPTION_LABELS, place_and_period
from reports.reconciliation import reconcile

from .alert_helpers import alert_of, family, record
from .factories import UserFactory

START, END = date(2026, 6, 1), timezone.localdate()  # closing happens today
REQUIRED = ["户编号", "村代码", "规则代码", "规则", "风险类型", "严重程度", "发现日期", "来源",
            "状态"]


@pytest.fixture
def scenario(places, village_officer, town_supervisor):
    """Five problems found from June: closed 1, dismissed 1, open 3; one older problem
    closed in the period too."""
    gina = UserFactory(username="gina", first_name="吉娜", role=Role.DEPARTMENT,
                       place=places["county"], channel="housing", unit="县住建委")
    ha1 = family(places["village_a"], "HA001")
    record(ha1, date(2026, 7, 1), housing="D", child="失学辍学")
    housing = alert_of(ha1, "HOUSING")
    alert_verify(alert=housing, actor=village_officer, note="属实")
    measure = plan_add_measure(alert=housing, actor=village_officer, measure="危房改造",
                               deadline=date(2026, 8, 1))
    alert_start_assistance(alert=alert_of(ha1, "HOUSING"), actor=village_officer)
    task = task_assign(measure=measure, actor=town_supervisor, unit="县住建委", person=gina,
                       due=date(2026, 8, 1))
    task_update(task=task, actor=gina, state="已完成", note="改造完工")
    record(ha1, date(2026, 8, 15), child="失学辍学")  # house safe now, child still out
    alert_close(alert=alert_of(ha1, "HOUSING"), actor=town_supervisor)
    alert_dismiss(alert=alert_of(ha1, "DROPOUT"), actor=village_officer,
                  reason="已转学外县，核实在校")

    ha2 = family(places["village_a"], "HA002")
    record(ha2, date(2026, 9, 1), water_quality=False)
    alert_verify(alert=alert_of(ha2, "WATER"), actor=village_officer, note="水质浑浊")
    water = plan_add_measure(alert=alert_of(ha2, "WATER"), actor=village_officer,
                             measure="饮水工程", deadline=date(2026, 10, 1))
    task_assign(measure=water, actor=town_supervisor, unit="县水利局", due=date(2026, 10, 1))

    record(family(places["village_b"], "HB001"), date(2026, 10, 1), income_wages=14000)
    record(family(places["other_town_village"], "HZ001"), date(2026, 7, 15), housing="C")

    ha3 = family(places["village_a"], "HA003")
    record(ha3, date(2026, 3, 1), housing="D")  # found before the period
    record(ha3, date(2026, 6, 10))
    alert_close(alert=alert_of(ha3, "HOUSING"), actor=town_supervisor)
    return {"gina": gina}


def lists(place, user=None, start=START, end=END):
    scope = list_scope(place=place, start=start, end=end, user=user, today=END)
    return scope, {name: [as_in_csv(row) for row in sheet.rows(scope)]
                   for name, sheet in SHEETS_BY_NAME.items()}


def as_in_csv(row: list) -> list:
    """A list's row as its CSV file shows it: a date as yyyy-mm-dd (the workbook holds it
    as an Excel date: test_the_workbook_holds_dates_as_excel_dates)."""
    return [cell.isoformat() if isinstance(cell, date) else cell for cell in row]


def column(sheet: str, rows: list, name: str) -> list:
    index = SHEETS_BY_NAME[sheet].columns.index(name)
    return [row[index] for row in rows]


# ── The lists, counted by hand ────────────────────────────────────────────────────────

def test_the_problems_list_holds_the_alerts_found_in_the_period(scenario, places):
    _, rows = lists(places["county"])
    found = rows["问题清单"]
    assert [(r[1], r[6]) for r in found] == [
        ("HZ001", "HOUSING"), ("HA001", "DROPOUT"), ("HA001", "HOUSING"), ("HA002", "WATER"),
        ("HB001", "INCOME_NEAR_LINE")]
    assert column("问题清单", found, "状态") == ["预警", "已排除", "已销号", "核实", "预警"]
    assert column("问题清单", found, "村代码")[1] == "500241101201"
    assert column("问题清单", found, "严重程度") == ["高风险"] * 4 + ["中风险"]
    assert column("问题清单", found, "发现日期")[2] == "2026-07-01"
    assert column("问题清单", found, "来源")[0] == "基层干部排查"
    assert "住房安全等级 D 级" in column("问题清单", found, "依据")[2]


def test_a_town_and_a_village_see_their_share(scenario, places):
    _, town = lists(places["town"])
    _, village = lists(places["village_a"])
    assert len(town["问题清单"]) == 4 and len(village["问题清单"]) == 3


def test_the_rectification_list_holds_the_measures_of_those_problems(scenario, places):
    _, rows = lists(places["county"])
    assert [(r[1], r[4], r[8], r[9], r[11], r[12]) for r in rows["整改清单"]] == [
        ("HA001", "住房不安全", "危房改造", "住建", "已落实", 1),
        ("HA002", "饮水不安全", "饮水工程", "水利", "待落实", 1)]


def test_the_task_list_counts_overdue_days(scenario, places):
    _, rows = lists(places["county"])
    tasks = rows["任务清单"]
    assert column("任务清单", tasks, "责任单位") == ["县住建委", "县水利局"]
    assert column("任务清单", tasks, "责任人") == ["吉娜", ""]
    assert column("任务清单", tasks, "状态") == ["已完成", "待办"]
    # done today, late; and still open, overdue since its due date
    assert column("任务清单", tasks, "逾期天数") == [(END - date(2026, 8, 1)).days,
                                               (END - date(2026, 10, 1)).days]


def test_the_responsibility_list_tallies_each_unit_and_person(scenario, places):
    _, rows = lists(places["county"])
    assert [r[1:] for r in rows["责任清单"]] == [
        ["县住建委", "吉娜", "县住建委", 1, 0, 0, 1],
        ["县水利局", "", "", 1, 1, 1, 0]]


def test_the_effect_list_holds_the_alerts_closed_in_the_period(scenario, places,
                                                               town_supervisor):
    _, rows = lists(places["county"])
    closed = rows["效果清单"]
    assert [(r[1], r[4]) for r in closed] == [("HA001", "住房不安全"), ("HA003", "住房不安全")]
    first = dict(zip(SHEETS_BY_NAME["效果清单"].columns, closed[0], strict=True))
    assert first["销号人"] == "charlie" and first["所在单位"] == ""
    assert first["消除依据排查"] == "2026-08-15 日常走访"
    assert (first["整改前"], first["整改后"]) == ("住房安全：D", "住房安全：A")
    assert first["帮扶措施"] == "危房改造"
    assert first["发现日期"] == "2026-07-01"


def test_the_effect_list_shows_a_dropout_back_at_school(places, town_supervisor):
    home = family(places["village_a"], "HA007")
    record(home, date(2026, 7, 1), child="失学辍学")
    record(home, date(2026, 9, 1), child="在校")
    alert_close(alert=alert_of(home, "DROPOUT"), actor=town_supervisor)
    [row] = effect(list_scope(place=places["county"], start=START, end=END))
    assert (row[11], row[12]) == ("失学辍学成员：杨小（13岁）", "杨小：在校")


def test_every_cell_of_the_five_lists_is_as_pinned(scenario, places):
    """The whole of each list, cell by cell, so a faster way of reading them is proven
    to give the same rows."""
    _, rows = lists(places["county"])
    today = END.isoformat()
    late_done, late_open = (END - date(2026, 8, 1)).days, (END - date(2026, 10, 1)).days
    assert rows == {
        "问题清单": [
            [1, "HZ001", "500241002201", "中和街道", "金田村", "杨明华", "HOUSING", "住房不安全",
             "住房安全",
             "高风险", "2026-07-15", "基层干部排查", "住房安全等级 C 级（C、D 级为危房）", "预警",
             "村", "否"],
            [2, "HA001", "500241101201", "隘口镇", "平所村", "杨明华", "DROPOUT",
             "义务教育阶段失学辍学", "因学", "高风险",
             "2026-07-01", "基层干部排查", "失学辍学：杨小（13岁）", "已排除", "村", "否"],
            [3, "HA001", "500241101201", "隘口镇", "平所村", "杨明华", "HOUSING", "住房不安全",
             "住房安全",
             "高风险", "2026-07-01", "基层干部排查", "住房安全等级 D 级（C、D 级为危房）",
             "已销号", "村", "否"],
            [4, "HA002", "500241101201", "隘口镇", "平所村", "杨明华", "WATER", "饮水不安全",
             "饮水安全",
             "高风险", "2026-09-01", "基层干部排查", "饮水不达标：饮水水质", "核实", "村", "否"],
            [5, "HB001", "500241101202", "隘口镇", "太阳山村", "杨明华", "INCOME_NEAR_LINE",
             "收入接近监测线",
             "收入", "中风险", "2026-10-01", "基层干部排查",
             "人均纯收入 7000.00 元，在监测线 6000.00 元至 9000.00 元之间", "预警", "村", "否"],
        ],
        "整改清单": [
            [1, "HA001", "平所村", "杨明华", "住房不安全", "住房安全", "2026-07-01", "已销号",
             "危房改造", "住建", "2026-08-01", "已落实", 1, today],
            [2, "HA002", "平所村", "杨明华", "饮水不安全", "饮水安全", "2026-09-01", "核实",
             "饮水工程", "水利", "2026-10-01", "待落实", 1, today],
        ],
        "任务清单": [
            [1, "HA001", "平所村", "杨明华", "住房不安全", "危房改造", "危房改造", "住建",
             "县住建委", "吉娜", "县住建委", "2026-08-01", "已完成", today, late_done],
            [2, "HA002", "平所村", "杨明华", "饮水不安全", "饮水工程", "饮水工程", "水利",
             "县水利局",
             "", "", "2026-10-01", "待办", "", late_open],
        ],
        "责任清单": [
            [1, "县住建委", "吉娜", "县住建委", 1, 0, 0, 1],
            [2, "县水利局", "", "", 1, 1, 1, 0],
        ],
        "效果清单": [
            [1, "HA001", "平所村", "杨明华", "住房不安全", "住房安全", "2026-07-01", today,
             "charlie", "", "2026-08-15 日常走访", "住房安全：D", "住房安全：A", "危房改造"],
            [2, "HA003", "平所村", "杨明华", "住房不安全", "住房安全", "2026-03-01", today,
             "charlie", "", "2026-06-10 日常走访", "住房安全：D", "住房安全：A", ""],
        ],
    }


def test_a_period_before_anything_happened_is_empty(scenario, places):
    _, rows = lists(places["county"], start=date(2025, 1, 1), end=date(2025, 12, 31))
    assert all(not r for r in rows.values())


def test_the_lists_hold_only_what_the_reader_may_see(scenario, places, village_officer,
                                                     education_staff):
    _, mine = lists(places["village_a"], user=village_officer)
    assert {r[1] for r in mine["问题清单"]} == {"HA001", "HA002"}
    _, education = lists(places["county"], user=education_staff)
    assert [r[6] for r in education["问题清单"]] == ["DROPOUT"]  # 规则代码
    assert [r[7] for r in education["问题清单"]] == ["义务教育阶段失学辍学"]  # 规则
    assert education["任务清单"] == [] and education["效果清单"] == []


def test_lists_do_not_query_per_row(scenario, places):
    def queries():
        scope = list_scope(place=places["county"], start=START, end=END, today=END)
        with CaptureQueriesContext(connection) as captured:
            for sheet in SHEETS_BY_NAME.values():
                list(sheet.rows(scope))
        return len(captured)

    before = queries()
    for n in range(6):
        record(family(places["village_b"], f"HB10{n}"), date(2026, 7, 1), housing="D")
    assert queries() == before


# ── Reconciliation ────────────────────────────────────────────────────────────────────

def test_the_scenario_balances(scenario, places):
    scope, _ = lists(places["county"])
    result = reconcile(scope)
    assert result.balanced, result.problems
    t = result.total
    assert (t.raised, t.closed, t.dismissed, t.open) == (5, 1, 1, 3)
    assert [(v.code, v.raised, v.closed, v.dismissed, v.open) for v in result.villages] == [
        ("500241002201", 1, 0, 0, 1), ("500241101201", 3, 1, 1, 1),
        ("500241101202", 1, 0, 0, 1)]


def test_a_tampered_state_is_caught_and_named(scenario, places):
    water = Alert.objects.get(household__number="HA002", rule="WATER")
    Alert.objects.filter(pk=water.pk).update(state="已销号")  # no move, no close time
    result = reconcile(lists(places["county"])[0])
    assert not result.balanced
    assert result.problems[0] == ("平所村（500241101201）：发现 3 条，销号 1 + 排除 1 + 未销号 0 = "
                                  "2 条，相差 1 条")
    assert "平所村（500241101201）HA002 饮水不安全：状态为“已销号”，但流转记录最后为“核实”" in (
        result.problems)
    assert [v.balanced for v in result.villages] == [True, False, True]


def test_a_close_without_its_record_is_caught_against_the_effect_list(scenario, places):
    from alerts.models import AlertMove

    AlertMove.objects.filter(alert__household__number="HA003", to_state="已销号").delete()
    problems_found = reconcile(lists(places["county"])[0]).problems
    assert "平所村（500241101201）：效果清单 2 条，但期内销号记录 1 条" in problems_found


def test_assistance_without_a_measure_is_caught(scenario, places):
    from alerts.services import record_move

    alert = Alert.objects.get(household__number="HB001")
    record_move(alert, to="帮扶中")
    Alert.objects.filter(pk=alert.pk).update(state="帮扶中")
    problems_found = reconcile(lists(places["county"])[0]).problems
    assert problems_found == [
        "太阳山村（500241101202）HB001 收入接近监测线：状态为“帮扶中”，但整改清单中没有帮扶措施"]


# ── The command ───────────────────────────────────────────────────────────────────────

def run(tmp_path, *args):
    call_command("five_lists", "--place", "500241", "--from", "2026-06-01", "--to",
                 END.isoformat(), "--out", str(tmp_path), *args)


def test_the_command_writes_one_workbook_with_five_sheets(scenario, tmp_path, capsys):
    run(tmp_path, "--format", "xlsx")
    out = capsys.readouterr().out
    assert "问题清单 5 条" in out and "对账：发现 5 条 = 销号 1 + 排除 1 + 未销号 3，平衡" in out
    book = CalamineWorkbook.from_path(str(tmp_path / "五张清单.xlsx"))
    assert book.sheet_names == ["问题清单", "整改清单", "任务清单", "责任清单", "效果清单"]
    sheet = book.get_sheet_by_name("问题清单").to_python()
    assert sheet[0][0] == "秀山县防止返贫动态监测问题清单"
    assert "地区：秀山县（500241）" in sheet[1][0] and f"期间：2026-06-01 至 {END}" in sheet[1][0]
    assert "生成时间" in sheet[1][0]
    assert sheet[2][:3] == ["序号", "农户", ""]
    assert sheet[3][:3] == ["序号", "户编号", "村代码"]  # one complete header row
    assert set(REQUIRED) <= set(sheet[3])
    header = sheet[3]
    data = [dict(zip(header, row, strict=True)) for row in sheet[4:]]
    assert [(d["户编号"], d["规则代码"], d["规则"]) for d in data][2] == (
        "HA001", "HOUSING", "住房不安全")
    assert len(data) == 5


def test_the_workbook_holds_dates_as_excel_dates(scenario, tmp_path):
    """发现日期 and the other days are Excel dates (they sort and filter as dates), shown
    yyyy-mm-dd; the CSV files write the same day as text."""
    run(tmp_path, "--format", "xlsx")
    sheet = CalamineWorkbook.from_path(str(tmp_path / "五张清单.xlsx")).get_sheet_by_name(
        "问题清单").to_python()
    found = [row[sheet[3].index("发现日期")] for row in sheet[4:]]
    assert found[1] == date(2026, 7, 1) and all(isinstance(day, date) for day in found)
    with zipfile.ZipFile(tmp_path / "五张清单.xlsx") as xlsx:
        assert 'formatCode="yyyy-mm-dd"' in xlsx.read("xl/styles.xml").decode()
    run(tmp_path, "--format", "csv")
    assert ",2026-07-01," in (tmp_path / "问题清单.csv").read_text(encoding="utf-8-sig")


def test_the_workbook_prints_as_a_ledger(scenario, tmp_path):
    run(tmp_path, "--format", "xlsx")
    with zipfile.ZipFile(tmp_path / "五张清单.xlsx") as xlsx:
        sheet = xlsx.read("xl/worksheets/sheet1.xml").decode()
        workbook = xlsx.read("xl/workbook.xml").decode()
        styles = xlsx.read("xl/styles.xml").decode()
    assert 'orientation="landscape"' in sheet and 'paperSize="9"' in sheet
    assert 'fitToHeight="0"' in sheet and "<mergeCell " in sheet
    assert 'ref="A1:P1"' in sheet  # the title across the table
    assert 'ref="A3:A4"' in sheet and 'ref="B3:F4"' not in sheet and 'ref="B3:F3"' in sheet
    assert "&amp;P" in sheet  # page numbers
    assert "_xlnm.Print_Titles" in workbook and "$3:$4" in workbook
    assert 'style="thin"' in styles  # bordered cells
    assert "<col " in sheet
    assert 'useFirstPageNumber="1"' in sheet  # each list filed on its own counts from page 1


def test_an_empty_list_says_so(scenario, tmp_path):
    call_command("five_lists", "--place", "500241", "--to", "2020-12-31", "--format", "xlsx",
                 "--out", str(tmp_path))
    sheet = CalamineWorkbook.from_path(str(tmp_path / "五张清单.xlsx")).get_sheet_by_name(
        "效果清单").to_python()
    assert sheet[4][0] == "本期无记录" and len(sheet) == 5


def test_the_command_writes_five_csv_files_with_a_bom(scenario, tmp_path):
    run(tmp_path, "--format", "csv")
    names = ["问题清单.csv", "整改清单.csv", "任务清单.csv", "责任清单.csv", "效果清单.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)
    for name in names:
        assert (tmp_path / name).read_bytes().startswith(b"\xef\xbb\xbf")
    with (tmp_path / "问题清单.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert set(REQUIRED) <= set(rows[0])
    assert [(r["户编号"], r["规则代码"], r["规则"], r["状态"]) for r in rows][1:3] == [
        ("HA001", "DROPOUT", "义务教育阶段失学辍学", "已排除"),
        ("HA001", "HOUSING", "住房不安全", "已销号")]
    with (tmp_path / "效果清单.csv").open(encoding="utf-8-sig") as handle:
        assert len(list(csv.DictReader(handle))) == 2


def test_an_unbalanced_report_says_where(scenario, tmp_path, capsys):
    Alert.objects.filter(household__number="HB001").update(state="已排除")
    run(tmp_path, "--format", "csv")
    err = capsys.readouterr().err
    assert "不平衡" in err and "太阳山村（500241101202）：发现 1 条" in err


def test_an_unknown_place_is_refused(db, tmp_path):
    with pytest.raises(CommandError, match="地区代码 999999 不存在"):
        call_command("five_lists", "--place", "999999", "--format", "csv", "--out",
                     str(tmp_path))


@pytest.mark.parametrize("bad", ["2026-02-30", "2026/06/01", "昨天"])
def test_a_bad_date_is_refused(places, tmp_path, bad):
    with pytest.raises(CommandError, match=f"--from 日期“{bad}”无效"):
        call_command("five_lists", "--place", "500241", "--from", bad, "--format", "csv",
                     "--out", str(tmp_path))


def test_a_period_ending_before_it_starts_is_refused(places, tmp_path):
    with pytest.raises(CommandError, match="晚于截止日期"):
        call_command("five_lists", "--place", "500241", "--from", "2026-06-02", "--to",
                     "2026-06-01", "--format", "csv", "--out", str(tmp_path))



def test_place_and_period_default_to_the_users_place_up_to_today(places, county_supervisor):
    asked = place_and_period({"place": "500241", "from": "2026-01-01", "to": "2026-06-30"},
                             county_supervisor)
    assert (asked.place.code, asked.start, asked.end, asked.errors) == (
        "500241", date(2026, 1, 1), date(2026, 6, 30), {})
    default = place_and_period({}, county_supervisor)
    assert (default.place.code, default.start, default.end) == (
        "500241", None, timezone.localdate())


def test_a_bad_day_is_refused_in_the_same_words_by_page_api_and_command(places,
                                                                        county_supervisor):
    bad = "应为 YYYY-MM-DD 格式的真实日期，如 2026-01-31"
    assert place_and_period({"to": "2026-02-30"}, county_supervisor).errors == {
        "to": [f"截止日期“2026-02-30”无效，{bad}"]}
    assert place_and_period({"place": "500241", "from": "昨天"}, None,
                            labels=OPTION_LABELS).messages == [f"--from 日期“昨天”无效，{bad}"]


def test_a_place_outside_the_users_is_not_found_and_a_command_reaches_every_place(
        places, county_supervisor):
    with pytest.raises(Http404, match="未找到该地区"):
        place_and_period({"place": "500102"}, county_supervisor)
    assert place_and_period({"place": "500102"}, None).place.name == "涪陵区"
    with pytest.raises(Http404, match="地区代码 999999 不存在"):
        place_and_period({"place": "999999"}, None)


def test_an_unknown_format_is_refused(places, tmp_path):
    with pytest.raises(CommandError, match="须为 xlsx 或 csv"):
        call_command("five_lists", "--place", "500241", "--format", "pdf", "--out",
                     str(tmp_path))


def test_the_problems_rows_are_the_same_as_the_command_writes(scenario, places, tmp_path):
    run(tmp_path, "--format", "csv")
    with (tmp_path / "问题清单.csv").open(encoding="utf-8-sig") as handle:
        written = [row for row in csv.reader(handle)][1:]
    scope = list_scope(place=places["county"], start=START, end=END)
    assert written == [[str(cell) for cell in row] for row in problems(scope)]


def test_a_unit_typed_like_a_formula_stays_text_in_the_csv(scenario, tmp_path):
    from alerts.models import Task
    Task.objects.filter(unit="县水利局").update(unit="=HYPERLINK(\"http://x\",\"县水利局\")")
    run(tmp_path, "--format", "csv")
    with (tmp_path / "任务清单.csv").open(encoding="utf-8-sig") as handle:
        units = [row["责任单位"] for row in csv.DictReader(handle)]
    assert units == ["县住建委", "'=HYPERLINK(\"http://x\",\"县水利局\")"]
