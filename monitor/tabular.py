"""Reading the county's CSV files: UTF-8 (with or without BOM) or GB18030, as Excel on a
Chinese Windows saves them."""

import csv
import io
import re
from pathlib import Path


class UnreadableFile(Exception):
    """The file cannot be read at all (missing, wrong encoding, not a table)."""


UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
RESAVE = "请在 Excel 中另存为“CSV UTF-8（逗号分隔）”，或 GB18030 编码的 CSV"


def decode(data: bytes) -> str:
    """The text of a CSV file in UTF-8 (BOM or not) or GB18030 (see decoded)."""
    return decoded(data)[0]


def decoded(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding that read it: UTF-8 (BOM or not) or
    GB18030. UTF-16 (Excel's "Unicode text") and binary files are refused by name:
    GB18030 would decode many of them into nonsense, and a NUL character cannot be
    stored."""
    if data.startswith(UTF16_BOMS) and is_utf16_table(data):
        raise UnreadableFile(f"文件是 UTF-16 编码（Excel 的“Unicode 文本”）：{RESAVE}")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            raise UnreadableFile("文件中有空字符（NUL），不是文本格式的 CSV（可能是 UTF-16 或"
                                 f"二进制文件）：{RESAVE}")
        return text, encoding
    hint = "（其中有空字符，可能是 UTF-16 编码）" if b"\x00" in data else ""
    raise UnreadableFile(f"文件编码无法识别{hint}：请另存为 UTF-8 或 GB18030 编码的 CSV")


def is_utf16_table(data: bytes) -> bool:
    """UTF-16 text with a separator or a line in it, as Excel's "Unicode text" is."""
    try:
        text = data.decode("utf-16")
    except UnicodeDecodeError:
        return False
    return any(mark in text for mark in ",\t\n")


# A CSV cell Excel would run as a formula (=1+1, =HYPERLINK(…), +A1, -A1, @SUM(…)).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


def inert(cell):
    """A cell for a CSV that Excel opens: text Excel would run as a formula gets a
    leading apostrophe (a plain number such as -5 is left alone); `live` undoes it."""
    if isinstance(cell, str) and cell.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(
            cell):
        return "'" + cell
    return cell


def live(cell: str) -> str:
    """A CSV cell as it was before `inert`, so a written report imports as typed."""
    if cell.startswith("'") and cell[1:].startswith(FORMULA_START):
        return cell[1:]
    return cell


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    """The header and the data rows of a CSV file, cells stripped."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise UnreadableFile(f"无法读取文件 {path}：{exc.strerror}") from exc
    rows = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(decode(data)))]
    rows = [row for row in rows if any(row)]
    if not rows:
        raise UnreadableFile(f"文件 {Path(path).name} 是空的")
    return rows[0], rows[1:]


class CsvWriter:
    """The one writer of every CSV file the project hands out (exports, reports, the
    import's error report): csv.writer's, with every cell made inert, so a name typed
    as =HYPERLINK(…), @SUM(…) or -2+3+cmd|… is text when Excel opens the file.
    tests/test_exports_inert.py holds every module to it."""

    def __init__(self, handle):
        self._writer = csv.writer(handle)

    def writerow(self, row) -> None:
        self._writer.writerow([inert(cell) for cell in row])

    def writerows(self, rows) -> None:
        for row in rows:
            self.writerow(row)


def write_table(path: Path, columns: list[str], rows, title: str = "",
                number_formats: dict[str, str] | None = None,
                heading: list[str] | None = None) -> int:
    """Write one table as .xlsx (streamed) or .csv (UTF-8 with BOM, so Excel opens it);
    the format follows the file's extension. `number_formats` gives an Excel number format
    per column (e.g. {"人均纯收入": "0.00"}); dates are Excel dates. `heading` lines (the
    title, the place and its 截至 date) go above the header in an .xlsx, which is then
    set up as a county files it: frozen header, A4 landscape, the header on every printed
    page; a CSV's first row is its header, for machines. Returns the rows written."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        count = 0
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = CsvWriter(handle)
            writer.writerow(columns)
            for row in rows:
                writer.writerow(row)  # typed text stays text
                count += 1
        return count
    from .xlsx_rows import write_table_xlsx

    # A cell is what it says: text stays text, never a formula or a link.
    return write_table_xlsx(path, columns, rows, title or "Sheet1", number_formats or {},
                            heading or [])
