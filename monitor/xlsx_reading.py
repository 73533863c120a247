"""Reading a sheet of an uploaded or given workbook (.xlsx, .xls, .ods) without letting
the file abort the process that reads it.

python-calamine allocates a sheet's whole range before it yields a row, and Rust aborts
the process when an allocation fails: a 5 KB file holding cells A1 and XFD1048576 asks
for 550 GB, and a web worker or the import dies (exit 134) with no message. What a sheet
will need cannot be told from the file without reading it as calamine does (the declared
<dimension> may lie, cells may carry no reference and be placed by their position), so
the sheet is read in a child process under a memory limit (MEMORY_LIMIT): the child
writes the sheet's rows of text into a file, a JSON list a line (no cell is too long for
it, as one could be for the csv module; a run of empty rows is one number), which the
caller reads as a stream. A
sheet that does not fit is refused with a message in Chinese; the caller lives on.

This module is also the child's program (`python -m monitor.xlsx_reading`): it imports
nothing of Django, so the child starts in a few hundredths of a second.
"""

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path

from monitor.tabular import UnreadableFile

# A county's 排查 sheet (1,000,000 visits x 20 columns) takes some 700 MB in the reader.
MEMORY_LIMIT = 3 * 1024**3
EXACT_DIGITS = 1e15  # Excel keeps 15 significant digits; a longer number has lost some
TOO_BIG = ("工作表“{sheet}”太大，无法读取（读取它需要超过 {limit} GB 内存）：多半是数据下方或右侧"
           "很远处有误填的内容（哪怕一个空格），请删除这些行和列后另存再上传")
NOT_FOUND, UNREADABLE = 3, 4  # the child's exit codes besides 0 and death by a signal


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


def sheet_rows(path: Path, sheet: str | int) -> Iterator[list[str]]:
    """The rows of one sheet (by name, or 0 for the first), every cell as text
    (cell_text), from row 1 as Excel numbers them. UnreadableFile, in Chinese, for a
    file or sheet that cannot be read or would not fit in MEMORY_LIMIT."""
    path = Path(path).resolve()
    with tempfile.TemporaryDirectory(prefix="sheet-") as folder:
        out = Path(folder) / "sheet.jsonl"
        child = subprocess.run(
            [sys.executable, "-m", "monitor.xlsx_reading", str(path), which(sheet), str(out)],
            preexec_fn=limit_memory, capture_output=True, cwd=Path(__file__).parent.parent)
        if child.returncode != 0:
            raise UnreadableFile(refusal(path, sheet, child))
        with out.open(encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                if isinstance(row, int):  # that many empty rows
                    yield from ([] for _ in range(row))
                else:
                    yield row


def which(sheet: str | int) -> str:
    """The sheet as the child's argument: its name, or #N for the Nth."""
    return f"#{sheet}" if isinstance(sheet, int) else sheet


def limit_memory() -> None:
    """In the child, before it starts: at most MEMORY_LIMIT (or the parent's own lower
    limit, which a child cannot raise)."""
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = MEMORY_LIMIT if hard == resource.RLIM_INFINITY else min(hard, MEMORY_LIMIT)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def refusal(path: Path, sheet: str | int, child: subprocess.CompletedProcess) -> str:
    """Why the child could not read the sheet, in Chinese."""
    said = child.stderr.decode("utf-8", "replace").strip().splitlines()
    if child.returncode == NOT_FOUND:
        return f"{path.name} 中没有{sheet_label(sheet)}工作表"
    if child.returncode == UNREADABLE and said:
        return said[-1]
    return TOO_BIG.format(sheet=sheet_label(sheet), limit=MEMORY_LIMIT // 1024**3)


def sheet_label(sheet: str | int) -> str:
    return f"第 {sheet + 1} 张" if isinstance(sheet, int) else sheet


def write_rows(handle, rows) -> None:
    """Each row as a JSON list of texts; a run of empty rows as their count, so a stray
    cell at row 1,000,000 is not a million lines."""
    empty = 0
    for row in rows:
        if row.count("") == len(row):
            empty += 1
            continue
        if empty:
            handle.write(f"{empty}\n")
            empty = 0
        handle.write(json.dumps([cell_text(value) for value in row], ensure_ascii=False))
        handle.write("\n")


def write_sheet(path: str, sheet: str, out: str) -> int:
    """The child: write the sheet's rows as text into `out`, a JSON list a line; on a failure
    say why on standard error, in Chinese, and exit UNREADABLE."""
    from python_calamine import CalamineError, CalamineWorkbook

    index = int(sheet[1:]) if sheet.startswith("#") and sheet[1:].isdigit() else None
    label = sheet_label(sheet if index is None else index)
    try:
        book = CalamineWorkbook.from_path(path)
    except (CalamineError, OSError, ValueError) as exc:
        print(f"无法读取 Excel 文件 {Path(path).name}：{exc}", file=sys.stderr)
        return UNREADABLE
    if index is None and sheet not in book.sheet_names or (
            index is not None and index >= len(book.sheet_names)):
        return NOT_FOUND
    try:
        data = book.get_sheet_by_name(sheet) if index is None else book.get_sheet_by_index(index)
        with open(out, "w", encoding="utf-8") as handle:
            write_rows(handle, data.iter_rows())
    except (CalamineError, OSError, ValueError) as exc:
        print(f"无法读取工作表“{label}”：{exc}", file=sys.stderr)
        return UNREADABLE
    except MemoryError:
        os._exit(1)  # Python's own allocations failed under the limit: too big, as above
    return 0


if __name__ == "__main__":
    sys.exit(write_sheet(*sys.argv[1:4]))
