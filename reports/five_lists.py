"""The five lists (五张清单) and reconciliation (对账销号), domain.md §8.

For a place (village, town or county) and a period:
- 问题清单 problems: the alerts found (raised) in the period;
- 整改清单 rectification: the measures planned for those problems;
- 任务清单 tasks: the tasks of those measures, with overdue days;
- 责任清单 responsibility: per responsible unit and person, their tasks of that list: open,
  overdue, and completed in the period;
- 效果清单 effect: the alerts closed (销号) in the period, whenever they were found, with
  the check that cleared them and the values before and after.

Every list is as of the end of the period (截至, `ListScope.as_of`: the period's last day,
or today for a period not yet over): what was recorded by then, each alert's and task's
state from the last move recorded by the end of that day, overdue days counted to it. An
alert closed after the period is still open in its lists, and the lists of a past period
come out the same whenever they are made again (domain.md §8).

Each list is one function yielding rows; reading goes through the scope helpers, so a
user's lists hold only what the user may see (commands pass no user: the whole place).
Reconciliation (对账销号), which checks the lists against each other, is
reports/reconciliation.py.
"""
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import islice

from django.db.models import CharField, Count, OuterRef, Q, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone

from alerts.models import (
    FINAL_STATES,
    Alert,
    AlertMove,
    Level,
    Measure,
    MeasureState,
    Severity,
    Source,
    State,
    Task,
    TaskState,
    TaskUpdate,
    overdue_days,
)
from households.models import Check, Place
from monitor.models import AuditAction, AuditEvent, AuditSource, User, person_name
from monitor.periods import is_missed
from monitor.roles import Channel
from monitor.rules import WATER_INDICATORS, money, per_capita_income, rule_name, total_income

CHUNK = 2000


@dataclass
class ListScope:
    """What the five lists are about: a place, a period and what the reader may see."""

    place: Place
    start: date | None
    end: date
    today: date  # the day the lists are as of (截至): the period's end, or today if sooner
    alerts: object  # QuerySet[Alert], already limited to the place and the reader's scope
    measures: object
    tasks: object

    @property
    def period(self) -> str:
        return f"{self.start or '最早'} 至 {self.end}"

    @property
    def as_of(self) -> str:
        """What each list says it is as of."""
        return f"截至 {self.today}"

    def by_end(self, field_name: str) -> Q:
        """`field_name` (a datetime) falls on or before the day the lists are as of."""
        return Q(**{f"{field_name}__date__lte": self.today})

    def problems(self):
        """The alerts found in the period and recorded by its end, each with its state then
        (`state_then`)."""
        return self.alerts.raised_between(self.start, self.end).filter(
            self.by_end("created_at")).annotate(state_then=self.state_then(AlertMove, "alert"))

    def state_then(self, model, owner: str, ref: str = "pk") -> Subquery:
        """The state the last move (AlertMove, TaskUpdate) recorded by the end went to."""
        moves = model.objects.filter(self.by_end("at"), **{owner: OuterRef(ref)})
        return Subquery(moves.order_by("-id").values("to_state")[:1])

    def in_period(self, field_name: str) -> Q:
        """`field_name` (a datetime) falls on a day of the period, in local time."""
        q = Q(**{f"{field_name}__date__lte": self.end})
        if self.start:
            q &= Q(**{f"{field_name}__date__gte": self.start})
        return q

    def list_measures(self):
        return self.measures.filter(self.by_end("created_at"),
                                    alert__in=self.problems().values("pk"))

    def list_tasks(self):
        """The tasks of the list's measures, with their state then (`state_then`) and the
        day they were done if by the end (`done_then`)."""
        return self.tasks.filter(self.by_end("created_at"),
                                 measure__in=self.list_measures().values("pk")).annotate(
            state_then=self.state_then(TaskUpdate, "task"))


