"""A cheap phone on one bar of signal: each of the officer's pages loads in at most 300 KB
transferred, compressed (gzip, as WhiteNoise serves static files and a proxy the pages),
from a cold start: the page and everything it loads, no service worker yet. ECharts is
not loaded by any of them. The figures are printed (pytest -s) for docs/offline.md."""

import gzip

import pytest
from django.utils import timezone

from monitor.roles import Role

from ..alert_helpers import family, record
from ..conftest import AIKOU
from ..factories import MemberFactory, UserFactory, place
from .conftest import needs_chromium

pytestmark = needs_chromium
BUDGET = 300 * 1024
PAGES = ["/households/", "/households/HA001/", "/households/HA001/checks/new/",
         "/households/outbox/"]


@pytest.fixture
def officer(transactional_db):
    """HA001 of four members with a year of checks, and its village officer."""
    village = place(f"{AIKOU}201", "平所村")
    household = family(village, "HA001")
    MemberFactory(household=household, name="杨母", relation="配偶")
    MemberFactory(household=household, name="杨奶", relation="母亲")
    today = timezone.localdate()
    for months in (1, 6, 11):
        record(household, today.replace(day=1) - timezone.timedelta(days=30 * months),
               kind="回头看")
    return UserFactory(username="alice", role=Role.VILLAGE, place=village)


def test_each_officer_page_loads_in_300_kb_compressed(browser, live_server, officer):
    context = browser.new_context(viewport={"width": 390, "height": 844},
                                  service_workers="block")
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", "alice")
        page.fill("#id_password", "correct-horse-9")
        page.click("button[type=submit]")
        page.wait_for_selector("header.top .menu")
        figures, responses = {}, []
        page.on("response", lambda response: responses.append(response))
        context.new_cdp_session(page).send("Network.setCacheDisabled", {"cacheDisabled": True})
        for path in PAGES:
            responses.clear()
            page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("networkidle")
            assert not [r.url for r in responses if "echarts" in r.url], path
            bodies = [r.body() for r in responses if r.status == 200]
            figures[path] = (sum(len(b) for b in bodies),
                             sum(len(gzip.compress(b, 6)) for b in bodies), len(bodies))
        for path, (raw, compressed, files) in figures.items():
            print(f"{path}: {files} files, {raw / 1024:.0f} KB, {compressed / 1024:.0f} KB gzip")
            assert compressed <= BUDGET and raw <= BUDGET, path  # raw: a proxy may not gzip
    finally:
        context.close()
