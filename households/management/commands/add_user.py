"""python manage.py add_user USERNAME --role ROLE [--place CODE] [--channel CHANNEL]
[--name 姓名] [--unit 单位] [--phone 电话]"""

import getpass
import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from households.services import place_named
from monitor.models import User
from monitor.roles import Channel, Role
from monitor.services import user_save


class Command(BaseCommand):
    help = "新增或更新用户：角色、工作地区、部门渠道；密码取自 DJANGO_USER_PASSWORD 或提示输入"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--place", default=None, help="村、乡镇或区县代码")
        parser.add_argument("--channel", default="", choices=["", *Channel.values])
        parser.add_argument("--name", default=None, help="姓名：各页面、清单和导出显示的名字")
        parser.add_argument("--unit", default=None, help="所在单位，如 平所村委会")
        parser.add_argument("--phone", default=None, help="联系电话")

    def handle(self, *args, username, role, place, channel, name, unit, phone, **options):
        password = os.environ.get("DJANGO_USER_PASSWORD") or self._ask_password(username)
        try:
            user, created = user_save(
                username=username, role=role, place=place_named(place), channel=channel,
                password=password, name=name, unit=unit, phone=phone,
            )
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        verb = "已创建" if created else "已更新"
        where = f"，地区 {user.place}" if user.place else ""
        self.stdout.write(f"{verb}用户 {user.username}（{user.name_and_unit}）："
                          f"{user.get_role_display()}{where}")

    def _ask_password(self, username: str) -> str | None:
        if User.objects.filter(username=username).exists():
            return None  # updating role or place keeps the password
        if not os.isatty(0):
            raise CommandError("请设置环境变量 DJANGO_USER_PASSWORD，或在终端中运行以输入密码")
        first = getpass.getpass("密码：")
        if first != getpass.getpass("再次输入密码："):
            raise CommandError("两次输入的密码不一致")
        return first
