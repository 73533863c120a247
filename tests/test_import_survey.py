"""import_survey: the county's survey workbook in (interfaces.md, issue 3)."""

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alerts.models import Alert, AlertMove
from households.models import Check, Household, Member, StatusChange
from survey.importing import survey_import

from .factories import id_number
from .survey_helpers import (
    CHILD,
    HEAD,
    check_row,
    family,
    household_row,
    member_row,
    read_csv,
    read_xlsx,
    write_csv_folder,
    write_xlsx,
)


def two_households():
    """H001 and H002, one member and one check each: the good rows a bad one sits among."""
    return ([household_row(), household_row("H002", 户主身份证号=id_number())],
            [member_row(), member_row("H002", "田二", id_number())],
            [check_row(), check_row("H002")])


def rules_of(number="H001") -> set[str]:
    return set(Alert.objects.filter(household__number=number).values_list("rule", flat=True))


def registry_state():
    """Everything an import may write, to compare before and after."""
    return (
        list(Household.objects.values_list("number", "updated_at", "household_class",
                                           "key_group")),
        list(Member.objects.values_list("id_number", "schooling", "insured")),
        list(Check.objects.values_list("id", "evaluated_at", "income_wages", "members")),
        list(Alert.objects.values_list("id", "state", "updated_at")),
        AlertMove.objects.count(), StatusChange.objects.count(),
    )


# ── Clean workbooks ──────────────────────────────────────────────────────────────────

def test_a_clean_xlsx_imports_and_raises_the_alerts_it_shows(places, tmp_path, run):
    code, out, err = run(write_xlsx(tmp_path / "s.xlsx", *family()))
    assert code == 0, err
    assert "农户：新增 1，更新 0" in out and "成员：新增 2，更新 0" in out
    assert "排查：新增 2，更新 0" in out and "未导入行：0" in out and "新增预警：3" in out
    # 2026: a dropout of 12, 4,000 a head (< 6,000), down 83 % from 23,000.
    assert rules_of() == {"DROPOUT", "INCOME_BELOW_LINE", "INCOME_DROP"}
    household = Household.objects.get(number="H001")
    assert household.household_class == "临界" and household.key_group == "临界户"
    assert not Check.objects.filter(evaluated_at__isnull=True).exists()


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_a_clean_csv_folder_imports_in_each_encoding_excel_saves(places, tmp_path, run,
                                                                  encoding):
    code, _, err = run(write_csv_folder(tmp_path / "s", *family(), encoding=encoding))
    assert code == 0, err
    household = Household.objects.get(number="H001")
    assert household.head_name == "杨明华" and household.group == "一组"
    assert Member.objects.get(id_number=CHILD).schooling == "失学辍学"
    assert rules_of() == {"DROPOUT", "INCOME_BELOW_LINE", "INCOME_DROP"}


def test_each_check_records_the_members_it_saw(places, tmp_path, run):
    run(write_csv_folder(tmp_path / "s", *family()))
    check = Check.objects.get(visit_date=date(2026, 4, 10))
    assert [m["id_number"] for m in check.members] == [HEAD, CHILD]
    assert check.members[1]["schooling"] == "失学辍学"
    assert check.members[1]["birth_date"] == "2014-03-01"
    assert check.per_capita_income == 4000


def test_the_head_and_the_members_facts_come_from_the_rows(places, tmp_path, run):
    run(write_csv_folder(tmp_path / "s", *family()))
    head, child = Member.objects.order_by("id")
    assert head.is_head and head.male and head.birth_date == date(1980, 5, 1)
    assert not child.is_head and not child.male and child.labour == "无劳动力"


def test_column_order_is_free(places, tmp_path, run):
    households, members, checks = family()
    flipped = [[dict(reversed(row.items())) for row in rows]
               for rows in (households, members, checks)]
    code, _, err = run(write_csv_folder(tmp_path / "s", *flipped))
    assert code == 0, err
    assert rules_of() == {"DROPOUT", "INCOME_BELOW_LINE", "INCOME_DROP"}


def test_a_registered_household_gets_its_key_group_without_a_check(places, tmp_path, run):
    code, _, err = run(write_csv_folder(
        tmp_path / "s", [household_row(是否建档立卡="是", 脱贫状态="未脱贫")], [member_row()], []))
    assert code == 0, err
    assert Household.objects.get().key_group == "未脱贫户"