def list_scope(*, place: Place, start: date | None = None, end: date | None = None,
               user=None, today: date | None = None) -> ListScope:
    today = min(filter(None, (today or timezone.localdate(), end)))
    if user is None:
        alerts, measures, tasks = Alert.objects.all(), Measure.objects.all(), Task.objects.all()
    else:
        alerts, measures = Alert.objects.visible_to(user), Measure.objects.visible_to(user)
        tasks = Task.objects.visible_to(user)
    return ListScope(place=place, start=start, end=end or today, today=today,
                     alerts=alerts.in_place(place.code),
                     measures=measures.in_place(place.code), tasks=tasks.in_place(place.code))


# ── Formatting ────────────────────────────────────────────────────────────────────────

def day(value) -> date | str:
    """A date or a moment as the day it fell on locally: written as an Excel date in the
    workbook, yyyy-mm-dd in a CSV file and the API; "" for none."""
    if value is None:
        return ""
    if hasattr(value, "hour"):
        value = timezone.localdate(value)
    return value


CHANNEL_LABELS = dict(Channel.choices)


def channel_label(value: str) -> str:
    return CHANNEL_LABELS.get(value, value)


def values_text(values: dict) -> str:
    parts = []
    for key, value in values.items():
        if isinstance(value, list | tuple):
            value = "、".join(str(v) for v in value)
        parts.append(f"{key}：{value}")
    return "；".join(parts)


def yes_no(flag: bool) -> str:
    return "是" if flag else "否"


def _names(labels) -> list[str]:
    """"杨小（13岁）" → "杨小": the member names an evidence list carries."""
    return [str(label).split("（")[0] for label in labels or []]


def shown_by(rule: str, check, before: dict) -> dict:
    """What the clearing check showed for the values that made the rule fire."""
    members = {m["name"]: m for m in check.members}
    if rule == "FOOD":
        return {"不愁吃": yes_no(check.food_secure)}
    if rule == "CLOTHING":
        return {"不愁穿": yes_no(check.clothing_secure)}
    if rule == "DROPOUT":
        return {name: members[name]["schooling"] for name in _names(before.get("失学辍学成员"))
                if name in members}
    if rule == "UNINSURED":
        return {name: "已参保" if members[name]["insured"] else "未参保"
                for name in _names(before.get("未参保成员")) if name in members}
    if rule == "HOUSING":
        return {"住房安全": check.housing}
    if rule == "WATER":
        return {label: yes_no(getattr(check, name)) for name, label in WATER_INDICATORS.items()}
    if rule in ("INCOME_BELOW_LINE", "INCOME_NEAR_LINE", "INCOME_DROP"):
        return {"人均纯收入": money(per_capita_income(check))}
    if rule == "MEDICAL_BURDEN":
        return {"医疗自付支出": money(check.medical_spending),
                "家庭年收入": money(total_income(check))}
    if rule == "NO_LABOUR":
        return {"劳动能力": [f"{m['name']}：{m['labour']}" for m in check.members]}
    if rule == "NO_WORK":
        return {"务工": [f"{m['name']}：{m['work']}" for m in check.members]}
    if rule == "SUDDEN_EVENT":
        return {"突发情况": check.sudden_event}
    return {}


def clearing_check_id(cleared_by_id: int | None, verification_check_id: int | None):
    """The check that cleared the alert: the newer check that no longer fired the rule
    (待销号), else the verification check it was closed with."""
    return cleared_by_id if cleared_by_id is not None else verification_check_id


def check_label(check) -> str:
    if check is None:
        return ""
    officer = f"（{check.officer_name}）" if check.officer_name else ""
    return f"{day(check.visit_date)} {check.kind}{officer}"


# ── The five lists ────────────────────────────────────────────────────────────────────

SEVERITY_LABELS, SOURCE_LABELS = dict(Severity.choices), dict(Source.choices)


