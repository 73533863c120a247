"""Reading the survey workbook: an .xlsx with sheets 农户, 成员, 排查 (python-calamine, which
reads a county sheet in seconds where openpyxl takes half a minute), or a folder with
农户.csv, 成员.csv, 排查.csv in UTF-8 (with or without BOM) or GB18030.

Every cell becomes text as the officer typed it; row numbers are those Excel shows (the
header is row 1). A sheet is validated as a table of text columns (Sheet.table): a CSV
file is parsed by polars' columnar reader straight into those columns; an .xlsx sheet's
rows come from the memory-limited child of monitor/xlsx_reading.py. Sheet.open walks the
rows one at a time (the error report reads back the few rejected rows that way).
"""

import csv
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from itertools import chain, islice
from pathlib import Path
from xml.etree import ElementTree

import polars as pl
from python_calamine import CalamineError, CalamineWorkbook

from monitor.tabular import FORMULA_START, UnreadableFile, decoded, live
from monitor.xlsx_reading import cell_text, sheet_rows

SHEET_NAMES = ("农户", "成员", "排查")
XLSX_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")  # python-calamine reads them all
HEADER_SEARCH = 10  # a title row or two above the header is common in county files
# The reader holds every cell of a sheet's range, 32 bytes each: a county's 排查 sheet of
# 1,000,000 visits × 20 columns is 20 million. A stray value far below or to the right
# of the data stretches the range over every empty cell in between (one at XFD1048576
# would be 17 billion, 550 GB). Each sheet is read in a child process under a memory
# limit (monitor/xlsx_reading.py), so no file can abort the import; an honest sheet that
# is too big is refused sooner, naming where it ends (refuse_huge_sheets).
MAX_CELLS = 30_000_000


@dataclass
class Sheet:
    """One sheet of the workbook, opened afresh on each walk: an .xlsx sheet is parsed
    only while it is being read, so the three sheets of a county file are never all in
    memory at once."""

    name: str
    source: Callable[[], Iterable[list]]
    text_cells: bool = False  # a CSV's cells are text already: only stripped, as cell_text does
    csv: Path | None = None  # a CSV file, read as columns by table()

    def table(self) -> tuple[list[str], pl.DataFrame]:
        """The header, and the rows below it as a frame: ROW (the Excel row number) and a
        text column per named column of the header (the first, when one is repeated)."""
        if self.csv is not None:
            return csv_table(self.csv)
        header, rows = self.open()
        return header, rows_table(header, rows)

    def open(self) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
        """The header, and (Excel row number, cells as text) for every non-empty row
        below it. The header is the first of the top rows that names 户编号 (a title row
        above it is common in county files), else the first non-empty row."""
        # Empty rows are dropped before their cells are looked at: a sheet whose range
        # reaches row 1,000,000 is mostly rows of "" and must not take minutes.
        as_text = strip_cells if self.text_cells else typed_cells
        rows = ((number, as_text(row))
                for number, row in enumerate(self.source(), start=1)
                if row.count("") != len(row))
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


def typed_cells(row: list) -> list[str]:
    return [cell_text(value) for value in row]


def strip_cells(row: list[str]) -> list[str]:
    """cell_text of cells that are text already (a CSV's), without its type tests."""
    return list(map(str.strip, row))


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
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        refuse_huge_sheets(path)
    return {name: Sheet(name, partial(sheet_rows, path, name), text_cells=True)
            for name in SHEET_NAMES}


# ── The size of an .xlsx sheet, before the reader allocates it ───────────────────────

DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"[A-Z]*[0-9]*:?([A-Z]+)([0-9]+)\"")
VALUE_CELL = re.compile(rb"<(?:\w+:)?c\s[^>]*?\br=\"([A-Z]{1,3})([0-9]{1,7})\"[^>]*?(/?)>")
CHUNK = 1 << 22


