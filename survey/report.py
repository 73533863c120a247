"""The error report: the rejected rows in the input's own format, with a 错误原因 column,
so the officer fixes them and imports that file again.

The rows are the officer's own cells, and a cell such as =HYPERLINK(…) must come back as
text, not as a formula Excel runs when the report is opened: the workbook writes every
cell as a string (no formulas, no links), the CSV files put an apostrophe before a cell
Excel would take for a formula, which reading the report again takes off.
"""

from collections import defaultdict
from pathlib import Path

import xlsxwriter

from monitor.tabular import CsvWriter

from .columns import SHEETS
from .reading import read_workbook
from .result import ImportResult
from .validation import REASON


def report_path(source: Path) -> Path:
    source = Path(source)
    if source.is_dir():
        return source.with_name(f"{source.name}_错误报告")
    return source.with_name(f"{source.stem}_错误报告.xlsx")


def original_rows(source: Path, wanted: set[tuple[str, int]]) -> dict[tuple[str, int], dict]:
    """The rejected rows as the officer typed them, read again from the input (only the
    rejected ones are kept, so a county file's good rows are not held twice)."""
    found = {}
    for name, sheet in read_workbook(source).items():
        for number, record in sheet.records():
            if (name, number) in wanted:
                found[(name, number)] = record
    return found


def report_rows(source: Path, result: ImportResult
                ) -> dict[str, tuple[list[str], list[list[str]]]]:
    """Per sheet: the header (input's columns, or the contract's) and the rejected rows."""
    originals = original_rows(source, {(r.sheet, r.row) for r in result.rejected})
    reasons = defaultdict(list)
    for item in result.rejected:
        reasons[(item.sheet, item.row)].append(
            f"{item.column}：{item.reason}" if item.column else item.reason)
    sheets = {}
    for name in SHEETS:
        header = [h for h in result.headers.get(name) or list(SHEETS[name]) if h != REASON]
        rows = [[originals.get((sheet, row), {}).get(h, "") for h in header]
                + ["；".join(reasons[(sheet, row)])]
                for sheet, row in sorted(reasons) if sheet == name and row]
        sheets[name] = (header + [REASON], rows)
    return sheets


def write_report(source: Path, result: ImportResult) -> Path | None:
    """Write the report next to the input; None when nothing was rejected."""
    if not result.rejected:
        return None
    target, sheets = report_path(source), report_rows(source, result)
    if Path(source).is_dir():
        target.mkdir(exist_ok=True)
        for name, (header, rows) in sheets.items():
            with (target / f"{name}.csv").open("w", encoding="utf-8-sig", newline="") as f:
                writer = CsvWriter(f)
                writer.writerow(header)
                writer.writerows(rows)
        return target
    book = xlsxwriter.Workbook(str(target), {"strings_to_numbers": False,
                                             "strings_to_formulas": False,
                                             "strings_to_urls": False})
    bold, red = book.add_format({"bold": True}), book.add_format({"font_color": "#B3261E"})
    for name, (header, rows) in sheets.items():
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, header, bold)
        for index, row in enumerate(rows, start=1):
            sheet.write_row(index, 0, row[:-1])
            sheet.write_string(index, len(row) - 1, row[-1], red)
        sheet.set_column(0, len(header) - 1, 14)
        sheet.freeze_panes(1, 0)
    book.close()
    return target
