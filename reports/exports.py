"""Writing the five lists: one printable workbook, or five CSV files (interfaces.md).

The workbook is the ledger a county prints and files: per sheet a title row, the place,
period and generation time, two merged header rows (groups over columns) repeated on
every printed page, bordered cells, set column widths, landscape A4 fitted to the page
width, page numbers in the footer. Rows are streamed (constant memory).
"""

import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import xlsxwriter
from django.conf import settings
from django.utils import timezone

from alerts.models import ExportJob, ExportKind, ExportState
from households.models import Household
from monitor.audit import audit_export
from monitor.bulk import report_reads
from monitor.models import AuditSource
from monitor.tabular import CsvWriter
from monitor.xlsx_rows import RowWriter

from .five_lists import SHEETS, ListScope, closed_in_period, list_scope, responsibility_tallies
from .ledger import write_ledger

XLSX_NAME = "五张清单.xlsx"
CSV_NAMES = [f"{sheet.name}.csv" for sheet in SHEETS]
HEADER_ROWS = 4  # title, place and period, group headers, column headers
PROGRESS_EVERY = 500

Progress = Callable[[int], None] | None
WIDE = re.compile("[\u2e81-\U0010ffff]")  # characters that print two columns wide


def write_xlsx(path: Path, scope: ListScope, progress: Progress = None) -> dict[str, int]:
    """Write 五张清单.xlsx; returns the rows written per sheet."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True,
                                           "strings_to_formulas": False,
                                           "strings_to_urls": False})
    styles = _styles(book)
    generated = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    counts, written = {}, 0
    for sheet in SHEETS:
        ws = book.add_worksheet(sheet.name)
        last = len(sheet.columns) - 1
        _page_setup(ws, scope, sheet.name)
        for col, width in enumerate(sheet.widths):
            ws.set_column(col, col, width)
        ws.set_row(0, 30)
        ws.merge_range(0, 0, 0, last, f"{scope.place.name}防止返贫动态监测{sheet.name}",
                       styles["title"])
        ws.merge_range(1, 0, 1, last, f"地区：{scope.place.name}（{scope.place.code}）　　"
                       f"期间：{scope.period}　　{scope.as_of}　　生成时间：{generated}",
                       styles["meta"])
        _header(ws, sheet, styles["head"])
        wrap = {sheet.columns.index(name) for name in sheet.wrap}
        rows = RowWriter(ws, HEADER_ROWS, len(sheet.columns), number_format=styles["number"],
                         date_format=styles["date"],
                         string_formats=[styles["wrap"] if col in wrap else styles["cell"]
                                         for col in range(len(sheet.columns))])
        for row in sheet.rows(scope):
            lines = max((wrapped_lines(str(row[col]), sheet.widths[col]) for col in wrap),
                        default=1)
            # LibreOffice keeps the default height of wrapped rows: set it.
            rows.write(row, height=13 * lines + 2 if lines > 1 else None)
            written += 1
            if progress and written % PROGRESS_EVERY == 0:
                progress(written)
        if rows.count == 0:  # a filed list says it is empty rather than looking cut off
            ws.merge_range(HEADER_ROWS, 0, HEADER_ROWS, last, "本期无记录", styles["cell"])
        counts[sheet.name] = rows.count
    book.close()
    if progress:
        progress(written)
    return counts


def wrapped_lines(text: str, width: float) -> int:
    """How many lines `text` takes in a column `width` characters wide (a Chinese
    character is two)."""
    display = len(text) + len(WIDE.findall(text))
    return max(1, -(-display // max(1, int(width) - 1)))


def _styles(book) -> dict:
    base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}
    border = {**base, "border": 1}
    return {
        "title": book.add_format({**base, "bold": True, "font_size": 16, "align": "center"}),
        "meta": book.add_format({**base, "align": "left"}),
        "head": book.add_format({**border, "bold": True, "align": "center", "text_wrap": True,
                                 "bg_color": "#E7ECF2"}),
        "cell": book.add_format(border),
        "wrap": book.add_format({**border, "text_wrap": True}),
        "number": book.add_format({**border, "align": "right"}),
        "date": book.add_format({**border, "align": "center", "num_format": "yyyy-mm-dd"}),
    }


def _page_setup(ws, scope: ListScope, name: str) -> None:
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.center_horizontally()
    ws.fit_to_pages(1, 0)  # the page width, as many pages down as needed
    ws.repeat_rows(2, 3)
    ws.freeze_panes(HEADER_ROWS, 0)
    ws.set_start_page(1)  # each list is filed on its own: its pages count from 1
    ws.set_footer(f"&L{scope.place.name} {name}&C第 &P 页，共 &N 页&R制表人：　　　审核人：　　　")


def _header(ws, sheet, style) -> None:
    """Two header rows: groups merged across their columns, a column without a group
    merged down both rows. Written in row order, as constant memory requires: a row once
    left is flushed, so the vertical merges come after the rest of the first header row."""
    col, vertical = 0, []
    for group, columns in sheet.groups:
        first, last = col, col + len(columns) - 1
        if group is None:
            ws.write_string(2, first, columns[0][0], style)
            vertical.append((first, columns[0][0]))
        elif first == last:
            ws.write_string(2, first, group, style)
        else:
            ws.merge_range(2, first, 2, last, group, style)
        col = last + 1
    for first, name in vertical:  # repeats of the top cell are dropped; the merge is kept
        ws.merge_range(2, first, 3, first, name, style)
    # The second header row names every column, also under a vertical merge (hidden
    # there when printed), so a program reading the sheet finds one complete header row.
    ws.write_row(3, 0, sheet.columns, style)


def write_csvs(folder: Path, scope: ListScope, progress: Progress = None) -> dict[str, int]:
    """Write the five CSV files (UTF-8 with BOM, so Excel opens them)."""
    counts, written = {}, 0
    for sheet in SHEETS:
        with (Path(folder) / f"{sheet.name}.csv").open("w", encoding="utf-8-sig",
                                                        newline="") as handle:
            writer = CsvWriter(handle)
            writer.writerow(sheet.columns)
            counts[sheet.name] = 0
            for row in sheet.rows(scope):
                writer.writerow(row)  # a typed "=…" stays text
                counts[sheet.name] += 1
                written += 1
                if progress and written % PROGRESS_EVERY == 0:
                    progress(written)
    if progress:
        progress(written)
    return counts


def write_five_lists(out: Path, scope: ListScope, fmt: str, progress: Progress = None
                     ) -> tuple[list[Path], dict[str, int]]:
    """Write the lists into the folder `out` in `fmt` (xlsx or csv); returns the files."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        return [out / XLSX_NAME], write_xlsx(out / XLSX_NAME, scope, progress)
    counts = write_csvs(out, scope, progress)
    return [out / name for name in CSV_NAMES], counts


