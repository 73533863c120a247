"""import_survey: the county's survey workbook in (interfaces.md, issue 3): bad rows
reported with sheet, row, column, value and reason while the good rows are kept; dry
runs, exit codes and progress; the error report's round trip."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alerts.models import Alert
from households.models import Check, Household, Member
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
    rules_of,
    two_households,
    write_csv_folder,
    write_xlsx,
)

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
