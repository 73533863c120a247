"""Reconciliation (对账销号), domain.md §8: for the five lists of a place and period,
problems raised = closed + dismissed + still open, village by village, from independent
records (the alert's state and its move history), and the lists agree with one another;
where they do not, `reconcile` says where.
"""
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Subquery

from alerts.models import FINAL_STATES, AlertMove, Measure, State, TaskState
from monitor.rules import rule_name

from .five_lists import CHUNK, ListScope, closed_in_period, responsibility_tallies


@dataclass
class Tally:
    code: str
    name: str
    raised: int = 0
    closed: int = 0
    dismissed: int = 0
    open: int = 0

    @property
    def accounted(self) -> int:
        return self.closed + self.dismissed + self.open

    @property
    def balanced(self) -> bool:
        return self.raised == self.accounted


@dataclass
class Reconciliation:
    villages: list[Tally]
    total: Tally
    problems: list[str] = field(default_factory=list)  # where it does not balance

    @property
    def balanced(self) -> bool:
        return not self.problems


def _moves(scope: ListScope, to_state: str):
    return AlertMove.objects.filter(scope.by_end("at"), alert=OuterRef("pk"), to_state=to_state)


def reconcile_values(scope: ListScope):
    """Per problem: its village, household and rule, its state now and the state its last
    recorded move went to (they must agree), and as of the end of the period: its state,
    whether a close and a dismissal were recorded, whether a measure was planned; and when
    it was closed."""
    last_move = AlertMove.objects.filter(alert=OuterRef("pk")).order_by("-id")
    return scope.problems().order_by().annotate(
        last_to=Subquery(last_move.values("to_state")[:1]),
        close_move=Exists(_moves(scope, State.CLOSED)),
        dismiss_move=Exists(_moves(scope, State.DISMISSED)),
        planned=Exists(Measure.objects.filter(scope.by_end("created_at"), alert=OuterRef("pk"))),
    ).values_list("household__village_id", "household__village__name", "household__number",
                  "rule", "state", "last_to", "state_then", "close_move", "dismiss_move",
                  "planned", "closed_at")


def reconcile(scope: ListScope) -> Reconciliation:
    """Problems raised = closed + dismissed + still open, per village, as of the end of the
    period, where closed and dismissed are counted from the recorded moves and open from
    the alerts' state then; plus the agreement of each alert's state with its history and
    of the lists with each other.
    """
    rows = reconcile_values(scope)
    villages: dict[str, Tally] = {}
    found: list[str] = []
    for (code, name, number, rule, state, last_to, state_then, closed, dismissed, planned,
         closed_at) in rows.iterator(chunk_size=CHUNK):
        tally = villages.setdefault(code, Tally(code, name))
        tally.raised += 1
        tally.closed += closed
        tally.dismissed += dismissed
        # Moved since the end: its state then; else its state, which must agree with its
        # last move (an alert whose state changed without a move unbalances its village).
        state_at_end = state_then if last_to != state_then else state
        tally.open += state_at_end not in FINAL_STATES
        where = f"{name}（{code}）{number} {rule_name(rule)}"
        if state != last_to:
            found.append(f"{where}：状态为“{state}”，但流转记录最后为“{last_to or '无记录'}”")
        if state_at_end == State.IN_ASSISTANCE and not planned:
            found.append(f"{where}：状态为“帮扶中”，但整改清单中没有帮扶措施")
        if state == State.CLOSED and closed_at is None:
            found.append(f"{where}：已销号，但没有销号时间，不在效果清单中")
    ordered = sorted(villages.values(), key=lambda t: t.code)
    for t in ordered:
        if not t.balanced:
            found.insert(0, f"{t.name}（{t.code}）：发现 {t.raised} 条，销号 {t.closed} + 排除 "
                            f"{t.dismissed} + 未销号 {t.open} = {t.accounted} 条，"
                            f"相差 {t.raised - t.accounted} 条")
    total = Tally(scope.place.code, scope.place.name)
    for t in ordered:
        total.raised += t.raised
        total.closed += t.closed
        total.dismissed += t.dismissed
        total.open += t.open
    found += effect_against_moves(scope) + tasks_against_lists(scope)
    return Reconciliation(villages=ordered, total=total, problems=found)


def effect_against_moves(scope: ListScope) -> list[str]:
    """The effect list (alerts closed in the period) against the close moves recorded in
    the period, village by village."""
    listed = count_by_village(closed_in_period(scope))
    moves = AlertMove.objects.filter(
        scope.in_period("at"), to_state=State.CLOSED,
        alert__in=scope.alerts.values("pk")).values("alert__household__village_id",
                                                      "alert__household__village__name")
    recorded: dict[str, list] = {}
    for move in moves.order_by().annotate(n=Count("id")):
        recorded[move["alert__household__village_id"]] = [
            move["alert__household__village__name"], move["n"]]
    found = []
    for code in sorted(set(listed) | set(recorded)):
        name, n_listed = listed.get(code, [None, 0])
        name2, n_moves = recorded.get(code, [None, 0])
        if n_listed != n_moves:
            found.append(f"{name or name2}（{code}）：效果清单 {n_listed} 条，但期内销号记录 "
                         f"{n_moves} 条")
    return found


def count_by_village(alerts) -> dict[str, list]:
    """{village code: [name, number of alerts]}."""
    counts = alerts.order_by().values("household__village_id", "household__village__name"
                                      ).annotate(n=Count("id"))
    return {c["household__village_id"]: [c["household__village__name"], c["n"]]
            for c in counts}


def tasks_against_lists(scope: ListScope) -> list[str]:
    """The task list against the rectification list's task counts and the
    responsibility list's totals."""
    task_count = scope.list_tasks().count()
    planned = scope.list_measures().aggregate(n=Count("tasks"))["n"] or 0
    tallies = responsibility_tallies(scope)
    responsible = sum(t["total"] for t in tallies)
    overdue_listed = scope.list_tasks().exclude(state_then=TaskState.DONE).filter(
        due__lt=scope.today).count()
    overdue_responsible = sum(t["overdue"] for t in tallies)
    found = []
    if task_count != planned:
        found.append(f"任务清单 {task_count} 项，整改清单措施下的任务共 {planned} 项")
    if task_count != responsible:
        found.append(f"任务清单 {task_count} 项，责任清单合计 {responsible} 项")
    if overdue_listed != overdue_responsible:
        found.append(f"任务清单逾期 {overdue_listed} 项，责任清单逾期合计 {overdue_responsible} 项")
    return found

