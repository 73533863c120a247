"""xlsx writers side by side: a county's ledger (140,776 rows x 13 cells) written by each
candidate, each in its own process, so its seconds and peak memory are its own.

    python bench/xlsx_writers.py [--rows 140776] [--repeat 2] [--only NAME ...]

The rows are made up in memory, the same for every writer and shaped like the ledger's:
Chinese text, 18-digit IDs as text, a date, a money amount (Decimal, "0.00"), counts, a
household without a check now and then (its amount and date empty), and now and then
text a person typed that Excel would run (=…, +…, -…, @…) or XML must escape. Every
writer writes a header row in a bold filled format, 14-character columns, the amount
column as "0.00" and the date column as yyyy-mm-dd (real dates). "rows only" makes the
rows and writes nothing: the floor under every writer.

After the runs each file is read back with python-calamine and compared cell by cell
with the rows: the same values and kinds (a date a date, a number a number, text text,
an empty cell empty), and the two number formats present in styles.xml.

Writers (--only takes these names):
  rows-only          the rows made, nothing written
  xlsxwriter-row     XlsxWriter's public API, constant_memory, write_row per row
  xlsxwriter-typed   XlsxWriter's public API, constant_memory, write_string/_number/
                     _datetime per cell
  private-baseline   XlsxWriter with the row writer that wrote into its private row
                     file (households/xlsx_rows.py at --baseline REV)
  rustpy             rustpy-xlsxwriter (Rust's rust_xlsxwriter), rows as dicts
  pyexcelerate       pyexcelerate, the sheet held as a list of rows
  rvgsrust           rvgsrust-xlsxwriter (rust_xlsxwriter behind XlsxWriter-like calls),
                     constant memory, write_row per row
  write-table        the project's own: monitor/tabular.py write_table, as the
                     ledger command calls it
A writer whose package is not installed is reported and skipped.
"""

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COLUMNS = ["户编号", "乡镇", "村代码", "村", "村民小组", "户主姓名", "人口数", "人均纯收入",
           "最近排查日期", "分类", "重点群体", "监测类别", "未销号预警数"]
MONEY, DATE = COLUMNS.index("人均纯收入"), COLUMNS.index("最近排查日期")
WIDTH = 14
MONEY_FORMAT, DATE_FORMAT = "0.00", "yyyy-mm-dd"
HEADER_FILL = "#EEF1F5"
# The commit whose households/xlsx_rows.py (now monitor/) is the private fast path.
BASELINE = "a120874"

TOWNS = ["隘口镇", "平凯街道", "清溪场镇", "石耶镇", "龙池镇", "梅江镇", "溶溪镇"]
VILLAGES = ["平所村", "太阳山村", "富裕村", "坝芒村", "新院村", "红光村", "凉桥村"]
GROUPS = ["一组", "二组", "三组", "四组", "五组", "六组", "七组", "八组"]
SURNAMES = "杨吴田王李张刘陈龙白彭石冉"
GIVEN = ["明华", "小兰", "德贵", "国强", "秀英", "建军", "光荣", "玉梅", "大伟"]
CLASSES = ["一般农户", "脱贫户", "监测户", "临界"]
KEY_GROUPS = ["", "", "", "临界户", "脱贫不稳定户", "边缘易致贫户", "突发严重困难户"]
# Text a person typed: formulas Excel would run, XML to escape, whitespace to keep.
TYPED = ["=HYPERLINK(\"http://x\",\"点\")", "+86 138 0000 0000", "-", "@SUM(A1)",
         "a & b <c> \"d\"", " 前有空格", "=1+1", "因病 & 因学"]
FIRST_DAY = date(2025, 1, 1)


def ledger_rows(count: int):
    """The same `count` rows on every call: [str x6, int, Decimal|"", date|"", str x3, int]."""
    for n in range(count):
        checked = n % 37 != 5  # about one household in 37 has no check
        yield [f"500241{19500101 + n % 9000:08d}{n % 10000:04d}",
               TOWNS[n % 7], f"500241{101201 + n % 300:06d}", VILLAGES[n % 7] if n % 11 else
               f"{VILLAGES[n % 7]}（新）", GROUPS[n % 8], SURNAMES[n % 13] + GIVEN[n % 9],
               1 + n % 7,
               Decimal(3000 + n % 9001) + Decimal(n % 100) / 100 if checked else "",
               FIRST_DAY + timedelta(days=n % 500) if checked else "",
               CLASSES[n % 4], KEY_GROUPS[n % 7], TYPED[n // 997 % 8] if n % 997 == 3 else "",
               n % 5]


def excel_serial(day: date) -> int:
    """A date as Excel's day number (1900 system), as XlsxWriter writes it."""
    return (day - date(1899, 12, 30)).days


# ── The writers: each writes the rows to `path` with the header, widths and formats ──

def rows_only(path: Path, rows) -> None:
    for _ in rows:
        pass


def xlsxwriter_book(path: Path):
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True,
                                           "strings_to_formulas": False,
                                           "strings_to_urls": False})
    sheet = book.add_worksheet("台账")
    sheet.write_row(0, 0, COLUMNS, book.add_format({"bold": True, "bg_color": HEADER_FILL}))
    money, day = book.add_format({"num_format": MONEY_FORMAT}), book.add_format(
        {"num_format": DATE_FORMAT})
    sheet.set_column(0, len(COLUMNS) - 1, WIDTH)
    sheet.set_column(MONEY, MONEY, WIDTH, money)
    sheet.set_column(DATE, DATE, WIDTH, day)
    return book, sheet, money, day


