"""One plan per household (一户一策): measures from the county's catalogue, tasks for
units and people; department staff see and update only their channel's tasks."""

from datetime import date, timedelta

import pytest

from alerts.models import MeasureCatalogue, Notification, Plan, Task, TaskUpdate
from alerts.plans import plan_add_measure, task_assign, task_update
from alerts.services import NotFound
from monitor.roles import Channel, LostRace, Refused, Role
from monitor.rules import RISK_TYPES, RULES

from .alert_helpers import alert_of, family, record
from .factories import UserFactory

D0 = date(2026, 3, 10)
DUE = D0 + timedelta(days=20)


@pytest.fixture
def home(places):
    household = family(places["village_a"], "HA001")
    record(household, D0, housing="D", child="失学辍学")
    return household


@pytest.fixture
def housing_staff(places):
    return UserFactory(username="gina", role=Role.DEPARTMENT, place=places["county"],
                       channel=Channel.HOUSING, unit="县住建委")


@pytest.fixture
def measures(home, village_officer):
    return {
        "HOUSING": plan_add_measure(alert=alert_of(home, "HOUSING"), actor=village_officer,
                                    measure="危房改造", deadline=DUE),
        "DROPOUT": plan_add_measure(alert=alert_of(home, "DROPOUT"), actor=village_officer,
                                    measure="劝返复学", deadline=DUE),
    }


@pytest.fixture
def tasks(measures, town_supervisor, housing_staff, education_staff):
    return {
        "housing": task_assign(measure=measures["HOUSING"], actor=town_supervisor,
                               unit="县住建委", person=housing_staff, due=DUE),
        "education": task_assign(measure=measures["DROPOUT"], actor=town_supervisor,
                                 unit="县教委", person=education_staff, due=DUE),
    }


# ── The catalogue and the plan ────────────────────────────────────────────────────────

def test_the_catalogue_offers_measures_for_every_risk_type(db):
    seeded = set(MeasureCatalogue.objects.values_list("risk_type", flat=True))
    assert seeded == set(RISK_TYPES)
    assert {rule.risk_type for rule in RULES} <= seeded


@pytest.mark.parametrize(("risk_type", "names"), [
    ("缺劳动力", {"低保", "特困供养"}), ("因学", {"送教上门", "劝返复学"}),
    ("基本医疗", {"代缴参保"}), ("住房安全", {"危房改造"}), ("饮水安全", {"饮水工程"}),
    ("务工就业不稳", {"就业帮扶", "公益岗位"}), ("收入", {"就业帮扶", "公益岗位", "低保"}),
    ("因病", {"医疗救助", "大病保险", "临时救助"}), ("两不愁", {"临时救助", "低保"}),
    ("因灾", {"临时救助"}), ("意外事故", {"临时救助"}), ("其他", {"临时救助"}),
])
def test_the_catalogue_is_seeded_with_the_usual_measures(db, risk_type, names):
    assert names <= set(MeasureCatalogue.objects.filter(risk_type=risk_type).values_list(
        "name", flat=True))


def test_a_household_has_one_plan_for_all_its_alerts(home, measures):
    assert Plan.objects.filter(household=home).count() == 1
    assert {m.plan_id for m in measures.values()} == {home.plan.pk}


def test_a_measure_takes_its_channel_from_the_catalogue(measures):
    assert measures["HOUSING"].channel == "housing"
    assert measures["DROPOUT"].channel == "education"


def test_a_measure_outside_the_catalogue_is_refused(home, village_officer):
    with pytest.raises(Refused, match="不在“住房安全”的帮扶措施目录中，可选：危房改造、易地搬迁"):
        plan_add_measure(alert=alert_of(home, "HOUSING"), actor=village_officer,
                         measure="送教上门", deadline=DUE)


def test_a_measure_the_county_switched_off_is_refused(home, village_officer):
    MeasureCatalogue.objects.filter(risk_type="住房安全", name="危房改造").update(active=False)
    with pytest.raises(Refused, match="不在“住房安全”的帮扶措施目录中"):
        plan_add_measure(alert=alert_of(home, "HOUSING"), actor=village_officer,
                         measure="危房改造", deadline=DUE)


def test_a_measure_for_a_final_alert_is_refused(home, village_officer):
    from alerts.services import alert_dismiss

    alert_dismiss(alert=alert_of(home, "HOUSING"), actor=village_officer, reason="误报")
    with pytest.raises(Refused, match="不能再制定帮扶措施"):
        plan_add_measure(alert=alert_of(home, "HOUSING"), actor=village_officer,
                         measure="危房改造", deadline=DUE)


