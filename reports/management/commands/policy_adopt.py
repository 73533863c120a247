"""python manage.py policy_adopt --place COUNTY --from DATE [--line AMOUNT]
[--set NAME=VALUE ...] [--reason TEXT] — record a policy change and re-evaluate the
county's checks from DATE under it, every move with the reason 政策调整 (interfaces.md)."""

from django.core.management.base import BaseCommand, CommandError

from monitor.audit import audit_source
from monitor.models import AuditSource
from monitor.roles import Refused
from reports.policy_preview import adoption_run, summary_lines

from .policy_preview import proposal_arguments, proposal_of

DEFAULT_REASON = "区县在服务器上以 policy_adopt 命令采纳"


class Command(BaseCommand):
    help = ("采纳政策调整：记录拟调整的监测线或阈值（自生效日期起），并按其重新评估全县"
            "自该日期起的排查，每项变动注明“政策调整”")

    def add_arguments(self, parser):
        proposal_arguments(parser)
        parser.add_argument("--reason", default=DEFAULT_REASON,
                            help="调整原因（文件依据或会议决定），记入操作记录")

    def handle(self, *args, reason, **options):
        proposal = proposal_of(options)
        try:
            with audit_source(AuditSource.COMMAND):
                result = adoption_run(proposal, actor=None, reason=reason)
        except Refused as refused:
            raise CommandError(str(refused), returncode=2) from None
        for line in summary_lines(result):
            self.stdout.write(line)
        self.stdout.write("已采纳，并已按新政策重新评估")
