"""The whole path of one problem, in a real browser: a village officer records a check
that raises DROPOUT and sees why; the town supervisor verifies it and plans it; a
follow-up check clears it; the supervisor closes it; the five lists show it. On a
390 px phone for the officer, a desktop for the supervisor; nothing loads from outside.
"""

import re

import pytest
from django.utils import timezone

from alerts.models import Alert, MeasureCatalogue
from monitor.roles import Role

from ..alert_helpers import family
from ..conftest import AIKOU
from ..factories import UserFactory, place
from .conftest import needs_chromium

pytestmark = needs_chromium
PASSWORD = "correct-horse-9"


@pytest.fixture
def county(transactional_db):
    """One village of 隘口镇 with HA001 (a father and a child of 13), its officer, and the
    town's supervisor. The measure catalogue is seeded by a migration, which a
    transactional test's flush may have emptied, so DROPOUT's measure is made sure of."""
    town = place(AIKOU, "隘口镇")
    village = place(f"{AIKOU}201", "平所村")
    household = family(village, "HA001")
    MeasureCatalogue.objects.get_or_create(risk_type="因学", name="劝返复学",
                                           defaults={"channel": "education"})
    return {
        "household": household,
        "child": household.members.get(name="杨小"),
        "officer": UserFactory(username="alice", role=Role.VILLAGE, place=village),
        "supervisor": UserFactory(username="charlie", role=Role.TOWN, place=town),
    }


def log_in(page, base, username):
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("header.top .menu")  # on a phone the links fold into 菜单


def record_check(page, child_pk: int, *, kind: str, schooling: str):
    """Walk the check form step by step as an officer would, answering every question."""
    page.click("header.top a.quick:has-text('农户')")
    page.click("a.button:has-text('录入排查')")
    page.check(f"input[name=kind][value='{kind}']")
    page.click("[data-next]")
    if kind == "日常走访":  # the first check: nothing to start from (later ones carry over)
        page.click("[data-next]")  # 两不愁 unanswered: the step says so and stays
        assert page.locator("#id_food_secure .error").inner_text() == "请选择“不愁吃”：是或否"
    page.check("#id_food_secure_0")
    page.check("#id_clothing_secure_0")
    page.click("[data-next]")
    page.select_option(f"#id_m{child_pk}-schooling", schooling)
    page.fill("#id_education_spending", "600")
    page.click("[data-next]")
    page.fill("#id_medical_spending", "0")
    page.click("[data-next]")
    page.check("#id_housing_0")
    page.click("[data-next]")
    for name in ("quantity", "quality", "convenience", "reliability"):
        page.check(f"#id_water_{name}_0")
    page.click("[data-next]")
    page.fill("#id_income_wages", "42000")
    for name in ("business", "property", "transfers"):
        page.fill(f"#id_income_{name}", "0")
    assert "人均 21000.00 元（2 人）" in page.inner_text("#income-total")
    page.click("[data-next]")
    page.click("[data-next]")  # 劳动就业: as the members are
    page.click("button.save")
    page.wait_for_selector("text=本次排查发现的问题")


def test_a_dropout_from_check_to_close_out(open_page, live_server, county):
    base, child = live_server.url, county["child"]

    # The village officer, on a phone, records a check that raises DROPOUT.
    officer = open_page(390)
    log_in(officer, base, "alice")
    record_check(officer, child.pk, kind="日常走访", schooling="失学辍学")
    result = officer.inner_text("main")
    assert "因学" in result and "高风险" in result
    assert re.search(r"失学辍学：杨小（\d+岁）", result)
    assert "义务教育年龄" in result and "6–15岁" in result
    dropout = Alert.objects.get(household=county["household"], rule="DROPOUT")

    # The town supervisor, on a desktop, verifies it from the queue ...
    supervisor = open_page(1366, 900)
    log_in(supervisor, base, "charlie")
    supervisor.click("nav >> text=预警")
    supervisor.click("tr:has-text('义务教育阶段失学辍学') >> a")
    supervisor.fill("#note", "入户核实：杨小已辍学两个月")
    supervisor.click("button[name=action][value=verify]")
    supervisor.wait_for_selector("text=现为“核实”")

    # ... plans it in the household's plan and assigns the task ...
    supervisor.click("a:has-text('一户一策') >> nth=0")
    supervisor.select_option("select[name=measure]", "劝返复学")
    supervisor.click("button:has-text('制定措施')")
    supervisor.wait_for_selector("text=已制定帮扶措施：劝返复学")
    supervisor.click("details.task-form summary")  # 指派任务 opens the labelled form
    supervisor.fill("input[name=unit]", "县教委")
    supervisor.fill("input[name=due]", f"{timezone.localdate():%Y-%m-%d}")
    supervisor.click("button:has-text('指派任务')")
    supervisor.wait_for_selector("text=已指派任务")
    supervisor.goto(f"{base}/alerts/{dropout.pk}/")
    supervisor.click("button[name=action][value=start]")
    supervisor.wait_for_selector("text=现为“帮扶中”")

    # ... and the household file links to the alert and the plan and shows both.
    supervisor.goto(f"{base}/households/HA001/")
    file_text = supervisor.inner_text("main")
    assert "劝返复学" in file_text and "县教委" in file_text and "帮扶中" in file_text
    assert supervisor.locator(f"a[href='/alerts/{dropout.pk}/']").count() >= 1
    assert supervisor.locator("a[href='/alerts/plans/HA001/']").count() >= 1

    # A follow-up visit finds the child back at school: the alert is ready to close.
    record_check(officer, child.pk, kind="回头看", schooling="在校")
    assert "本次未再发现的问题" in officer.inner_text("main")
    assert "待销号" in officer.inner_text("main")

    # The supervisor closes it.
    supervisor.goto(f"{base}/alerts/{dropout.pk}/")
    supervisor.fill("#note", "回头看确认已复学")
    supervisor.click("details.final summary:has-text('销号')")  # a final move asks again
    supervisor.click("button[name=action][value=close]")
    supervisor.wait_for_selector("text=现为“已销号”")

    # The five lists of the town show it in every list.
    supervisor.click("nav >> text=五张清单")
    supervisor.click("form.filters button")
    supervisor.wait_for_selector("text=对账")
    assert "平衡" in supervisor.inner_text("main")
    for sheet, expected in (("问题清单", "义务教育阶段失学辍学"), ("整改清单", "劝返复学"),
                            ("任务清单", "县教委"), ("责任清单", "县教委"),
                            ("效果清单", "义务教育阶段失学辍学")):
        table = supervisor.locator(f"xpath=//h2[normalize-space()='{sheet}']"
                                   "/following-sibling::div[1]")
        assert expected in table.inner_text(), sheet

    # The dashboard counts the closed alert; nothing came from outside the project.
    supervisor.click("nav >> text=看板")
    supervisor.wait_for_selector("#chart-classes canvas")
    assert open_page.outside.urls == []


def test_the_check_form_works_without_javascript(browser, live_server, county):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390,
                                                                       "height": 844})
    page = context.new_page()
    try:
        log_in(page, live_server.url, "alice")
        page.goto(f"{live_server.url}/households/HA001/checks/new/")
        assert page.locator("fieldset.step:visible").count() == 9
        page.click("button.save")  # nothing answered: the server names every gap
        assert "处需要更正" in page.inner_text(".error-summary")
        assert page.inner_text("#id_income_wages_error") == "请填写工资性收入，没有请填 0"
    finally:
        context.close()