def test_an_empty_sheet_is_nothing_to_import(places, tmp_path, run):
    households, members, _ = family()
    path = write_csv_folder(tmp_path / "s", households, members, [])
    (path / "排查.csv").write_bytes(b"")
    code, out, err = run(path)
    assert code == 0, err
    assert "排查：新增 0" in out and Member.objects.count() == 2


# ── What Excel does to cells ─────────────────────────────────────────────────────────

def test_excel_date_cells_and_numeric_code_cells_are_read_as_typed(places, tmp_path, run):
    households = [household_row("500241101201007", 是否建档立卡="是", 脱贫状态="已脱贫",
                                脱贫年度="2019")]
    members = [member_row("500241101201007")]
    checks = [check_row("500241101201007", 工资性收入="41234.5")]
    path = write_xlsx(tmp_path / "typed.xlsx", households, members, checks, typed_cells=True)
    assert read_xlsx(path)["农户"][0]["村代码"] == 500241101201.0  # what calamine hands back
    code, _, err = run(path)
    assert code == 0, err
    household = Household.objects.get()
    assert household.number == "500241101201007" and household.village_id == "500241101201"
    assert household.phone == "13800000000" and household.poverty_exit_year == 2019
    check = Check.objects.get()
    assert check.visit_date == date(2026, 4, 10) and check.income_wages == 41234.5
    assert Member.objects.get().id_number == HEAD  # typed as text, stays text


def test_an_id_number_excel_turned_into_a_number_is_refused_with_why(places, tmp_path, run):
    households, members, checks = family()
    path = write_xlsx(tmp_path / "s.xlsx", households, members, checks, typed_cells=True,
                      numbers={"身份证号"})
    code, _, err = run(path)
    assert code == 1
    assert "成员 第2行 身份证号“5.0024119800501E+17”：身份证号被存成了数字" in err


def test_a_title_row_above_the_header_is_skipped_and_rows_keep_excel_numbers(
        places, tmp_path, run):
    households, members, checks = two_households()
    checks[1]["住房安全"] = "E"
    code, _, err = run(write_xlsx(tmp_path / "s.xlsx", households, members, checks,
                                  title="秀山县2026年集中排查"))
    assert code == 1
    assert "排查 第4行 住房安全“E”" in err  # title row 1, header row 2, H002 on row 4
    assert Check.objects.count() == 1


def test_cells_are_stripped(places, tmp_path, run):
    households, members, checks = family()
    households[0]["户主姓名"] = "  杨明华 "
    checks[0]["排查类型"] = " 集中排查"
    code, _, err = run(write_csv_folder(tmp_path / "s", households, members, checks))
    assert code == 0, err
    assert Household.objects.get().head_name == "杨明华"


# ── Importing again ──────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("fmt", ["xlsx", "csv", "typed xlsx"])
def test_importing_the_same_workbook_twice_changes_nothing(places, tmp_path, run, fmt):
    if fmt == "csv":
        path = write_csv_folder(tmp_path / "s", *family())
    else:
        path = write_xlsx(tmp_path / "s.xlsx", *family(), typed_cells=fmt == "typed xlsx")
    assert run(path)[0] == 0
    before = registry_state()
    code, out, _ = run(path)
    assert code == 0
    assert "农户：新增 0，更新 0" in out and "成员：新增 0，更新 0" in out
    assert "排查：新增 0，更新 0" in out and "新增预警：0" in out
    assert registry_state() == before


def test_the_registry_read_a_key_per_query_finds_what_one_query_finds(places, tmp_path,
                                                                     run, monkeypatch):
    """A county's keys are read a few thousand at a time (registry.keys_per_query)."""
    households, members, checks = two_households()
    path = write_csv_folder(tmp_path / "s", households, members, checks)
    assert run(path)[0] == 0
    monkeypatch.setattr("survey.registry.keys_per_query", lambda: 1)
    households[0]["联系电话"] = "13900000000"
    code, out, _ = run(write_csv_folder(tmp_path / "b", households, members, checks))
    assert code == 0 and "农户：新增 0，更新 1" in out
    assert "成员：新增 0，更新 0" in out and "排查：新增 0，更新 0" in out


