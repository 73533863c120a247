"""python manage.py load_places PATH — the places file of interfaces.md (代码,名称)."""

from django.core.management.base import BaseCommand, CommandError

from households.services import places_load
from monitor.tabular import UnreadableFile, read_csv


class Command(BaseCommand):
    help = "从 CSV（代码,名称）导入区县、乡镇、村；重复导入不产生变化"

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        try:
            header, rows = read_csv(path)
        except UnreadableFile as exc:
            raise CommandError(str(exc)) from exc
        missing = [name for name in ("代码", "名称") if name not in header]
        if missing:
            raise CommandError(f"缺少列：{'、'.join(missing)}（表头应为 代码,名称）")
        code_at, name_at = header.index("代码"), header.index("名称")
        width = max(code_at, name_at) + 1
        cells = [
            (line, row[code_at], row[name_at]) if len(row) >= width else (line, "", "")
            for line, row in enumerate(rows, start=2)
        ]
        result = places_load(rows=cells)
        for error in result.errors:
            self.stderr.write(error)
        self.stdout.write(
            f"新增 {result.created}，更新 {result.updated}，未变 {result.unchanged}，"
            f"错误 {len(result.errors)}"
        )
        if result.errors:
            raise CommandError(f"{len(result.errors)} 行未导入", returncode=1)
