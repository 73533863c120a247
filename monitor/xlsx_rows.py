"""Data rows into .xlsx through the public API of two libraries, each where it fits.

- `write_table_xlsx` (monitor/tabular.py `write_table`: the ledger, the doubts list,
  the comparison report) writes one plain table, a header row over the rows, with
  rustpy-xlsxwriter (Rust's rust_xlsxwriter behind one Python call). A county's ledger,
  140,776 rows x 13 cells, is 1.6 to 2 s of CPU there against 9 to 11 s in XlsxWriter's
  public API (write_row, or a typed write_* a cell), which would take the ledger command
  past its 10 s; the private fast path this replaces took 3 to 4 s.
- `RowWriter` (reports/exports.py: the five lists) writes rows into an XlsxWriter
  worksheet with its typed write_* calls. The five lists are a printed ledger: header
  rows merged across and down, a merged "本期无记录" under them, row heights set row by
  row as the rows stream, bordered empty cells, page setup. rustpy-xlsxwriter cannot
  write that (merges only above its one header row, heights only before the rows). The
  county's five lists (54,000 rows x 15 cells) take 7 to 8 s of CPU this way, database
  included: 7.5 to 8.7 s, under their 10 s with little to spare.

Measured side by side in bench/xlsx_writers.py (figures in docs/scaling.md), and not
chosen: pyexcelerate, as slow as XlsxWriter, the sheet held in memory, a typed "=…"
written as a formula; rvgsrust-xlsxwriter (rust_xlsxwriter behind XlsxWriter-like
calls, 2.3 to 3.2 s for the ledger), whose constant-memory sheets write the last row a
second time when it has a set height (a duplicate row, which the format does not allow),
so the five lists would be held in memory whole: 370 MB instead of 100.

Text stays text in both: rustpy-xlsxwriter writes every string as text; XlsxWriter does
with strings_to_formulas and strings_to_urls off, except a string "<r>…</r>", which it
copies into the sheet's XML as rich text: `RowWriter` writes that one as three escaped
runs of rich text instead.
"""

from datetime import date
from decimal import Decimal

NUMBERS = (int, float, Decimal)
MAX_STRING = 32767  # UTF-16 units in a cell (Excel's limit)


# ── A plain table: rustpy-xlsxwriter ──────────────────────────────────────────────────

A4 = 9  # Excel's paper size code


def write_table_xlsx(path, columns: list[str], rows, title: str,
                     number_formats: dict[str, str], heading: list[str] = ()) -> int:
    """Write `rows` (lists in `columns` order: str, int, float, Decimal, date; "" or None
    for nothing) under a header row as one sheet `title`, streamed (constant memory).
    `number_formats` gives an Excel number format per column; a date is an Excel date
    shown as yyyy-mm-dd. Each `heading` line is a row across the table above the header
    (the first one large: the title). The header is frozen and repeated on every printed
    page, A4 landscape, the columns fitted to the page's width. Returns the rows written."""
    from rustpy_xlsxwriter import Format, write_worksheet

    if len(set(columns)) != len(columns):  # the rows go in as {column: value}
        raise ValueError(f"列名重复：{columns}")
    written = 0

    def records():
        nonlocal written
        for row in rows:
            if len(row) != len(columns):
                raise ValueError(f"一行有 {len(row)} 个值，表有 {len(columns)} 列")
            written += 1
            yield dict(zip(columns, map(fitted, row), strict=True))
        if not written:  # the header alone, rather than a sheet with nothing on it
            yield dict.fromkeys(columns)

    top = len(heading)
    last = len(columns) - 1
    lines = [(row, 0, row, last, text, Format().set_bold().set_font_size(16 if row == 0 else 11))
             for row, text in enumerate(heading)]
    write_worksheet(
        records(), str(path), sheet_name=title,
        header_format=Format().set_bold().set_background_color("#EEF1F5").set_border("thin"),
        column_width=14, datetime_format="yyyy-mm-dd", header_row=top, merge_ranges=lines,
        freeze_row=top + 1,
        page_setup={"landscape": True, "paper_size": A4, "repeat_rows": top,
                    "fit_to_pages": (1, 0), "footer": "&C第 &P 页，共 &N 页"},
        column_formats={column: Format().set_num_format(number_format)
                        for column, number_format in number_formats.items()})
    return written


def fitted(value):
    """A value as a cell takes it: text cut to Excel's limit, as XlsxWriter cuts it
    (rustpy-xlsxwriter would refuse the whole file instead)."""
    if value.__class__ is str and len(value) > MAX_STRING // 2:
        units = value.encode("utf-16-le")
        if len(units) > 2 * MAX_STRING:
            return units[:2 * MAX_STRING].decode("utf-16-le", "ignore")
    return value


# ── Rows of a printed ledger: XlsxWriter ──────────────────────────────────────────────

class RowWriter:
    """Writes rows of values (str, int, float, Decimal) from row `first_row` of an
    XlsxWriter worksheet: numbers with `number_format`, everything else as text with its
    column's format in `string_formats`, empty text included (so the cell has its
    border). The workbook is opened with strings_to_formulas and strings_to_urls off."""

    def __init__(self, sheet, first_row: int, columns: int, *, string_formats=(),
                 number_format=None, date_format=None):
        self.sheet, self.next_row, self.columns = sheet, first_row, columns
        self.string_formats = [string_formats[col] if col < len(string_formats) else None
                               for col in range(columns)]
        self.number_format, self.date_format = number_format, date_format
        self.count = 0  # rows written

    def write(self, values, height: float | None = None) -> None:
        """Write the next row; `height` in points as `set_row` takes it."""
        if len(values) > self.columns:
            raise ValueError(f"一行有 {len(values)} 个值，多于 {self.columns} 列")
        sheet, row = self.sheet, self.next_row
        if height is not None:
            sheet.set_row(row, height)
        for col, value in enumerate(values):
            kind = value.__class__
            if kind in NUMBERS:
                sheet.write_number(row, col, value, self.number_format)
            elif kind is date:  # an Excel date: sorts, filters and sums as one
                sheet.write_datetime(row, col, value, self.date_format)
            elif kind is bool:
                raise TypeError(f"无法写入单元格的值类型：{kind.__name__}")
            else:
                text = value if kind is str else str(value)
                if text.startswith("<r>") and text.endswith("</r>"):
                    self._write_rich_lookalike(row, col, text)
                else:
                    sheet.write_string(row, col, text, self.string_formats[col])
        self.next_row += 1
        self.count += 1

    def _write_rich_lookalike(self, row: int, col: int, text: str) -> None:
        """XlsxWriter copies a string "<r>…</r>" into the sheet's XML unescaped, as rich
        text: typed into a survey it could carry any XML, a formula too. Written as three
        runs of rich text in the cell's font, it is escaped like any text and reads back
        as the same text."""
        style = self.string_formats[col]
        parts = [text[:1], text[1:2], text[2:]]
        if style is None:
            self.sheet.write_rich_string(row, col, *parts)
        else:
            self.sheet.write_rich_string(row, col, *(token for part in parts
                                                     for token in (style, part)), style)
