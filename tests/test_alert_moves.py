"""Alert moves made by people (domain.md §7): every legal move, every illegal one, scope,
and two people moving the same alert at once."""

from datetime import date, timedelta

import pytest

from alerts.models import Alert, AlertMove, State
from alerts.plans import plan_add_measure
from alerts.services import (
    MOVES,
    NotFound,
    alert_close,
    alert_dismiss,
    alert_ready,
    alert_start_assistance,
    alert_verify,
)
from monitor.roles import LostRace, Refused

from .alert_helpers import alert_of, family, put, record

D0 = date(2026, 3, 10)


@pytest.fixture
def home(places):
    return family(places["village_a"], "HA001")


@pytest.fixture
def housing(home):
    """A high HOUSING alert of village A, raised by a check on D0."""
    record(home, D0, housing="D")
    return alert_of(home, "HOUSING")


def verification(household, visit, **answers):
    """A verification visit recorded but not yet evaluated (the worker has not run)."""
    return record(household, visit, kind="核实", evaluate=False, **answers)


def last_move(alert) -> AlertMove:
    return alert.moves.order_by("-id").first()


# ── Legal moves ───────────────────────────────────────────────────────────────────────

def test_it_verifies_a_raised_alert_with_a_note(housing, village_officer):
    alert_verify(alert=housing, actor=village_officer, note="入户核实：房屋墙体开裂")
    housing.refresh_from_db()
    assert housing.state == State.VERIFIED
    move = last_move(housing)
    assert (move.actor, move.from_state, move.to_state) == (village_officer, "预警", "核实")
    assert move.note == "入户核实：房屋墙体开裂"


def test_it_verifies_with_a_verification_check(home, housing, village_officer):
    check = verification(home, D0 + timedelta(days=1), housing="D")
    alert_verify(alert=housing, actor=village_officer, check=check)
    housing.refresh_from_db()
    assert housing.verification_check == check
    assert "核实排查" in last_move(housing).note


def test_a_supervisor_may_verify_too(housing, town_supervisor):
    alert_verify(alert=housing, actor=town_supervisor, note="电话核实")
    assert Alert.objects.get(pk=housing.pk).state == State.VERIFIED


def test_assistance_starts_once_the_plan_has_a_measure(housing, village_officer):
    alert_verify(alert=housing, actor=village_officer, note="属实")
    plan_add_measure(alert=housing, actor=village_officer, measure="危房改造",
                     deadline=D0 + timedelta(days=30))
    alert_start_assistance(alert=housing, actor=village_officer)
    housing.refresh_from_db()
    assert housing.state == State.IN_ASSISTANCE
    assert "危房改造" in last_move(housing).note


def test_it_dismisses_a_raised_alert_with_a_reason(home, housing, village_officer):
    assert home.__class__.objects.get(pk=home.pk).household_class == "临界"
    alert_dismiss(alert=housing, actor=village_officer, reason="核实为仓库，非住房")
    housing.refresh_from_db()
    assert housing.state == State.DISMISSED
    assert last_move(housing).note == "核实为仓库，非住房"
    home.refresh_from_db()
    assert home.household_class == "稳定"  # the class follows: no open alert is left


def test_it_dismisses_a_verified_alert(housing, village_officer):
    alert_verify(alert=housing, actor=village_officer, note="待复核")
    alert_dismiss(alert=housing, actor=village_officer, reason="复核为误报")
    assert Alert.objects.get(pk=housing.pk).state == State.DISMISSED


def test_a_town_supervisor_closes_an_alert_ready_to_close(home, housing, town_supervisor):
    clearing = record(home, D0 + timedelta(days=20))  # the house was renovated: grade A
    housing.refresh_from_db()
    assert housing.state == State.READY_TO_CLOSE
    alert_close(alert=housing, actor=town_supervisor, note="已改造完成")
    housing.refresh_from_db()
    assert housing.state == State.CLOSED
    assert housing.closed_by == town_supervisor and housing.closed_at is not None
    assert housing.cleared_by == clearing
    home.refresh_from_db()
    assert home.household_class == "稳定"