def problem_values(scope: ListScope):
    """The problems' values, village by village, household by household, with the level
    each had been escalated to by the end (`level_then`)."""
    return scope.problems().annotate(level_then=level_then(scope)).order_by(
        "household__village_id", "household__number", "raised_on", "id").values_list(
        "household__number", "household__village_id", "household__village__parent__name",
        "household__village__name", "household__head_name", "rule", "risk_type", "severity",
        "raised_on", "source", KT("evidence__text"), "state_then", "level_then", "verify_by",
        "plan_by", "close_by")


def level_then(scope: ListScope) -> Subquery:
    """The level (its label) an alert had been escalated to by the end of the period: the
    last escalation recorded in the audit trail by then (alerts/escalation.py writes each
    as 责任层级 old → new); none, and it was still the village's."""
    escalations = AuditEvent.objects.filter(
        scope.by_end("at"), object_kind="alert", source=AuditSource.ENGINE,
        action=AuditAction.CHANGED, changes__has_key=LEVEL_CHANGE,
        object_id=Cast(OuterRef("pk"), CharField()))
    return Subquery(escalations.order_by("-id").values(
        level=KT(f"changes__{LEVEL_CHANGE}__1"))[:1])


LEVEL_CHANGE = "责任层级"


def overdue_then(state: str, verify_by, plan_by, close_by, as_of: date) -> bool:
    """Whether an alert in `state` had missed a deadline of its step by `as_of` (§7, as
    alerts/escalation.py judges it): verify while 预警, plan while 预警 or 核实, close
    while open."""
    if state in FINAL_STATES:
        return False
    due = [close_by]
    if state in (State.RAISED, State.VERIFIED):
        due.append(plan_by)
    if state == State.RAISED:
        due.append(verify_by)
    return any(day is not None and is_missed(day, as_of) for day in due)


def problems(scope: ListScope) -> Iterator[list]:
    """问题清单: one row per alert found in the period, its state and whether overdue as
    of the end of the period."""
    alerts = problem_values(scope)
    for n, (number, village_code, town, village, head, rule, risk_type, severity, raised_on,
            source, evidence, state, level, verify_by, plan_by, close_by) in enumerate(
                alerts.iterator(chunk_size=CHUNK), start=1):
        overdue = overdue_then(state, verify_by, plan_by, close_by, scope.today)
        yield [n, number, village_code, town or "", village, head, rule, rule_name(rule),
               risk_type, SEVERITY_LABELS[severity], raised_on, SOURCE_LABELS[source],
               evidence or "", state, level or Level.VILLAGE.label, yes_no(overdue)]


def rectification(scope: ListScope) -> Iterator[list]:
    """整改清单: one row per measure planned for a problem of the list by the end of the
    period, its alert's and its own state then (a measure's from its tasks')."""
    measures = scope.list_measures().annotate(
        alert_state=scope.state_then(AlertMove, "alert", "alert_id"),
        task_count=Count("tasks", filter=scope.by_end("tasks__created_at")),
    ).order_by(
        "alert__household__village_id", "alert__household__number", "alert__raised_on",
        "alert_id", "id").values_list(
        "id", "alert__household__number", "alert__household__village__name",
        "alert__household__head_name", "alert__rule", "alert__risk_type", "alert__raised_on",
        "alert_state", "name", "channel", "deadline", "task_count", "created_at")
    rows, n = measures.iterator(chunk_size=CHUNK), 0
    while chunk := list(islice(rows, CHUNK)):
        states = task_states_then(scope, [m[0] for m in chunk])
        for (measure_id, number, village, head, rule, risk_type, raised_on, alert_state,
             name, channel, deadline, task_count, created_at) in chunk:
            n += 1
            yield [n, number, village, head, rule_name(rule), risk_type, day(raised_on),
                   alert_state,
                   name, channel_label(channel), day(deadline),
                   measure_state(states.get(measure_id, [])), task_count, day(created_at)]


def task_states_then(scope: ListScope, measure_ids: list[int]) -> dict[int, list[str]]:
    """{measure id: the states of its tasks as of the end of the period}."""
    states: dict[int, list[str]] = {}
    for measure_id, state in scope.list_tasks().filter(measure_id__in=measure_ids).order_by(
            ).values_list("measure_id", "state_then"):
        states.setdefault(measure_id, []).append(state)
    return states


