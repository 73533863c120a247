"""The fast row writer writes exactly the workbook XlsxWriter writes for the same rows."""

import zipfile
from datetime import datetime
from decimal import Decimal

import pytest
import xlsxwriter

from monitor.xlsx_rows import RowWriter

FIXED = datetime(2026, 1, 1, 8, 0)

# Every kind of cell the exports write, and the strings XlsxWriter changes on the way.
ROWS = [
    ["H001", "隘口镇", "500241101201", "平所村", "", "杨明华", 2, Decimal("4000.00"),
     "2026-04-10", "临界", "临界户", "", 3],
    ["H002", "a & b <c> \"d\"", "line\nbreak", " leading", "trailing ", "tab\tin", 0,
     Decimal("10333.33"), "", "", "", "", 0],
    # Too long a string last: XlsxWriter's write_row stops at the first cell it truncates.
    ["H003", "_x0041_ kept", "bell\x07", "\ufffe", "=1+1", "http://example.org", -5,
     12.5, 1, "已脱贫户", "脱贫不稳定户", "", "x" * 40000],
    ["H004", None, "", "", "", "", 1, "", "", "", "", "", 7],
]


def sheet_files(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def workbook(path, fill):
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True,
                                           "strings_to_formulas": False,
                                           "strings_to_urls": False})
    book.set_properties({"created": FIXED})
    sheet = book.add_worksheet("表")
    head = book.add_format({"bold": True, "border": 1})
    sheet.set_column(0, 12, 14)
    sheet.set_column(7, 7, 14, book.add_format({"num_format": "0.00"}))
    sheet.merge_range(0, 0, 0, 12, "标题", head)
    sheet.write_row(1, 0, [f"列{n}" for n in range(13)], head)
    fill(book, sheet)
    sheet.write_string(len(ROWS) + 3, 0, "合计")  # the sheet goes on after the rows
    book.close()
    return sheet_files(path)


def test_plain_rows_are_written_as_write_row_writes_them(tmp_path):
    def by_xlsxwriter(book, sheet):
        for n, row in enumerate(ROWS, start=2):
            sheet.write_row(n, 0, row)

    def by_row_writer(book, sheet):
        rows = RowWriter(sheet, 2, 13, plain=True)
        for row in ROWS:
            rows.write(row)
        rows.close()

    assert workbook(tmp_path / "a.xlsx", by_row_writer) == workbook(tmp_path / "b.xlsx",
                                                                     by_xlsxwriter)


def test_formatted_rows_with_heights_are_written_as_the_cell_calls_write_them(tmp_path):
    def formats(book):
        return (book.add_format({"border": 1}), book.add_format({"border": 1, "text_wrap": 1}),
                book.add_format({"border": 1, "align": "right"}))

    def by_xlsxwriter(book, sheet):
        cell, wrap, number = formats(book)
        for n, row in enumerate(ROWS, start=2):
            if n % 2:
                sheet.set_row(n, 13 * n + 2)
            for col, value in enumerate(row):
                if isinstance(value, int | float | Decimal):
                    sheet.write_number(n, col, value, number)
                else:
                    sheet.write_string(n, col, str(value), wrap if col == 3 else cell)

    def by_row_writer(book, sheet):
        cell, wrap, number = formats(book)
        rows = RowWriter(sheet, 2, 13, plain=False, number_format=number,
                         string_formats=[cell, cell, cell, wrap] + [cell] * 9)
        for n, row in enumerate(ROWS, start=2):
            rows.write(row, height=13 * n + 2 if n % 2 else None)
        rows.close()

    assert workbook(tmp_path / "a.xlsx", by_row_writer) == workbook(tmp_path / "b.xlsx",
                                                                     by_xlsxwriter)


def test_no_rows_leave_the_sheet_as_it_was(tmp_path):
    def by_row_writer(book, sheet):
        RowWriter(sheet, 2, 13, plain=True).close()

    assert workbook(tmp_path / "a.xlsx", by_row_writer) == workbook(
        tmp_path / "b.xlsx", lambda book, sheet: None)


def test_a_value_of_another_kind_is_refused(tmp_path):
    book = xlsxwriter.Workbook(str(tmp_path / "c.xlsx"), {"constant_memory": True})
    rows = RowWriter(book.add_worksheet(), 0, 1, plain=True)
    with pytest.raises(TypeError):
        rows.write([True])
    book.close()


def test_a_string_that_looks_like_rich_text_is_escaped(tmp_path):
    """XlsxWriter would put "<r>…</r>" into the XML as it is; a cell is only text."""
    book = xlsxwriter.Workbook(str(tmp_path / "d.xlsx"), {"constant_memory": True})
    rows = RowWriter(book.add_worksheet(), 0, 1, plain=True)
    rows.write(["<r><t>x</t></r>"])
    rows.close()
    book.close()
    sheet = sheet_files(tmp_path / "d.xlsx")["xl/worksheets/sheet1.xml"].decode()
    assert "<t>&lt;r&gt;&lt;t&gt;x&lt;/t&gt;&lt;/r&gt;</t>" in sheet
