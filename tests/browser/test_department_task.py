"""A department's day in a real browser: the housing bureau logs in, lands on its
channel's tasks, reports progress, keeps a photo of the work, finishes the task; the
town sees the photo and reopens the task with a reason."""

from datetime import date, timedelta

import pytest

from alerts.models import MeasureCatalogue, Task
from alerts.plans import plan_add_measure, task_assign
from alerts.services import alert_verify
from monitor.roles import Channel, Role

from ..alert_helpers import alert_of, family, record
from ..conftest import AIKOU
from ..factories import UserFactory, place
from .conftest import needs_chromium
from .test_visit_flow import log_in

pytestmark = needs_chromium


@pytest.fixture
def housing_task(transactional_db):
    county, town = place("500241", "秀山县"), place(AIKOU, "隘口镇")
    village = place(f"{AIKOU}201", "平所村")
    household = family(village, "HA001")
    record(household, date(2026, 3, 10), housing="D")
    MeasureCatalogue.objects.get_or_create(risk_type="住房安全", name="危房改造",
                                           defaults={"channel": "housing"})
    officer = UserFactory(username="alice", role=Role.VILLAGE, place=village)
    supervisor = UserFactory(username="charlie", first_name="李秀英", role=Role.TOWN,
                             place=town)
    staff = UserFactory(username="gina", first_name="吴国强", unit="县住建委",
                        role=Role.DEPARTMENT, place=county, channel=Channel.HOUSING)
    alert = alert_verify(alert=alert_of(household, "HOUSING"), actor=officer,
                         note="入户核实：房屋为 D 级危房")
    measure = plan_add_measure(alert=alert, actor=officer, measure="危房改造",
                               deadline=date.today() + timedelta(days=30))
    return task_assign(measure=measure, actor=supervisor, unit="县住建委", person=staff,
                       due=date.today() + timedelta(days=20))


PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 2000


def test_the_housing_bureau_lands_on_its_tasks_and_finishes_one(open_page, live_server,
                                                                housing_task, settings,
                                                                tmp_path):
    settings.MEDIA_ROOT = tmp_path
    base = live_server.url
    page = open_page(1366, 768)
    log_in(page, base, "gina")
    assert page.url.endswith("/alerts/tasks/")  # a department's day starts at its tasks
    row = page.locator(f"#task-{housing_task.pk}")
    assert "HA001" in row.inner_text() and "住房不安全" in row.inner_text()
    row.locator("select[name=state]").select_option("进行中")
    row.locator("form.row input[name=note]").fill("已派技术人员鉴定")
    row.locator("form.row button").click()
    page.wait_for_selector("text=现为“进行中”")
    row = page.locator(f"#task-{housing_task.pk}")
    row.locator("summary:has-text('上传佐证')").click()
    row.locator("input[type=file]").set_input_files(
        files=[{"name": "竣工照片.jpg", "mimeType": "image/jpeg", "buffer": PHOTO}])
    row.locator("button:has-text('上传')").click()
    page.wait_for_selector("text=已上传佐证材料“竣工照片.jpg”")
    row = page.locator(f"#task-{housing_task.pk}")
    row.locator("select[name=state]").select_option("已完成")
    row.locator("form.row button").click()
    page.wait_for_selector("text=现为“已完成”")
    assert Task.objects.get(pk=housing_task.pk).state == "已完成"

    town = open_page(1366, 768)
    log_in(town, base, "charlie")
    town.goto(f"{base}/alerts/tasks/?state=all")
    done = town.locator(f"#task-{housing_task.pk}")
    with town.expect_popup() as shown:
        done.locator("a:has-text('照片：竣工照片.jpg')").click()
    assert shown.value.url.endswith(f"/alerts/evidence/{housing_task.evidence.get().pk}/")
    done.locator("summary:has-text('重新打开')").click()
    done.locator("input[name=reason]").fill("回访发现屋顶仍漏雨")
    done.locator("button:has-text('重新打开')").click()
    town.wait_for_selector("text=已重新打开")
    assert Task.objects.get(pk=housing_task.pk).state == "进行中"
