"""The set-wise law (monitor/rules.py, monitor/classification.py over frames) against the
per-check functions it replaces, on seeded random households built to sit on every edge
of domain.md §5 and §6: exact thresholds (the line, 1.2, 1.5 and 2 lines, a 30 % drop,
half the income on medicine or from transfers, a fifth on medicine and schooling), ages
6, 15 and 16 around the birthday, checks arriving out of visit order, households of no
member, no previous check, no income. Both must agree on the rules fired, their
evidence, the class and the key group with their reasons."""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest

from monitor import classification_percheck as old_classification
from monitor import rules_percheck as old
from monitor.classification import derived
from monitor.frames import check_frame
from monitor.rules import RULES, fired_rules, findings, judged

from .engine_helpers import check, person, thresholds

SEVERITY = {rule.code: rule.severity for rule in RULES} | {"DECLARATION": "high"}
VARIANTS = [thresholds(), thresholds(line=Decimal("7000")),
            thresholds(near_line_factor="1.3", income_drop_share="0.25",
                       medical_burden_share="0.4", school_age_from="7", school_age_to="16",
                       borderline_income_factor="1.25", borderline_transfer_share="0.6",
                       consolidated_income_factor="2.5", consolidated_spending_share="0.15",
                       key_group_income_factor="1.6")]


def edge_per_capita(rng: random.Random, t) -> Decimal:
    factors = [Decimal(1), t.near_line_factor, t.borderline_income_factor,
               t.consolidated_income_factor, t.key_group_income_factor]
    if rng.random() < 0.7:
        edge = t.line * rng.choice(factors) + rng.choice([Decimal("-0.01"), 0, Decimal("0.01")])
        return edge.quantize(Decimal("0.01"))
    return Decimal(rng.randint(0, 4_000_000)) / 100


def born_for(rng: random.Random, visit: date) -> date:
    """A birth date putting the member at an edge age on the visit date, or any age."""
    if rng.random() < 0.6:
        years = rng.choice([5, 6, 7, 14, 15, 16, 17])
        day = visit.replace(year=visit.year - years) if not (
            visit.month == 2 and visit.day == 29) else date(visit.year - years, 3, 1)
        return day + timedelta(days=rng.choice([-1, 0, 1]))
    return date(rng.randint(1940, 2024), rng.randint(1, 12), rng.randint(1, 28))


def member(rng: random.Random, number: int, visit: date) -> dict:
    return person(
        name=f"成员{number}", born=born_for(rng, visit),
        schooling=rng.choice(["在校", "失学辍学", "失学辍学", "送教上门", "学前", "非在校"]),
        labour=rng.choice(["普通劳动力", "技能劳动力", "弱劳动力", "丧失劳动力", "无劳动力"]),
        work=rng.choice(["县内务工", "县外务工", "未务工", "未务工"]),
        insured=rng.random() > 0.15)


def answers(rng: random.Random, t, members: list[dict], before: Decimal | None) -> dict:
    size = len(members) or 1
    if before is not None and rng.random() < 0.5:  # a drop on the edge of the share
        per_head = (before * (1 - t.income_drop_share)).quantize(Decimal("0.01")) + rng.choice(
            [Decimal("-0.01"), 0, Decimal("0.01")])
    else:
        per_head = edge_per_capita(rng, t) if rng.random() > 0.05 else Decimal(0)
    total = per_head * size
    transfers = (total * rng.choice([0, t.borderline_transfer_share, Decimal("0.2")])
                 ).quantize(Decimal("0.01"))
    if rng.random() < 0.2:
        transfers += Decimal("0.01")
    medical_share = rng.choice([0, t.medical_burden_share, t.consolidated_spending_share,
                                Decimal("0.05")])
    medical = (total * medical_share).quantize(Decimal("0.01")) + rng.choice(
        [0, 0, Decimal("0.01"), Decimal("-0.01")])
    if total == 0:
        medical = rng.choice([Decimal(0), Decimal("1")])
    return dict(
        income_wages=total - transfers, income_transfers=transfers,
        medical_spending=max(medical, Decimal(0)),
        education_spending=rng.choice([Decimal(0), (total * Decimal("0.1")).quantize(
            Decimal("0.01"))]),
        food_secure=rng.random() > 0.1, clothing_secure=rng.random() > 0.1,
        housing=rng.choice(["A", "B", "C", "D", "已搬迁", "已改造"]),
        water_quantity=rng.random() > 0.1, water_quality=rng.random() > 0.1,
        water_convenience=rng.random() > 0.1, water_reliability=rng.random() > 0.1,
        sudden_event=rng.choice(["无", "无", "无", "因灾", "意外事故", "重大疾病"]),
        sudden_loss=Decimal(rng.randint(0, 100000)))