def measure_state(task_states: list[str]) -> str:
    """A measure is 已落实 when all its tasks are done, 落实中 once any has started (as
    alerts.services derives it)."""
    if task_states and set(task_states) == {TaskState.DONE}:
        return MeasureState.DONE
    if set(task_states) & {TaskState.DOING, TaskState.DONE}:
        return MeasureState.UNDER_WAY
    return MeasureState.PLANNED


def tasks(scope: ListScope) -> Iterator[list]:
    """任务清单: one row per task of a measure of the list, its state, the day it was done
    and its overdue days as of the end of the period."""
    rows = scope.list_tasks().order_by(
        "household__village_id", "household__number", "due", "id").values_list(
        "household__number", "household__village__name", "household__head_name",
        "measure__alert__rule", "measure__name", "title", "channel", "unit",
        "person__first_name", "person__last_name", "person__username", "person__unit", "due",
        "state_then", "done_at")
    for n, (number, village, head, rule, measure, title, channel, unit, first_name,
            last_name, username, person_unit, due, state, done_at) in enumerate(
                rows.iterator(chunk_size=CHUNK), start=1):
        done_at = done_at if state == TaskState.DONE else None  # done by the end
        yield [n, number, village, head, rule_name(rule), measure, title,
               channel_label(channel), unit, person_name(first_name, last_name, username),
               person_unit or "", day(due), state, day(done_at),
               overdue_days(due, done_at, scope.today)]


def responsibility_tallies(scope: ListScope) -> list[dict]:
    """Per (unit, person): tasks, open and overdue as of the end of the period, completed
    in the period."""
    done = Q(state_then=TaskState.DONE)
    tallies = list(scope.list_tasks().order_by().values("unit", "person_id").annotate(
        total=Count("id"), open=Count("id", filter=~done),
        overdue=Count("id", filter=~done & Q(due__lt=scope.today)),
        closed=Count("id", filter=done & scope.in_period("done_at")),
    ).order_by("unit", "person_id"))
    people = User.objects.in_bulk({t["person_id"] for t in tallies if t["person_id"]})
    for tally in tallies:
        tally["person"] = people.get(tally["person_id"])
    return tallies


def responsibility(scope: ListScope) -> Iterator[list]:
    """责任清单: one row per responsible unit and person."""
    for n, t in enumerate(responsibility_tallies(scope), start=1):
        person = t["person"]
        name, unit = (person.display_name, person.unit) if person else ("", "")
        yield [n, t["unit"], name, unit, t["total"], t["open"], t["overdue"], t["closed"]]


def closed_in_period(scope: ListScope):
    return scope.alerts.filter(scope.in_period("closed_at"), state=State.CLOSED)


def effect(scope: ListScope) -> Iterator[list]:
    """效果清单: one row per alert closed in the period: when, by whom, the check that
    cleared it, and the values before and after. Read as values, a chunk at a time with
    the chunk's clearing checks and measures."""
    alerts = closed_in_period(scope).order_by(
        "household__village_id", "household__number", "closed_at", "id").values_list(
        "id", "household__number", "household__village__name", "household__head_name",
        "rule", "risk_type", "raised_on", "closed_at", "closed_by__first_name",
        "closed_by__last_name", "closed_by__username", "closed_by__unit", "evidence",
        "cleared_evidence", "cleared_by_id", "verification_check_id")
    rows = alerts.iterator(chunk_size=CHUNK)
    n = 0
    while chunk := list(islice(rows, CHUNK)):
        check_ids = {clearing_check_id(*a[-2:]) for a in chunk} - {None}
        checks = Check.objects.order_by().in_bulk(check_ids)
        measures: dict[int, list[str]] = {}
        for alert_id, name in Measure.objects.filter(
                alert_id__in=[a[0] for a in chunk]).order_by("deadline", "id").values_list(
                "alert_id", "name"):
            measures.setdefault(alert_id, []).append(name)
        for (alert_id, number, village, head, rule, risk_type, raised_on, closed_at,
             first_name, last_name, username, closer_unit, evidence, cleared_evidence,
             cleared_by, verification) in chunk:
            n += 1
            check = checks.get(clearing_check_id(cleared_by, verification))
            before = evidence.get("values", {})
            after = shown_by(rule, check, before) if check else cleared_evidence
            yield [n, number, village, head, rule_name(rule), risk_type, day(raised_on),
                   day(closed_at), person_name(first_name, last_name, username),
                   closer_unit or "", check_label(check),
                   values_text(before), values_text(after),
                   "、".join(measures.get(alert_id, []))]


