"""The alert pages: each works for someone in scope, and answers 404 to someone outside it
(the same answer as for something that does not exist)."""

from datetime import date, timedelta
from urllib.parse import unquote

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from alerts.models import Alert, ExportJob, Measure, Notification, Task
from alerts.plans import plan_add_measure, task_assign
from monitor.roles import Role

from .alert_helpers import alert_of, alert_row, family, put, record
from .factories import UserFactory

D0 = date(2026, 3, 10)
DUE = date(2026, 12, 31)


@pytest.fixture
def home(places):
    household = family(places["village_a"], "HA001")
    record(household, D0, housing="D", child="失学辍学")
    return household


@pytest.fixture
def housing(home):
    return alert_of(home, "HOUSING")


@pytest.fixture
def housing_staff(places):
    return UserFactory(username="gina", role=Role.DEPARTMENT, place=places["county"],
                       channel="housing")


@pytest.fixture
def work(home, housing, village_officer, town_supervisor, housing_staff, education_staff):
    """A measure and a task of two channels."""
    house = plan_add_measure(alert=housing, actor=village_officer, measure="危房改造",
                             deadline=DUE)
    school = plan_add_measure(alert=alert_of(home, "DROPOUT"), actor=village_officer,
                              measure="劝返复学", deadline=DUE)
    return {
        "measure": house,
        "housing_task": task_assign(measure=house, actor=town_supervisor, unit="县住建委",
                                    person=housing_staff, due=DUE),
        "school_task": task_assign(measure=school, actor=town_supervisor, unit="县教委",
                                   person=education_staff, due=DUE),
    }


def page(client, user, name, *args, **params):
    client.force_login(user)
    return client.get(reverse(name, args=args), params)


# ── The queue and an alert ────────────────────────────────────────────────────────────

def test_the_queue_lists_the_scopes_alerts_due_first(client, town_supervisor, housing,
                                                     places):
    record(family(places["other_town_village"], "HZ001"), D0, housing="D")
    response = page(client, town_supervisor, "alerts:queue")
    assert response.status_code == 200
    numbers = {a.household.number for a in response.context["page"]}
    assert numbers == {"HA001"}


def test_the_queue_links_each_alert_to_its_page(client, town_supervisor, housing):
    html = page(client, town_supervisor, "alerts:queue").content.decode()
    detail = reverse("alerts:detail", args=[housing.pk])
    assert f'href="{detail}"' in html
    assert f"{housing.raised_on.isoformat()}</td>" in html


def test_the_queue_filters(client, town_supervisor, housing):
    response = page(client, town_supervisor, "alerts:queue", rule="DROPOUT")
    assert [a.rule for a in response.context["page"]] == ["DROPOUT"]
    assert list(page(client, town_supervisor, "alerts:queue", overdue="1").context["page"]) == []
    Alert.objects.filter(pk=housing.pk).update(overdue=True)
    overdue = page(client, town_supervisor, "alerts:queue", overdue="1").context["page"]
    assert [a.pk for a in overdue] == [housing.pk]
    assert list(page(client, town_supervisor, "alerts:queue", state="已销号").context["page"]) == []



def test_the_queue_filters_unassigned_and_all_states(client, town_supervisor, housing):
    def rules(**params):
        return sorted(a.rule for a in page(client, town_supervisor, "alerts:queue",
                                           **params).context["page"])

    assert rules(assignee="none") == ["DROPOUT", "HOUSING"]
    Alert.objects.filter(pk=housing.pk).update(assignee=town_supervisor)
    assert rules(assignee="none") == ["DROPOUT"] and rules(assignee="me") == ["HOUSING"]
    Alert.objects.filter(pk=housing.pk).update(state="已排除")
    assert rules() == ["DROPOUT"] and rules(state="all") == ["DROPOUT", "HOUSING"]
    assert page(client, town_supervisor, "alerts:queue", state="all").context["query"] == \
        "state=all&sort=due"


def test_the_queue_leaves_out_a_value_its_form_does_not_offer(client, town_supervisor,
                                                              housing):
    response = page(client, town_supervisor, "alerts:queue", severity="urgent",
                    overdue="maybe", assignee="42", rule="DROPOUT", sort="household__id")
    assert response.status_code == 200
    assert [a.rule for a in response.context["page"]] == ["DROPOUT"]
    assert response.context["filters"] == {"state": "open", "severity": "", "rule": "DROPOUT",
                                           "overdue": "", "assignee": "", "place": "", "q": "",
                                           "sort": ""}

