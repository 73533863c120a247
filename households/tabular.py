"""Reading the county's CSV files: UTF-8 (with or without BOM) or GB18030, as Excel on a
Chinese Windows saves them."""

import csv
import io
from pathlib import Path


class UnreadableFile(Exception):
    """The file cannot be read at all (missing, wrong encoding, not a table)."""


def decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("文件编码无法识别：请另存为 UTF-8 或 GB18030 编码的 CSV")


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


def write_table(path: Path, columns: list[str], rows, title: str = "",
                number_formats: dict[str, str] | None = None) -> int:
    """Write one table as .xlsx (streamed) or .csv (UTF-8 with BOM, so Excel opens it);
    the format follows the file's extension. `number_formats` gives an Excel number format
    per column (e.g. {"人均纯收入": "0.00"}). Returns the number of rows written."""
    import xlsxwriter

    path = Path(path)
    count = 0
    if path.suffix.lower() == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            for row in rows:
                writer.writerow(row)
                count += 1
        return count
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True,
                                           "strings_to_formulas": False})
    sheet = book.add_worksheet(title or "Sheet1")
    sheet.write_row(0, 0, columns, book.add_format({"bold": True, "bg_color": "#EEF1F5"}))
    sheet.set_column(0, len(columns) - 1, 14)
    for column, number_format in (number_formats or {}).items():
        index = columns.index(column)
        sheet.set_column(index, index, 14, book.add_format({"num_format": number_format}))
    for count, row in enumerate(rows, start=1):
        sheet.write_row(count, 0, row)
    book.close()
    return count