# ── The sheets: columns, grouped for the merged header rows of the printed ledger ─────

Column = tuple[str, int]  # header, width in characters


@dataclass(frozen=True)
class Sheet:
    name: str
    groups: tuple[tuple[str | None, tuple[Column, ...]], ...]  # None: no group, one column
    rows: Callable[[ListScope], Iterator[list]]
    wrap: tuple[str, ...] = ()  # columns whose long text wraps

    @property
    def columns(self) -> list[str]:
        return [name for _, cols in self.groups for name, _ in cols]

    @property
    def widths(self) -> list[int]:
        return [width for _, cols in self.groups for _, width in cols]


NUMBER = (None, (("序号", 6),))
SHEETS = [
    Sheet("问题清单", (
        NUMBER,
        ("农户", (("户编号", 14), ("村代码", 14), ("乡镇", 10), ("村", 10), ("户主", 8))),
        ("问题", (("规则代码", 12), ("规则", 18), ("风险类型", 11), ("严重程度", 8),
                  ("发现日期", 11),
                  ("来源", 13), ("依据", 36))),
        ("处置", (("状态", 8), ("责任层级", 8), ("是否逾期", 8))),
    ), problems, wrap=("依据",)),
    Sheet("整改清单", (
        NUMBER,
        ("农户", (("户编号", 14), ("村", 10), ("户主", 8))),
        ("问题", (("规则", 18), ("风险类型", 11), ("发现日期", 11), ("预警状态", 8))),
        ("整改措施", (("帮扶措施", 12), ("责任渠道", 8), ("完成期限", 11), ("措施状态", 8),
                      ("任务数", 7), ("制定日期", 11))),
    ), rectification),
    Sheet("任务清单", (
        NUMBER,
        ("农户", (("户编号", 14), ("村", 10), ("户主", 8))),
        ("任务", (("规则", 18), ("帮扶措施", 12), ("任务", 22), ("责任渠道", 8))),
        ("责任", (("责任单位", 16), ("责任人", 10), ("所在单位", 16))),
        ("进度", (("完成期限", 11), ("状态", 8), ("完成日期", 11), ("逾期天数", 8))),
    ), tasks, wrap=("任务",)),
    Sheet("责任清单", (
        NUMBER,
        ("责任主体", (("责任单位", 22), ("责任人", 12), ("所在单位", 18))),
        ("任务", (("任务数", 9), ("未完成", 9), ("逾期", 9), ("期内完成", 9))),
    ), responsibility),
    Sheet("效果清单", (
        NUMBER,
        ("农户", (("户编号", 14), ("村", 10), ("户主", 8))),
        ("问题", (("规则", 18), ("风险类型", 11), ("发现日期", 11))),
        ("销号", (("销号日期", 11), ("销号人", 10), ("所在单位", 16), ("消除依据排查", 22))),
        ("效果", (("整改前", 30), ("整改后", 30), ("帮扶措施", 16))),
    ), effect, wrap=("消除依据排查", "整改前", "整改后", "帮扶措施")),
]
SHEETS_BY_NAME = {sheet.name: sheet for sheet in SHEETS}