def xlsxwriter_row(path: Path, rows) -> None:
    """write_row: an empty string writes nothing, a cell without a format of its own
    takes its column's (the date and amount columns)."""
    book, sheet, _, _ = xlsxwriter_book(path)
    for n, row in enumerate(rows, start=1):
        sheet.write_row(n, 0, row)
    book.close()


def xlsxwriter_typed(path: Path, rows) -> None:
    book, sheet, money, day = xlsxwriter_book(path)
    write_string, write_number, write_datetime = (sheet.write_string, sheet.write_number,
                                                  sheet.write_datetime)
    for n, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            kind = value.__class__
            if kind is str:
                if value:
                    write_string(n, col, value)
            elif kind is date:
                write_datetime(n, col, value, day)
            else:
                write_number(n, col, value, money if col == MONEY else None)
    book.close()


def private_baseline(path: Path, rows, revision: str = BASELINE) -> None:
    """The row writer of `revision`, dates given as day numbers in the date column's
    format (it takes no dates)."""
    book, sheet, _, _ = xlsxwriter_book(path)
    writer = baseline_module(revision).RowWriter(sheet, 1, len(COLUMNS), plain=True)
    for row in rows:
        if row[DATE]:
            row[DATE] = excel_serial(row[DATE])
        writer.write(row)
    writer.close()
    book.close()