def test_the_queue_of_an_outsider_is_empty(client, other_village_officer, housing):
    assert list(page(client, other_village_officer, "alerts:queue").context["page"]) == []


def test_the_queues_total_follows_every_write(client, four_alerts, places, town_supervisor):
    def total():
        return page(client, town_supervisor, "alerts:queue").context["page"].paginator.count

    assert total() == 2
    alert_row(four_alerts["a"], rule="FOOD")
    assert total() == 3
    Alert.objects.filter(household=four_alerts["a"], rule="FOOD").update(state="已排除")
    assert total() == 2
    # A household moved out of the town takes its alerts out of the town's total.
    type(four_alerts["a"]).objects.filter(pk=four_alerts["a"].pk).update(
        village=places["other_town_village"])
    assert total() == 0


def test_a_supervisor_without_a_place_sees_an_empty_queue(client, four_alerts,
                                                          town_supervisor):
    town_supervisor.place = None
    town_supervisor.save()
    response = page(client, town_supervisor, "alerts:queue")
    assert response.status_code == 200 and response.context["page"].paginator.count == 0


def test_the_alert_page_shows_evidence_history_and_moves(client, village_officer, housing):
    response = page(client, village_officer, "alerts:detail", housing.pk)
    text = response.content.decode()
    assert "住房安全等级 D 级" in text and "流转记录" in text
    assert [key for key, _ in response.context["moves"]] == ["verify", "dismiss"]


def test_a_supervisor_is_offered_closing_an_alert_ready_to_close(client, town_supervisor,
                                                                  housing):
    moves = page(client, town_supervisor, "alerts:detail", housing.pk).context["moves"]
    assert [key for key, _ in moves] == ["verify", "dismiss"]
    put(housing, "待销号")
    moves = page(client, town_supervisor, "alerts:detail", housing.pk).context["moves"]
    assert [key for key, _ in moves] == ["close"]


@pytest.mark.parametrize("outsider", ["other_village_officer", "other_county_supervisor",
                                      "education_staff"])
def test_an_alert_outside_the_scope_is_404_like_a_missing_one(request, client, housing,
                                                              outsider):
    user = request.getfixturevalue(outsider)
    outside = page(client, user, "alerts:detail", housing.pk)
    missing = page(client, user, "alerts:detail", 999999)
    assert outside.status_code == missing.status_code == 404
    assert outside.content == missing.content


def test_a_move_through_the_page(client, village_officer, housing):
    client.force_login(village_officer)
    response = client.post(reverse("alerts:move", args=[housing.pk]),
                           {"action": "verify", "note": "入户核实属实", "state": "预警"},
                           follow=True)
    assert "已核实" in response.content.decode()
    assert Alert.objects.get(pk=housing.pk).state == "核实"


def test_a_refused_move_shows_why(client, village_officer, housing):
    client.force_login(village_officer)
    response = client.post(reverse("alerts:move", args=[housing.pk]),
                           {"action": "dismiss", "note": "", "state": "预警"}, follow=True)
    assert "排除预警须填写理由" in response.content.decode()
    assert Alert.objects.get(pk=housing.pk).state == "预警"


def test_a_move_on_a_page_gone_stale_is_refused(client, village_officer, town_supervisor,
                                               housing):
    Alert.objects.filter(pk=housing.pk).update(state="核实")
    client.force_login(town_supervisor)
    response = client.post(reverse("alerts:move", args=[housing.pk]),
                           {"action": "dismiss", "note": "误报", "state": "预警"}, follow=True)
    assert "刚被他人处理" in response.content.decode()
    assert Alert.objects.get(pk=housing.pk).state == "核实"


def test_a_move_outside_the_scope_is_404(client, other_village_officer, housing):
    client.force_login(other_village_officer)
    response = client.post(reverse("alerts:move", args=[housing.pk]),
                           {"action": "verify", "note": "x"})
    assert response.status_code == 404
    assert Alert.objects.get(pk=housing.pk).state == "预警"


# ── The plan page ─────────────────────────────────────────────────────────────────────

