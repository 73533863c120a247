"""The Content Security Policy allows everything the pages need, in a real browser: the
dashboard's charts, the check form's steps, the print view, the admin and Swagger UI run
with no violation reported."""

import pytest

from monitor.roles import Role

from ..alert_helpers import family
from ..conftest import AIKOU
from ..factories import UserFactory, place
from .conftest import needs_chromium

pytestmark = needs_chromium


@pytest.fixture
def town(transactional_db):
    village = place(f"{AIKOU}201", "平所村")
    family(village, "HA001")
    UserFactory(username="alice", role=Role.VILLAGE, place=village)
    UserFactory(username="root", role=Role.ADMIN, is_staff=True, is_superuser=True)


def watch(page) -> list[str]:
    """Every CSP violation the page reports, as the browser's console says it."""
    refused = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    return refused


def log_in(page, base, username):
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "correct-horse-9")
    page.click("button[type=submit]")
    page.wait_for_selector("nav[aria-label='主菜单']")


def test_the_pages_scripts_run_under_the_policy(open_page, live_server, town):
    base, page = live_server.url, open_page(1366, 900)
    refused = watch(page)
    log_in(page, base, "alice")  # an officer lands on 我的农户; the dashboard has the charts
    page.goto(f"{base}/")
    page.wait_for_selector("#chart-classes canvas")
    page.hover("#chart-classes canvas")
    page.goto(f"{base}/households/HA001/checks/new/")
    page.check("input[name=kind][value='日常走访']")
    page.click("[data-next]")
    page.wait_for_selector("#id_food_secure_0:visible")
    page.goto(f"{base}/households/HA001/print/")
    page.wait_for_selector("#print-button")
    assert refused == []


def test_the_admin_and_swagger_ui_run_under_the_policy(open_page, live_server, town):
    base, page = live_server.url, open_page(1366, 900)
    refused = watch(page)
    log_in(page, base, "root")
    page.goto(f"{base}/admin/monitor/user/")
    page.wait_for_selector("#result_list")
    page.goto(f"{base}/api/docs/")
    page.wait_for_selector(".opblock-tag", timeout=20_000)
    assert refused == []
    assert open_page.outside.urls == []
