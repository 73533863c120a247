"""A county supervisor previews a new line in a real browser (desktop, 1366 × 768), from
the 政策 page: the preview's chart is drawn from the project's own ECharts, the tables read
Chinese, and 采纳 with a reason and the confirmation re-evaluates the county."""

from datetime import date
from decimal import Decimal

import pytest

from households.models import Household
from monitor.models import MonitoringLine
from monitor.roles import Role

from ..alert_helpers import family, record
from ..conftest import AIKOU, COUNTY
from ..factories import UserFactory, place
from .conftest import needs_chromium
from .test_visit_flow import log_in

pytestmark = needs_chromium


@pytest.fixture
def county(transactional_db, settings, tmp_path):
    """One household of 平所村 with 9,100 a head: just above 1.5 × the line of 6,000."""
    settings.EXPORT_ROOT = tmp_path
    place(COUNTY, "秀山县")
    village = place(f"{AIKOU}201", "平所村")
    household = family(village, "500241101201001")
    record(household, date(2026, 5, 1), income_wages=Decimal("18200"))
    return UserFactory(username="dora", first_name="陈建国", role=Role.COUNTY,
                       place=place(COUNTY))


def test_a_county_previews_a_new_line_and_adopts_it(open_page, live_server, county):
    page = open_page(1366, 768)
    log_in(page, live_server.url, "dora")
    page.goto(f"{live_server.url}/policy/")
    page.click("text=政策调整预览与采纳")
    page.fill("#effective_from", "2026-01-01")
    page.fill("#line", "7600")
    page.click("button:has-text('预览影响')")
    page.wait_for_selector("text=以下为预览，尚未写入任何数据")
    page.wait_for_selector("#chart-classes canvas")
    assert "收入接近监测线" in page.inner_text("#households-title + div")
    assert "杨明华" in page.inner_text("#households-title + div")
    assert not MonitoringLine.objects.exists()
    page.fill("#reason", "渝府办 2026 年 3 号文")
    page.check("input[name=confirm]")
    page.click("form[aria-labelledby=adopt-title] button:has-text('采纳')")
    page.wait_for_selector("text=已采纳")
    assert MonitoringLine.objects.get(year=2026).amount == Decimal("7600")
    assert Household.objects.get().household_class == "临界"
    assert open_page.outside.urls == []
