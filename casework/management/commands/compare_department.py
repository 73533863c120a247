"""python manage.py compare_department --kind KIND PATH --out REPORT.csv

Matches a department's list (insured / pupils / houses / allowance / disability) against
the registry by ID number, writes the report, raises the alerts its risks mean and prints
the count of each result (interfaces.md; casework/comparison.py says what each means).
"""

import shutil
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from casework.comparison import comparison_run, report_path
from casework.matching import DISAGREE, KINDS, ONLY_IN_LIST, ONLY_IN_REGISTRY
from households.models import Place
from monitor.audit import audit_export, audit_source, command_note
from monitor.choices import PlaceLevel
from monitor.models import AuditSource
from monitor.roles import Refused
from monitor.tabular import live, read_csv, write_table

PROBLEMS_SHOWN = 20


class Command(BaseCommand):
    help = "部门数据比对：按身份证号将行业部门名单与登记信息比对，输出比对报告，风险不一致发出预警"

    def add_arguments(self, parser):
        parser.add_argument("path", help="部门名单（CSV 或 .xlsx）")
        parser.add_argument("--kind", required=True, choices=list(KINDS),
                            help="名单类型：insured 参保、pupils 在校生、houses 住房、"
                                 "allowance 低保、disability 残疾人")
        parser.add_argument("--out", required=True, help="比对报告（.csv 或 .xlsx）")
        parser.add_argument("--place", help="只比对该地区（区县、乡镇或村代码）的农户；"
                                             "默认全部（只有一个区县时记在该区县名下）")
        parser.add_argument("--date", dest="on", help="比对日期 YYYY-MM-DD（计算年龄），默认今天")

    def handle(self, *args, path, kind, out, place=None, on=None, **options):
        where, on = self.place(place), self.day(on)
        out = Path(out)
        if out.suffix.lower() not in (".csv", ".xlsx"):
            raise CommandError("比对报告须以 .csv 或 .xlsx 结尾")
        try:
            with audit_source(AuditSource.COMMAND):
                comparison = comparison_run(kind=kind, path=Path(path), actor=None,
                                            place=where, on=on)
        except Refused as refused:
            raise CommandError(str(refused), returncode=2) from refused
        self.write_out(report_path(comparison), out)
        audit_export(actor=None, what=f"比对报告 {comparison.get_kind_display()}",
                     place=comparison.place, fmt=out.suffix.lower()[1:], rows=comparison.rows,
                     source=AuditSource.COMMAND, note=f"{comparison.file_name}；{command_note()}")
        self.summary(comparison, out)

    def place(self, code: str | None):
        """The place given, else the county when the registry holds only one, so the
        county's own users see the comparison on its page; else the whole registry."""
        if not code:
            counties = list(Place.objects.filter(level=PlaceLevel.COUNTY)[:2])
            return counties[0] if len(counties) == 1 else None
        where = Place.objects.filter(code=code).first()
        if where is None:
            raise CommandError(f"地区代码 {code} 不存在")
        return where

    def day(self, text: str | None):
        try:
            return date.fromisoformat(text) if text else None
        except ValueError:
            raise CommandError(f"比对日期“{text}”格式应为 YYYY-MM-DD") from None

    def write_out(self, stored: Path, out: Path) -> None:
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.suffix.lower() == ".csv":
            shutil.copyfile(stored, out)
            return
        header, rows = read_csv(stored)  # the stored CSV's cells are inert: as typed again
        write_table(out, header, ([live(cell) for cell in row] for row in rows),
                    title="比对报告")

    def summary(self, comparison, out: Path) -> None:
        c = comparison
        self.stdout.write(f"{c.get_kind_display()}：名单 {c.rows} 行，用时 {c.seconds} 秒")
        self.stdout.write(f"一致 {c.matched}")
        self.stdout.write(f"{ONLY_IN_LIST} {c.only_in_list}")
        self.stdout.write(f"{ONLY_IN_REGISTRY} {c.only_in_registry}")
        self.stdout.write(f"{DISAGREE} {c.disagreeing}")
        self.stdout.write(f"名单错误 {c.invalid}")
        for problem in c.problems[:PROBLEMS_SHOWN]:
            self.stderr.write(f"  {problem}")
        if c.invalid > PROBLEMS_SHOWN:
            self.stderr.write(f"  ……另有 {c.invalid - PROBLEMS_SHOWN} 行，见比对记录")
        self.stdout.write(f"新发预警 {c.alerts_raised}，更新预警 {c.alerts_updated}")
        self.stdout.write(f"比对报告：{out}")
