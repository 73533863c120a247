"""Bad input to import_survey (issue 9): files that are not workbooks, CSV in the wrong
encoding, huge cells, formulas, far-away rows, repeated columns, a header and nothing
else, NUL bytes. Each ends with exit 2 (the file cannot be read) or 1 (rows refused), a
Chinese message and no traceback; nothing of a refused row is written, and the error
report never holds a formula Excel would run. Then any text through every column's rule."""

import os
import random
import resource
import subprocess
import sys
import time
import zipfile
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from alerts.models import Alert
from households.models import Check, Household, Member
from survey import cells
from survey.columns import LIMITS, SHEETS
from survey.reading import Sheet, cell_text
from survey.validation import clean_column, cleaners, column_rules

from .factories import id_number
from .survey_helpers import (
    Formula,
    check_row,
    household_row,
    member_row,
    raw_sheets,
    read_csv,
    write_csv_folder,
    write_raw_xlsx,
    write_xlsx,
)

QUICK = 10  # seconds, on a slow shared machine


def two_households(**h002):
    """H001 and H002 with a member and a check each; `h002` changes H002's household row."""
    return ([household_row(), household_row("H002", 户主身份证号=(h2 := id_number()), **h002)],
            [member_row(), member_row("H002", "田二", h2)],
            [check_row(), check_row("H002")])


def written() -> tuple[int, int, int, int]:
    return (Household.objects.count(), Member.objects.count(), Check.objects.count(),
            Alert.objects.count())


def only_h001_written() -> bool:
    return set(Household.objects.values_list("number", flat=True)) == {"H001"} and \
        written()[:3] == (1, 1, 1)


# ── Files that are not workbooks ─────────────────────────────────────────────────────

