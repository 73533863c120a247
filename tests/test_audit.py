"""The audit trail (操作记录, issue 9): every create, change and state move of households,
members, checks, alerts, plans and tasks records who, when and what changed (old → new);
exports record who exported what; a household's page and the admin show it; nobody
rewrites it."""

import csv
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from alerts.escalation import escalate_overdue
from alerts.models import State, TaskState
from alerts.plans import plan_add_measure, task_assign, task_update
from alerts.services import alert_verify
from casework.comparison import comparison_run
from casework.declarations import declaration_record
from households.models import Household, Member
from monitor.audit import audit_record, diff
from monitor.models import AuditAction, AuditEvent, AuditSource
from visits.services import check_record

from .alert_helpers import alert_of, family, record

D0 = date(2026, 3, 10)
DUE = date(2026, 12, 31)


@pytest.fixture
def home(places):
    """HA001 in village A: its 13-year-old dropped out (DROPOUT, raised by the engine)."""
    household = family(places["village_a"], "HA001")
    record(household, D0, child="失学辍学")
    return household


def events(**filters):
    return list(AuditEvent.objects.filter(**filters).order_by("id"))


def child(household) -> Member:
    return household.members.get(name="杨小")


# ── Checks and members ────────────────────────────────────────────────────────────────

def test_recording_a_check_writes_a_created_event_by_the_officer(places, village_officer):
    household = family(places["village_a"], "HA001")
    check = check_record(household=household, recorded_by=village_officer, visit_date=D0,
                         kind="日常走访", income_wages=Decimal("40000"))
    [event] = events(object_kind="check")
    assert (event.action, event.actor, event.household_id, event.object_id) == (
        AuditAction.CREATED, village_officer, household.pk, str(check.pk))
    assert event.object_label == "2026-03-10 日常走访"


def test_the_member_changes_a_check_carries_are_recorded_old_to_new(places, village_officer):
    household = family(places["village_a"], "HA001")
    check_record(household=household, recorded_by=village_officer, visit_date=D0,
                 kind="日常走访", member_updates={
                     child(household).id_number: {"schooling": "失学辍学", "insured": False}})
    [event] = events(object_kind="member")
    assert (event.action, event.actor, event.object_label) == (
        AuditAction.CHANGED, village_officer, "杨小")
    assert event.changes == {"在校情况": ["在校", "失学辍学"], "参加基本医疗保险": ["是", "否"]}
    assert event.household_id == household.pk and "2026-03-10 日常走访" in event.note


def test_a_late_older_check_changes_no_member_and_records_no_member_change(home,
                                                                           village_officer):
    check_record(household=home, recorded_by=village_officer, visit_date=date(2026, 1, 5),
                 kind="日常走访", member_updates={child(home).id_number: {"schooling": "在校"}})
    assert child(home).schooling == "失学辍学"
    assert not events(object_kind="member", actor=village_officer)


# ── Alerts, plans and tasks ───────────────────────────────────────────────────────────

def test_the_engine_records_the_alerts_it_raises_as_the_system(home):
    [event] = events(object_kind="alert")
    assert (event.action, event.actor, event.source) == (
        AuditAction.CREATED, None, AuditSource.ENGINE)
    assert event.object_label == "义务教育阶段失学辍学（因学）"
    assert event.changes == {"状态": [None, "预警"]}


def test_an_alert_move_writes_a_moved_event_from_to(home, village_officer):
    alert_verify(alert=alert_of(home, "DROPOUT"), actor=village_officer, note="入户核实属实")
    [event] = events(action=AuditAction.MOVED)
    assert (event.actor, event.household_id, event.note) == (village_officer, home.pk,
                                                             "入户核实属实")
    assert event.changes == {"状态": [State.RAISED, State.VERIFIED]}


def test_the_engine_moving_an_alert_to_ready_to_close_is_in_the_trail(home):
    record(home, date(2026, 4, 1), child="在校")
    [event] = events(action=AuditAction.MOVED)
    assert event.actor is None and event.changes == {"状态": ["预警", "待销号"]}


def test_escalating_an_overdue_alert_records_its_new_level(home):
    escalate_overdue(today=timezone.localdate() + timedelta(days=4))  # high: verify in 3
    [event] = events(object_kind="alert", action=AuditAction.CHANGED)
    assert (event.actor, event.source) == (None, AuditSource.ENGINE)
    assert event.changes == {"责任层级": ["村", "乡镇"]} and "核实期限" in event.note


def test_plans_measures_and_tasks_are_recorded_as_created(home, village_officer,
                                                         town_supervisor):
    dropout = alert_of(home, "DROPOUT")
    alert_verify(alert=dropout, actor=village_officer, note="属实")
    measure = plan_add_measure(alert=dropout, actor=village_officer, measure="劝返复学",
                               deadline=DUE)
    task_assign(measure=measure, actor=town_supervisor, unit="县教委", due=DUE)
    created = [(e.object_kind, e.actor, e.household_id)
               for e in events(action=AuditAction.CREATED, actor__isnull=False)]
    assert created == [("plan", village_officer, home.pk), ("measure", village_officer, home.pk),
                       ("task", town_supervisor, home.pk)]
    assert "县教委" in events(object_kind="task")[0].note


