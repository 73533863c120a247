"""Policy changes are previewed before they are adopted (domain.md §5): for a county and
proposed values from a date, what would change — classes, alerts raised and cleared, the
households — without writing anything; adopting records the values and re-evaluates the
checks from that date under them, every move with the reason 政策调整.

The line is 6,000 unless set. A family of two with 18,200 a year has 9,100 a head: just
above 1.5 × 6,000 = 9,000, so no income rule fires, and it is 巩固 (under 2 × the line).
A line of 7,600 puts it under 1.5 × 7,600 = 11,400 (INCOME_NEAR_LINE) and under
1.2 × 7,600 = 9,120 (临界)."""

from datetime import date
from decimal import Decimal

import pytest

from alerts.models import Alert, AlertMove
from alerts.proposal import Proposal, adopt, preview
from households.models import StatusChange
from monitor.models import AuditEvent, MonitoringLine, PolicySetting
from monitor.roles import Refused

from .alert_helpers import alert_of, family, record
from .factories import place

VISIT = date(2026, 5, 1)
FROM = date(2026, 1, 1)


@pytest.fixture
def just_above(places):
    """9,100 a head: 巩固, no alert."""
    household = family(places["village_a"], "HA001")
    record(household, VISIT, income_wages=Decimal("18200"))
    return household


@pytest.fixture
def well_off(places):
    """20,000 a head: 稳定 under either line."""
    household = family(places["other_town_village"], "HZ001")
    record(household, VISIT, income_wages=Decimal("40000"))
    return household


def written() -> tuple:
    """Everything a preview must leave as it was."""
    return (Alert.objects.count(), AlertMove.objects.count(), StatusChange.objects.count(),
            MonitoringLine.objects.count(), PolicySetting.objects.count(),
            AuditEvent.objects.count(),
            sorted(Alert.objects.values_list("id", "state", "last_seen_on")))


def line_of(places, amount) -> Proposal:
    return Proposal(county=places["county"], effective_from=FROM, line=Decimal(amount))


def test_a_higher_line_previews_INCOME_NEAR_LINE_for_a_household_just_above_the_old(
        places, just_above, well_off):
    before = written()
    result = preview(line_of(places, "7600"))
    assert written() == before
    just_above.refresh_from_db()
    assert just_above.household_class == "巩固"
    assert not Alert.objects.filter(household=just_above).exists()
    [changed] = result.households
    assert (changed.number, changed.class_now, changed.class_then) == ("HA001", "巩固", "临界")
    assert changed.raised == ["INCOME_NEAR_LINE"] and changed.cleared == []
    assert result.raised == {"INCOME_NEAR_LINE": 1} and result.cleared == {}


def test_the_preview_counts_each_town_by_class_now_and_under_the_proposal(
        places, just_above, well_off):
    result = preview(line_of(places, "7600"))
    assert result.by_town["500241101"]["巩固"] == (1, 0)
    assert result.by_town["500241101"]["临界"] == (0, 1)
    assert result.by_town["500241002"]["稳定"] == (1, 1)


def test_the_values_in_force_preview_no_change(places, just_above, well_off):
    result = preview(line_of(places, "6000"))
    assert result.households == [] and result.raised == {} and result.cleared == {}


def test_adopting_records_the_line_raises_the_alert_with_the_reason_and_reclasses(
        places, just_above, well_off, county_supervisor):
    result = adopt(line_of(places, "7600"), actor=county_supervisor, reason="市政府 2026 年 3 号文")
    assert MonitoringLine.objects.get(province="50", year=2026).amount == Decimal("7600")
    event = AuditEvent.objects.get(object_kind="line")
    assert (event.actor, event.note) == (county_supervisor, "市政府 2026 年 3 号文")
    alert = alert_of(just_above, "INCOME_NEAR_LINE")
    assert alert.state == "预警"
    move = AlertMove.objects.get(alert=alert)
    assert move.note.startswith("政策调整") and move.actor == county_supervisor
    just_above.refresh_from_db()
    assert just_above.household_class == "临界"
    moved = StatusChange.objects.filter(household=just_above, kind="class").latest("id")
    assert (moved.old, moved.new) == ("巩固", "临界")
    assert moved.reasons.startswith("政策调整")
    assert [h.number for h in result.households] == ["HA001"]


def test_after_adopting_the_same_preview_shows_nothing_left_to_change(
        places, just_above, county_supervisor):
    adopt(line_of(places, "7600"), actor=county_supervisor, reason="市政府文件")
    assert preview(line_of(places, "7600")).households == []


def test_a_lower_line_clears_INCOME_NEAR_LINE_to_ready_to_close_on_adoption(
        places, county_supervisor):
    household = family(places["village_a"], "HA002")
    record(household, VISIT, income_wages=Decimal("12200"))  # 6,100 a head: near the line
    assert alert_of(household, "INCOME_NEAR_LINE").state == "预警"
    result = preview(line_of(places, "4000"))  # 1.5 × 4,000 = 6,000 ≤ 6,100
    assert result.cleared == {"INCOME_NEAR_LINE": 1}
    adopt(line_of(places, "4000"), actor=county_supervisor, reason="测算调整")
    alert = alert_of(household, "INCOME_NEAR_LINE")
    assert alert.state == "待销号"
    assert AlertMove.objects.filter(alert=alert).latest("id").note.startswith("政策调整")


def test_a_threshold_previews_from_its_date_and_not_before(places, just_above):
    factor = {"near_line_factor": Decimal("1.6")}  # 1.6 × 6,000 = 9,600 > 9,100
    from_january = Proposal(county=places["county"], effective_from=FROM, settings=factor)
    from_june = Proposal(county=places["county"], effective_from=date(2026, 6, 1),
                         settings=factor)
    assert preview(from_january).raised == {"INCOME_NEAR_LINE": 1}
    assert preview(from_june).households == []


def test_adopting_a_threshold_records_it_from_its_date(places, just_above, county_supervisor):
    proposal = Proposal(county=places["county"], effective_from=FROM,
                        settings={"near_line_factor": Decimal("1.6")})
    adopt(proposal, actor=county_supervisor, reason="县政府常务会议")
    setting = PolicySetting.objects.get(key="near_line_factor")
    assert (setting.value, setting.effective_from) == (Decimal("1.6"), FROM)
    assert alert_of(just_above, "INCOME_NEAR_LINE").state == "预警"


def test_a_town_supervisor_cannot_adopt_and_nothing_is_recorded(places, just_above,
                                                               town_supervisor):
    with pytest.raises(Refused, match="不能修改政策参数"):
        adopt(line_of(places, "7600"), actor=town_supervisor, reason="乡镇想调")
    assert not MonitoringLine.objects.exists() and not Alert.objects.exists()


def test_another_countys_households_are_left_out(places, just_above):
    household = family(place("500102001201", "涪陵区某村"), "HF001")
    record(household, VISIT, income_wages=Decimal("18200"))
    result = preview(line_of(places, "7600"))
    assert [h.number for h in result.households] == ["HA001"]
    assert set(result.by_town) == {"500241101"}
