"""python manage.py escalate_overdue [--today DATE] — the periodic escalation job, for a
county that runs it from cron instead of Celery beat. Running it twice changes nothing."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from alerts.escalation import escalate_overdue


class Command(BaseCommand):
    help = "标记逾期预警和任务，逐级上报（村→乡镇→区县）并通知；可重复运行"

    def add_arguments(self, parser):
        parser.add_argument("--today", help="按此日期计算逾期（YYYY-MM-DD，缺省：今天）")

    def handle(self, *args, today, **options):
        try:
            day = date.fromisoformat(today) if today else None
        except ValueError:
            raise CommandError(f"日期“{today}”无效，应为 YYYY-MM-DD") from None
        result = escalate_overdue(today=day)
        self.stdout.write(
            f"上报预警 {result.escalated} 条，新标记逾期 {result.flagged} 条，解除逾期 "
            f"{result.unflagged} 条，逾期任务 {result.tasks_overdue} 项，通知 "
            f"{result.notifications} 条")