def test_the_plan_page_shows_alerts_measures_and_tasks(client, town_supervisor, work):
    response = page(client, town_supervisor, "alerts:plan", "HA001")
    text = response.content.decode()
    assert "一户一策" in text and "危房改造" in text and "劝返复学" in text and "县住建委" in text
    assert len(response.context["open_rows"]) == 2


def test_department_staff_see_only_their_channel_on_the_plan(client, education_staff, work):
    text = page(client, education_staff, "alerts:plan", "HA001").content.decode()
    assert "劝返复学" in text and "危房改造" not in text and "县住建委" not in text


@pytest.mark.parametrize("outsider", ["other_village_officer", "other_county_supervisor"])
def test_a_plan_outside_the_scope_is_404(request, client, home, outsider):
    assert page(client, request.getfixturevalue(outsider), "alerts:plan",
                "HA001").status_code == 404


def test_a_measure_is_added_through_the_page(client, village_officer, housing):
    client.force_login(village_officer)
    response = client.post(reverse("alerts:add_measure", args=[housing.pk]),
                           {"measure": "危房改造", "deadline": "2026-12-01"}, follow=True)
    assert "已制定帮扶措施：危房改造" in response.content.decode()
    assert Measure.objects.get().deadline == date(2026, 12, 1)


def test_adding_a_measure_outside_the_scope_is_404(client, other_village_officer, housing):
    client.force_login(other_village_officer)
    response = client.post(reverse("alerts:add_measure", args=[housing.pk]),
                           {"measure": "危房改造", "deadline": "2026-12-01"})
    assert response.status_code == 404 and not Measure.objects.exists()


def test_a_task_is_assigned_through_the_page(client, town_supervisor, housing_staff, work):
    client.force_login(town_supervisor)
    response = client.post(reverse("alerts:assign_task", args=[work["measure"].pk]), {
        "unit": "县住建委", "person": housing_staff.pk, "due": "2026-12-20",
        "title": "核定改造方案"}, follow=True)
    assert "已指派任务：核定改造方案" in response.content.decode()
    assert Task.objects.filter(title="核定改造方案", person=housing_staff).exists()


def test_assigning_outside_the_scope_is_404(client, other_county_supervisor, work):
    client.force_login(other_county_supervisor)
    response = client.post(reverse("alerts:assign_task", args=[work["measure"].pk]),
                           {"unit": "x", "due": "2026-12-20"})
    assert response.status_code == 404


# ── Tasks ─────────────────────────────────────────────────────────────────────────────

def test_department_staff_list_only_their_channels_tasks(client, housing_staff, work):
    response = page(client, housing_staff, "alerts:tasks")
    assert [t.pk for t in response.context["page"]] == [work["housing_task"].pk]
    assert "劝返复学" not in response.content.decode()


def test_department_staff_update_their_task_through_the_page(client, housing_staff, work):
    client.force_login(housing_staff)
    response = client.post(reverse("alerts:update_task", args=[work["housing_task"].pk]),
                           {"state": "进行中", "note": "已入户"}, follow=True)
    assert "现为“进行中”" in response.content.decode()
    assert Task.objects.get(pk=work["housing_task"].pk).state == "进行中"


def test_another_channels_task_is_404_on_the_page(client, education_staff, work):
    client.force_login(education_staff)
    response = client.post(reverse("alerts:update_task", args=[work["housing_task"].pk]),
                           {"state": "进行中"})
    assert response.status_code == 404
    assert Task.objects.get(pk=work["housing_task"].pk).state == "待办"


def test_an_outsider_lists_no_tasks(client, other_village_officer, work):
    assert list(page(client, other_village_officer, "alerts:tasks").context["page"]) == []


# ── The five lists and exports ────────────────────────────────────────────────────────

def test_the_five_lists_page_shows_the_reconciliation(client, county_supervisor, housing):
    response = page(client, county_supervisor, "reports:five_lists", place="500241",
                    **{"from": "2026-01-01"})
    text = response.content.decode()
    assert response.context["reconciliation"].total.raised == 2
    assert "平衡" in text and "问题清单" in text and "效果清单" in text


def test_the_five_lists_page_refuses_a_bad_date(client, county_supervisor, places):
    response = page(client, county_supervisor, "reports:five_lists", place="500241",
                    **{"from": "2026-02-30"})
    assert "起始日期“2026-02-30”无效" in response.content.decode()


