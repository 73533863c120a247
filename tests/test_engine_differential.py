"""The set-wise engine against the household-by-household one it replaces, on seeded random
histories: checks arriving out of visit order over several evaluations, people moving
alerts between them (verified, closed, dismissed), rules firing, stopping and firing
again. From the same database each time, both must leave the same alerts, moves, audit
events, class and key group history and households."""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction

from alerts import engine, engine_perhousehold
from alerts.models import Alert, AlertMove, State
from households.models import Check, Household, StatusChange
from monitor.models import AuditEvent

from .engine_helpers import check, person
from .factories import HouseholdFactory


def members(rng: random.Random, visit: date) -> list[dict]:
    child = date(visit.year - rng.choice([8, 12, 15, 17]), 3, 1)
    return [person("杨父", date(1980, 1, 1), labour=rng.choice(["普通劳动力", "弱劳动力"]),
                   work=rng.choice(["县内务工", "未务工"]), insured=rng.random() > 0.2),
            person("杨小", child, schooling=rng.choice(["在校", "失学辍学"]),
                   labour="无劳动力", work="未务工")]


def new_check(rng: random.Random, household_id: int, visit: date) -> Check:
    made = check(visit=visit, members=members(rng, visit),
                 income_wages=Decimal(rng.choice([8000, 12000, 14000, 19000, 30000, 40000])),
                 income_transfers=Decimal(rng.choice([0, 0, 9000])),
                 medical_spending=Decimal(rng.choice([0, 0, 30000])),
                 housing=rng.choice(["A", "A", "D"]), water_quality=rng.random() > 0.3,
                 food_secure=rng.random() > 0.2,
                 sudden_event=rng.choice(["无", "无", "无", "因灾"]))
    made.household_id = household_id
    return made


def moves_by_alert(alerts: dict) -> list:
    """Each alert's moves in the order made, the alert known by household, rule, date."""
    moves = {}
    for alert, old, new, note in AlertMove.objects.filter(alert_id__in=alerts).order_by(
            "alert_id", "id").values_list("alert_id", "from_state", "to_state", "note"):
        moves.setdefault(alerts[alert], []).append((old, new, note))
    return sorted(moves.items())


def snapshot(ids) -> dict:
    alerts = {a.id: (a.household_id, a.rule, a.raised_on) for a in Alert.objects.filter(
        household_id__in=ids)}
    return {
        "alerts": sorted(Alert.objects.filter(household_id__in=ids).values_list(
            "household_id", "rule", "risk_type", "severity", "channel", "state",
            "state_before_ready", "raised_on", "last_seen_on", "first_check_id",
            "last_check_id", "evidence", "cleared_by_id", "cleared_evidence", "verify_by",
            "plan_by", "close_by"), key=repr),
        "moves": moves_by_alert(alerts),
        "events": sorted((household, label, repr(changes), note) for household, label, changes,
                         note in AuditEvent.objects.filter(
            object_kind="alert", household_id__in=ids).values_list(
            "household_id", "object_label", "changes", "note")),
        "history": sorted(StatusChange.objects.filter(household_id__in=ids).values_list(
            "household_id", "kind", "old", "new", "reasons", "on", "based_on_id"), key=repr),
        "households": sorted(Household.objects.filter(id__in=ids).values_list(
            "id", "household_class", "key_group")),
        "evaluated": sorted(Check.objects.filter(household_id__in=ids,
                                                 evaluated_at__isnull=False).values_list(
            "id", flat=True)),
    }


def both_agree(ids, today: date) -> None:
    """Run the old engine and, from the same state, the new one; they must agree. The
    new one's writes stay."""
    point = transaction.savepoint()
    engine_perhousehold.evaluate_households(ids, today=today)
    old = snapshot(ids)
    transaction.savepoint_rollback(point)
    engine.evaluate_households(ids, today=today)
    new = snapshot(ids)
    for part in old:
        assert new[part] == old[part], part


def people_move_alerts(rng: random.Random, ids) -> None:
    """Verify, close or dismiss some open alerts, as supervisors would."""
    for alert in Alert.objects.filter(household_id__in=ids).exclude(
            state__in=[State.CLOSED, State.DISMISSED]):
        roll = rng.random()
        if roll < 0.2 and alert.state == State.RAISED:
            Alert.objects.filter(pk=alert.pk).update(state=State.VERIFIED)
        elif roll < 0.4 and alert.state == State.READY_TO_CLOSE:
            Alert.objects.filter(pk=alert.pk).update(state=State.CLOSED)
        elif roll < 0.5:
            Alert.objects.filter(pk=alert.pk).update(state=State.DISMISSED)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_set_wise_engine_agrees_with_the_household_by_household_one(places, seed):
    rng = random.Random(seed)
    households = [HouseholdFactory(village=places["village_a"],
                                   registered=rng.random() < 0.3,
                                   poverty_status=rng.choice(["未脱贫", "已脱贫", "一般农户"]))
                  for _ in range(25)]
    ids = [h.id for h in households]
    days = {h.id: rng.sample(range(0, 900), 12) for h in households}
    today = date(2026, 11, 1)
    with transaction.atomic():
        for round_number in range(4):
            for household_id in ids:
                for _ in range(rng.choice([0, 1, 1, 2, 3])):
                    if days[household_id]:
                        visit = date(2024, 1, 1) + timedelta(days=days[household_id].pop())
                        new_check(rng, household_id, visit).save()
            if round_number == 2:  # a check judged again: marked unevaluated
                Check.objects.filter(household_id__in=ids[:5]).update(evaluated_at=None)
            both_agree(ids, today + timedelta(days=round_number))
            people_move_alerts(rng, ids)