def test_a_changed_household_row_updates_only_that_household(places, tmp_path, run):
    households, members, checks = two_households()
    run(write_csv_folder(tmp_path / "a", households, members, checks))
    untouched = Household.objects.get(number="H002").updated_at
    households[0]["联系电话"] = "13900000000"
    code, out, _ = run(write_csv_folder(tmp_path / "b", households, members, checks))
    assert code == 0 and "农户：新增 0，更新 1" in out
    h001 = Household.objects.get(number="H001")
    assert h001.phone == "13900000000" and h001.updated_at > untouched
    assert Household.objects.get(number="H002").updated_at == untouched


def test_a_changed_member_row_updates_the_member_and_the_newest_check(places, tmp_path, run):
    households, members, checks = family()
    run(write_csv_folder(tmp_path / "a", households, members, checks))
    members[1]["在校情况"] = "在校"  # she was back at school on the 2026 visit
    code, out, _ = run(write_csv_folder(tmp_path / "b", households, members, checks))
    assert code == 0 and "成员：新增 0，更新 1" in out and "排查：新增 0，更新 1" in out
    assert Member.objects.get(id_number=CHILD).schooling == "在校"
    newest, older = Check.objects.order_by("-visit_date")
    assert newest.members[1]["schooling"] == "在校"
    assert older.members[1]["schooling"] == "失学辍学"
    assert Alert.objects.get(rule="DROPOUT").state == "待销号"


def test_a_changed_check_row_updates_the_check_and_is_evaluated_again(places, tmp_path, run):
    households, members, checks = family()
    run(write_csv_folder(tmp_path / "a", households, members, checks))
    checks[1]["工资性收入"] = "60000"
    code, out, _ = run(write_csv_folder(tmp_path / "b", households, members, checks))
    assert code == 0 and "排查：新增 0，更新 1" in out
    assert Check.objects.get(visit_date=date(2026, 4, 10)).income_wages == 60000
    assert not Check.objects.filter(evaluated_at__isnull=True).exists()
    states = dict(Alert.objects.values_list("rule", "state"))
    assert states["INCOME_BELOW_LINE"] == "待销号" and states["INCOME_DROP"] == "待销号"


def test_a_new_check_row_is_added_to_the_history(places, tmp_path, run):
    households, members, checks = family()
    run(write_csv_folder(tmp_path / "a", households, members, checks))
    checks.append(check_row(visit="2026-06-01", kind="回头看", 工资性收入="60000"))
    code, out, _ = run(write_csv_folder(tmp_path / "b", households, members, checks))
    assert code == 0 and "排查：新增 1，更新 0" in out
    assert Check.objects.count() == 3
    assert Alert.objects.get(rule="INCOME_BELOW_LINE").state == "待销号"


def test_a_registration_change_moves_the_key_group_without_a_new_check(places, tmp_path,
                                                                        run):
    households, members, checks = family()
    households[0].update(是否建档立卡="是", 脱贫状态="未脱贫")
    run(write_csv_folder(tmp_path / "a", households, members, checks))
    assert Household.objects.get().key_group == "未脱贫户"
    households[0].update(脱贫状态="已脱贫", 脱贫年度="2020")
    code, out, _ = run(write_csv_folder(tmp_path / "b", households, members, checks))
    assert code == 0 and "农户：新增 0，更新 1" in out
    assert Household.objects.get().key_group == "已脱贫户"
    change = StatusChange.objects.filter(kind="key_group").last()
    assert (change.old, change.new) == ("未脱贫户", "已脱贫户")


def test_member_rows_older_than_the_registrys_newest_visit_stay_on_their_check(
        places, tmp_path, run):
    """A late workbook with a 2024 visit: its member rows describe 2024, not today."""
    households, members, checks = family()
    run(write_csv_folder(tmp_path / "a", households, members, checks))
    members[1]["在校情况"] = "在校"
    code, out, err = run(write_csv_folder(tmp_path / "b", households, members,
                                          [check_row(visit="2024-04-10")]))
    assert code == 0, err
    assert "1 人的在校、健康、劳动、务工、参保情况早于系统中该户最近一次排查" in err
    assert Member.objects.get(id_number=CHILD).schooling == "失学辍学"
    late = Check.objects.get(visit_date=date(2024, 4, 10))
    assert late.members[1]["schooling"] == "在校"


