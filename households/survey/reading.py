"""Reading the survey workbook: an .xlsx with sheets 农户, 成员, 排查 (python-calamine, which
reads a county sheet in seconds where openpyxl takes half a minute), or a folder with
农户.csv, 成员.csv, 排查.csv in UTF-8 (with or without BOM) or GB18030.

Every cell becomes text as the officer typed it; row numbers are those Excel shows (the
header is row 1). Rows are yielded one at a time, so a county's 460,000 member rows are
never all held as Python lists at once.
"""

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import partial
from itertools import chain, islice
from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook

from households.tabular import UnreadableFile, decode

SHEET_NAMES = ("农户", "成员", "排查")
XLSX_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")  # python-calamine reads them all
HEADER_SEARCH = 10  # a title row or two above the header is common in county files
EXACT_DIGITS = 1e15  # Excel keeps 15 significant digits; a longer number has lost some


@dataclass
class Sheet:
    """One sheet of the workbook, opened afresh on each walk: an .xlsx sheet is parsed
    only while it is being read, so the three sheets of a county file are never all in
    memory at once."""

    name: str
    source: Callable[[], Iterable[list]]

    def open(self) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
        """The header, and (Excel row number, cells as text) for every non-empty row
        below it. The header is the first of the top rows that names 户编号 (a title row
        above it is common in county files), else the first non-empty row."""
        rows = ((number, [cell_text(v) for v in row])
                for number, row in enumerate(self.source(), start=1))
        top = list(islice(rows, HEADER_SEARCH))
        at = next((i for i, (_, cells) in enumerate(top) if "户编号" in cells), None)
        if at is None:
            at = next((i for i, (_, cells) in enumerate(top) if any(cells)), None)
        if at is None:
            top, at = [next((r for r in rows if any(r[1])), (0, []))], 0
        header = top[at][1]
        while header and not header[-1]:
            header.pop()
        body = chain(top[at + 1:], rows)
        return header, ((number, cells) for number, cells in body if any(cells))

    def records(self) -> Iterator[tuple[int, dict[str, str]]]:
        """(row number, {column: text}) for every non-empty row below the header."""
        header, rows = self.open()
        return records(header, rows)


def records(header: list[str], rows) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows as {column: text}; the first of two columns with the same name wins, and a
    column without a name is skipped."""
    width = len(header)
    for number, cells in rows:
        cells = cells[:width] + [""] * (width - len(cells))
        record = {}
        for column, text in zip(header, cells, strict=True):
            if column:
                record.setdefault(column, text)
        yield number, record


def cell_text(value) -> str:
    """A cell as text: whole numbers without '.0' (calamine reads the village code
    500241101201 typed as a number as 5.00241101201e11), dates as YYYY-MM-DD. A number of
    16 digits or more has already lost digits in Excel, so it is shown the way Excel
    shows it (5.00241198005011E+17) and the ID check refuses it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if abs(value) >= EXACT_DIGITS:
            return f"{value:.15G}"
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


def read_xlsx(path: Path) -> dict[str, Sheet]:
    try:
        book = CalamineWorkbook.from_path(str(path))
    except (CalamineError, OSError, ValueError) as exc:
        raise UnreadableFile(f"无法读取 Excel 文件 {path.name}：{exc}") from exc
    missing = [name for name in SHEET_NAMES if name not in book.sheet_names]
    if missing:
        raise UnreadableFile(
            f"{path.name} 缺少工作表：{'、'.join(missing)}（应有 农户、成员、排查 三张表，"
            f"现有：{'、'.join(book.sheet_names) or '无'}）")
    return {name: Sheet(name, partial(xlsx_rows, book, name)) for name in SHEET_NAMES}


def xlsx_rows(book: CalamineWorkbook, name: str) -> Iterator[list]:
    try:
        data = book.get_sheet_by_name(name)
    except (CalamineError, ValueError) as exc:
        raise UnreadableFile(f"无法读取工作表“{name}”：{exc}") from exc
    return data.iter_rows()


def read_csv_folder(folder: Path) -> dict[str, Sheet]:
    missing = [f"{name}.csv" for name in SHEET_NAMES if not (folder / f"{name}.csv").is_file()]
    if missing:
        raise UnreadableFile(f"文件夹 {folder.name} 中缺少：{'、'.join(missing)}")
    return {name: Sheet(name, partial(csv_rows, folder / f"{name}.csv"))
            for name in SHEET_NAMES}


def csv_rows(path: Path) -> Iterator[list]:
    try:
        text = decode(path.read_bytes())
    except OSError as exc:
        raise UnreadableFile(f"无法读取文件 {path.name}：{exc.strerror}") from exc
    except UnreadableFile as exc:
        raise UnreadableFile(f"{path.name}：{exc}") from exc
    return csv.reader(io.StringIO(text))


def read_workbook(path: Path) -> dict[str, Sheet]:
    """The three sheets by name; UnreadableFile when the input cannot be read at all (no
    such file, not a workbook, a sheet missing, an encoding that is neither UTF-8 nor
    GB18030)."""
    path = Path(path)
    if path.is_dir():
        return read_csv_folder(path)
    if not path.exists():
        raise UnreadableFile(f"找不到文件或文件夹：{path}")
    if path.suffix.lower() in XLSX_SUFFIXES:
        return read_xlsx(path)
    raise UnreadableFile(
        f"不支持的文件类型 {path.suffix or '（无扩展名）'}：请提供 .xlsx 工作簿，"
        "或包含 农户.csv、成员.csv、排查.csv 的文件夹")
