"""Work without signal (domain.md §10), in a real browser on a 390 px phone: the officer's
pages open with no signal after one visit; a half-filled check comes back after a
reload; a check saved without signal is sent once when the signal returns, even when
the first answer was lost on the way; an expired login keeps it waiting until the
officer logs in again; a refusal is shown and kept until fixed; logging out wipes the
phone."""

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from households.models import Check
from monitor.roles import Role
from visits import services

from ..alert_helpers import family, record
from ..conftest import AIKOU
from ..factories import UserFactory, place
from .conftest import needs_chromium

pytestmark = needs_chromium
PASSWORD = "correct-horse-9"


@pytest.fixture
def county(transactional_db):
    """平所村 with HA001 (a father and a child of 13) and its officer alice; 龙凤村 with
    HB001, outside her villages; the town's supervisor charlie."""
    town = place(AIKOU, "隘口镇")
    village = place(f"{AIKOU}201", "平所村")
    other = place(f"{AIKOU}202", "龙凤村")
    return {
        "household": family(village, "HA001"), "elsewhere": family(other, "HB001"),
        "other_village": other,
        "officer": UserFactory(username="alice", role=Role.VILLAGE, place=village),
        "supervisor": UserFactory(username="charlie", role=Role.TOWN, place=town),
    }


@pytest.fixture
def evaluations(monkeypatch):
    """Every evaluation a recorded check queues, by household."""
    queued, original = [], services.schedule_evaluation

    def counting(ids):
        queued.extend(ids)
        return original(ids)

    monkeypatch.setattr(services, "schedule_evaluation", counting)
    return queued