def test_a_supervisor_closes_only_an_alert_ready_to_close(
        home, housing, village_officer, county_supervisor):
    alert_verify(alert=housing, actor=village_officer, note="属实")
    verification(home, D0 + timedelta(days=25))  # house fixed; not yet evaluated
    with pytest.raises(Refused, match="只有“待销号”状态的预警可以销号"):
        alert_close(alert=alert_of(home, "HOUSING"), actor=county_supervisor)
    assert alert_of(home, "HOUSING").state == State.VERIFIED


def test_an_alert_walks_the_whole_way_and_back_from_ready_to_close(
        home, housing, village_officer, town_supervisor):
    alert_verify(alert=housing, actor=village_officer, note="属实")
    plan_add_measure(alert=housing, actor=village_officer, measure="危房改造",
                     deadline=D0 + timedelta(days=30))
    alert_start_assistance(alert=housing, actor=village_officer)
    record(home, D0 + timedelta(days=10))  # cleared
    assert alert_of(home, "HOUSING").state == State.READY_TO_CLOSE
    record(home, D0 + timedelta(days=12), housing="C")  # fires again: back where it was
    assert alert_of(home, "HOUSING").state == State.IN_ASSISTANCE
    record(home, D0 + timedelta(days=20))
    alert_close(alert=alert_of(home, "HOUSING"), actor=town_supervisor)
    states = [m.to_state for m in alert_of(home, "HOUSING").moves.order_by("id")]
    assert states == ["预警", "核实", "帮扶中", "待销号", "帮扶中", "待销号", "已销号"]


def test_the_real_path_raises_after_commit_and_the_moves_follow(
        home, village_officer, django_capture_on_commit_callbacks):
    from visits.services import check_record

    with django_capture_on_commit_callbacks(execute=True):
        check_record(household=home, recorded_by=village_officer, visit_date=D0,
                     kind="日常走访", housing="D", income_wages=40000)
    alert_verify(alert=alert_of(home, "HOUSING"), actor=village_officer, note="属实")
    assert alert_of(home, "HOUSING").state == State.VERIFIED


# ── Illegal moves ─────────────────────────────────────────────────────────────────────

def test_verifying_needs_a_check_or_a_note(housing, village_officer):
    with pytest.raises(Refused, match="核实须关联"):
        alert_verify(alert=housing, actor=village_officer, note="  ")


def test_a_check_that_is_not_a_verification_is_refused(home, housing, village_officer):
    routine = record(home, D0 + timedelta(days=1), evaluate=False, housing="D")
    with pytest.raises(Refused, match="须为“核实”排查"):
        alert_verify(alert=housing, actor=village_officer, check=routine)


def test_a_verification_of_another_household_is_refused(
        places, housing, village_officer):
    other = family(places["village_a"], "HA002")
    check = verification(other, D0 + timedelta(days=1))
    with pytest.raises(Refused, match="不是该户"):
        alert_verify(alert=housing, actor=village_officer, check=check)


def test_dismissing_needs_a_reason(housing, village_officer):
    with pytest.raises(Refused, match="须填写理由"):
        alert_dismiss(alert=housing, actor=village_officer, reason="")
    assert Alert.objects.get(pk=housing.pk).state == State.RAISED


def test_assistance_without_a_measure_is_refused(housing, village_officer):
    alert_verify(alert=housing, actor=village_officer, note="属实")
    with pytest.raises(Refused, match="至少一项帮扶措施"):
        alert_start_assistance(alert=housing, actor=village_officer)


def test_a_village_officer_cannot_close(home, housing, village_officer):
    record(home, D0 + timedelta(days=20))
    with pytest.raises(Refused, match="须由乡镇或区县监管人员办理"):
        alert_close(alert=alert_of(home, "HOUSING"), actor=village_officer)


def test_department_staff_cannot_move_an_alert_of_their_channel(places, education_staff):
    home = family(places["village_a"], "HA009")
    record(home, D0, child="失学辍学")
    dropout = alert_of(home, "DROPOUT")
    for call in (lambda: alert_verify(alert=dropout, actor=education_staff, note="x"),
                 lambda: alert_dismiss(alert=dropout, actor=education_staff, reason="x"),
                 lambda: alert_close(alert=dropout, actor=education_staff)):
        with pytest.raises(Refused, match="行业部门不能"):
            call()
    assert dropout.moves.count() == 1


