"""Deadlines and escalation (domain.md §7).

An alert is stamped when raised with three due dates from the severity's policy (high:
verify 3 days, plan 7, close 30; medium: 7, 15, 60), each the last day of "within N days"
of the day its deadlines count from (monitor.periods.within): a high alert learned of on
day T must be verified by the end of day T + 3 and is overdue from day T + 4. A task's due
date is likewise the last day it may be done on.

A declaration's acceptance (within 2 days) is a deadline of its own, before the others,
which for a declared alert count from the acceptance (alert.accept_by, casework).

A missed deadline escalates the alert one level (village → town → county; a county alert
stays at the county), flags it overdue and tells the people of the new level. The
periodic job is idempotent: each alert remembers the last step escalated for
(`escalated_step`), and a step is claimed with a conditional UPDATE keyed on it, so running
the job twice, or two workers at once, escalates and notifies each missed step once.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from monitor.audit import audit_bulk, audit_event
from monitor.models import AuditAction, AuditSource, User
from monitor.roles import Role

from .models import (
    FINAL_STATES,
    STEP_ORDER,
    Alert,
    Level,
    Measure,
    Notification,
    State,
    Step,
    Task,
)

log = logging.getLogger(__name__)

DUE_FIELD = {Step.ACCEPT: "accept_by", Step.VERIFY: "verify_by", Step.PLAN: "plan_by",
             Step.CLOSE: "close_by"}
NEXT_LEVEL = {Level.VILLAGE: Level.TOWN, Level.TOWN: Level.COUNTY, Level.COUNTY: Level.COUNTY}
LEVEL_ROLE = {Level.TOWN: (Role.TOWN, 9), Level.COUNTY: (Role.COUNTY, 6)}
BATCH = 500


@dataclass
class Escalated:
    escalated: int = 0
    flagged: int = 0
    unflagged: int = 0
    tasks_overdue: int = 0
    notifications: int = 0


def missed(step: str, today: date) -> Q:
    """Alerts whose `step` deadline is missed (its last day is before today,
    monitor.periods.is_missed) with the step's work not done: not verified; no measure
    planned and not in assistance; not closed or dismissed. An alert ready to close
    (待销号) has nothing left to verify or plan, only to close."""
    due = Q(**{f"{DUE_FIELD[step]}__lt": today})
    if step == Step.ACCEPT:  # set only while a declaration waits for the town
        return due
    if step == Step.VERIFY:
        return due & Q(state=State.RAISED)
    if step == Step.PLAN:
        planned = Exists(Measure.objects.filter(alert=OuterRef("pk")))
        return due & Q(state__in=(State.RAISED, State.VERIFIED)) & ~planned
    return due & ~Q(state__in=FINAL_STATES)


def overdue(today: date) -> Q:
    return (missed(Step.ACCEPT, today) | missed(Step.VERIFY, today)
            | missed(Step.PLAN, today) | missed(Step.CLOSE, today))


def escalate_overdue(*, today: date | None = None) -> Escalated:
    """Flag overdue alerts and tasks, escalate each missed alert deadline one level and
    notify. Safe to run any number of times."""
    today = today or timezone.localdate()
    result = Escalated()
    with transaction.atomic():
        open_alerts = Alert.objects.open()
        result.flagged = open_alerts.filter(overdue(today), overdue=False).update(overdue=True)
        # Caught up (e.g. verified late, next deadline not yet come): no longer overdue.
        result.unflagged = open_alerts.filter(overdue=True).exclude(overdue(today)).update(
            overdue=False)
    for position, step in enumerate(STEP_ORDER[1:], start=1):
        earlier = STEP_ORDER[:position]
        ids = list(Alert.objects.open().filter(missed(step, today), escalated_step__in=earlier)
                   .order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), BATCH):
            escalate_batch(ids[start:start + BATCH], step, today, result)
    while True:
        ids = list(Task.objects.overdue_on(today).filter(overdue_since__isnull=True)
                   .order_by("pk").values_list("pk", flat=True)[:BATCH])
        if not ids:
            break
        flag_tasks(ids, today, result)
    return result


@transaction.atomic
def escalate_batch(ids: list[int], step: str, today: date, result: Escalated) -> None:
    """Claim each alert's missed step, move it up a level and notify, in one transaction,
    so a claimed step always has its notifications (and its line in the audit trail)."""
    escalated, events = [], []
    for alert in Alert.objects.filter(pk__in=ids).select_related("household__village"):
        level = NEXT_LEVEL[alert.level]
        claimed = Alert.objects.filter(
            missed(step, today), pk=alert.pk, escalated_step=alert.escalated_step,
        ).update(escalated_step=step, level=level, overdue=True, updated_at=timezone.now())
        if claimed:
            events.append(audit_event(
                actor=None, action=AuditAction.CHANGED, obj=alert, source=AuditSource.ENGINE,
                changes={"责任层级": [Level(alert.level).label, Level(level).label]},
                note=f"{Step(step).label}期限（{getattr(alert, DUE_FIELD[step])} 前）已过，"
                     f"上报{Level(level).label}"))
            alert.escalated_step, alert.level = step, level
            escalated.append(alert)
    audit_bulk(events)
    result.escalated += len(escalated)
    by_user = defaultdict(list)
    for user, alert in level_people(escalated):
        by_user[user].append(alert)
    notify([(user, escalation_text(alerts, step), escalation_link(alerts))
            for user, alerts in by_user.items()], result)


def level_people(alerts: list[Alert]):
    """(user, alert) for every active town or county supervisor of the alert's new level."""
    places = defaultdict(list)
    for alert in alerts:
        role, digits = LEVEL_ROLE[alert.level]
        places[(role, alert.household.village_id[:digits])].append(alert)
    if not places:
        return
    wanted = Q()
    for role, code in places:
        wanted |= Q(role=role, place_id=code)
    for user in User.objects.filter(wanted, is_active=True).order_by("pk"):
        for alert in places[(user.role, user.place_id)]:
            yield user, alert