def households(rng: random.Random, t, count: int) -> list:
    """Checks of `count` households, in visit order, numbered as they would have arrived
    (out of visit order: ids do not follow visit dates)."""
    checks, next_id = [], iter(rng.sample(range(1, 100_000), count * 5))
    for household_id in range(1, count + 1):
        visits = sorted(date(2021, 1, 1) + timedelta(days=rng.randint(0, 2000))
                        for _ in range(rng.randint(1, 4)))
        if rng.random() < 0.2 and len(visits) > 1:
            visits[1] = visits[0]  # two checks on one day: ids decide their order
        before, history = None, []
        for visit in visits:
            members = [member(rng, n, visit) for n in range(rng.choice([0, 1, 2, 3, 3, 4, 5]))]
            made = check(visit=visit, members=members, **answers(rng, t, members, before))
            made.id, made.household_id = next(next_id), household_id
            before = old.per_capita_income(made)
            history.append(made)
        checks += sorted(history, key=lambda c: (c.visit_date, c.id))
    return checks


def open_alerts(rng: random.Random) -> list[tuple[str, str]]:
    codes = rng.sample(sorted(SEVERITY), rng.choice([0, 0, 1, 2, 3]))
    return [(code, SEVERITY[code]) for code in codes]


@pytest.mark.parametrize("variant", range(len(VARIANTS)))
def test_the_set_wise_law_agrees_with_the_per_check_functions(variant):
    rng, t = random.Random(19 + variant), VARIANTS[variant]
    checks = households(rng, t, 400)
    frame = judged(check_frame(checks, t=t))
    found = findings(frame)
    previous, alerts, registration = {}, {}, {}
    for c in checks:
        earlier = previous.get(c.household_id)
        expected = old.fired_rules(c, earlier, t)
        assert found.get(c.id, {}) == expected, (c.id, c.visit_date)
        previous[c.household_id] = c
        alerts[c.id] = open_alerts(rng)
        registration[c.id] = (rng.random() < 0.3, rng.choice(["未脱贫", "已脱贫", "一般农户"]))
    frame = frame.with_columns(
        open_high=frame["check_id"].map_elements(
            lambda i: [r for r, s in alerts[i] if s == "high"], return_dtype=list[str]),
        open_medium=frame["check_id"].map_elements(
            lambda i: [r for r, s in alerts[i] if s == "medium"], return_dtype=list[str]),
        registered=frame["check_id"].map_elements(lambda i: registration[i][0],
                                                  return_dtype=bool),
        poverty_status=frame["check_id"].map_elements(lambda i: registration[i][1],
                                                      return_dtype=str))
    rows = {row["check_id"]: row for row in derived(frame).iter_rows(named=True)}
    for c in checks:
        row, (registered, status) = rows[c.id], registration[c.id]
        assert (row["class"], row["class_reasons"]) == old_classification.classify(
            c, alerts[c.id], t)
        household = type("Household", (), {"registered": registered, "poverty_status": status})
        assert (row["key_group"], row["key_group_reasons"]) == old_classification.key_group(
            household, c, found.get(c.id, {}), t)


def test_one_check_alone_is_judged_as_in_the_county():
    rng, t = random.Random(7), VARIANTS[0]
    checks = households(rng, t, 60)
    for earlier, c in zip([None, *checks], checks, strict=False):
        earlier = earlier if earlier is not None and earlier.household_id == c.household_id \
            else None
        assert fired_rules(c, earlier, t) == old.fired_rules(c, earlier, t)