def baseline_module(revision: str):
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{revision}:households/xlsx_rows.py"],
                            check=True, capture_output=True, text=True).stdout
    module_path = Path(tempfile.mkdtemp(prefix="xlsx-baseline-")) / "xlsx_rows_baseline.py"
    module_path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("xlsx_rows_baseline", module_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rustpy(path: Path, rows) -> None:
    """rustpy-xlsxwriter takes rows as dicts keyed by the header; it writes "" as nothing,
    Decimal as a number, a date in `datetime_format`, text as text."""
    from rustpy_xlsxwriter import Format, write_worksheet

    write_worksheet(
        (dict(zip(COLUMNS, row, strict=True)) for row in rows), str(path), sheet_name="台账",
        header_format=Format().set_bold().set_background_color(HEADER_FILL),
        column_width=WIDTH, datetime_format=DATE_FORMAT,
        column_formats={COLUMNS[MONEY]: Format().set_num_format(MONEY_FORMAT)})


def pyexcelerate(path: Path, rows) -> None:
    """pyexcelerate holds the sheet as a list of rows; a string starting with "=" is a
    formula to it (the read-back check says so)."""
    from pyexcelerate import Color, Fill, Font, Format, Style, Workbook

    book = Workbook()
    sheet = book.new_sheet("台账", data=[COLUMNS, *rows])
    sheet.set_row_style(1, Style(font=Font(bold=True), fill=Fill(background=Color(
        *bytes.fromhex(HEADER_FILL[1:])))))
    for col in range(1, len(COLUMNS) + 1):
        sheet.set_col_style(col, Style(size=WIDTH))
    sheet.set_col_style(MONEY + 1, Style(size=WIDTH, format=Format(MONEY_FORMAT)))
    sheet.set_col_style(DATE + 1, Style(size=WIDTH, format=Format(DATE_FORMAT)))
    book.save(str(path))


def rvgsrust(path: Path, rows) -> None:
    """rvgsrust-xlsxwriter: a workbook and worksheets as XlsxWriter has them, write_row
    per row; "" and None write nothing without a format, a date takes the column's."""
    from rvgsrust_xlsxwriter import Workbook

    book = Workbook(str(path))
    sheet = book.add_worksheet("台账", constant_memory=True)
    head = book.add_format().set_bold().set_background_color(HEADER_FILL)
    for col in range(len(COLUMNS)):
        sheet.set_column_width(col, WIDTH)
    sheet.set_column_format(MONEY, book.add_format().set_num_format(MONEY_FORMAT))
    sheet.set_column_format(DATE, book.add_format().set_num_format(DATE_FORMAT))
    sheet.write_row(0, 0, COLUMNS, head)
    write_row = sheet.write_row
    for n, row in enumerate(rows, start=1):
        write_row(n, 0, row)
    book.close()


def write_table(path: Path, rows) -> None:
    from monitor.tabular import write_table

    write_table(path, COLUMNS, rows, title="台账", number_formats={COLUMNS[MONEY]: MONEY_FORMAT})


WRITERS = {
    "rows-only": (rows_only, None),
    "xlsxwriter-row": (xlsxwriter_row, "xlsxwriter"),
    "xlsxwriter-typed": (xlsxwriter_typed, "xlsxwriter"),
    "private-baseline": (private_baseline, "xlsxwriter"),
    "rustpy": (rustpy, "rustpy_xlsxwriter"),
    "rvgsrust": (rvgsrust, "rvgsrust_xlsxwriter"),
    "pyexcelerate": (pyexcelerate, "pyexcelerate"),
    "write-table": (write_table, "monitor.tabular"),
}


# ── One writer in its own process ───────────────────────────────────────────────────

def child(name: str, rows: int, path: Path, revision: str) -> None:
    write, package = WRITERS[name]
    if package:
        __import__(package)  # imported before the clock starts, as a server has it
    kwargs = {"revision": revision} if name == "private-baseline" else {}
    if name == "private-baseline":
        baseline_module(revision)  # fails here, before the clock, if git cannot show it
    started, cpu = time.perf_counter(), time.process_time()
    write(path, ledger_rows(rows), **kwargs)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mb": peak}))


def measure(name: str, rows: int, path: Path, revision: str) -> dict | None:
    load = os.getloadavg()[0]
    done = subprocess.run([sys.executable, __file__, "--child", name, "--rows", str(rows),
                           "--file", str(path), "--baseline", revision],
                          capture_output=True, text=True)
    if done.returncode:
        reason = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"
        print(f"{name}: not measured ({reason})", flush=True)
        return None
    result = {**json.loads(done.stdout.strip().splitlines()[-1]), "load": load}
    size = f", {path.stat().st_size / 1e6:.1f} MB file" if path.exists() else ""
    print(f"{name}: {result['seconds']:.2f} s (CPU {result['cpu']:.2f} s), peak RSS "
          f"{result['peak_mb']:.0f} MB, load {load:.2f} at start{size}", flush=True)
    return result


# ── Reading back ───────────────────────────────────────────────────────────────────────

def expected(value):
    if value == "":
        return ""
    if isinstance(value, Decimal | int):
        return float(value)
    return value


def check(path: Path, rows: int) -> list[str]:
    """What differs between the file and the rows (nothing: an empty list)."""
    from python_calamine import CalamineWorkbook

    problems = []
    with zipfile.ZipFile(path) as archive:
        styles = archive.read("xl/styles.xml").decode()
    for code in (MONEY_FORMAT, DATE_FORMAT):
        if f'formatCode="{code}"' not in styles:
            problems.append(f"no number format {code} in styles.xml")
    book = CalamineWorkbook.from_path(str(path))
    data = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    if data[0] != COLUMNS:
        problems.append(f"header {data[0]}")
    if len(data) - 1 != rows:
        problems.append(f"{len(data) - 1} data rows, not {rows}")
    for n, row in enumerate(ledger_rows(rows), start=1):
        if n >= len(data):
            break
        got = list(data[n]) + [""] * (len(COLUMNS) - len(data[n]))
        for col, value in enumerate(row):
            want = expected(value)
            if got[col] != want or type(got[col]) is not type(want):
                problems.append(f"row {n + 1}, {COLUMNS[col]}: {got[col]!r}, not {want!r}")
        if len(problems) >= 5:
            problems.append("…")
            break
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=140776, help="ledger rows (households)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of all writers, one after the other")
    parser.add_argument("--only", nargs="+", choices=list(WRITERS), help="these writers only")
    parser.add_argument("--baseline", default=BASELINE,
                        help="the git revision whose monitor/xlsx_rows.py is the baseline")
    parser.add_argument("--no-check", action="store_true", help="skip reading the files back")
    parser.add_argument("--child", choices=list(WRITERS), help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.rows, args.file, args.baseline)

    out = Path(tempfile.mkdtemp(prefix="shouwang-xlsx-writers-"))
    names = args.only or list(WRITERS)
    print(f"{args.rows} rows x {len(COLUMNS)} cells, {os.cpu_count()} CPUs, load "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    results: dict[str, list[dict]] = {name: [] for name in names}
    for round_ in range(1, args.repeat + 1):
        if args.repeat > 1:
            print(f"round {round_}", flush=True)
        for name in names:
            result = measure(name, args.rows, out / f"{name}.xlsx", args.baseline)
            if result:
                results[name].append(result)
    print("\nwriter | seconds (best, of runs) | CPU s | peak MB | load at start")
    for name, runs in results.items():
        if runs:
            best = min(runs, key=lambda r: r["seconds"])
            seconds = ", ".join(f"{r['seconds']:.2f}" for r in runs)
            loads = ", ".join(f"{r['load']:.2f}" for r in runs)
            print(f"{name} | {best['seconds']:.2f} ({seconds}) | {best['cpu']:.2f} | "
                  f"{max(r['peak_mb'] for r in runs):.0f} | {loads}")
    if args.no_check:
        return
    print()
    for name in names:
        path = out / f"{name}.xlsx"
        if name == "rows-only" or not path.exists():
            continue
        problems = check(path, args.rows)
        print(f"read back {name}: " + ("same values and kinds" if not problems else
                                        "; ".join(problems)), flush=True)


if __name__ == "__main__":
    main()