# ── A check whose alerts a person worked on is never edited (domain.md §4) ───────────

@pytest.fixture
def worked_on(places, tmp_path, run, county_supervisor):
    """family() imported, and the town verified its DROPOUT alert."""
    run(write_csv_folder(tmp_path / "first", *family()))
    alert = Alert.objects.get(rule="DROPOUT")
    AlertMove.objects.create(alert=alert, actor=county_supervisor, from_state="预警",
                             to_state="核实")
    Alert.objects.filter(pk=alert.pk).update(state="核实")
    return family()


def test_a_changed_check_row_of_a_worked_on_household_is_refused(worked_on, tmp_path, run):
    households, members, checks = worked_on
    checks[1]["工资性收入"] = "90000"
    code, _, err = run(write_csv_folder(tmp_path / "b", households, members, checks))
    assert code == 1
    assert "排查 第3行 工资性收入“90000”：该户的预警已有人处理，已登记的排查不能修改" in err
    assert Check.objects.get(visit_date=date(2026, 4, 10)).income_wages == 6000
    [row] = read_csv(tmp_path / "b_错误报告" / "排查.csv")
    assert "请新增一次排查" in row["错误原因"] and row["工资性收入"] == "90000"


def test_a_changed_member_of_a_worked_on_household_needs_a_new_check(worked_on, tmp_path,
                                                                     run):
    households, members, checks = worked_on
    members[1]["在校情况"] = "在校"
    code, _, err = run(write_csv_folder(tmp_path / "b", households, members, checks))
    assert code == 1
    assert "成员 第3行 在校情况“在校”：该户的预警已有人处理" in err
    assert Member.objects.get(id_number=CHILD).schooling == "失学辍学"
    # The correction as domain.md §4 wants it: a new check, with the member as it saw her.
    checks.append(check_row(visit="2026-05-02", kind="核实", 工资性收入="6000", 经营性收入="0",
                            转移性收入="2000"))
    code, out, err = run(write_csv_folder(tmp_path / "c", households, members, checks))
    assert code == 0, err
    assert Member.objects.get(id_number=CHILD).schooling == "在校"
    assert Alert.objects.get(rule="DROPOUT").state == "待销号"


def test_moves_made_by_the_engine_alone_do_not_freeze_a_check(places, tmp_path, run):
    households, members, checks = family()
    run(write_csv_folder(tmp_path / "a", households, members, checks))
    assert AlertMove.objects.filter(actor__isnull=True).exists()
    checks[1]["工资性收入"] = "90000"
    code, _, _ = run(write_csv_folder(tmp_path / "b", households, members, checks))
    assert code == 0
    assert Check.objects.get(visit_date=date(2026, 4, 10)).income_wages == 90000


# ── Bad rows: reported with sheet, row, column, value and reason; good rows kept ─────

BAD_ROWS = [
    ("农户", {"户主身份证号": HEAD[:-1] + ("0" if HEAD[-1] != "0" else "1")}, "户主身份证号",
     "校验码错误"),
    ("成员", {"身份证号": CHILD[:-1] + ("0" if CHILD[-1] != "0" else "1")}, "身份证号",
     "校验码错误"),
    ("成员", {"身份证号": "500241198002300016"}, "身份证号", "出生日期19800230不存在"),
    ("成员", {"身份证号": "50024119800501"}, "身份证号", "应为18位"),
    ("农户", {"村代码": "500241101299"}, "村代码", "村代码不存在"),
    ("农户", {"村代码": "500241101"}, "村代码", "村代码应为12位数字"),
    ("农户", {"是否建档立卡": "Y"}, "是否建档立卡", "应填“是”或“否”"),
    ("农户", {"脱贫状态": "脱贫"}, "脱贫状态", "应为以下之一"),
    ("农户", {"脱贫年度": "2019"}, "脱贫年度", "只有已脱贫的农户填脱贫年度"),
    ("农户", {"户主姓名": ""}, "户主姓名", "不能为空"),
    ("成员", {"在校情况": "上学"}, "在校情况", "应为以下之一"),
    ("成员", {"参加基本医疗保险": "有"}, "参加基本医疗保险", "应填“是”或“否”"),
    ("排查", {"不愁吃": "有"}, "不愁吃", "应填“是”或“否”"),
    ("排查", {"住房安全": "E"}, "住房安全", "应为以下之一"),
    ("排查", {"工资性收入": "-5"}, "工资性收入", "金额不能为负数"),
    ("排查", {"医疗自付支出": "八百"}, "医疗自付支出", "应为数字"),
    ("排查", {"排查日期": "2999-01-01"}, "排查日期", "日期不能晚于今天"),
    ("排查", {"排查日期": "2026-02-30"}, "排查日期", "日期不存在"),
    ("排查", {"排查日期": "10/04/2026"}, "排查日期", "日期格式应为 YYYY-MM-DD"),
    ("排查", {"排查类型": "普查"}, "排查类型", "应为以下之一"),
    ("排查", {"户编号": "NOPE"}, "户编号", "户编号在农户表和系统中都不存在"),
]


