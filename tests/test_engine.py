"""Evaluation of checks into alerts, in visit-date order, idempotent (domain.md §5–7)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alerts.engine import evaluate_household, evaluate_households, refresh_statuses
from alerts.models import Alert, AlertMove
from households.models import Household, StatusChange
from monitor.models import MonitoringLine, PolicySetting
from visits.services import check_record

from .factories import HouseholdFactory, MemberFactory, id_number


@pytest.fixture
def household(places):
    household = HouseholdFactory(village=places["village_a"], number="HA100")
    MemberFactory(household=household, name="杨父", relation="户主",
                  id_number=id_number(date(1980, 1, 1)), labour="普通劳动力", work="县内务工")
    MemberFactory(household=household, name="杨小", relation="子女",
                  id_number=id_number(date(2013, 3, 1)), schooling="在校", labour="无劳动力")
    return household


@pytest.fixture
def record(household, django_capture_on_commit_callbacks):
    """Record a check as an officer would; evaluation runs after commit."""
    def record(visit, child="在校", per_capita=20000, **answers):
        child_id = household.members.get(name="杨小").id_number
        answers.setdefault("income_wages", Decimal(per_capita) * 2)
        with django_capture_on_commit_callbacks(execute=True):
            return check_record(household=household, recorded_by=None, visit_date=visit,
                                kind="日常走访", member_updates={child_id: {"schooling": child}},
                                **answers)
    return record


def alerts(household, rule="DROPOUT"):
    return list(Alert.objects.filter(household=household, rule=rule).order_by("id"))


def test_a_check_with_a_dropout_raises_one_alert_with_evidence(household, record):
    record(date(2026, 3, 10), child="失学辍学")
    [alert] = alerts(household)
    assert (alert.state, alert.severity, alert.channel) == ("预警", "high", "education")
    assert alert.raised_on == date(2026, 3, 10)
    assert "杨小（13岁）" in alert.evidence["text"]
    assert alert.moves.get().to_state == "预警"


def test_deadlines_follow_the_severity(household, record):
    record(date(2026, 3, 10), child="失学辍学")
    alert = alerts(household)[0]
    assert (alert.plan_by - alert.verify_by).days == 4  # 3 and 7 days
    assert (alert.close_by - alert.verify_by).days == 27  # 30 days


def test_a_newer_check_firing_the_same_rule_attaches(household, record):
    record(date(2026, 3, 10), child="失学辍学")
    record(date(2026, 4, 10), child="失学辍学")
    [alert] = alerts(household)
    assert alert.last_seen_on == date(2026, 4, 10)
    assert alert.raised_on == date(2026, 3, 10)


def test_a_newer_check_that_no_longer_fires_makes_the_alert_ready_to_close(household, record):
    record(date(2026, 3, 10), child="失学辍学")
    clearing = record(date(2026, 4, 10), child="在校")
    [alert] = alerts(household)
    assert alert.state == "待销号"
    assert alert.cleared_by == clearing
    assert alert.state_before_ready == "预警"


def test_firing_again_before_close_returns_to_the_state_it_left(household, record):
    record(date(2026, 3, 10), child="失学辍学")
    Alert.objects.filter(household=household).update(state="核实")
    record(date(2026, 4, 10), child="在校")
    assert alerts(household)[0].state == "待销号"
    record(date(2026, 5, 10), child="失学辍学")
    [alert] = alerts(household)
    assert alert.state == "核实"
    assert [m.to_state for m in alert.moves.all()] == ["预警", "待销号", "核实"]


def test_a_late_older_check_still_raises_and_the_newer_one_clears_it(household, record):
    record(date(2026, 5, 10), child="在校")
    record(date(2026, 3, 10), child="失学辍学")  # captured offline, arrives late
    [alert] = alerts(household)
    assert alert.raised_on == date(2026, 3, 10)
    assert alert.state == "待销号"


def test_a_late_older_clean_check_does_not_clear_a_newer_finding(household, record):
    record(date(2026, 5, 10), child="失学辍学")
    record(date(2026, 3, 10), child="在校")
    assert alerts(household)[0].state == "预警"


def test_a_late_older_check_does_not_change_the_members(household, record):
    record(date(2026, 5, 10), child="在校")
    record(date(2026, 3, 10), child="失学辍学")
    assert household.members.get(name="杨小").schooling == "在校"


def test_income_drop_compares_with_the_previous_check_by_visit_date(household, record):
    record(date(2026, 1, 10), per_capita=20000)
    record(date(2026, 3, 10), per_capita=10000)
    [drop] = alerts(household, "INCOME_DROP")
    assert drop.state == "预警"
    record(date(2026, 2, 10), per_capita=11000)  # late: now March is compared with February
    [drop] = alerts(household, "INCOME_DROP")
    assert drop.raised_on == date(2026, 2, 10)
    assert drop.state == "待销号"


def test_evaluating_again_changes_nothing(household, record):
    check = record(date(2026, 3, 10), child="失学辍学", per_capita=5000)
    counts = (Alert.objects.count(), AlertMove.objects.count(), StatusChange.objects.count())
    evaluate_household(household.id)
    type(check).objects.filter(pk=check.pk).update(evaluated_at=None)
    evaluate_household(household.id)  # even a forced replay
    assert (Alert.objects.count(), AlertMove.objects.count(),
            StatusChange.objects.count()) == counts


def test_replaying_does_not_reopen_a_closed_alert(household, record):
    check = record(date(2026, 3, 10), child="失学辍学")
    Alert.objects.filter(household=household).update(state="已销号")
    type(check).objects.filter(pk=check.pk).update(evaluated_at=None)
    evaluate_household(household.id)
    assert len(alerts(household)) == 1


def test_a_finding_after_a_closed_alert_opens_a_new_one(household, record):
    record(date(2026, 3, 10), child="失学辍学")
    Alert.objects.filter(household=household).update(state="已销号")
    record(date(2026, 6, 10), child="失学辍学")
    assert [a.state for a in alerts(household)] == ["已销号", "预警"]


def test_the_class_and_its_history_follow_the_newest_check(household, record):
    record(date(2026, 3, 10), per_capita=30000)
    household.refresh_from_db()
    assert household.household_class == "稳定"
    record(date(2026, 4, 10), per_capita=5000)
    household.refresh_from_db()
    assert household.household_class == "临界"
    change = StatusChange.objects.filter(household=household, kind="class").last()
    assert (change.old, change.new) == ("稳定", "临界")
    assert "收入低于监测线" in change.reasons


def test_an_unregistered_household_with_a_finding_is_in_the_borderline_group(household, record):
    record(date(2026, 3, 10), housing="D")
    household.refresh_from_db()
    assert household.key_group == "临界户"


def test_the_line_of_the_visit_year_is_used(household, record):
    MonitoringLine.objects.create(province="50", year=2026, amount=Decimal("7000"))
    record(date(2025, 12, 10), per_capita=6500)
    assert alerts(household, "INCOME_NEAR_LINE") and not alerts(household, "INCOME_BELOW_LINE")
    record(date(2026, 1, 10), per_capita=6500)
    assert alerts(household, "INCOME_BELOW_LINE")


def test_a_threshold_changed_by_the_county_applies_from_its_date(household, record):
    PolicySetting.objects.create(key="school_age_to", value=Decimal("12"),
                                 effective_from=date(2026, 1, 1))
    record(date(2026, 3, 10), child="失学辍学")  # the child is 13
    assert alerts(household) == []


def test_a_check_in_the_future_is_refused(household):
    from django.core.exceptions import ValidationError
    with pytest.raises(ValidationError):
        check_record(household=household, recorded_by=None, visit_date=date(2999, 1, 1),
                     kind="日常走访")


def households_with_findings(places, count):
    """Households each with one saved, unevaluated check that fires several rules."""
    from households.models import Check

    from .engine_helpers import check, person
    ids = []
    for _ in range(count):
        household = HouseholdFactory(village=places["village_a"])
        finding = check(visit=date(2026, 3, 10), members=[person(insured=False)],
                        per_capita=3000, housing="D", food_secure=False)
        finding.household = household
        finding.save()
        ids.append(household.id)
    assert Check.objects.filter(household_id__in=ids).count() == count
    return ids


def test_a_batch_costs_the_same_queries_whatever_its_alerts(places):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from alerts.engine import evaluate_households
    queries = []
    for count in (1, 6):
        ids = households_with_findings(places, count)
        with CaptureQueriesContext(connection) as captured:
            result = evaluate_households(ids)
        assert result.alerts_raised == count * 4  # food, uninsured, housing, income
        queries.append(len(captured))
    assert queries[0] == queries[1]


def test_a_campaign_is_evaluated_batch_by_batch_and_says_how_far_it_got(places):
    from alerts.engine import evaluate_in_batches
    ids = households_with_findings(places, 7)
    seen = []
    result = evaluate_in_batches(ids, batch_size=2,
                                 progress=lambda done, total: seen.append((done, total)))
    assert (result.households, result.alerts_raised) == (7, 28)
    assert sorted(result.raised_ids) == sorted(Alert.objects.values_list("id", flat=True))
    assert seen == [(2, 7), (4, 7), (6, 7), (7, 7)]
    assert AlertMove.objects.count() == 28 and StatusChange.objects.count() == 14
    assert evaluate_in_batches(ids, batch_size=2).households == 0  # idempotent


def test_groups_re_derived_without_a_check_cost_the_same_queries_for_one_or_many(places):
    queries = []
    for count in (1, 6):
        ids = households_with_findings(places, count)
        evaluate_households(ids)
        Household.objects.filter(id__in=ids).update(household_class="")  # as if stale
        with CaptureQueriesContext(connection) as captured:
            refresh_statuses(ids)
        queries.append(len(captured))
        assert set(Household.objects.filter(id__in=ids).values_list(
            "household_class", flat=True)) == {"临界"}
        assert StatusChange.objects.filter(household_id__in=ids, old="", new="临界").count() \
            == 2 * count  # the evaluation's and the re-derivation's
    assert queries[0] == queries[1]
