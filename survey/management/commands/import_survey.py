"""python manage.py import_survey PATH [--dry-run] — the county's survey workbook.

Exit 0: every row imported; 1: some rows rejected (see the error report next to the
input); 2: the file could not be read at all; 3: the database went away midway (e.g.
PostgreSQL restarted) — the import is one transaction, so running it again is all it
takes.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import InterfaceError, OperationalError

from monitor.tabular import UnreadableFile
from survey.importing import ImportResult, survey_evaluate, survey_import
from survey.report import write_report

SHOWN_ERRORS = 50  # the rest are in the report
DATABASE_LOST = 3
CONNECTION_LOST = (OperationalError, InterfaceError)  # a server restart, a dropped link
PROGRESS_FROM = 500  # households; a village's file needs no progress lines


class Command(BaseCommand):
    help = "导入排查工作簿（农户、成员、排查），逐行校验，导入后评估预警、分类与重点群体"

    def add_arguments(self, parser):
        parser.add_argument("path", help=".xlsx 工作簿，或含 农户.csv、成员.csv、排查.csv 的文件夹")
        parser.add_argument("--dry-run", action="store_true",
                            help="只校验并写错误报告，不写入数据库")

    def handle(self, *args, path, dry_run, **options):
        path = Path(path)
        try:
            result = survey_import(path=path, dry_run=dry_run)
        except UnreadableFile as exc:
            raise CommandError(str(exc), returncode=2) from exc
        except CONNECTION_LOST as exc:
            raise CommandError(
                f"导入中断：与数据库的连接断开或数据库出错（{reason(exc)}）。本次导入未完成，已写入"
                "的部分随事务撤销；数据库恢复后重新运行同一命令即可（重复导入不会重复写入）",
                returncode=DATABASE_LOST) from exc
        for warning in result.warnings:
            self.stderr.write(f"警告：{warning}")
        if not dry_run:
            try:
                survey_evaluate(result, progress=self.progress)
            except CONNECTION_LOST as exc:
                raise CommandError(
                    f"数据已导入，但评估预警时与数据库的连接断开或数据库出错（{reason(exc)}）："
                    "数据库恢复后重新运行同一命令（或 manage.py evaluate_pending）即可完成评估",
                    returncode=DATABASE_LOST) from exc
        report = write_report(path, result)
        self.summary(result, dry_run)
        self.errors(result)
        if report:
            self.stdout.write(f"错误报告：{report}（改正后可直接导入该报告）")
        if result.rejected:
            raise CommandError(f"{result.rejected_rows} 行未导入，见错误报告 {report}",
                               returncode=1)

    def progress(self, phase: str, done: int, total: int) -> None:
        """For a county file, a line per batch on stderr, so the operator sees it move."""
        if phase == "evaluating" and done and total > PROGRESS_FROM:
            self.stderr.write(f"评估 {done}/{total} 户")

    def summary(self, result: ImportResult, dry_run: bool) -> None:
        self.stdout.write("\n".join([
            "试运行（只校验，未写入数据库）" if dry_run else
            "导入完成，部分行未导入" if result.rejected else "导入完成",
            f"农户：新增 {result.households_created}，更新 {result.households_updated}",
            f"成员：新增 {result.members_created}，更新 {result.members_updated}",
            f"排查：新增 {result.checks_created}，更新 {result.checks_updated}",
            f"未导入行：{result.rejected_rows}",
            "新增预警：试运行不评估" if dry_run else f"新增预警：{result.alerts_raised}",
        ]))

    def errors(self, result: ImportResult) -> None:
        for item in result.rejected[:SHOWN_ERRORS]:
            self.stderr.write(str(item))
        if len(result.rejected) > SHOWN_ERRORS:
            self.stderr.write(f"……共 {len(result.rejected)} 处错误，详见错误报告")


def reason(exc: Exception) -> str:
    """The driver's first line, e.g. 'terminating connection due to administrator command'."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