@pytest.mark.parametrize(("sheet", "change", "column", "reason"), BAD_ROWS,
                         ids=[f"{s}-{c}-{r}" for s, _, c, r in BAD_ROWS])
def test_a_bad_row_is_reported_and_the_good_rows_kept(places, tmp_path, run, sheet, change,
                                                      column, reason):
    households, members, checks = two_households()
    {"农户": households, "成员": members, "排查": checks}[sheet][1].update(change)
    code, out, err = run(write_csv_folder(tmp_path / "s", households, members, checks))
    assert code == 1
    value = next(iter(change.values()))
    assert f"{sheet} 第3行 {column}{f'“{value}”' if value else ''}：" in err
    assert reason in err and "未导入行：" in out
    assert Household.objects.filter(number="H001").exists()
    assert Member.objects.filter(household__number="H001").count() == 1
    assert Check.objects.filter(household__number="H001").count() == 1
    report = read_csv(tmp_path / "s_错误报告" / f"{sheet}.csv")
    assert len(report) == 1 and reason in report[0]["错误原因"]
    assert report[0][column] == value  # as the officer typed it


def test_a_rejected_household_takes_its_members_and_checks_with_it(places, tmp_path, run):
    households, members, checks = family()
    households[0]["村代码"] = "500241101299"
    code, _, err = run(write_csv_folder(tmp_path / "s", households, members, checks))
    assert code == 1
    assert "成员 第2行 户编号“H001”：所属农户（农户表第2行）未能导入" in err
    assert "排查 第3行 户编号“H001”：所属农户（农户表第2行）未能导入" in err
    assert not Household.objects.exists() and not Member.objects.exists()


def test_a_rejected_household_row_of_a_registered_household_keeps_its_other_rows(
        places, tmp_path, run):
    households, members, checks = family()
    run(write_csv_folder(tmp_path / "a", households, members, checks[:1]))
    households[0]["是否建档立卡"] = "可能"
    code, _, _ = run(write_csv_folder(tmp_path / "b", households, members, checks))
    assert code == 1
    assert Check.objects.count() == 2  # the household is in the registry already


def test_a_rejected_member_holds_back_its_households_new_checks(places, tmp_path, run):
    """Per-capita income divides by every member: a check without one would be wrong."""
    households, members, checks = family()
    members[1]["健康状况"] = "不好"
    code, _, err = run(write_csv_folder(tmp_path / "s", households, members, checks))
    assert code == 1
    assert "排查 第2行 户编号“H001”：该户成员表第3行未能导入" in err
    assert Household.objects.count() == 1 and Member.objects.count() == 1
    assert not Check.objects.exists()


def test_a_check_of_a_household_without_members_is_refused(places, tmp_path, run):
    households, _, checks = family()
    code, _, err = run(write_csv_folder(tmp_path / "s", households, [], checks))
    assert code == 1
    assert "无法计算人均纯收入" in err and not Check.objects.exists()


def test_repeated_keys_in_one_file_keep_the_first_row(places, tmp_path, run):
    households, members, checks = family()
    households.append(household_row(户主姓名="另一人"))
    members.append(member_row(name="重复"))
    checks.append(check_row(visit="2026-04-10", 工资性收入="1"))
    code, _, err = run(write_csv_folder(tmp_path / "s", households, members, checks))
    assert code == 1
    assert "农户 第3行 户编号“H001”：户编号重复（与第2行）" in err
    assert "成员 第4行 身份证号" in err and "身份证号在本文件中重复（与第2行）" in err
    assert "同一户同一天同一类型的排查重复（与第3行）" in err
    assert Household.objects.get().head_name == "杨明华"