def refuse_huge_sheets(path: Path) -> None:
    """UnreadableFile for a sheet whose range would not fit in memory, naming where it
    ends, before the sheet is read (a message more helpful than the child's; the child's
    memory limit is what holds when a sheet's XML lies about its extent). A sheet's
    declared extent (<dimension>, written by Excel, WPS and XlsxWriter) is read from its
    first bytes; only a sheet declaring a huge extent or none is scanned
    for its last value cell, since cells that are merely formatted do not count."""
    try:
        with zipfile.ZipFile(path) as archive:
            for name, part in sheet_parts(archive).items():
                if name not in SHEET_NAMES:
                    continue
                rows, columns = sheet_extent(archive, part)
                if rows * columns > MAX_CELLS:
                    raise UnreadableFile(
                        f"工作表“{name}”的内容一直延伸到第 {rows} 行、第 {column_name(columns)} "
                        f"列（约 {rows * columns // 10000} 万个单元格），太大无法读取：多半是数据"
                        "下方或右侧很远处有误填的内容（哪怕一个空格），请删除这些行和列后另存再导入")
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError):
        return  # the reader opened it; whatever it is, it is not an oversized sheet


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its part in the archive (xl/worksheets/sheet1.xml), from the
    workbook and its relationships (namespaces ignored: strict OOXML differs)."""
    def local(tag: str) -> str:
        return tag.rsplit("}", 1)[-1]

    targets = {}
    for rel in ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels")).iter():
        if local(rel.tag) == "Relationship":
            target = rel.get("Target", "")
            targets[rel.get("Id")] = target.lstrip("/") if target.startswith("/") \
                else f"xl/{target}"
    parts = {}
    for sheet in ElementTree.fromstring(archive.read("xl/workbook.xml")).iter():
        if local(sheet.tag) == "sheet":
            rid = next((v for k, v in sheet.attrib.items() if local(k) == "id"), None)
            if rid in targets:
                parts[sheet.get("name")] = targets[rid]
    return parts


def sheet_extent(archive: zipfile.ZipFile, part: str) -> tuple[int, int]:
    """(last row, last column) of a sheet: as declared, or found by scanning its cells."""
    with archive.open(part) as stream:
        head = stream.read(1 << 16)
    declared = DIMENSION.search(head)
    if declared:
        rows, columns = int(declared[2]), column_number(declared[1])
        if rows * columns <= MAX_CELLS:
            return rows, columns
    rows = columns = 0
    with archive.open(part) as stream:
        tail = b""
        while chunk := stream.read(CHUNK):
            text, tail = tail + chunk, b""
            for cell in VALUE_CELL.finditer(text):
                if not cell[3]:  # <c r="A9"/> holds no value
                    rows, columns = max(rows, int(cell[2])), max(columns, column_number(cell[1]))
            tail = text[-256:]  # a tag cut in two by the chunk is found whole next time
    return rows, columns


def column_number(letters: bytes | str) -> int:
    number = 0
    for letter in letters.decode() if isinstance(letters, bytes) else letters:
        number = number * 26 + ord(letter) - 64
    return number


def column_name(number: int) -> str:
    name = ""
    while number:
        number, rest = divmod(number - 1, 26)
        name = chr(65 + rest) + name
    return name


def read_csv_folder(folder: Path) -> dict[str, Sheet]:
    missing = [f"{name}.csv" for name in SHEET_NAMES if not (folder / f"{name}.csv").is_file()]
    if missing:
        raise UnreadableFile(f"文件夹 {folder.name} 中缺少：{'、'.join(missing)}")
    return {name: Sheet(name, partial(csv_rows, folder / f"{name}.csv"), text_cells=True,
                        csv=folder / f"{name}.csv")
            for name in SHEET_NAMES}


def csv_rows(path: Path) -> Iterator[list]:
    """The file is decoded whole once, for the refusals of `decoded` (UTF-16, NUL, neither
    UTF-8 nor GB18030), then parsed as a stream in the encoding that read it: a county's
    成员.csv held as text while its rows are cleaned would take some 180 MB more."""
    try:
        text, encoding = decoded(path.read_bytes())
    except OSError as exc:
        raise UnreadableFile(f"无法读取文件 {path.name}：{exc.strerror}") from exc
    except UnreadableFile as exc:
        raise UnreadableFile(f"{path.name}：{exc}") from exc
    quoted = "'" in text  # a county file rarely has one: then no cell needs looking at
    del text
    return parsed_csv(path, encoding, quoted)


def parsed_csv(path: Path, encoding: str, quoted: bool) -> Iterator[list[str]]:
    """The rows of a CSV file, with the apostrophe our error report puts before a
    formula-like cell taken off again (when the file has an apostrophe at all); a file the
    csv module cannot parse (a cell over its 131,072-character limit, a stray carriage
    return) is UnreadableFile, saying where."""
    try:
        stream = path.open(encoding=encoding, newline="")
    except OSError as exc:
        raise UnreadableFile(f"无法读取文件 {path.name}：{exc.strerror}") from exc
    with stream:
        reader = csv.reader(stream)
        try:
            for row in reader:
                yield [live(cell) for cell in row] if quoted else row
        except csv.Error as exc:
            problem = ("有单元格超过 131072 个字符" if "field limit" in str(exc)
                       else f"不是有效的 CSV（{exc}）")
            raise UnreadableFile(f"{path.name} 第{reader.line_num}行{problem}：请检查该文件"
                                 ) from exc


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


# ── Sheets as tables of text columns ─────────────────────────────────────────────────

ROW = "行号"  # the Excel row number of each row of a table
FIELD_LIMIT = 131_072  # what the csv module takes in a cell; a longer one is refused
# What str.strip takes off (cell_text strips every cell); polars' own strip differs.
SPACE = "".join(chr(c) for c in range(0x3100) if chr(c).isspace())


def named_columns(header: list[str]) -> dict[str, int]:
    """Column name → its position: the first of two columns with the same name, and no
    column without a name (as records() reads a row)."""
    positions = {}
    for index, column in enumerate(header):
        if column:
            positions.setdefault(column, index)
    return positions


def rows_table(header: list[str], rows) -> pl.DataFrame:
    """The rows (Excel row number, cells as text) as a table, for a sheet read row by row."""
    positions = named_columns(header)
    numbers, columns = [], {column: [] for column in positions}
    for number, cells in rows:
        numbers.append(number)
        for column, index in positions.items():
            columns[column].append(cells[index] if index < len(cells) else "")
    return pl.DataFrame({ROW: numbers, **columns},
                        schema={ROW: pl.Int64, **dict.fromkeys(columns, pl.String)})


def csv_table(path: Path) -> tuple[list[str], pl.DataFrame]:
    """A CSV file parsed by polars: decoded once (UTF-8 or GB18030, the refusals of
    `decoded`), every cell stripped and, when the file has an apostrophe at all, the one
    our error report puts before a formula-like cell taken off again; then, as Sheet.open
    does, the header found among the top rows and the empty rows dropped."""
    try:
        data = path.read_bytes()
        text, encoding = decoded(data)
    except OSError as exc:
        raise UnreadableFile(f"无法读取文件 {path.name}：{exc.strerror}") from exc
    except UnreadableFile as exc:
        raise UnreadableFile(f"{path.name}：{exc}") from exc
    quoted = "'" in text
    data = text.encode() if encoding != "utf-8-sig" else data.removeprefix(b"\xef\xbb\xbf")
    del text
    top = [line for line in data[:1 << 20].splitlines() if line.strip(b", \t")]
    width = max((line.count(b",") + 1 for line in top[:HEADER_SEARCH * 4]), default=0)
    raw = parsed_table(path, data, width)
    del data
    if raw.width == 0:
        return [], rows_table([], [])
    cells = [pl.col(c) for c in raw.columns]
    if quoted:
        cells = [pl.when(c.str.starts_with("'") & c.str.slice(1, 1).is_in(list(FORMULA_START)))
                 .then(c.str.slice(1)).otherwise(c) for c in cells]
    raw = raw.with_row_index(ROW, offset=1).select(
        pl.col(ROW).cast(pl.Int64),
        pl.any_horizontal(pl.col(c) != "" for c in raw.columns).alias("filled"),
        *(c.str.strip_chars(SPACE).alias(name) for c, name in zip(cells, raw.columns,
                                                                     strict=True)))
    raw = raw.filter("filled").drop("filled")
    longest = raw.select(pl.max_horizontal(pl.col(c).str.len_chars().max()
                                           for c in raw.columns[1:])).item()
    if longest and longest > FIELD_LIMIT:
        number = raw.filter(pl.any_horizontal(pl.col(c).str.len_chars() > FIELD_LIMIT
                                              for c in raw.columns[1:]))[ROW][0]
        raise UnreadableFile(f"{path.name} 第{number}行有单元格超过 {FIELD_LIMIT} 个字符："
                             "请检查该文件")
    header, at = table_header(raw)
    body = raw.slice(at + 1).filter(pl.any_horizontal(pl.col(c) != "" for c in raw.columns[1:]))
    positions = named_columns(header)
    return header, body.select(ROW, *(pl.col(f"c{index}").alias(column)
                                      for column, index in positions.items()))


def parsed_table(path: Path, data: bytes, width: int) -> pl.DataFrame:
    """The file's records as text columns c0, c1, … (a blank line is a record too, as the
    csv module numbers them), at least `width` of them."""
    if not width:
        return pl.DataFrame()
    try:
        frame = pl.read_csv(data, has_header=False, schema=dict.fromkeys(
            (f"c{i}" for i in range(width)), pl.String), truncate_ragged_lines=True,
            empty_string_is_null=False, raise_if_empty=False, missing_columns="insert")
    except pl.exceptions.PolarsError as exc:
        raise UnreadableFile(f"{path.name} 不是有效的 CSV（{str(exc).splitlines()[0]}）："
                             "请检查该文件") from exc
    return frame.fill_null("")


def table_header(raw: pl.DataFrame) -> tuple[list[str], int]:
    """The header row among the top non-empty rows (Sheet.open's rule) and its index."""
    top = raw.head(HEADER_SEARCH).rows()
    at = next((i for i, row in enumerate(top) if "户编号" in row[1:]), None)
    if at is None:
        at = next((i for i, row in enumerate(top) if any(row[1:])), None)
    if at is None:
        return [], raw.height
    header = list(top[at][1:])
    while header and not header[-1]:
        header.pop()
    return header, at
