"""Building households whose checks raise alerts through the real engine, for the tests
of alerts at work (moves, plans and tasks, escalation, the five lists)."""

from datetime import date, timedelta
from decimal import Decimal

from alerts.engine import evaluate_household
from alerts.models import Alert
from visits.services import check_record

from .factories import HouseholdFactory, MemberFactory, id_number


def family(village, number: str):
    """A working father and a 13-year-old at school; high income: no rule fires."""
    household = HouseholdFactory(village=village, number=number)
    MemberFactory(household=household, name="杨父", relation="户主",
                  id_number=id_number(date(1980, 1, 1)), labour="普通劳动力", work="县内务工")
    MemberFactory(household=household, name="杨小", relation="子女",
                  id_number=id_number(date(2013, 3, 1)), schooling="在校", labour="无劳动力")
    return household


def record(household, visit: date, kind: str = "日常走访", child: str = "在校",
           evaluate: bool = True, **answers):
    """Record a check as an officer would and evaluate it (as the worker would after
    commit). Defaults: nothing fires; `housing="D"` fires HOUSING, `child="失学辍学"`
    DROPOUT, `water_quality=False` WATER."""
    answers.setdefault("income_wages", Decimal("40000"))
    child_id = household.members.get(name="杨小").id_number
    check = check_record(household=household, recorded_by=None, visit_date=visit, kind=kind,
                         member_updates={child_id: {"schooling": child}}, **answers)
    if evaluate:
        evaluate_household(household.id)
    return check


def alert_row(household, rule="HOUSING", state="预警") -> Alert:
    """An alert stored as it is, without a check or the engine."""
    day = date(2026, 3, 1)
    return Alert.objects.create(household=household, rule=rule, risk_type="住房安全",
                                severity="high", channel="housing", state=state,
                                raised_on=day, last_seen_on=day,
                                verify_by=day + timedelta(days=3))


def alert_of(household, rule: str) -> Alert:
    return Alert.objects.filter(household=household, rule=rule).latest("id")


def put(alert: Alert, state: str) -> Alert:
    """Put an alert in a state for a test of what may follow (with the move recorded, as
    a real move would)."""
    from alerts.services import record_move

    record_move(alert, to=state, note="测试准备")
    Alert.objects.filter(pk=alert.pk).update(state=state)
    alert.refresh_from_db()
    return alert