def test_an_id_number_registered_in_another_household_is_refused(places, tmp_path, run):
    run(write_csv_folder(tmp_path / "a", *family()))
    other = household_row("H009", 户主身份证号=id_number())
    code, _, err = run(write_csv_folder(
        tmp_path / "b", [other], [member_row("H009", "杨小", CHILD, "户主")], []))
    assert code == 1
    assert "已登记在其他农户（户编号 H001），一人只能在一户" in err
    assert Member.objects.get(id_number=CHILD).household.number == "H001"


def test_a_head_who_is_a_member_of_another_household_is_refused(places, tmp_path, run):
    run(write_csv_folder(tmp_path / "a", *family()))
    code, _, err = run(write_csv_folder(
        tmp_path / "b", [household_row("H009", 户主身份证号=CHILD)], [], []))
    assert code == 1
    assert "农户 第2行 户主身份证号" in err and "已是农户 H001 的成员" in err
    assert not Household.objects.filter(number="H009").exists()


def test_a_missing_column_refuses_that_sheet_and_names_it(places, tmp_path, run):
    households, members, checks = family()
    for row in checks:
        del row["住房安全"]
    code, out, err = run(write_csv_folder(tmp_path / "s", households, members, checks))
    assert code == 1
    assert "排查 第2行 住房安全：缺少列：住房安全（整张表未导入" in err
    assert "未导入行：2" in out
    assert Household.objects.count() == 1 and Member.objects.count() == 2
    assert not Check.objects.exists()


def test_a_missing_household_column_refuses_the_households_and_their_rows(places, tmp_path,
                                                                          run):
    households, members, checks = family()
    del households[0]["户主姓名"]
    code, _, err = run(write_csv_folder(tmp_path / "s", households, members, checks))
    assert code == 1
    assert "缺少列：户主姓名" in err and "所属农户（农户表第2行）未能导入" in err
    assert not Household.objects.exists()


def test_an_unknown_column_is_ignored_with_a_warning(places, tmp_path, run):
    households, members, checks = family()
    households[0]["宅基地面积"] = "120"
    code, _, err = run(write_csv_folder(tmp_path / "s", households, members, checks))
    assert code == 0
    assert "警告：农户：未知列“宅基地面积”已忽略" in err


def test_optional_columns_may_be_left_out(places, tmp_path, run):
    households, members, checks = family()
    for row in checks:
        del row["备注"], row["突发损失"], row["排查人"]
    del households[0]["联系电话"]
    code, _, err = run(write_csv_folder(tmp_path / "s", households, members, checks))
    assert code == 0, err
    assert Check.objects.count() == 2


# ── Dry run, exit codes, progress ────────────────────────────────────────────────────

def test_dry_run_validates_reports_and_writes_nothing(places, tmp_path, run):
    households, members, checks = two_households()
    checks[1]["住房安全"] = "E"
    code, out, err = run(write_csv_folder(tmp_path / "s", households, members, checks),
                         "--dry-run")
    assert code == 1
    assert "试运行" in out and "农户：新增 2" in out and "排查：新增 1" in out
    assert "排查 第3行 住房安全“E”" in err
    assert (tmp_path / "s_错误报告" / "排查.csv").exists()
    assert not Household.objects.exists() and not Member.objects.exists()
    assert not Check.objects.exists() and not Alert.objects.exists()


def test_a_clean_dry_run_exits_0_and_writes_nothing(places, tmp_path, run):
    code, _, _ = run(write_xlsx(tmp_path / "s.xlsx", *family()), "--dry-run")
    assert code == 0 and not Household.objects.exists()
    assert not (tmp_path / "s_错误报告.xlsx").exists()