def not_workbooks(tmp_path: Path) -> list[tuple[str, Path, str]]:
    good = write_xlsx(tmp_path / "good.xlsx", *two_households())
    data = good.read_bytes()
    random_bytes = tmp_path / "random.xlsx"
    random_bytes.write_bytes(random.Random(9).randbytes(20000))
    not_a_book = tmp_path / "zip.xlsx"
    with zipfile.ZipFile(not_a_book, "w") as archive:
        archive.writestr("说明.txt", "这不是工作簿")
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(data[:len(data) // 2])
    broken_sheet = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(broken_sheet, "w") as target:
        for item in source.infolist():
            part = source.read(item.filename)
            target.writestr(item, part[:len(part) // 2] if "sheet2" in item.filename else part)
    return [("random bytes", random_bytes, "无法读取 Excel 文件"),
            ("a zip that is not a workbook", not_a_book, "无法读取 Excel 文件"),
            ("a truncated workbook", truncated, "无法读取 Excel 文件"),
            ("a sheet cut in half", broken_sheet, "无法读取工作表“成员”")]


def test_files_that_are_not_workbooks_exit_2_and_write_nothing(places, tmp_path, run):
    for what, path, words in not_workbooks(tmp_path):
        code, _, err = run(path)
        assert (code, words in err) == (2, True), (what, err)
    assert written() == (0, 0, 0, 0)


# ── CSV in the wrong encoding ────────────────────────────────────────────────────────

def encoded(tmp_path: Path, encoding: str, errors: str = "strict") -> Path:
    """The two households as a CSV folder in `encoding` (unencodable characters as ?)."""
    folder = write_csv_folder(tmp_path / encoding, *two_households(), encoding="utf-8")
    for path in folder.iterdir():
        path.write_bytes(path.read_text(encoding="utf-8").encode(encoding, errors))
    return folder


@pytest.mark.parametrize("encoding, code, words", [
    ("utf-16", 2, "UTF-16 编码"),  # Excel's "Unicode text", with its BOM
    ("utf-16-le", 2, "可能是 UTF-16 编码"),  # the same without a BOM
    ("big5", 1, "表头中没有任何应有的列"),  # decodes as GB18030 into nonsense
    ("shift_jis", 1, "表头中没有任何应有的列"),
])
def test_csv_in_another_encoding_is_refused_saying_how_to_save_it(places, tmp_path, run,
                                                                   encoding, code, words):
    folder = encoded(tmp_path, encoding, errors="replace")
    result, _, err = run(folder)
    assert (result, words in err) == (code, True), err
    assert "UTF-8" in err
    assert written() == (0, 0, 0, 0)


def test_binary_bytes_in_a_csv_exit_2(places, tmp_path, run):
    folder = write_csv_folder(tmp_path / "s", *two_households())
    with (folder / "成员.csv").open("ab") as handle:
        handle.write(random.Random(3).randbytes(4000))
    code, _, err = run(folder)
    assert code == 2 and "成员.csv" in err, err
    assert written() == (0, 0, 0, 0)


def test_a_nul_byte_in_a_csv_cell_exits_2(places, tmp_path, run):
    folder = write_csv_folder(tmp_path / "s", *two_households(户主姓名="田\x00二"))
    code, _, err = run(folder)
    assert code == 2 and "农户.csv：文件中有空字符（NUL）" in err, err
    assert written() == (0, 0, 0, 0)


def test_a_control_character_in_a_workbook_cell_refuses_its_row(places, tmp_path, run):
    sheets = raw_sheets(*two_households(户主姓名="田\x00二"))
    code, _, err = run(write_raw_xlsx(tmp_path / "nul.xlsx", sheets))
    assert code == 1, err
    assert "农户 第3行 户主姓名“田�二”：含有不可见的控制字符" in err
    assert only_h001_written()


# ── Huge cells ───────────────────────────────────────────────────────────────────────

def test_a_40000_character_name_refuses_its_household_and_keeps_the_other(places, tmp_path,
                                                                           run):
    folder = write_csv_folder(tmp_path / "s", *two_households(户主姓名="杨" * 40000))
    code, _, err = run(folder)
    assert code == 1, err
    assert "户主姓名“杨杨杨" in err and "…（共 40000 字）”：内容过长：最多 50 个字" in err
    assert len(err) < 5000  # the value is cut, not printed whole
    assert only_h001_written()


def test_a_one_megabyte_cell_in_a_csv_exits_2(places, tmp_path, run):
    households, members, checks = two_households()
    checks[1]["备注"] = "x" * (1 << 20)
    code, _, err = run(write_csv_folder(tmp_path / "s", households, members, checks))
    assert code == 2 and "排查.csv 第3行有单元格超过 131072 个字符" in err, err
    assert written() == (0, 0, 0, 0)


def test_a_one_megabyte_cell_in_a_workbook_refuses_its_row(places, tmp_path, run):
    households, members, checks = two_households()
    checks[1]["备注"] = "x" * (1 << 20)
    path = write_raw_xlsx(tmp_path / "big.xlsx", raw_sheets(households, members, checks))
    code, _, err = run(path)
    assert code == 1 and "内容过长：最多 2000 个字" in err, err
    assert Check.objects.count() == 1 and Household.objects.count() == 2


# ── Formulas ─────────────────────────────────────────────────────────────────────────

FORMULAS = {"村民小组": "=1+1", "联系电话": "+86 138 0000 0000",
            "户主姓名": '=HYPERLINK("http://example.com/x","点我")', "脱贫年度": "@SUM(A1)"}


def test_formula_text_is_kept_as_text_or_refused_and_the_csv_report_runs_none(
        places, tmp_path, run):
    households, members, checks = two_households(**FORMULAS)
    checks[0]["工资性收入"] = "-1+1"
    folder = write_csv_folder(tmp_path / "s", households, members, checks)
    code, _, err = run(folder)
    assert code == 1, err
    assert "不像姓名：以“=”开头的内容会被 Excel 当作公式" in err
    assert "应为数字（元）" in err
    report = read_csv(tmp_path / "s_错误报告" / "农户.csv")
    cells_written = [v for row in report for v in row.values()]
    assert "'=HYPERLINK(\"http://example.com/x\",\"点我\")" in cells_written
    assert not [v for v in cells_written if v[:1] in "=+-@"]
    assert "'-1+1" in [v for row in read_csv(tmp_path / "s_错误报告" / "排查.csv")
                       for v in row.values()]


def test_the_csv_report_of_formula_cells_imports_back_as_typed(places, tmp_path, run):
    households, members, checks = two_households(村民小组="=1+1", 联系电话="+86 138")
    checks[1]["不愁吃"] = "?"  # refuses H002's check, so its row is in the report
    run(write_csv_folder(tmp_path / "s", households, members, checks))
    report = tmp_path / "s_错误报告"
    rows = read_csv(report / "排查.csv")
    rows[0]["不愁吃"] = "是"
    write_csv_folder(report, [], [], rows)
    (report / "农户.csv").write_text(
        "户编号,村代码,村民小组,户主姓名,户主身份证号,联系电话,是否建档立卡,脱贫状态\n"
        f"H002,500241101201,'=1+1,田二,{households[1]['户主身份证号']},'+86 138,否,一般农户\n",
        encoding="utf-8-sig")
    assert run(report)[0] == 0
    assert Household.objects.filter(number="H002", group="=1+1", phone="+86 138").exists()


def test_the_workbook_report_writes_formula_like_cells_as_strings(places, tmp_path, run):
    households, members, checks = two_households(村民小组="=1+1")
    checks[1]["工资性收入"] = Formula("1+1")  # a formula cell with no cached result: empty
    checks[1]["备注"] = "=HYPERLINK(\"http://example.com\",\"x\")"
    checks[1]["不愁吃"] = "?"
    path = write_raw_xlsx(tmp_path / "f.xlsx", raw_sheets(households, members, checks))
    assert run(path)[0] == 1
    with zipfile.ZipFile(tmp_path / "f_错误报告.xlsx") as report:
        sheets = [report.read(n) for n in report.namelist() if n.startswith("xl/worksheets/")]
        strings = report.read("xl/sharedStrings.xml").decode()
    assert not any(b"<f>" in sheet or b"<hyperlink" in sheet for sheet in sheets)
    assert '<t>=HYPERLINK("http://example.com","x")</t>' in strings


# ── Far-away rows ────────────────────────────────────────────────────────────────────

def test_a_cell_at_row_1000000_is_not_a_million_errors_and_reads_quickly(places, tmp_path,
                                                                          run):
    sheets = raw_sheets(*two_households())
    sheets["农户"].append((1_000_000, [" "] * 9))  # a stray space far below the data
    started = time.monotonic()
    code, out, err = run(write_raw_xlsx(tmp_path / "far.xlsx", sheets))
    assert time.monotonic() - started < QUICK
    assert code == 0, err
    assert "未导入行：0" in out and written()[:3] == (2, 2, 2)


@pytest.mark.parametrize("blank", ["\r\n", ",,,,,,,,\r\n"])
def test_a_csv_with_a_million_blank_lines_reads_quickly(places, tmp_path, run, blank):
    folder = write_csv_folder(tmp_path / "s", *two_households())
    with (folder / "成员.csv").open("a", encoding="utf-8", newline="") as handle:
        handle.write(blank * 1_000_000)
    started = time.monotonic()
    code, out, err = run(folder)
    assert time.monotonic() - started < QUICK
    assert code == 0, err
    assert "未导入行：0" in out and written()[:3] == (2, 2, 2)


def test_cells_only_formatted_down_to_the_last_row_do_not_count(places, tmp_path, run):
    """Excel's declared range covers formatted empty cells: that alone is no reason to
    refuse the sheet, whose cells are then looked at."""
    import xlsxwriter

    path = write_xlsx(tmp_path / "formatted.xlsx", *two_households())
    book = xlsxwriter.Workbook(str(path))
    bordered = book.add_format({"border": 1})
    for name, rows in zip(("农户", "成员", "排查"), two_households(), strict=True):
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, list(rows[0]))
        for r, row in enumerate(rows, start=1):
            sheet.write_row(r, 0, list(row.values()))
        sheet.write_blank(1_048_575, 16383, None, bordered)  # declares A1:XFD1048576
    book.close()
    code, _, err = run(path)
    assert code == 0, err
    assert written()[:3] == (2, 2, 2)


def test_a_sheet_reaching_xfd1048576_exits_2_before_it_is_read(tmp_path):
    """Its range would be 17 billion cells (the reader would ask for 550 GB and abort):
    refused from the sheet's cells before the reader opens it. In a subprocess capped
    at 2 GB, so a regression fails this test rather than the whole run."""
    sheets = raw_sheets(*two_households())
    sheets["农户"].append((1_048_576, [""] * 16383 + ["x"]))
    path = write_raw_xlsx(tmp_path / "huge.xlsx", sheets)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
           "CELERY_BROKER_URL": ""}

    def cap_memory():
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    done = subprocess.run([sys.executable, "manage.py", "import_survey", str(path)],
                          cwd=settings.BASE_DIR, env=env, capture_output=True, text=True,
                          timeout=120, preexec_fn=cap_memory)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "工作表“农户”的内容一直延伸到第 1048576 行、第 XFD 列" in done.stderr
    assert "Traceback" not in done.stderr


# ── Headers ──────────────────────────────────────────────────────────────────────────

def test_a_repeated_column_refuses_its_sheet_and_names_it(places, tmp_path, run):
    folder = write_csv_folder(tmp_path / "s", *two_households())
    text = (folder / "排查.csv").read_text(encoding="utf-8-sig").splitlines()
    (folder / "排查.csv").write_text(
        "\n".join([text[0] + ",工资性收入,未知列,未知列"] + [r + ",1,x,y" for r in text[1:]]),
        encoding="utf-8-sig")
    code, _, err = run(folder)
    assert code == 1, err
    assert "列“工资性收入”出现 2 次，无法确定以哪一列为准（整张表未导入" in err
    assert "未知列“未知列”已忽略" in err
    assert written()[:3] == (2, 2, 0)


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_workbook_with_headers_and_no_rows_exits_2(places, tmp_path, run, fmt):
    empty = ([], [], [])
    path = (write_xlsx(tmp_path / "e.xlsx", [household_row()][:0], *empty[1:])
            if fmt == "xlsx" else write_csv_folder(tmp_path / "e", *empty))
    if fmt == "xlsx":  # write_xlsx takes its header from the rows: give it the columns
        sheets = {name: [(1, list(row()))] for name, row in
                  (("农户", household_row), ("成员", member_row), ("排查", check_row))}
        path = write_raw_xlsx(tmp_path / "e.xlsx", sheets)
    code, _, err = run(path)
    assert code == 2 and "工作簿中没有数据" in err, err
    assert written() == (0, 0, 0, 0)


# ── Any text through every column's rule (property-based) ────────────────────────────

TODAY = date(2026, 6, 1)
ALL_CLEANERS = {(sheet, column): cleaner for sheet in SHEETS
                for column, cleaner in cleaners(sheet, {"500241101201"}, TODAY).items()}
CHINESE = range(0x4E00, 0xA000)
ANY_TEXT = st.text(st.characters(codec="utf-8"), max_size=80) | st.sampled_from(
    ["", " ", "是", "否", "0", "-1", "1e12", "NaN", "Infinity", "2026-02-30", "2026/4/10",
     "9999-12-31", "１２３", "500241198001010011", "=1+1", "@A1", "\x00", "x" * 40000])


@hypothesis_settings(max_examples=300, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(sorted(ALL_CLEANERS)), text=ANY_TEXT)
def test_any_text_in_any_column_is_cleaned_or_refused_in_chinese(key, text):
    sheet, column = key
    [rule] = column_rules([column], {column: ALL_CLEANERS[key]})  # as clean_sheet cleans
    try:
        value = rule.first_time(text)
    except cells.CellError as problem:
        reason = str(problem)
        assert any(ord(ch) in CHINESE for ch in reason)
        assert len(reason) < 200  # a reason never quotes a huge value back
        return
    if isinstance(value, str):
        assert len(value) <= LIMITS.get(column, cells.EXCEL_CELL_MAX)
        assert not cells.CONTROL.search(value)
        assert value.isascii() or column not in ("户主身份证号", "身份证号", "村代码")


# Texts near each column's fast path (survey/validation.py fast_value): ones it takes, and
# ones just beside them that only the cell rule can judge.
EDGE_TEXTS = ["是", "否", "", "2026-04-10", "2025-12-31", "2026-06-02", "2026-02-30",
              "2026/4/10", "22102.24", "0", "0.5", "1.234", "-1", "12345678901.99",
              "123456789012", "500241101201", "500241101299", "500241198203165458",
              "500241198203165459", "50024119820316545X", "500241202703165458",
              "５００２４１１９８２０３１６５４５８", "杨明华", "=SUM(A1)", "户主", "A", "E",
              "在校", "健康", "普通劳动力", "县外务工", "集中排查", "无", "H001", "2019",
              "1e12", "NaN", "x" * 300, "a\u200bb"]


@pytest.mark.parametrize("key", sorted(ALL_CLEANERS))
def test_a_column_cleaned_at_once_gives_what_the_cell_rule_gives_each_text(key):
    """The import cleans a column set-wise, surely valid texts by polars expressions and
    the rest one distinct text at a time: either way, each cell's value or refusal is the
    cell rule's (an ID number with a wrong check digit, a date to come, stay refused)."""
    sheet, column = key
    [rule] = column_rules([column], {column: ALL_CLEANERS[key]}, SHEETS[sheet])
    values, reasons = clean_column(pl.Series(EDGE_TEXTS, dtype=pl.String), rule, TODAY)
    for text, value, reason in zip(EDGE_TEXTS, values, reasons, strict=True):
        try:
            expected = (rule.first_time(text), None)
        except cells.CellError as problem:
            expected = (None, str(problem))
        assert (value, reason) == expected, text


CELL_VALUES = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
               | st.dates() | st.datetimes() | st.times())


@hypothesis_settings(max_examples=200, deadline=None)
@given(grid=st.lists(st.lists(CELL_VALUES | st.just(""), max_size=6), max_size=15))
def test_any_grid_of_cells_reads_as_numbered_rows_of_text(grid):
    header, rows = Sheet("农户", lambda: grid).open()
    numbers = []
    for number, row in rows:
        assert all(isinstance(cell, str) for cell in row) and any(row)
        numbers.append(number)
    assert all(isinstance(cell, str) for cell in header)
    assert numbers == sorted(numbers) and all(1 <= n <= len(grid) for n in numbers)


@given(value=CELL_VALUES)
def test_any_cell_value_becomes_text(value):
    assert isinstance(cell_text(value), str)
    if isinstance(value, datetime):
        assert cell_text(value) == value.date().isoformat()
