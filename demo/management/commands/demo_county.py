"""python manage.py demo_county [--households N] [--seed S] — a demo county with users.

The county is made the way a real one arrives: its places file and its survey workbook
are written, then loaded with load_places and import_survey, so the demo exercises the
same path as the county's own data (validation, evaluation, alerts, classes).
"""

import os
import tempfile
import time
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from demo.county import COUNTY, TOWNS, town_code, write_demo_survey
from demo.people import give_departments_tasks, give_the_village_officer_households, person_of
from households.models import Household, Place
from households.services import place_named
from monitor.models import User
from monitor.roles import Channel, Role
from monitor.services import user_save

DEMO_PASSWORD = "shouwang-demo-2026"


class Command(BaseCommand):
    help = "生成演示县（秀山式乡镇、村、农户、成员、两年排查）和各角色演示用户"

    def add_arguments(self, parser):
        parser.add_argument("--households", type=int, default=600)
        parser.add_argument("--seed", type=int, default=2021)

    def handle(self, *args, households, seed, **options):
        password = os.environ.get("DJANGO_USER_PASSWORD") or DEMO_PASSWORD
        if Household.objects.in_place(COUNTY[0]).exists():
            self.stdout.write("演示县已存在，跳过生成。")
        else:
            self.build(households, seed)
        logins = self.demo_users(password)
        self.stdout.write(f"演示账号（密码均为 {password}）：")
        for username, what in logins:
            self.stdout.write(f"  {username:<16} {what}")

    def build(self, households: int, seed: int) -> None:
        started = time.monotonic()
        with tempfile.TemporaryDirectory() as folder:
            survey = write_demo_survey(Path(folder), households=households, seed=seed)
            call_command("load_places", str(survey.places_file), stdout=self.stdout)
            try:
                call_command("import_survey", str(survey.workbook), stdout=self.stdout,
                             stderr=self.stderr)
            except SystemExit as stop:  # exit 1 would mean generated rows were refused
                if stop.code:
                    raise
        self.stdout.write(
            f"已生成演示县：{survey.towns} 个乡镇，{survey.villages} 个村，"
            f"{survey.households} 户，{survey.members} 人，{survey.checks} 次排查"
            f"（{time.monotonic() - started:.1f} 秒）")

    @transaction.atomic
    def demo_users(self, password: str) -> list[tuple[str, str]]:
        """One user of each role, and an information officer for every village."""
        town = Place.objects.get(code=town_code(TOWNS.index("隘口镇")))
        village = Place.objects.filter(code__startswith=town.code, level="village").first()
        users = [
            ("admin", Role.ADMIN, None, "", "管理员（全部）"),
            ("county", Role.COUNTY, COUNTY[0], "", f"区县乡村振兴局：{COUNTY[1]}"),
            ("town", Role.TOWN, town.code, "", f"乡镇：{town.name}"),
            ("village", Role.VILLAGE, village.code, "", f"村干部：{town.name}{village.name}"),
        ] + [
            (f"dept_{ch.value}", Role.DEPARTMENT, COUNTY[0], ch.value, f"行业部门：{ch.label}")
            for ch in Channel
        ]
        # The administrator is staff with the admin site's permissions (user_save), not a
        # superuser: the demo works the way a county's administrator does.
        for username, role, place, channel, _ in users:
            where = place_named(place)
            name, unit = person_of(role, where or Place.objects.get(code=COUNTY[0]), channel)
            user_save(username=username, role=role, place=where, channel=channel,
                      password=password, name=name, unit=unit)
        self.village_officers(password)
        give_the_village_officer_households(User.objects.get(username="village"))
        tasks = give_departments_tasks(town, self.officer_of)
        if tasks:
            self.stdout.write(f"已为各行业部门指派 {tasks} 项演示任务。")
        return [(username, f"{User.objects.get(username=username).name_and_unit}，{what}")
                for username, *_, what in users]

    @staticmethod
    def officer_of(village_code: str) -> User | None:
        return User.objects.filter(role=Role.VILLAGE, place_id=village_code,
                                   is_active=True).order_by("username").first()

    def village_officers(self, password: str) -> None:
        hashed = make_password(password)
        villages = Place.objects.within(COUNTY[0]).villages()
        existing = set(User.objects.values_list("username", flat=True))
        User.objects.bulk_create([
            User(username=f"xxy{v.code}", password=hashed, role=Role.VILLAGE, place=v,
                 first_name=f"{v.name}信息员", unit=f"{v.name}委会")
            for v in villages if f"xxy{v.code}" not in existing
        ])
        for officer in User.objects.filter(username__startswith="xxy", role=Role.VILLAGE):
            Household.objects.filter(village_id=officer.place_id, info_officer=None).update(
                info_officer=officer)