def escalation_text(alerts: list[Alert], step: str) -> str:
    level = Level(alerts[0].level).label
    label = Step(step).label
    first = "、".join(f"{a.household.number}（{a.household.village.name}，{a.rule_name}）"
                     for a in alerts[:5])
    if len(alerts) == 1:
        alert = alerts[0]
        due = getattr(alert, DUE_FIELD[step])
        return (f"预警逾期上报{level}：{first} 应于 {due} 前完成{label}，"
                f"已逾期，请督办。")
    more = f"等 {len(alerts)} 条" if len(alerts) > 5 else f"共 {len(alerts)} 条"
    return f"预警逾期上报{level}：{first}{more}预警未按期完成{label}，请督办。"


def escalation_link(alerts: list[Alert]) -> str:
    if len(alerts) == 1:
        return reverse("alerts:detail", args=[alerts[0].pk])
    return reverse("alerts:queue") + "?overdue=1"


@transaction.atomic
def flag_tasks(ids: list[int], today: date, result: Escalated) -> None:
    """Mark newly overdue tasks (once) and tell the assignee, or the channel's department
    staff when there is none, and the supervisor who assigned it."""
    messages = []
    tasks = Task.objects.filter(pk__in=ids).select_related("household", "person",
                                                           "assigned_by")
    staff = staff_by_channel({(t.household.village_id[:6], t.channel) for t in tasks})
    for task in tasks:
        if not Task.objects.filter(pk=task.pk, overdue_since__isnull=True).update(
                overdue_since=today):
            continue
        result.tasks_overdue += 1
        text = (f"任务逾期：{task.household.number} {task.title}（{task.unit}），"
                f"完成期限 {task.due}，已逾期 {task.overdue_days(today)} 天。")
        people = [task.person] if task.person else staff[(task.household.village_id[:6],
                                                          task.channel)]
        if task.assigned_by:
            people = [*people, task.assigned_by]
        link = reverse("alerts:tasks") + f"#task-{task.pk}"
        messages += [(person, text, link) for person in dict.fromkeys(people)
                     if person.is_active]
    notify(messages, result)


def staff_by_channel(keys: set[tuple[str, str]]) -> dict:
    staff = defaultdict(list)
    if not keys:
        return staff
    counties = {county for county, _ in keys}
    for user in User.objects.filter(role=Role.DEPARTMENT, is_active=True,
                                    place_id__in=counties).order_by("pk"):
        staff[(user.place_id, user.channel)].append(user)
    return staff


def notify(messages: list[tuple[User, str, str]], result: Escalated) -> None:
    """In-app notifications now; email after commit when an SMTP host is configured."""
    Notification.objects.bulk_create(
        [Notification(user=user, text=text, link=link) for user, text, link in messages])
    result.notifications += len(messages)
    if settings.EMAIL_HOST and messages:
        mails = [("守望：预警与任务逾期提醒", text, None, [user.email])
                 for user, text, _ in messages if user.email]
        transaction.on_commit(lambda: send_emails(mails))


def send_emails(mails) -> None:
    if not mails:
        return
    try:
        send_mass_mail(mails, fail_silently=False)
    except Exception:  # the in-app notification is already there; mail is a courtesy
        log.exception("逾期提醒邮件发送失败（%d 封）", len(mails))
