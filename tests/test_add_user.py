import pytest
from django.core.management import CommandError, call_command

from monitor.models import User


@pytest.fixture(autouse=True)
def password(monkeypatch):
    monkeypatch.setenv("DJANGO_USER_PASSWORD", "correct-horse-battery-9")


def test_it_creates_a_village_officer(places):
    call_command("add_user", "wang", "--role", "village", "--place", "500241101201")
    user = User.objects.get(username="wang")
    assert user.role == "village" and user.place_id == "500241101201"
    assert user.check_password("correct-horse-battery-9")


def test_running_again_updates_role_and_place(places):
    call_command("add_user", "wang", "--role", "village", "--place", "500241101201")
    call_command("add_user", "wang", "--role", "town", "--place", "500241101")
    user = User.objects.get(username="wang")
    assert (user.role, user.place_id) == ("town", "500241101")
    assert User.objects.filter(username="wang").count() == 1


def test_department_staff_need_a_channel(places):
    with pytest.raises(CommandError, match="必须指定部门渠道"):
        call_command("add_user", "li", "--role", "department", "--place", "500241")
    call_command("add_user", "li", "--role", "department", "--place", "500241",
                 "--channel", "education")
    assert User.objects.get(username="li").channel == "education"


def test_a_town_user_needs_a_town(places):
    with pytest.raises(CommandError, match="工作地区必须是乡镇"):
        call_command("add_user", "zhao", "--role", "town", "--place", "500241101201")


def test_an_unknown_place_is_refused(places):
    with pytest.raises(CommandError, match="地区代码 500241999 不存在"):
        call_command("add_user", "zhao", "--role", "town", "--place", "500241999")


def test_a_place_role_needs_a_place(places):
    with pytest.raises(CommandError, match="必须指定工作地区"):
        call_command("add_user", "zhao", "--role", "county")


def test_a_weak_password_is_refused(places, monkeypatch):
    monkeypatch.setenv("DJANGO_USER_PASSWORD", "123")
    with pytest.raises(CommandError):
        call_command("add_user", "zhao", "--role", "county", "--place", "500241")
    assert not User.objects.filter(username="zhao").exists()


def test_name_unit_and_phone_are_how_people_see_the_user(places):
    call_command("add_user", "xxy500241101202", "--role", "village", "--place",
                 "500241101201", "--name", "王小燕", "--unit", "平所村委会",
                 "--phone", "13800000000")
    user = User.objects.get(username="xxy500241101202")
    assert (user.display_name, user.name_and_unit, user.phone) == (
        "王小燕", "王小燕 · 平所村委会", "13800000000")
    call_command("add_user", "xxy500241101202", "--role", "village", "--place",
                 "500241101201")  # run again without them: they stay
    assert User.objects.get(pk=user.pk).name_and_unit == "王小燕 · 平所村委会"