@pytest.mark.parametrize("name", ["reports:five_lists", "reports:five_lists_export"])
def test_the_five_lists_of_a_place_outside_the_scope_are_404(client, village_officer, name,
                                                            places):
    assert page(client, village_officer, name, place="500241101202",
                format="xlsx").status_code == 404
    assert page(client, village_officer, name, place="500241", format="xlsx").status_code == 404


def test_the_export_downloads_a_workbook(client, town_supervisor, housing):
    response = page(client, town_supervisor, "reports:five_lists_export", place="500241101",
                    format="xlsx")
    assert response.status_code == 200
    assert "隘口镇五张清单.xlsx" in unquote(response["Content-Disposition"])
    assert b"".join(response.streaming_content)[:2] == b"PK"


def test_the_csv_export_is_a_zip_of_five_files(client, town_supervisor, housing):
    import io
    import zipfile

    response = page(client, town_supervisor, "reports:five_lists_export", place="500241101",
                    format="csv")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(archive.namelist()) == sorted(
        ["问题清单.csv", "整改清单.csv", "任务清单.csv", "责任清单.csv", "效果清单.csv"])


def test_a_background_export_runs_and_downloads(client, town_supervisor, housing,
                                                django_capture_on_commit_callbacks,
                                                settings, tmp_path):
    settings.EXPORT_ROOT = tmp_path
    client.force_login(town_supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:export_start"),
                               {"place": "500241101", "from": "2026-01-01", "format": "xlsx"})
    job = ExportJob.objects.get()
    assert response.url == reverse("reports:export", args=[job.pk])
    assert (job.state, job.rows_total, job.percent) == ("已完成", 2, 100)
    status = client.get(response.url).content.decode()
    assert "已完成" in status and "下载" in status
    download = client.get(reverse("reports:export_download", args=[job.pk]))
    assert b"".join(download.streaming_content)[:2] == b"PK"


def test_someone_elses_export_is_404(client, town_supervisor, county_supervisor, places):
    job = ExportJob.objects.create(user=county_supervisor, place=places["county"],
                                   end=date(2026, 11, 1), state="已完成", file="/etc/passwd")
    client.force_login(town_supervisor)
    assert client.get(reverse("reports:export", args=[job.pk])).status_code == 404
    assert client.get(reverse("reports:export_download", args=[job.pk])).status_code == 404


# ── Notifications ─────────────────────────────────────────────────────────────────────

def test_notifications_are_only_ones_own_and_can_be_marked_read(
        client, town_supervisor, county_supervisor):
    Notification.objects.create(user=town_supervisor, text="给乡镇的通知")
    Notification.objects.create(user=county_supervisor, text="给区县的通知")
    text = page(client, town_supervisor, "alerts:notifications").content.decode()
    assert "给乡镇的通知" in text and "给区县的通知" not in text
    client.post(reverse("alerts:notifications"))
    assert Notification.objects.get(user=town_supervisor).read
    assert not Notification.objects.get(user=county_supervisor).read


@pytest.mark.parametrize("name", ["alerts:queue", "alerts:tasks", "reports:five_lists",
                                  "alerts:notifications"])
def test_pages_need_a_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_session_logged_out_no_longer_sees_the_queue(client, four_alerts, county_supervisor):
    assert page(client, county_supervisor, "alerts:queue").status_code == 200
    cookie = client.cookies["sessionid"].value
    client.post(reverse("logout"))
    client.cookies["sessionid"] = cookie  # a copy of the cookie kept somewhere
    response = client.get(reverse("alerts:queue"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_an_expired_session_is_sent_to_log_in(client, four_alerts, county_supervisor):
    assert page(client, county_supervisor, "alerts:queue").status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("alerts:queue"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_task_board_counts_and_shows_one_channel_at_a_time(client, town_supervisor, work):
    board = page(client, town_supervisor, "alerts:tasks").content.decode()
    assert "住建（1）" in board and "教育（1）" in board and "民政（0）" in board
    housing = page(client, town_supervisor, "alerts:tasks", channel="housing").content.decode()
    assert "县住建委" in housing and "县教委" not in housing


def test_department_staff_get_no_channel_picker(client, education_staff, work):
    board = page(client, education_staff, "alerts:tasks").content.decode()
    assert "全部渠道" not in board and "县教委" in board and "县住建委" not in board