def test_department_staff_do_not_plan(home, education_staff):
    with pytest.raises(Refused, match="行业部门不能制定帮扶措施"):
        plan_add_measure(alert=alert_of(home, "DROPOUT"), actor=education_staff,
                         measure="劝返复学", deadline=DUE)


def test_a_measure_outside_the_scope_is_not_found(home, other_village_officer):
    with pytest.raises(NotFound):
        plan_add_measure(alert=alert_of(home, "HOUSING"), actor=other_village_officer,
                         measure="危房改造", deadline=DUE)


# ── Assigning tasks ───────────────────────────────────────────────────────────────────

def test_a_task_is_assigned_to_a_unit_and_person_and_they_are_told(tasks, housing_staff):
    task = tasks["housing"]
    assert (task.unit, task.person, task.due, task.state) == ("县住建委", housing_staff, DUE,
                                                               "待办")
    assert (task.channel, task.title) == ("housing", "危房改造")
    assert TaskUpdate.objects.get(task=task).note.startswith("指派给 县住建委")
    [note] = Notification.objects.filter(user=housing_staff)
    assert "HA001 危房改造" in note.text and f"#task-{task.pk}" in note.link


def test_a_task_without_a_person_goes_to_the_unit(measures, town_supervisor):
    task = task_assign(measure=measures["HOUSING"], actor=town_supervisor, unit="县住建委",
                       due=DUE)
    assert task.person is None and task.unit == "县住建委"


def test_only_supervisors_assign_tasks(measures, village_officer):
    with pytest.raises(Refused, match="须由乡镇或区县监管人员指派"):
        task_assign(measure=measures["HOUSING"], actor=village_officer, unit="县住建委",
                    due=DUE)


def test_a_task_for_someone_who_cannot_see_it_is_refused(measures, town_supervisor,
                                                         education_staff):
    with pytest.raises(Refused, match="看不到这项任务"):
        task_assign(measure=measures["HOUSING"], actor=town_supervisor, unit="县住建委",
                    person=education_staff, due=DUE)
    assert not Task.objects.exists()


def test_a_task_needs_a_unit(measures, town_supervisor):
    with pytest.raises(Refused, match="责任单位"):
        task_assign(measure=measures["HOUSING"], actor=town_supervisor, unit=" ", due=DUE)


# ── Who sees and updates tasks ────────────────────────────────────────────────────────

def test_department_staff_see_only_their_channels_tasks(tasks, education_staff,
                                                        housing_staff):
    assert list(Task.objects.visible_to(education_staff)) == [tasks["education"]]
    assert list(Task.objects.visible_to(housing_staff)) == [tasks["housing"]]


def test_department_staff_of_another_county_see_nothing(tasks, places):
    outsider = UserFactory(role=Role.DEPARTMENT, place=places["other_county"],
                           channel=Channel.HOUSING)
    assert not Task.objects.visible_to(outsider).exists()


def test_place_users_see_the_tasks_of_their_place(tasks, village_officer,
                                                  other_village_officer, county_supervisor):
    assert Task.objects.visible_to(village_officer).count() == 2
    assert Task.objects.visible_to(county_supervisor).count() == 2
    assert not Task.objects.visible_to(other_village_officer).exists()


def test_department_staff_update_their_task_to_done(tasks, housing_staff):
    task = tasks["housing"]
    task_update(task=task, actor=housing_staff, state="进行中", note="已入户测量")
    task_update(task=task, actor=housing_staff, state="已完成", note="改造完工")
    task.refresh_from_db()
    assert (task.state, task.note) == ("已完成", "改造完工")
    assert task.done_at is not None
    assert task.measure.state == "已落实"
    history = [(u.from_state, u.to_state, u.actor) for u in task.updates.order_by("id")]
    assert history[1:] == [("待办", "进行中", housing_staff), ("进行中", "已完成", housing_staff)]


def test_a_measure_is_under_way_once_a_task_starts(tasks, housing_staff):
    task_update(task=tasks["housing"], actor=housing_staff, state="进行中")
    tasks["housing"].measure.refresh_from_db()
    assert tasks["housing"].measure.state == "落实中"


def test_another_channels_task_is_not_found_for_department_staff(tasks, education_staff):
    with pytest.raises(NotFound, match="^未找到该任务$"):
        task_update(task=tasks["housing"], actor=education_staff, state="进行中")
    assert Task.objects.get(pk=tasks["housing"].pk).state == "待办"


def test_a_done_task_cannot_change(tasks, housing_staff):
    task_update(task=tasks["housing"], actor=housing_staff, state="已完成")
    with pytest.raises(Refused, match="已完成，不能再修改"):
        task_update(task=tasks["housing"], actor=housing_staff, state="进行中")