def test_a_task_update_writes_a_moved_event_from_to(home, village_officer, town_supervisor):
    dropout = alert_of(home, "DROPOUT")
    alert_verify(alert=dropout, actor=village_officer, note="属实")
    measure = plan_add_measure(alert=dropout, actor=village_officer, measure="劝返复学",
                               deadline=DUE)
    task = task_assign(measure=measure, actor=town_supervisor, unit="县教委", due=DUE)
    task_update(task=task, actor=town_supervisor, state=TaskState.DOING, note="已联系学校")
    [event] = events(object_kind="task", action=AuditAction.MOVED)
    assert (event.actor, event.note) == (town_supervisor, "已联系学校")
    assert event.changes == {"状态": ["待办", "进行中"]}


def test_a_declaration_records_itself_and_the_alert_it_raises(places, village_officer):
    household = family(places["village_a"], "HA001")
    declaration_record(household=household, channel="电话", risk_type="因病",
                       content="父亲住院", declared_on=D0, actor=village_officer)
    assert [(e.object_kind, e.action) for e in events(actor=village_officer)] == [
        ("declaration", AuditAction.CREATED), ("alert", AuditAction.CREATED)]


def test_a_department_list_records_the_import_and_its_alerts(home, county_supervisor,
                                                             tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    path = tmp_path / "参保.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows([
            ["身份证号", "姓名", "参保状态"],
            [home.members.get(name="杨父").id_number, "杨父", "已参保"],
            [child(home).id_number, "杨小", "未参保"]])
    comparison_run(kind="insured", path=path, actor=county_supervisor, on=date(2026, 9, 1))
    [imported] = events(action=AuditAction.IMPORTED)
    assert (imported.actor, imported.object_kind) == (county_supervisor, "comparison")
    assert "名单 2 行" in imported.note
    [raised] = events(object_kind="alert", actor=county_supervisor)
    assert raised.action == AuditAction.CREATED and "未参加基本医疗保险" in raised.object_label


# ── The admin ─────────────────────────────────────────────────────────────────────────

def change_form_data(response) -> dict:
    """What the admin's change form would post back unchanged (the form and its inlines)."""
    data = {}

    def put(form, name):
        value = form[name].value()
        if value is True:
            data[form.add_prefix(name)] = "on"
        elif value not in (None, False):
            data[form.add_prefix(name)] = value

    form = response.context["adminform"].form
    for name in form.fields:
        put(form, name)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{name}"] = value
        for row in formset.forms:
            for name in row.fields:
                put(row, name)
    return data


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_editing_a_household_in_the_admin_writes_changed_old_to_new(admin_client, admin_user,
                                                                    home):
    url = reverse("admin:households_household_change", args=[home.pk])
    data = change_form_data(admin_client.get(url)) | {"head_name": "杨明", "phone": "13800000000"}
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    [event] = events(object_kind="household")
    assert (event.action, event.actor, event.source) == (
        AuditAction.CHANGED, admin_user, AuditSource.ADMIN)
    assert event.changes == {"户主姓名": ["杨明华", "杨明"], "联系电话": ["", "13800000000"]}


def test_editing_a_member_inline_writes_its_change(admin_client, home):
    url = reverse("admin:households_household_change", args=[home.pk])
    data = change_form_data(admin_client.get(url))
    row = next(key for key, value in data.items() if key.endswith("-name") and value == "杨小")
    data[row.replace("-name", "-health")] = "大病"
    assert admin_client.post(url, data).status_code == 302
    [event] = events(object_kind="member", source=AuditSource.ADMIN)
    assert (event.object_label, event.changes) == ("杨小", {"健康状况": ["健康", "大病"]})


