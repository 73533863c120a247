"""python manage.py evaluate_pending [--batch N] — the sweep, for a county that runs it
from cron instead of Celery beat: evaluates every household with a check not yet
evaluated (saved while the broker was down, or its evaluation lost). Running it again
changes nothing."""

from django.core.management.base import BaseCommand, CommandError

from alerts.engine import BATCH, evaluate_pending

PROGRESS_FROM = 2 * BATCH  # households; a few stragglers need no progress lines


class Command(BaseCommand):
    help = "评估所有尚未评估的排查（如消息队列中断期间录入的），分批进行；可重复运行"

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=BATCH,
                            help=f"每批户数（一个事务），缺省 {BATCH}")

    def handle(self, *args, batch, **options):
        if batch < 1:
            raise CommandError("--batch 应为正整数")
        result = evaluate_pending(batch_size=batch, progress=self.progress)
        self.stdout.write(f"评估 {result.households} 户、排查 {result.checks} 次，"
                          f"新增预警 {result.alerts_raised} 条")
        if result.failed:
            raise CommandError(f"{len(result.failed)} 户评估失败（见日志），下次运行将重试")

    def progress(self, done: int, total: int) -> None:
        if total > PROGRESS_FROM:
            self.stderr.write(f"评估 {done}/{total} 户")
