"""Deadlines and escalation with a frozen clock (domain.md §7): a high alert learned of on
day T must be verified within 3 days, by the end of day T + 3; it is overdue from day
T + 4, not on T + 3. A missed
deadline moves it up one level and tells that level; running the job twice changes
nothing the second time."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from alerts.escalation import escalate_overdue
from alerts.models import Alert, Notification, Task
from alerts.plans import plan_add_measure, task_assign
from alerts.services import alert_verify

from .alert_helpers import alert_of, family, record

VISIT = date(2026, 3, 10)


def days(n: int) -> timedelta:
    return timedelta(days=n)


@pytest.fixture
def home(places):
    return family(places["village_a"], "HA001")


@pytest.fixture
def high(home):
    record(home, VISIT, housing="D")
    return alert_of(home, "HOUSING")


@pytest.fixture
def day0(high):
    """The day the system learned of the alert: its deadlines run from here."""
    start = timezone.localdate(high.created_at)
    assert (high.verify_by, high.plan_by, high.close_by) == (start + days(3), start + days(7),
                                                             start + days(30))
    return start


@pytest.fixture
def supervisors(town_supervisor, county_supervisor, village_officer, other_village_officer):
    return {"town": town_supervisor, "county": county_supervisor}


def fresh(alert) -> Alert:
    return Alert.objects.get(pk=alert.pk)


def texts(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("text", flat=True))


# ── When an alert is overdue ──────────────────────────────────────────────────────────

def test_a_high_alert_is_not_overdue_on_day_3_its_last_day(high, day0, supervisors):
    result = escalate_overdue(today=day0 + days(3))
    alert = fresh(high)
    assert (alert.overdue, alert.level, result.escalated) == (False, "village", 0)
    assert not Notification.objects.exists()


def test_a_high_alert_not_verified_is_overdue_from_day_4(high, day0, supervisors):
    result = escalate_overdue(today=day0 + days(4))
    alert = fresh(high)
    assert (alert.overdue, alert.level, alert.escalated_step) == (True, "town", "verify")
    assert (result.escalated, result.flagged) == (1, 1)


def test_a_medium_alert_has_seven_days_to_be_verified(home, supervisors):
    record(home, VISIT, income_wages=14000)  # 7,000 a head: near the line
    medium = alert_of(home, "INCOME_NEAR_LINE")
    start = timezone.localdate(medium.created_at)
    escalate_overdue(today=start + days(7))
    assert not fresh(medium).overdue
    escalate_overdue(today=start + days(8))
    assert (fresh(medium).overdue, fresh(medium).level) == (True, "town")


def test_a_verified_alert_is_not_overdue_for_verification(high, day0, village_officer,
                                                          supervisors):
    alert_verify(alert=high, actor=village_officer, note="属实")
    escalate_overdue(today=day0 + days(6))
    assert (fresh(high).overdue, fresh(high).level) == (False, "village")


# ── One level per missed deadline, the people of that level told ──────────────────────

def test_the_town_is_told_when_verification_is_missed(high, day0, supervisors,
                                                      village_officer, other_village_officer):
    escalate_overdue(today=day0 + days(4))
    [text] = texts(supervisors["town"])
    assert "HA001" in text and "上报乡镇" in text and f"{day0 + days(3)} 前完成核实" in text
    assert Notification.objects.get(user=supervisors["town"]).link == f"/alerts/{high.pk}/"
    assert texts(supervisors["county"]) == []
    assert texts(village_officer) == texts(other_village_officer) == []


def test_running_twice_escalates_once(high, day0, supervisors):
    escalate_overdue(today=day0 + days(4))
    again = escalate_overdue(today=day0 + days(4))
    later = escalate_overdue(today=day0 + days(5))
    assert again.escalated == later.escalated == 0
    assert (fresh(high).level, Notification.objects.count()) == ("town", 1)


def test_a_missed_plan_escalates_to_the_county(high, day0, supervisors, village_officer):
    escalate_overdue(today=day0 + days(4))
    alert_verify(alert=fresh(high), actor=village_officer, note="属实")
    escalate_overdue(today=day0 + days(7))
    assert (fresh(high).level, fresh(high).overdue) == ("town", False)  # caught up
    escalate_overdue(today=day0 + days(8))
    alert = fresh(high)
    assert (alert.level, alert.escalated_step, alert.overdue) == ("county", "plan", True)
    [text] = texts(supervisors["county"])
    assert "上报区县" in text and "帮扶计划" in text


def test_a_plan_in_time_keeps_the_alert_where_it_is(high, day0, supervisors,
                                                    village_officer):
    alert_verify(alert=high, actor=village_officer, note="属实")
    plan_add_measure(alert=fresh(high), actor=village_officer, measure="危房改造",
                     deadline=day0 + days(20))
    escalate_overdue(today=day0 + days(8))
    assert (fresh(high).level, fresh(high).overdue) == ("village", False)


def test_a_job_that_missed_days_escalates_once_per_missed_deadline(high, day0, supervisors):
    result = escalate_overdue(today=day0 + days(8))  # verify and plan both missed
    assert (fresh(high).level, fresh(high).escalated_step, result.escalated) == (
        "county", "plan", 2)
    assert len(texts(supervisors["town"])) == len(texts(supervisors["county"])) == 1


def test_a_missed_close_at_the_county_stays_there_and_tells_the_county_again(
        high, day0, supervisors):
    escalate_overdue(today=day0 + days(8))
    escalate_overdue(today=day0 + days(31))
    alert = fresh(high)
    assert (alert.level, alert.escalated_step) == ("county", "close")
    assert len(texts(supervisors["county"])) == 2
    assert escalate_overdue(today=day0 + days(40)).escalated == 0


def test_an_alert_ready_to_close_is_only_due_for_closing(home, high, day0, supervisors):
    record(home, VISIT + days(5))  # cleared: 待销号
    escalate_overdue(today=day0 + days(30))
    assert (fresh(high).overdue, fresh(high).level) == (False, "village")
    escalate_overdue(today=day0 + days(31))
    assert (fresh(high).overdue, fresh(high).escalated_step) == (True, "close")


def test_a_closed_alert_is_never_escalated(home, high, day0, supervisors):
    from alerts.services import alert_close

    record(home, VISIT + days(5))
    alert_close(alert=fresh(high), actor=supervisors["town"])
    assert escalate_overdue(today=day0 + days(90)).escalated == 0


def test_many_alerts_for_one_person_make_one_notification(places, supervisors):
    for n in range(7):
        record(family(places["village_a"], f"HA10{n}"), VISIT, housing="D")
    start = timezone.localdate()
    escalate_overdue(today=start + days(4))
    [text] = texts(supervisors["town"])
    assert "等 7 条预警" in text
    assert Notification.objects.get(user=supervisors["town"]).link == "/alerts/?overdue=1"


def test_inactive_users_are_not_told(high, day0, supervisors):
    supervisors["town"].is_active = False
    supervisors["town"].save()
    escalate_overdue(today=day0 + days(4))
    assert not Notification.objects.exists()
    assert fresh(high).level == "town"


# ── Email, when configured ────────────────────────────────────────────────────────────

def test_an_email_goes_out_after_commit_when_a_mail_host_is_set(
        high, day0, supervisors, settings, mailoutbox, django_capture_on_commit_callbacks):
    settings.EMAIL_HOST = "smtp.example.cn"
    supervisors["town"].email = "charlie@example.cn"
    supervisors["town"].save()
    with django_capture_on_commit_callbacks(execute=True):
        escalate_overdue(today=day0 + days(4))
    [mail] = mailoutbox
    assert mail.to == ["charlie@example.cn"] and "HA001" in mail.body


def test_no_email_without_a_mail_host(high, day0, supervisors, settings, mailoutbox,
                                      django_capture_on_commit_callbacks):
    settings.EMAIL_HOST = ""
    supervisors["town"].email = "charlie@example.cn"
    supervisors["town"].save()
    with django_capture_on_commit_callbacks(execute=True):
        escalate_overdue(today=day0 + days(4))
    assert mailoutbox == []
    assert len(texts(supervisors["town"])) == 1


# ── Overdue tasks ─────────────────────────────────────────────────────────────────────

@pytest.fixture
def task(high, village_officer, town_supervisor, places):
    from .factories import UserFactory

    staff = UserFactory(username="gina", role="department", place=places["county"],
                        channel="housing")
    measure = plan_add_measure(alert=high, actor=village_officer, measure="危房改造",
                               deadline=VISIT + days(30))
    Notification.objects.all().delete()
    return task_assign(measure=measure, actor=town_supervisor, unit="县住建委", person=staff,
                       due=date(2026, 12, 1))


def test_a_task_is_overdue_the_day_after_its_due_date_and_told_once(task, town_supervisor):
    Notification.objects.all().delete()
    escalate_overdue(today=date(2026, 12, 1))
    assert Task.objects.get(pk=task.pk).overdue_since is None
    first = escalate_overdue(today=date(2026, 12, 2))
    second = escalate_overdue(today=date(2026, 12, 3))
    assert (first.tasks_overdue, second.tasks_overdue) == (1, 0)
    assert Task.objects.get(pk=task.pk).overdue_since == date(2026, 12, 2)
    [to_staff] = texts(task.person)
    assert "任务逾期" in to_staff and "已逾期 1 天" in to_staff
    assert [t for t in texts(town_supervisor) if "任务逾期" in t] == [to_staff]  # assigner


def test_a_done_task_is_not_overdue(task):
    from alerts.plans import task_update

    task_update(task=task, actor=task.person, state="已完成")
    assert escalate_overdue(today=date(2026, 12, 20)).tasks_overdue == 0


# ── Wiring: beat schedule, task, command ──────────────────────────────────────────────

def test_the_beat_schedule_runs_the_escalation_task(settings):
    from shouwang.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["escalate-overdue-alerts"]
    assert entry["task"] in app.tasks
    assert entry["schedule"] <= 3600


def test_the_task_calls_the_service(high, supervisors):
    from alerts.tasks import escalate_overdue_alerts

    assert escalate_overdue_alerts() == {"escalated": 0, "flagged": 0, "unflagged": 0,
                                         "tasks_overdue": 0, "notifications": 0}


def test_the_command_takes_a_day(high, day0, supervisors, capsys):
    call_command("escalate_overdue", "--today", (day0 + days(4)).isoformat())
    assert "上报预警 1 条" in capsys.readouterr().out
    assert fresh(high).level == "town"