def five_lists_exported(*, scope: ListScope, fmt: str, counts: dict[str, int], actor,
                        source: str = "", note: str = "") -> None:
    """Record who exported the five lists of which place and period, in which format."""
    audit_export(actor=actor, what="五张清单", place=scope.place, start=scope.start,
                 end=scope.end, fmt=fmt, rows=sum(counts.values()), note=note, source=source)


def zip_csvs(folder: Path) -> Path:
    """The five CSV files in one zip, for a single download."""
    target = Path(folder) / "五张清单.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in CSV_NAMES:
            archive.write(Path(folder) / name, arcname=name)
    return target


# ── Background exports ────────────────────────────────────────────────────────────────

def export_run(job_id: int) -> None:
    """Claim the job (once: a duplicate delivery finds it taken), write the files with
    progress, and mark it done or failed."""
    if not ExportJob.objects.filter(pk=job_id, state=ExportState.QUEUED).update(
            state=ExportState.RUNNING):
        return
    job = ExportJob.objects.select_related("user", "place").get(pk=job_id)
    if job.kind == ExportKind.LEDGER:
        return ledger_export_run(job)
    scope = list_scope(place=job.place, start=job.start, end=job.end, user=job.user)
    total = sum(_count(sheet.name, scope) for sheet in SHEETS)
    ExportJob.objects.filter(pk=job_id).update(rows_total=total)
    folder = Path(settings.EXPORT_ROOT) / str(job.pk)

    def progress(rows: int) -> None:
        ExportJob.objects.filter(pk=job_id).update(rows_done=rows)

    try:
        files, counts = write_five_lists(folder, scope, job.format, progress)
        target = files[0] if job.format == "xlsx" else zip_csvs(folder)
    except Exception as exc:
        export_failed(ExportJob.objects.filter(pk=job_id), str(exc))
        raise
    ExportJob.objects.filter(pk=job_id).update(
        state=ExportState.DONE, file=str(target), finished=timezone.now(), rows_done=total)
    # Requested on the five-lists page; the worker has no request of its own.
    five_lists_exported(scope=scope, fmt=job.format, counts=counts, actor=job.user,
                        source=AuditSource.PAGE, note=f"后台导出任务 {job.pk}")


def ledger_export_run(job: ExportJob) -> None:
    """The household ledger of the job's place, as its user sees it."""
    jobs = ExportJob.objects.filter(pk=job.pk)
    households = Household.objects.visible_to(job.user).in_place(job.place.code)
    jobs.update(rows_total=households.count())
    target = Path(settings.EXPORT_ROOT) / str(job.pk) / f"农户台账.{job.format}"
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with report_reads():
            rows = write_ledger(target, households, job.place,
                                progress=lambda n: jobs.update(rows_done=n))
    except Exception as exc:
        export_failed(jobs, str(exc))
        raise
    jobs.update(state=ExportState.DONE, file=str(target), finished=timezone.now(),
                rows_done=rows, rows_total=rows)
    audit_export(actor=job.user, what="农户台账", place=job.place, fmt=job.format, rows=rows,
                 source=AuditSource.PAGE, note=f"后台导出任务 {job.pk}")


def export_failed(jobs, error: str) -> None:
    """Mark the jobs failed with the reason the download page shows."""
    jobs.update(state=ExportState.FAILED, error=error[:2000], finished=timezone.now())


def _count(name: str, scope: ListScope) -> int:
    return {
        "问题清单": lambda: scope.problems().count(),
        "整改清单": lambda: scope.list_measures().count(),
        "任务清单": lambda: scope.list_tasks().count(),
        "责任清单": lambda: len(responsibility_tallies(scope)),
        "效果清单": lambda: closed_in_period(scope).count(),
    }[name]()
