"""Rows written into .xlsx read back as they were given: numbers as numbers, dates as
dates, text as text (a typed formula, a link or XML too), nothing as an empty cell."""

import zipfile
from datetime import date
from decimal import Decimal

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from monitor.tabular import write_table
from monitor.xlsx_rows import MAX_STRING, RowWriter

COLUMNS = ["户编号", "户主", "人口数", "人均纯收入", "最近排查日期", "备注"]
TYPED = ["=1+1", "=HYPERLINK(\"http://x\",\"点\")", "+86 138", "-", "@SUM(A1)",
         "http://example.org", "<r><t>x</t></r>", "a & b <c> \"d\"", " leading", "trailing ",
         "line\nbreak", "bell\x07", "_x0041_ kept"]


def read(path) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def member(path, name: str) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(name).decode()


def test_a_table_reads_back_with_its_kinds(tmp_path):
    path = tmp_path / "台账.xlsx"
    rows = [["H001", "杨明华", 3, Decimal("4000.50"), date(2026, 4, 10), text] for text in TYPED]
    rows.append(["H002", "吴小兰", 1, "", "", None])
    assert write_table(path, COLUMNS, iter(rows), title="农户台账",
                       number_formats={"人均纯收入": "0.00"}) == len(TYPED) + 1
    header, *data = read(path)
    assert header == COLUMNS
    assert [row[-1] for row in data[:-1]] == TYPED  # every typed text is text, as typed
    assert data[0][:5] == ["H001", "杨明华", 3.0, 4000.5, date(2026, 4, 10)]
    assert data[-1] == ["H002", "吴小兰", 1.0, "", "", ""]
    styles = member(path, "xl/styles.xml")
    assert 'formatCode="0.00"' in styles and "<b/>" in styles and "FFEEF1F5" in styles
    cols = member(path, "xl/worksheets/sheet1.xml").split("<cols>")[1].split("</cols>")[0]
    assert cols.count('width="14.7109375"') == cols.count("<col ")  # 14 characters each
    assert "<f>" not in member(path, "xl/worksheets/sheet1.xml")
    assert 'name="农户台账"' in member(path, "xl/workbook.xml")


def test_a_table_without_rows_keeps_its_header(tmp_path):
    path = tmp_path / "空.xlsx"
    assert write_table(path, COLUMNS, iter([])) == 0
    assert read(path) == [COLUMNS]


def test_text_longer_than_a_cell_holds_is_cut_as_excel_cuts_it(tmp_path):
    path = tmp_path / "长.xlsx"
    write_table(path, ["说明", "字"], [["x" * 40000, "𠀀" * 20000]])
    [_, [long_text, wide]] = read(path)
    assert long_text == "x" * MAX_STRING
    assert wide == "𠀀" * (MAX_STRING // 2)  # two UTF-16 units each


def test_a_table_refuses_rows_it_cannot_write_as_given(tmp_path):
    with pytest.raises(ValueError, match="列名重复"):  # its rows are {column: value}
        write_table(tmp_path / "a.xlsx", ["村", "村"], [["a", "b"]])
    with pytest.raises(ValueError, match="一行有 3 个值，表有 2 列"):
        write_table(tmp_path / "b.xlsx", ["村", "户"], [["a", "b", "c"]])


def lists_like(path, rows, heights=()):
    """A sheet as the five lists write theirs: bordered cells, a wrapped column."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True,
                                           "strings_to_formulas": False,
                                           "strings_to_urls": False})
    sheet = book.add_worksheet("问题清单")
    cell, wrap = book.add_format({"border": 1}), book.add_format({"border": 1, "text_wrap": 1})
    number = book.add_format({"border": 1, "align": "right"})
    sheet.write_row(0, 0, ["序号", "户编号", "依据"], cell)
    writer = RowWriter(sheet, 1, 3, number_format=number, string_formats=[cell, cell, wrap])
    try:
        for row, height in zip(rows, [*heights, *[None] * len(rows)], strict=False):
            writer.write(row, height=height)
    finally:
        book.close()
    return writer.count


def test_rows_of_a_printed_list_read_back_with_their_kinds(tmp_path):
    path = tmp_path / "五张清单.xlsx"
    rows = [[n, "H001", text] for n, text in enumerate(TYPED, start=1)]
    rows.append([len(rows) + 1, "", Decimal("12.50")])
    assert lists_like(path, rows, heights=[41]) == len(rows)
    _, *data = read(path)
    assert [row[2] for row in data[:-1]] == TYPED
    assert data[-1] == [float(len(rows)), "", 12.5]
    sheet = member(path, "xl/worksheets/sheet1.xml")
    assert "<f>" not in sheet
    assert "<t>&lt;</t>" in sheet  # "<r><t>x</t></r>" in escaped runs, not rich text
    assert '<c r="B15" s="' in sheet  # the empty text is a bordered cell
    assert '<row r="2" ht="41.25" customHeight="1">' in sheet  # 41 points, to the pixel
    assert '<row r="3">' in sheet


def test_text_that_looks_like_rich_text_carries_no_xml(tmp_path):
    """XlsxWriter would put "<r>…</r>" into the XML as it is: here a closing tag and a
    formula typed into a survey stay text in one cell."""
    path = tmp_path / "注入.xlsx"
    text = '<r><t>x</t></r></is></c><c r="Z9"><f>1+1</f></c><c><is><r><t>y</t></r>'
    lists_like(path, [[1, "H001", text]])
    assert read(path)[1] == [1.0, "H001", text]
    assert "<f>" not in member(path, "xl/worksheets/sheet1.xml")


def test_a_value_of_another_kind_or_too_many_values_are_refused(tmp_path):
    with pytest.raises(TypeError):
        lists_like(tmp_path / "c.xlsx", [[True, "", ""]])
    with pytest.raises(ValueError, match="多于 3 列"):
        lists_like(tmp_path / "d.xlsx", [[1, "", "", ""]])
