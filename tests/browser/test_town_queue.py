"""A town supervisor works the queue in a real browser (desktop): finds a village's alerts,
ticks them, is offered only the people who can see them all, assigns, and a final move
asks again before it is made."""

from datetime import date

import pytest

from alerts.models import Alert
from monitor.roles import Role

from ..alert_helpers import family, record
from ..conftest import AIKOU
from ..factories import UserFactory, place
from .conftest import needs_chromium
from .test_visit_flow import log_in

pytestmark = needs_chromium


@pytest.fixture
def town(transactional_db):
    """Two villages of 隘口镇, each with a household whose check raised HOUSING, and each
    village's officer, with names."""
    aikou = place(AIKOU, "隘口镇")
    first, second = place(f"{AIKOU}201", "平所村"), place(f"{AIKOU}202", "太阳山村")
    for village, number in ((first, "HA001"), (second, "HB001")):
        record(family(village, number), date(2026, 3, 10), housing="D")
    return {
        "alice": UserFactory(username="alice", first_name="王小燕", unit="平所村委会",
                             role=Role.VILLAGE, place=first),
        "bob": UserFactory(username="bob", first_name="李大山", unit="太阳山村委会",
                           role=Role.VILLAGE, place=second),
        "charlie": UserFactory(username="charlie", first_name="李秀英", role=Role.TOWN,
                               place=aikou),
    }


def offered(page) -> list[str]:
    return page.eval_on_selector_all(
        "#assign-form select[name=assignee] option:not([value=''])",
        "options => options.filter(o => !o.hidden && !o.disabled).map(o => o.textContent)")


def test_a_town_finds_ticks_and_assigns_a_villages_alerts(open_page, live_server, town):
    page = open_page(1366, 768)
    log_in(page, live_server.url, "charlie")
    page.goto(f"{live_server.url}/alerts/")
    assert {"平所村", "太阳山村"} <= set(page.inner_text("table.cards tbody").split())
    # Both villages ticked: only the town's own staff see both.
    page.check("#select-all")
    names = " ".join(offered(page))
    assert "王小燕" not in names and "李大山" not in names and "李秀英" in names
    # One village: its officer is offered.
    page.select_option("select[name=place]", f"{AIKOU}201")
    page.click("form.filters button:has-text('筛选')")
    page.wait_for_selector("tbody tr:has-text('HA001')")
    assert "HB001" not in page.inner_text("table.cards tbody")
    page.check("#select-all")
    assert any("王小燕" in name for name in offered(page))
    page.select_option("#assign-form select[name=assignee]", label=next(
        n for n in offered(page) if "王小燕" in n))
    page.click("#assign-form button:has-text('指派所选预警')")
    page.wait_for_selector("text=已将 1 条预警指派给 王小燕")
    assert Alert.objects.get(household__number="HA001").assignee.username == "alice"


def test_dismissing_asks_again_before_the_final_move(open_page, live_server, town):
    alert = Alert.objects.get(household__number="HA001")
    page = open_page(1366, 768)
    log_in(page, live_server.url, "charlie")
    page.goto(f"{live_server.url}/alerts/{alert.pk}/")
    assert not page.is_visible("button[name=action][value=dismiss]")  # folded away
    page.fill("#note", "入户核实：房屋已于上月加固")
    page.click("details.final summary:has-text('排除')")
    assert "不能再改动" in page.inner_text("details.final[open]")
    page.click("button[name=action][value=dismiss]")
    page.wait_for_selector("text=现为“已排除”")
