"""python manage.py policy_preview --place COUNTY --from DATE [--line AMOUNT]
[--set NAME=VALUE ...] --out FILE.csv — what a policy change would do, written nowhere
but FILE.csv (interfaces.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from alerts.proposal import preview
from monitor.roles import Refused
from reports.policy_preview import (
    assignments,
    csv_write,
    proposal_read,
    summary_lines,
    threshold_help,
)


def proposal_arguments(parser) -> None:
    """The arguments policy_preview and policy_adopt share."""
    parser.add_argument("--place", required=True, help="区县代码（6 位）")
    parser.add_argument("--from", dest="effective_from", required=True,
                        help="生效日期 YYYY-MM-DD")
    parser.add_argument("--line", help="新监测线（元/人·年），自生效日期所在年度起执行")
    parser.add_argument("--set", dest="assign", action="append", default=[],
                        metavar="NAME=VALUE", help="拟调整的阈值，可重复。可用参数名：" +
                        threshold_help().replace("%", "%%"))


def proposal_of(options):
    """The proposal the options state, or exit 2 saying what is wrong."""
    try:
        return proposal_read(place=options["place"], effective_from=options["effective_from"],
                             line=options["line"], settings=assignments(options["assign"]))
    except Refused as refused:
        raise CommandError(str(refused), returncode=2) from None


class Command(BaseCommand):
    help = ("预览政策调整：按拟调整的监测线或阈值重新评估全县农户（不写入数据库），"
            "输出分类或预警有变化的农户（CSV），并打印各分类户数与新增、不再触发的预警")

    def add_arguments(self, parser):
        proposal_arguments(parser)
        parser.add_argument("--out", required=True, help="输出文件（.csv）")

    def handle(self, *args, out, **options):
        out = Path(out)
        if out.suffix.lower() != ".csv":
            raise CommandError("输出文件须以 .csv 结尾", returncode=2)
        result = preview(proposal_of(options))
        rows = csv_write(result, out)
        for line in summary_lines(result):
            self.stdout.write(line)
        self.stdout.write(f"已写出 {rows} 户：{out}")