def log_in(page, base, username, *, path="/login/"):
    page.goto(f"{base}{path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("header.top .menu")


def kept_on_phone(page, base):
    """Open 我的农户 online once and wait until the officer's pages are on the phone."""
    page.goto(f"{base}/households/")
    page.wait_for_selector("#offline-status:has-text('已保存到本机')", timeout=60_000)


def fill_check(page, kind="日常走访"):
    """Answer every step of the check form, as in test_visit_flow, and stop at the last."""
    page.check(f"input[name=kind][value='{kind}']")
    page.click("[data-next]")
    page.check("#id_food_secure_0")
    page.check("#id_clothing_secure_0")
    page.click("[data-next]")
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
    page.click("[data-next]")
    page.click("[data-next]")


def save_without_signal(page, base):
    """The officer logs in, keeps their pages on the phone, loses signal, and saves a
    check of HA001: it waits in 待发送."""
    log_in(page, base, "alice")
    kept_on_phone(page, base)
    page.context.set_offline(True)
    page.goto(f"{base}/households/HA001/checks/new/")
    fill_check(page)
    page.click("button.save")
    page.wait_for_selector(".outbox-item")


def stored(page, what: str):
    return page.evaluate(f"() => window.shouwangStore.all('{what}')")


def test_the_officers_pages_open_without_signal_after_one_visit(open_page, live_server, county):
    base, page = live_server.url, open_page(390)
    log_in(page, base, "alice")
    kept_on_phone(page, base)
    assert "1 户" in page.inner_text("#offline-status")

    page.context.set_offline(True)
    page.goto(f"{base}/households/")
    assert "HA001" in page.inner_text("main") and "HB001" not in page.inner_text("main")
    page.goto(f"{base}/households/HA001/")
    assert "杨小" in page.inner_text("main")
    page.goto(f"{base}/households/HA001/checks/new/")
    page.check("input[name=kind][value='回头看']")
    page.click("[data-next]")
    page.wait_for_selector("#id_food_secure_0:visible")
    assert page.is_visible("#net-off")
    page.goto(f"{base}/alerts/")  # not one of the officer's kept pages
    assert "没有信号" in page.inner_text("main")


def test_the_phone_keeps_nothing_for_a_town_supervisor(open_page, live_server, county):
    base, page = live_server.url, open_page(390)
    log_in(page, base, "charlie")
    page.goto(f"{base}/households/")
    page.goto(f"{base}/households/HA001/")
    page.goto(f"{base}/households/HA001/checks/new/")
    kept = page.evaluate("() => caches.has('pages').then(has => has ? caches.open('pages')"
                         ".then(c => c.keys()).then(k => k.length) : 0)")
    assert kept == 0


def test_a_half_filled_check_comes_back_after_a_reload(open_page, live_server, county):
    base, page = live_server.url, open_page(390)
    log_in(page, base, "alice")
    page.goto(f"{base}/households/HA001/checks/new/")
    page.check("input[name=kind][value='回头看']")
    page.click("[data-next]")
    page.check("#id_food_secure_1")
    page.reload()
    page.click("button:has-text('恢复草稿')")
    assert page.is_checked("input[name=kind][value='回头看']")
    assert page.is_checked("#id_food_secure_1")
    assert page.locator(".draft-banner").count() == 0


def test_a_check_saved_without_signal_is_recorded_once_when_the_signal_returns(
        open_page, live_server, county, evaluations):
    base, page = live_server.url, open_page(390)
    save_without_signal(page, base)
    assert page.inner_text("#outbox-count") == "1"
    assert "没有信号" in page.inner_text(".outbox-item")
    assert Check.objects.count() == 0

    # The signal returns, but the first answer that recorded it is lost on the way back:
    # the phone (the page, or the worker's Background Sync, or both at once) tries again
    # with the same Idempotency-Key, and the server records the check once.
    lost = []

    def lose_first_answer(route):
        response = route.fetch()
        if response.status == 201 and not lost:
            lost.append(response.status)
            route.abort("connectionreset")
        else:
            route.fulfill(response=response)

    page.context.route("**/api/checks/", lose_first_answer)
    page.context.set_offline(False)  # the `online` event sends it; the answer is lost
    for _ in range(100):
        if lost:
            break
        page.wait_for_timeout(100)
    page.evaluate("() => window.shouwangOutbox.flush()")  # the next try (or Background Sync)
    page.wait_for_selector("text=本机没有待发送的记录")
    assert lost == [201]
    assert Check.objects.filter(household=county["household"]).count() == 1
    assert evaluations == [county["household"].id]
    assert page.is_hidden("#outbox-badge")


def test_an_expired_login_keeps_the_outbox_until_the_officer_logs_in_again(
        open_page, live_server, county):
    base, page = live_server.url, open_page(390)
    log_in(page, base, "alice")
    page.goto(f"{base}/households/HA001/checks/new/")
    fill_check(page)
    Session.objects.all().delete()  # the working day's login ran out while filling
    page.click("button.save")
    page.wait_for_selector(".outbox-item")
    assert "登录已过期" in page.inner_text("#outbox-note")
    assert "重新登录后自动发送" in page.inner_text(".outbox-item")
    assert Check.objects.count() == 0

    page.click("#outbox-note a:has-text('重新登录')")
    assert "登录已过期" in page.inner_text("#login-expired")
    assert "1 条待发送的记录" in page.inner_text("#login-expired")
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("text=本机没有待发送的记录")
    assert Check.objects.filter(household=county["household"]).count() == 1


def test_a_refused_check_is_shown_and_kept_until_the_officer_fixes_it(
        open_page, live_server, county):
    base, page = live_server.url, open_page(390)
    log_in(page, base, "alice")
    page.goto(f"{base}/households/HA001/checks/new/")
    fill_check(page, kind="日常走访")
    record(county["household"], timezone.localdate(), kind="日常走访")  # a colleague, first
    page.click("button.save")
    refusal = page.wait_for_selector("#outbox-refusal")
    assert "已有一次“日常走访”记录" in refusal.inner_text()

    # Kept on the phone, with the reason, after leaving the form.
    page.goto(f"{base}/households/outbox/")
    item = page.wait_for_selector(".outbox-item.refused")
    assert "已有一次“日常走访”记录" in item.inner_text()
    assert "退回 1" in page.inner_text("#outbox-badge")
    page.reload()
    page.wait_for_selector(".outbox-item.refused")

    # Fixed: the form reopens with the answers and the reason; another kind is accepted.
    page.click("a:has-text('修改后重新发送')")
    page.wait_for_selector("#outbox-refusal")
    assert page.input_value("#id_income_wages") == "42000"
    page.click("[data-go='0']")
    page.check("input[name=kind][value='回头看']")
    page.click("[data-go='8']")
    page.click("button.save")
    page.wait_for_selector("text=本次排查")
    assert list(Check.objects.filter(household=county["household"]).order_by("kind")
                .values_list("kind", flat=True)) == ["回头看", "日常走访"]
    assert stored(page, "outbox") == []


def test_a_check_for_a_household_moved_out_of_the_villages_is_refused_with_why(
        open_page, live_server, county):
    base, page = live_server.url, open_page(390)
    log_in(page, base, "alice")
    page.goto(f"{base}/households/HA001/checks/new/")
    fill_check(page)
    county["household"].village = county["other_village"]
    county["household"].save()
    page.click("button.save")
    assert "未找到该农户" in page.wait_for_selector("#outbox-refusal").inner_text()


def test_logging_out_warns_of_a_draft_too(open_page, live_server, county):
    base, page = live_server.url, open_page(390)
    log_in(page, base, "alice")
    page.goto(f"{base}/households/HA001/checks/new/")
    page.check("input[name=kind][value='核实']")
    page.wait_for_function("() => window.shouwangStore.all('drafts').then(d => d.length === 1)")
    warnings = []
    page.once("dialog", lambda dialog: (warnings.append(dialog.message), dialog.dismiss()))
    page.click("summary:has-text('菜单')")
    page.click("button:has-text('退出')")
    page.wait_for_timeout(300)
    assert "1 份未填完的草稿" in warnings[0]


def test_logging_out_warns_of_what_waits_and_wipes_the_phone(open_page, live_server, county):
    base, page = live_server.url, open_page(390)
    save_without_signal(page, base)
    page.context.route("**/api/checks/", lambda route: route.abort())  # still no way through
    page.context.set_offline(False)

    warnings = []
    page.once("dialog", lambda dialog: (warnings.append(dialog.message), dialog.dismiss()))
    page.click("summary:has-text('菜单')")
    page.click("button:has-text('退出')")
    page.wait_for_timeout(300)
    assert "1 条没有发送成功的记录" in warnings[0]
    assert len(stored(page, "outbox")) == 1  # dismissed: nothing wiped, still logged in

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('退出')")
    page.wait_for_url("**/login/")
    assert stored(page, "outbox") == [] and stored(page, "drafts") == []
    assert page.evaluate("() => caches.has('pages')") is False
    assert page.is_hidden("#login-expired")


def test_the_same_visit_saved_twice_without_signal_is_stopped_on_the_phone(
        open_page, live_server, county):
    base, page = live_server.url, open_page(390)
    log_in(page, base, "alice")
    kept_on_phone(page, base)
    page.context.set_offline(True)
    page.goto(f"{base}/households/HA001/checks/new/")
    fill_check(page)
    page.click("button.save")
    page.wait_for_url("**/households/outbox/**")  # the first waits in 待发送
    page.goto(f"{base}/households/HA001/checks/new/")
    fill_check(page)
    page.click("button.save")
    assert "本机已有一条该户" in page.wait_for_selector("#outbox-refusal").inner_text()
    assert len(stored(page, "outbox")) == 1


def test_without_signal_the_officer_searches_the_households_kept_on_the_phone(
        open_page, live_server, county):
    base, page = live_server.url, open_page(390)
    log_in(page, base, "alice")
    kept_on_phone(page, base)
    page.context.set_offline(True)
    page.goto(f"{base}/households/")
    page.fill("input[name=q]", "ha001")
    page.click("form.filters-form button:has-text('搜索')")
    page.wait_for_selector("[data-household-count]:has-text('找到 1 户')")
    assert page.locator("table.cards tbody tr").count() == 1
    page.fill("input[name=q]", "nobody")
    page.click("form.filters-form button:has-text('搜索')")
    page.wait_for_selector("[data-household-count]:has-text('找到 0 户')")


def test_a_draft_comes_back_after_the_login_that_expired_while_filling(
        open_page, live_server, county):
    base, page = live_server.url, open_page(390)
    log_in(page, base, "alice")
    page.goto(f"{base}/households/HA001/checks/new/")
    page.check("input[name=kind][value='核实']")
    Session.objects.all().delete()
    page.reload()  # the server sends the officer to log in again
    page.wait_for_selector("#login-expired:has-text('登录已过期')")
    assert "1 份未填完的草稿" in page.inner_text("#login-expired")
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.click("button:has-text('恢复草稿')")
    assert page.is_checked("input[name=kind][value='核实']")
