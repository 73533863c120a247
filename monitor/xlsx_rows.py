"""Data rows written fast into an XlsxWriter worksheet in constant-memory mode.

XlsxWriter spends about 10 µs on each cell (a cell object, type dispatch, dimension
checks, two regular expressions, the XML written attribute by attribute): 1.8 million
cells, a county's ledger, took 20 s of pure writing. `RowWriter` writes the same XML
for a whole row with one f-string per cell into the worksheet's row file, so a county
writes in a few seconds. Everything else of the workbook (formats, widths, merged
headers, page setup, the zip) stays XlsxWriter's own.

The XML is byte for byte what XlsxWriter writes for the same calls (`write_string`,
`write_number`, `write_row`, `set_row`); tests/test_xlsx_rows.py compares the two, so an
upgrade of XlsxWriter that changes its internals fails there, not in a county's file.
The private parts of XlsxWriter used are few and named here: the row file (`fh`), the
pending row (`previous_row`, `_write_single_row`), the dimensions (`_check_dimensions`)
and the string helpers.
"""

import re
from decimal import Decimal

from xlsxwriter.utility import _preserve_whitespace, _utf16_len, _utf16_truncate, xl_col_to_name
from xlsxwriter.xmlwriter import XMLwriter

# Anything in a string that XlsxWriter escapes or marks: XML's special characters (its
# test includes " and a newline), control characters and their _xHHHH_ escapes, the two
# non-characters, and leading or trailing whitespace. A string without any is written as is.
SPECIAL = re.compile(r'[&<>"\n\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_|^\s|\s$')
NUMBERS = (int, float, Decimal)
MAX_STRING = 32767  # UTF-16 units in a cell, as XlsxWriter truncates


class RowWriter:
    """Writes rows of values (str, int, float, Decimal; None for nothing) from row
    `first_row` of a constant-memory worksheet, as XlsxWriter would write them with:

    - `plain=True`: `write_row(row, 0, values)` — an empty string or None writes nothing,
      numbers and strings take the column's format (as `write_table` does);
    - `plain=False`: per cell `write_number(value, number_format)` for numbers and
      `write_string(str(value), string_formats[col])` for the rest, empty included (as
      the five lists' bordered cells are).

    Two quirks of XlsxWriter are not copied: its write_row drops the rest of a row after
    a string it had to truncate, and a string "<r>…</r>" goes into the XML unescaped;
    here every cell is written, escaped.

    Call `close()` after the last row, before writing anything else on the sheet.
    """

    def __init__(self, sheet, first_row: int, columns: int, *, plain: bool,
                 string_formats=(), number_format=None):
        if not sheet.constant_memory:
            raise ValueError("RowWriter needs a worksheet in constant_memory mode")
        self.sheet, self.next_row, self.plain = sheet, first_row, plain
        self.min_col, self.max_col = None, None
        self.first_written, self.last_row = None, None
        self.count = 0  # rows written
        column_formats = [self._column_format(col) for col in range(columns)]
        if plain:
            strings, numbers = column_formats, column_formats
        else:
            strings = [string_formats[col] if col < len(string_formats) else None
                       for col in range(columns)]
            strings = [f or column_formats[col] for col, f in enumerate(strings)]
            numbers = [number_format or column_formats[col] for col in range(columns)]
        self.letters = [xl_col_to_name(col) for col in range(columns)]
        self.formats = (strings, numbers)
        # A format's index is given when a cell first uses it, in XlsxWriter as here, so
        # styles.xml lists the formats in the same order: each column's ` s="N"` attribute
        # is worked out at its first string and its first number.
        self.string_styles, self.number_styles = [None] * columns, [None] * columns
        # Flush the row XlsxWriter still holds (the header's last row), so ours follow it.
        sheet._write_single_row(first_row)

    def _column_format(self, col: int):
        info = self.sheet.col_info.get(col)
        return info.column_format if info else None

    def write(self, values, height: float | None = None) -> None:
        """Write the next row; `height` in points as `set_row` takes it."""
        if len(values) > len(self.letters):
            raise ValueError(f"一行有 {len(values)} 个值，多于 {len(self.letters)} 列")
        r = self.next_row + 1  # Excel counts rows from 1
        cells, first, last = [], None, None
        plain, string_styles, number_styles = self.plain, self.string_styles, self.number_styles
        for col, value in enumerate(values):
            kind = value.__class__
            if kind is str or (not plain and kind not in NUMBERS and kind is not bool):
                text = value if kind is str else str(value)
                if plain and not text:
                    continue
                style = string_styles[col]
                if style is None:
                    style = string_styles[col] = self.style(self.formats[0][col])
                if SPECIAL.search(text) is None and len(text) <= MAX_STRING // 2:
                    cells.append(f'<c r="{self.letters[col]}{r}"{style} t="inlineStr"><is><t>'
                                 f'{text}</t></is></c>')
                else:
                    cells.append(_escaped_string_cell(self.letters[col], r, style, text))
            elif kind in NUMBERS:
                style = number_styles[col]
                if style is None:
                    style = number_styles[col] = self.style(self.formats[1][col])
                cells.append(f'<c r="{self.letters[col]}{r}"{style}><v>{value:.16G}</v></c>')
            elif value is None and plain:
                continue
            else:
                raise TypeError(f"无法写入单元格的值类型：{kind.__name__}")
            if first is None:
                first = col
            last = col
        self.next_row += 1
        self.count += 1
        if not cells:  # nothing in the row: XlsxWriter writes no row element
            return
        self.sheet.fh.write(f'<row r="{r}"{self._height(height)}>{"".join(cells)}</row>')
        self.min_col = first if self.min_col is None else min(self.min_col, first)
        self.max_col = last if self.max_col is None else max(self.max_col, last)
        self.last_row = r - 1
        if self.first_written is None:
            self.first_written = r - 1

    @staticmethod
    def style(cell_format) -> str:
        """The cell's ` s="N"` attribute for this format (none without one)."""
        return "" if cell_format is None else f' s="{cell_format._get_xf_index()}"'

    def _height(self, height: float | None) -> str:
        if height is None:
            return ""
        pixels = int(height * 4.0 / 3.0 + 0.5)  # as set_row() rounds
        if pixels == self.sheet.default_row_height == self.sheet.original_row_height:
            return ""
        return f' ht="{pixels * 0.75:.16g}" customHeight="1"'

    def close(self) -> None:
        """Record the rows written in the sheet's dimensions and its pending row."""
        sheet = self.sheet
        if self.last_row is not None:
            sheet.previous_row = self.first_written
            sheet._check_dimensions(self.first_written, self.min_col)
            sheet._check_dimensions(self.last_row, self.max_col)
        sheet.previous_row = max(self.next_row - 1, sheet.previous_row)


def _escaped_string_cell(letter: str, r: int, style: str, text: str) -> str:
    """A string XlsxWriter changes on the way, changed in its own order and by its own
    helpers: truncated to Excel's limit, control characters escaped, whitespace kept,
    XML's special characters escaped."""
    if len(text) > MAX_STRING // 2 and _utf16_len(text) > MAX_STRING:
        text = _utf16_truncate(text, MAX_STRING)
    text = XMLwriter._escape_control_characters(text)
    preserve = ' xml:space="preserve"' if _preserve_whitespace(text) else ""
    text = XMLwriter._escape_data(None, text)
    return f'<c r="{letter}{r}"{style} t="inlineStr"><is><t{preserve}>{text}</t></is></c>'