def test_deleting_a_household_in_the_admin_keeps_its_trail(admin_client, admin_user, home):
    before = AuditEvent.objects.filter(household_id=home.pk).count()
    url = reverse("admin:households_household_delete", args=[home.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not Household.objects.filter(pk=home.pk).exists()
    trail = AuditEvent.objects.filter(household_id=home.pk)
    assert trail.count() == before + 1
    deleted = trail.get(action=AuditAction.DELETED)
    assert (deleted.actor, deleted.object_label) == (admin_user, "HA001 杨明华")
    found = admin_client.get(reverse("admin:monitor_auditevent_changelist"), {"q": "HA001"})
    assert found.status_code == 200 and "HA001 杨明华" in found.content.decode()


def test_the_admin_lists_and_searches_the_trail(admin_client, home):
    response = admin_client.get(reverse("admin:monitor_auditevent_changelist"),
                                {"q": "失学辍学", "action": AuditAction.CREATED})
    assert response.status_code == 200
    assert "义务教育阶段失学辍学（因学）" in response.content.decode()
    household_page = admin_client.get(
        reverse("admin:households_household_change", args=[home.pk])).content.decode()
    assert f"household__id__exact={home.pk}" in household_page


def test_the_admin_refuses_to_add_change_or_delete_an_audit_event(admin_client, home):
    event = AuditEvent.objects.first()
    change = reverse("admin:monitor_auditevent_change", args=[event.pk])
    assert admin_client.get(change).status_code == 200  # read-only view
    assert admin_client.post(change, {"note": "改写"}).status_code == 403
    delete = reverse("admin:monitor_auditevent_delete", args=[event.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert admin_client.get(reverse("admin:monitor_auditevent_add")).status_code == 403
    event.refresh_from_db()
    assert event.note != "改写"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
@pytest.mark.parametrize("rewrite", [
    lambda rows: rows.update(note="改写"), lambda rows: rows.delete()])
def test_on_postgresql_the_database_refuses_to_rewrite_an_audit_row(home, rewrite):
    event = AuditEvent.objects.first()
    with pytest.raises(DatabaseError, match="操作记录只能追加"), transaction.atomic():
        rewrite(AuditEvent.objects.filter(pk=event.pk))
    assert AuditEvent.objects.filter(pk=event.pk, note=event.note).exists()


# ── Exports ───────────────────────────────────────────────────────────────────────────

def test_the_five_lists_download_records_who_exported_what(client, town_supervisor, home,
                                                           places):
    client.force_login(town_supervisor)
    response = client.get(reverse("reports:five_lists_export"), {
        "place": places["town"].code, "from": "2026-01-01", "to": "2026-12-31",
        "format": "xlsx"})
    assert response.status_code == 200
    [event] = events(action=AuditAction.EXPORTED)
    assert (event.actor, event.object_label, event.object_id, event.source) == (
        town_supervisor, "五张清单", places["town"].code, AuditSource.PAGE)
    for text in ("隘口镇", "2026-01-01 至 2026-12-31", "格式：xlsx", "1 行"):
        assert text in event.note, text


def test_the_five_lists_command_records_the_os_user(home, places, tmp_path, monkeypatch):
    monkeypatch.setattr("getpass.getuser", lambda: "county-it")
    call_command("five_lists", "--place", places["county"].code, "--format", "csv",
                 "--out", str(tmp_path))
    [event] = events(action=AuditAction.EXPORTED)
    assert (event.actor, event.source) == (None, AuditSource.COMMAND)
    assert "操作系统用户：county-it" in event.note and "格式：csv" in event.note


def test_the_ledger_command_and_api_record_their_exports(home, places, tmp_path, client,
                                                         county_supervisor):
    call_command("ledger", "--place", places["county"].code, "--out", str(tmp_path / "l.csv"))
    client.force_login(county_supervisor)
    assert client.get("/api/ledger/", {"place": places["county"].code}).status_code == 200
    command, api = events(action=AuditAction.EXPORTED)
    assert (command.object_label, command.actor, command.source) == (
        "农户台账", None, AuditSource.COMMAND)
    assert (api.object_label, api.actor, api.source) == (
        "农户台账", county_supervisor, AuditSource.API)
    assert "1 行" in api.note and "第 1 页" in api.note


# ── The household page ────────────────────────────────────────────────────────────────

def test_the_household_page_shows_the_trail_to_the_town_supervisor(client, town_supervisor,
                                                                   village_officer, home):
    alert_verify(alert=alert_of(home, "DROPOUT"), actor=village_officer, note="入户核实属实")
    client.force_login(town_supervisor)
    response = client.get(reverse("households:detail", args=["HA001"]))
    html = response.content.decode()
    assert 'id="trail-title">操作记录（' in html
    newest = response.context["trail"][0]
    assert (newest.action, newest.actor) == (AuditAction.MOVED, village_officer)
    assert "状态：预警 → 核实" in html and "alice" in html


def test_the_household_page_hides_the_trail_from_department_staff(client, education_staff,
                                                                  home):
    client.force_login(education_staff)
    response = client.get(reverse("households:detail", args=["HA001"]))
    assert response.status_code == 200
    assert response.context["trail"] is None
    assert "trail-title" not in response.content.decode()


def test_the_household_page_shows_the_latest_events_and_counts_them_all(
        client, village_officer, home, monkeypatch):
    monkeypatch.setattr("visits.views.TRAIL_SHOWN", 2)
    for n in range(3):
        audit_record(actor=village_officer, action=AuditAction.CHANGED, obj=home,
                     note=f"第{n}次")
    client.force_login(village_officer)
    response = client.get(reverse("households:detail", args=["HA001"]))
    assert [e.note for e in response.context["trail"]] == ["第2次", "第1次"]
    assert response.context["trail_count"] == AuditEvent.objects.filter(household=home).count()
    assert "显示最近 2 条" in response.content.decode()


# ── The helper ────────────────────────────────────────────────────────────────────────

def test_diff_keeps_only_what_changed_in_json_values():
    before = {"visit": date(2026, 3, 1), "income": Decimal("100.50"), "kind": "日常走访"}
    after = {"visit": date(2026, 3, 2), "income": Decimal("100.50"), "kind": "日常走访"}
    assert diff(before, after, ["visit", "income", "kind"]) == {
        "visit": ["2026-03-01", "2026-03-02"]}
    assert diff({"income": Decimal("1")}, {"income": Decimal("2")}, ["income"]) == {
        "income": ["1", "2"]}