def test_a_task_does_not_go_back(tasks, housing_staff):
    task_update(task=tasks["housing"], actor=housing_staff, state="进行中")
    with pytest.raises(Refused, match="不能从“进行中”退回“待办”"):
        task_update(task=tasks["housing"], actor=housing_staff, state="待办")


def test_a_progress_note_without_a_new_state_is_kept(tasks, housing_staff):
    task_update(task=tasks["housing"], actor=housing_staff, state="待办", note="已联系施工队")
    assert Task.objects.get(pk=tasks["housing"].pk).note == "已联系施工队"
    with pytest.raises(Refused, match="状态未变化"):
        task_update(task=tasks["housing"], actor=housing_staff, state="待办")


def test_an_unknown_state_is_refused(tasks, housing_staff):
    with pytest.raises(Refused, match="未知的任务状态"):
        task_update(task=tasks["housing"], actor=housing_staff, state="done")


def test_a_village_officer_updates_only_a_task_assigned_to_them(
        measures, town_supervisor, village_officer, tasks):
    with pytest.raises(Refused, match="只能更新指派给自己的任务"):
        task_update(task=tasks["housing"], actor=village_officer, state="进行中")
    mine = task_assign(measure=measures["HOUSING"], actor=town_supervisor, unit="平所村委",
                       person=village_officer, due=DUE, title="协助入户测量")
    task_update(task=mine, actor=village_officer, state="已完成")
    assert Task.objects.get(pk=mine.pk).state == "已完成"


def test_two_updates_at_once_one_wins(tasks, housing_staff, town_supervisor):
    first, second = (Task.objects.get(pk=tasks["housing"].pk) for _ in range(2))
    task_update(task=first, actor=housing_staff, state="已完成")
    with pytest.raises(LostRace, match="刚被他人更新"):
        task_update(task=second, actor=town_supervisor, state="进行中")
    assert Task.objects.get(pk=first.pk).state == "已完成"


# ── Reopening a finished task ─────────────────────────────────────────────────────────

def test_a_supervisor_reopens_a_finished_task_with_the_reason(tasks, town_supervisor,
                                                              housing_staff):
    from alerts.plans import task_reopen

    task = task_update(task=tasks["housing"], actor=housing_staff, state="已完成")
    assert task.measure.__class__.objects.get(pk=task.measure_id).state == "已落实"
    task = task_reopen(task=task, actor=town_supervisor, reason="回访发现屋顶仍漏雨")
    task.refresh_from_db()
    assert (task.state, task.done_at) == ("进行中", None)
    assert task.updates.latest("id").note == "重新打开：回访发现屋顶仍漏雨"
    assert Notification.objects.filter(user=housing_staff,
                                       text__contains="回访发现屋顶仍漏雨").exists()
    assert task.measure.__class__.objects.get(pk=task.measure_id).state == "落实中"


def test_reopening_needs_a_reason_a_finished_task_and_a_supervisor(tasks, town_supervisor,
                                                                   housing_staff):
    from alerts.plans import task_reopen

    with pytest.raises(Refused, match="未完成的任务不需要重新打开"):
        task_reopen(task=tasks["housing"], actor=town_supervisor, reason="x")
    task = task_update(task=tasks["housing"], actor=housing_staff, state="已完成")
    with pytest.raises(Refused, match="须写明原因"):
        task_reopen(task=task, actor=town_supervisor, reason="  ")
    with pytest.raises(Refused):
        task_reopen(task=task, actor=housing_staff, reason="我想改")


def test_the_tasks_page_offers_reopen_to_the_assigner(client, tasks, town_supervisor,
                                                      housing_staff):
    task = task_update(task=tasks["housing"], actor=housing_staff, state="已完成")
    client.force_login(housing_staff)
    assert "重新打开" not in client.get("/alerts/tasks/?state=all").content.decode()
    client.force_login(town_supervisor)
    assert "重新打开" in client.get("/alerts/tasks/?state=all").content.decode()
    client.post(f"/alerts/tasks/{task.pk}/reopen/", {"reason": "资料不全"})
    task.refresh_from_db()
    assert task.state == "进行中"


def test_a_task_of_a_closed_alert_is_not_reopened(tasks, town_supervisor, housing_staff):
    from alerts.plans import task_reopen

    from .alert_helpers import put

    task = task_update(task=tasks["housing"], actor=housing_staff, state="已完成")
    put(task.measure.alert, "已销号")
    with pytest.raises(Refused, match="它的任务不能再重新打开"):
        task_reopen(task=Task.objects.get(pk=task.pk), actor=town_supervisor, reason="复查")