def unreadable_inputs(tmp_path: Path):
    """(what, path, words the message must hold) for every way a file cannot be read."""
    garbage = tmp_path / "garbage.xlsx"
    garbage.write_bytes(b"not a workbook")
    text = tmp_path / "survey.txt"
    text.write_text("户编号")
    no_members = write_xlsx(tmp_path / "two.xlsx", *family())
    book = read_xlsx(no_members)
    write_two_sheets(no_members, book)
    folder = write_csv_folder(tmp_path / "folder", *family())
    (folder / "成员.csv").unlink()
    undecodable = write_csv_folder(tmp_path / "bytes", *family())
    (undecodable / "排查.csv").write_bytes(b"\xff\xfe\xff\xff\x00\x81")
    return [
        ("missing", tmp_path / "missing.xlsx", "找不到文件"),
        ("not a workbook", garbage, "无法读取 Excel 文件"),
        ("wrong type", text, "不支持的文件类型"),
        ("missing sheet", no_members, "缺少工作表：成员"),
        ("missing csv", folder, "缺少：成员.csv"),
        ("undecodable csv", undecodable, "排查.csv：文件编码无法识别"),
    ]


def write_two_sheets(path: Path, book: dict) -> None:
    import xlsxwriter

    out = xlsxwriter.Workbook(str(path))
    for name in ("农户", "排查"):
        sheet = out.add_worksheet(name)
        rows = book[name]
        sheet.write_row(0, 0, list(rows[0]))
        for r, row in enumerate(rows, start=1):
            sheet.write_row(r, 0, [str(v) for v in row.values()])
    out.close()


def test_a_file_that_cannot_be_read_exits_2_and_says_why(places, tmp_path, run):
    for what, path, words in unreadable_inputs(tmp_path):
        code, _, err = run(path)
        assert code == 2, what
        assert words in err, (what, err)
    assert not Household.objects.exists()


