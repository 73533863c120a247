"""People are shown by name and unit, never by a login name (domain.md §7): in trails,
tasks, plans and the header, wherever a person reads."""

from datetime import date, timedelta

import pytest

from alerts.plans import plan_add_measure, task_assign
from alerts.services import alert_verify
from monitor.models import User
from monitor.roles import Channel, Role

from .alert_helpers import alert_of, family, record
from .factories import UserFactory
from .test_rule_names import ReadableText

D0 = date(2026, 3, 10)
DUE = D0 + timedelta(days=20)


def readable(html: str) -> str:
    parser = ReadableText()
    parser.feed(html)
    return " ".join(parser.parts)


@pytest.fixture
def worked_alert(places, village_officer, town_supervisor, county_supervisor):
    """A housing alert verified by the officer, planned, and tasked to a named person."""
    housing = UserFactory(username="dept_housing", role=Role.DEPARTMENT,
                          place=places["county"], channel=Channel.HOUSING)
    for n, user in enumerate(User.objects.all(), start=1):
        user.first_name, user.unit = f"王小燕{n}", f"平所村委会{n}"
        user.save()
    household = family(places["village_a"], "HA001")
    record(household, D0, housing="D")
    alert = alert_of(household, "HOUSING")
    alert_verify(alert=alert, actor=village_officer, note="入户核实属实")
    measure = plan_add_measure(alert=alert, actor=village_officer, measure="危房改造",
                               deadline=DUE)
    task_assign(measure=measure, actor=town_supervisor, unit="县住建委",
                person=User.objects.get(pk=housing.pk), due=DUE)
    return alert


@pytest.mark.parametrize("who", ["town", "county"])
def test_trails_tasks_and_plans_show_names_not_logins(client, worked_alert, who):
    viewer = User.objects.get(role=Role.TOWN if who == "town" else Role.COUNTY,
                              place__code__startswith="500241")
    client.force_login(viewer)
    officer = User.objects.get(role=Role.VILLAGE, username="alice")
    for path in (f"/alerts/{worked_alert.pk}/", "/alerts/plans/HA001/", "/alerts/tasks/",
                 "/households/HA001/", "/"):
        text = readable(client.get(path).content.decode())
        logins = {u.username for u in User.objects.all() if u.username in text}
        assert logins == set(), (path, logins)
    trail = readable(client.get(f"/alerts/{worked_alert.pk}/").content.decode())
    assert officer.name_and_unit in trail  # who verified it: 王小燕N · 平所村委会N


def test_a_person_without_a_name_is_shown_by_login_until_named(db, places):
    user = UserFactory(username="xxy500241101202", role=Role.VILLAGE,
                       place=places["village_a"])
    assert user.name_and_unit == "xxy500241101202"
    user.first_name, user.unit = "王小燕", "平所村委会"
    assert user.name_and_unit == "王小燕 · 平所村委会"


def test_a_user_keeps_their_own_name_unit_and_phone(client, village_officer):
    from monitor.models import AuditEvent

    client.force_login(village_officer)
    client.post("/account/", {"action": "profile", "name": "王小燕", "unit": "平所村委会",
                              "phone": "138-0000-0000"})
    village_officer.refresh_from_db()
    assert village_officer.name_and_unit == "王小燕 · 平所村委会"
    assert village_officer.phone == "138-0000-0000"
    event = AuditEvent.objects.filter(actor=village_officer).latest("id")
    assert event.changes["单位"] == ["", "平所村委会"]
    answer = client.post("/account/", {"action": "profile", "name": "王\u202e燕"}, follow=True)
    assert "王小燕" == User.objects.get(pk=village_officer.pk).display_name  # refused
    assert "改变显示方向的字符（U+202E）" in answer.content.decode()


def test_a_name_longer_than_the_record_holds_is_refused(client, village_officer):
    client.force_login(village_officer)
    answer = client.post("/account/", {"action": "profile", "name": "长" * 3000,
                                       "unit": "单" * 300}, follow=True)
    assert answer.status_code == 200 and "姓名最多 150 个字" in answer.content.decode()
