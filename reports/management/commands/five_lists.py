"""python manage.py five_lists --place CODE [--from DATE] [--to DATE] --format xlsx|csv
--out DIR — the five lists (五张清单) of a place and period, and their reconciliation."""

from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

from monitor.audit import command_note
from monitor.bulk import report_reads
from monitor.models import AuditSource
from reports.exports import five_lists_exported, write_five_lists
from reports.five_lists import list_scope
from reports.place_period import OPTION_LABELS, place_and_period
from reports.reconciliation import reconcile


class Command(BaseCommand):
    help = "导出五张清单（问题、整改、任务、责任、效果）并对账：xlsx 一个工作簿五张表，或五个 CSV"

    def add_arguments(self, parser):
        parser.add_argument("--place", required=True,
                            help="村（12位）、乡镇（9位）或区县（6位）代码")
        parser.add_argument("--from", dest="start", help="起始日期 YYYY-MM-DD（缺省：最早）")
        parser.add_argument("--to", dest="end", help="截止日期 YYYY-MM-DD（缺省：今天）")
        parser.add_argument("--format", required=True, dest="fmt", help="xlsx 或 csv")
        parser.add_argument("--out", required=True, help="输出目录")

    def handle(self, *args, place, start, end, fmt, out, **options):
        if fmt not in ("xlsx", "csv"):
            raise CommandError(f"格式“{fmt}”无效：--format 须为 xlsx 或 csv")
        try:
            asked = place_and_period({"place": place, "from": start, "to": end}, None,
                                     labels=OPTION_LABELS)
        except Http404 as missing:
            raise CommandError(str(missing)) from None
        if asked.errors:
            raise CommandError("；".join(asked.messages))
        where = asked.place
        scope = list_scope(place=where, start=asked.start, end=asked.end)
        with report_reads():
            files, counts = write_five_lists(out, scope, fmt)
            result = reconcile(scope)
        five_lists_exported(scope=scope, fmt=fmt, counts=counts, actor=None,
                            source=AuditSource.COMMAND, note=command_note())
        listed = "，".join(f"{name} {n} 条" for name, n in counts.items())
        self.stdout.write(f"{where.name}（{where.code}）{scope.period} 五张清单"
                          f"（{scope.as_of}）：{listed}")
        for path in files:
            self.stdout.write(f"  {path}")
        t = result.total
        line = (f"对账：发现 {t.raised} 条 = 销号 {t.closed} + 排除 {t.dismissed} + "
                f"未销号 {t.open}")
        if result.balanced:
            self.stdout.write(line + "，平衡")
        else:
            self.stderr.write(line.replace(" = ", "，") + "，不平衡：")
            for problem in result.problems:
                self.stderr.write(f"  {problem}")