def test_a_rule_alert_reaches_ready_to_close_only_by_a_newer_check(
        home, housing, village_officer, town_supervisor):
    put(housing, State.IN_ASSISTANCE)
    check = verification(home, D0 + timedelta(days=20))
    with pytest.raises(Refused, match="新的排查不再触发该规则时，预警自动转为“待销号”"):
        alert_ready(alert=housing, actor=town_supervisor, check=check)


def test_a_closed_alert_is_not_closed_again(home, housing, town_supervisor):
    record(home, D0 + timedelta(days=20))
    alert_close(alert=alert_of(home, "HOUSING"), actor=town_supervisor)
    with pytest.raises(Refused, match="当前为“已销号”，不能销号"):
        alert_close(alert=alert_of(home, "HOUSING"), actor=town_supervisor)


LEGAL = {(state, key) for key, move in MOVES.items() for state in move.sources}
ILLEGAL = [(state.value, key) for state in State for key in MOVES if (state, key) not in LEGAL]


@pytest.mark.parametrize(("state", "key"), ILLEGAL)
def test_every_move_from_a_state_it_may_not_leave_is_refused(
        housing, county_supervisor, state, key):
    put(housing, state)
    call = {
        "verify": lambda: alert_verify(alert=housing, actor=county_supervisor, note="n"),
        "start": lambda: alert_start_assistance(alert=housing, actor=county_supervisor),
        "dismiss": lambda: alert_dismiss(alert=housing, actor=county_supervisor, reason="r"),
        "ready": lambda: alert_ready(alert=housing, actor=county_supervisor, note="n"),
        "close": lambda: alert_close(alert=housing, actor=county_supervisor, note="n"),
    }[key]
    before = housing.moves.count()
    with pytest.raises(Refused, match=f"预警当前为“{state}”，不能"):
        call()
    assert Alert.objects.get(pk=housing.pk).state == state
    assert housing.moves.count() == before


def test_the_legal_moves_are_those_of_the_domain():
    assert LEGAL == {
        ("预警", "verify"), ("核实", "start"), ("预警", "dismiss"), ("核实", "dismiss"),
        ("帮扶中", "ready"), ("待销号", "close"),
    }


# ── Scope: outside it the alert does not exist ────────────────────────────────────────

@pytest.mark.parametrize("outsider", ["other_village_officer", "other_county_supervisor"])
def test_a_move_outside_the_scope_is_not_found(request, home, housing, outsider):
    user = request.getfixturevalue(outsider)
    record(home, D0 + timedelta(days=20))
    alert = alert_of(home, "HOUSING")
    for call in (lambda: alert_verify(alert=alert, actor=user, note="n"),
                 lambda: alert_dismiss(alert=alert, actor=user, reason="r"),
                 lambda: alert_start_assistance(alert=alert, actor=user),
                 lambda: alert_close(alert=alert, actor=user)):
        with pytest.raises(NotFound, match="^未找到该预警$"):
            call()
    assert alert.moves.count() == 2


def test_a_department_never_sees_another_channels_alert(housing, education_staff):
    with pytest.raises(NotFound):
        alert_verify(alert=housing, actor=education_staff, note="n")


# ── Two people at once ────────────────────────────────────────────────────────────────

def test_two_supervisors_closing_at_once_one_wins(home, housing, town_supervisor,
                                                   county_supervisor):
    record(home, D0 + timedelta(days=20))
    first, second = Alert.objects.get(pk=housing.pk), Alert.objects.get(pk=housing.pk)
    alert_close(alert=first, actor=town_supervisor)
    with pytest.raises(LostRace, match="刚被他人处理，当前状态为“已销号”"):
        alert_close(alert=second, actor=county_supervisor)
    closes = AlertMove.objects.filter(alert=housing, to_state=State.CLOSED)
    assert [m.actor for m in closes] == [town_supervisor]
    assert Alert.objects.get(pk=housing.pk).closed_by == town_supervisor


def test_a_dismissal_racing_a_verification_is_refused(housing, village_officer,
                                                      town_supervisor):
    first, second = Alert.objects.get(pk=housing.pk), Alert.objects.get(pk=housing.pk)
    alert_verify(alert=first, actor=village_officer, note="属实")
    with pytest.raises(LostRace):
        alert_dismiss(alert=second, actor=town_supervisor, reason="误报")
    assert Alert.objects.get(pk=housing.pk).state == State.VERIFIED
