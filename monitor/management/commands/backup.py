"""python manage.py backup OUT: the whole database into one file (see monitor/backup.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from monitor.backup import BackupError, database_backup, database_label


class Command(BaseCommand):
    help = ("把整个数据库备份到一个文件：PostgreSQL 用 pg_dump 自定义格式，SQLite 复制数据库文件；"
            "用 manage.py restore 恢复")

    def add_arguments(self, parser):
        parser.add_argument("out", help="备份文件，例如 /var/backups/shouwang/2026-05-01.dump")

    def handle(self, *args, out, **options):
        database = connections["default"].settings_dict
        out = Path(out)
        try:
            database_backup(database=database, out=out)
        except BackupError as error:
            raise CommandError(str(error)) from error
        size = out.stat().st_size
        self.stdout.write(f"已把 {database_label(database)} 备份到 {out}（{size:,} 字节）")
