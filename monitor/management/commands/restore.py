"""python manage.py restore IN [--no-input]: replace the whole database by a backup."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from monitor.backup import BackupError, database_label, database_restore


class Command(BaseCommand):
    help = "用 manage.py backup 做的备份替换整个数据库的内容（先停掉网站和后台任务）"

    def add_arguments(self, parser):
        parser.add_argument("source", help="manage.py backup 写出的备份文件")
        parser.add_argument("--no-input", "--noinput", action="store_false", dest="interactive",
                            help="不询问，直接恢复")

    def handle(self, *args, source, interactive, **options):
        database = connections["default"].settings_dict
        source = Path(source)
        if not source.is_file():
            raise CommandError(f"找不到备份文件：{source}")
        label = database_label(database)
        if interactive:
            answer = input(f"这会用 {source} 替换 {label} 中的全部数据，现有数据将丢失。\n"
                           "输入 yes 继续：")
            if answer.strip().lower() != "yes":
                self.stdout.write("已取消，数据库没有改动。")
                return
        # Our own connection must hold no lock on the tables being replaced.
        connections.close_all()
        try:
            database_restore(database=database, source=source)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"已从 {source} 恢复 {label}。如果备份早于当前版本，"
                          "请再运行 manage.py migrate。")