def test_the_exit_code_reaches_the_shell(tmp_path):
    """Through manage.py as county IT runs it (the file is refused before any query)."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
           "CELERY_BROKER_URL": ""}
    done = subprocess.run(
        [sys.executable, "manage.py", "import_survey", str(tmp_path / "nope.xlsx")],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "找不到文件或文件夹" in done.stderr


def test_some_rows_rejected_exits_1_and_a_clean_file_0(places, tmp_path, run):
    households, members, checks = two_households()
    assert run(write_csv_folder(tmp_path / "good", households, members, checks))[0] == 0
    checks[1]["不愁穿"] = "?"
    assert run(write_csv_folder(tmp_path / "bad", households, members, checks))[0] == 1


def test_progress_is_shown_for_large_files(places, tmp_path, run, monkeypatch):
    monkeypatch.setattr("survey.importing.EVALUATION_BATCH", 2)
    monkeypatch.setattr("survey.management.commands.import_survey.PROGRESS_FROM", 0)
    households = [household_row(f"H00{n}", 户主身份证号=id_number()) for n in range(3)]
    members = [member_row(h["户编号"], id_number=h["户主身份证号"]) for h in households]
    checks = [check_row(h["户编号"]) for h in households]
    code, _, err = run(write_csv_folder(tmp_path / "s", households, members, checks))
    assert code == 0
    assert "评估 2/3 户" in err and "评估 3/3 户" in err


def test_the_import_runs_the_same_queries_for_3_or_30_households(places, tmp_path):
    def queries(size: int) -> int:
        households = [household_row(f"Q{size}-{n}", 户主身份证号=id_number())
                      for n in range(size)]
        members = [member_row(h["户编号"], id_number=h["户主身份证号"]) for h in households]
        checks = [check_row(h["户编号"]) for h in households]
        path = write_csv_folder(tmp_path / str(size), households, members, checks)
        with CaptureQueriesContext(connection) as context:
            result = survey_import(path=path)
        assert result.households_created == size
        return len(context.captured_queries)

    assert queries(3) == queries(30)


# ── The error report round trip ──────────────────────────────────────────────────────

def test_the_xlsx_error_report_can_be_fixed_and_imported_again(places, tmp_path, run):
    households, members, checks = family()
    checks[1]["住房安全"] = "E"
    assert run(write_xlsx(tmp_path / "s.xlsx", households, members, checks))[0] == 1
    report = read_xlsx(tmp_path / "s_错误报告.xlsx")
    assert list(report) == ["农户", "成员", "排查"]
    [bad] = report["排查"]
    assert "住房安全" in bad["错误原因"] and not report["农户"] and not report["成员"]
    bad["住房安全"] = "B"  # the officer's fix, in the report itself
    fixed = write_xlsx(tmp_path / "s_错误报告.xlsx", report["农户"], report["成员"], [bad])
    code, out, err = run(fixed)
    assert code == 0, err
    assert "排查：新增 1" in out and "未知列" not in err
    assert Check.objects.count() == 2
    assert rules_of() == {"DROPOUT", "INCOME_BELOW_LINE", "INCOME_DROP"}


def test_the_csv_error_report_holds_dependent_rows_and_round_trips(places, tmp_path, run):
    households, members, checks = two_households()
    households[1]["村代码"] = "500241101299"  # H002's village does not exist
    assert run(write_csv_folder(tmp_path / "s", households, members, checks))[0] == 1
    report = tmp_path / "s_错误报告"
    assert (report / "农户.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    sheets = {name: read_csv(report / f"{name}.csv") for name in ("农户", "成员", "排查")}
    assert [row["户编号"] for rows in sheets.values() for row in rows] == ["H002"] * 3
    assert "村代码不存在" in sheets["农户"][0]["错误原因"]
    sheets["农户"][0]["村代码"] = "500241101202"
    write_csv_folder(report, sheets["农户"], sheets["成员"], sheets["排查"])
    code, out, err = run(report)
    assert code == 0, err
    assert "农户：新增 1" in out and "成员：新增 1" in out and "排查：新增 1" in out
    assert Household.objects.get(number="H002").village_id == "500241101202"


# ── The audit trail of an import (issue 9) ────────────────────────────────────────────

def trail(**filters):
    from monitor.models import AuditEvent

    return AuditEvent.objects.filter(source="import", **filters)


def test_an_import_records_the_file_and_each_household_it_created(tmp_path, places):
    survey_import(path=write_csv_folder(tmp_path / "a", *family()))
    household = Household.objects.get(number="H001")
    assert [e.action for e in trail(household=household)] == ["created"]
    assert trail(household=household).get().note.startswith("导入 a；")
    imported = trail(action="imported").get()
    assert imported.object_label == "a" and "农户 新增 1" in imported.note
    assert not trail(object_kind="member").exists()  # a new household's members go with it


def test_a_changed_row_records_old_and_new(tmp_path, places):
    survey_import(path=write_csv_folder(tmp_path / "a", *family()))
    households, members, checks = family()
    members[1]["在校情况"] = "在校"
    checks[1]["转移性收入"] = "3000"
    survey_import(path=write_csv_folder(tmp_path / "b", households, members, checks))
    child = trail(object_kind="member", action="changed").get()
    assert child.changes == {"在校情况": ["失学辍学", "在校"]}
    check = trail(object_kind="check", action="changed").get()
    assert check.changes["转移性收入"] == ["2000.00", "3000.00"]


def test_importing_the_same_file_again_records_only_the_file(tmp_path, places):
    folder = write_csv_folder(tmp_path / "a", *family())
    survey_import(path=folder)
    before = trail().exclude(action="imported").count()
    survey_import(path=folder)
    assert trail().exclude(action="imported").count() == before
    assert trail(action="imported").count() == 2


def test_records_created_in_a_known_household_are_in_the_trail_as_audit_event_labels_them(
        tmp_path, places):
    from monitor.audit import audit_event

    survey_import(path=write_csv_folder(tmp_path / "a", *family()))
    households, members, checks = family()
    members.append(member_row(name="杨新", id_number=id_number(date(1990, 1, 1)),
                              relation="配偶"))
    checks.append(check_row(visit="2026-05-10"))
    survey_import(path=write_csv_folder(tmp_path / "b", households, members, checks))
    member = Member.objects.get(name="杨新")
    check = Check.objects.get(visit_date=date(2026, 5, 10))
    for obj in (member, check):
        [event] = trail(action="created", object_id=str(obj.pk), object_kind=audit_event(
            actor=None, action="created", obj=obj).object_kind)
        expected = audit_event(actor=None, action="created", obj=obj)
        assert (event.object_label, event.household_id) == (expected.object_label,
                                                            obj.household_id)
        assert event.note.startswith("导入 b；") and event.changes == {}


def test_a_created_household_is_in_the_trail_as_audit_event_labels_it(tmp_path, places):
    from monitor.audit import audit_event

    survey_import(path=write_csv_folder(tmp_path / "a", *family()))
    household = Household.objects.get()
    [event] = trail(action="created", object_kind="household", object_id=str(household.pk))
    expected = audit_event(actor=None, action="created", obj=household)
    assert (event.object_label, event.household_id) == (expected.object_label, household.pk)
