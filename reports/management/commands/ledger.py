"""python manage.py ledger --place CODE --out FILE (.xlsx or .csv) — the household ledger."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

from households.models import Household
from monitor.audit import audit_export, command_note
from monitor.bulk import report_reads
from monitor.models import AuditSource
from reports.ledger import write_ledger
from reports.place_period import place_asked


class Command(BaseCommand):
    help = "导出农户台账：户编号、村代码、户主、人口、人均纯收入、分类、重点群体、监测类别、预警数"

    def add_arguments(self, parser):
        parser.add_argument("--place", required=True, help="村、乡镇或区县代码")
        parser.add_argument("--out", required=True, help="输出文件（.xlsx 或 .csv）")

    def handle(self, *args, place, out, **options):
        try:
            where = place_asked(place, None)
        except Http404 as missing:
            raise CommandError(str(missing)) from None
        out = Path(out)
        if out.suffix.lower() not in (".xlsx", ".csv"):
            raise CommandError("输出文件须以 .xlsx 或 .csv 结尾")
        out.parent.mkdir(parents=True, exist_ok=True)
        with report_reads():
            count = write_ledger(out, Household.objects.in_place(where.code), where)
        audit_export(actor=None, what="农户台账", place=where, fmt=out.suffix.lower()[1:],
                     rows=count, source=AuditSource.COMMAND, note=command_note())
        self.stdout.write(f"已导出 {where.name} 农户台账 {count} 户：{out}")
