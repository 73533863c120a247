"""Members from the field on a 390 px phone (issue 17): the ID number is checked as it is
typed by static/js/idnumber.js, against the same cases as the server's check
(tests/data/idnumber_cases.json); the form goes to the API through the outbox when the
page has one, else by a fetch with an Idempotency-Key; the server's refusal is shown next
to the field."""

import json
from datetime import date
from pathlib import Path

import pytest

from households.models import Member
from monitor.models import AuditEvent
from monitor.roles import Role

from ..alert_helpers import family
from ..factories import UserFactory, id_number, place
from .conftest import needs_chromium
from .test_visit_flow import log_in

pytestmark = needs_chromium
CASES = json.loads((Path(__file__).parents[1] / "data" / "idnumber_cases.json").read_text())
NEWBORN = id_number(date(2025, 12, 1), male=False)
# An outbox that keeps what it is given, as part A's does when there is no signal.
OUTBOX_WITHOUT_SIGNAL = """
window.kept = [];
window.shouwangOutbox = {submit: function (spec) {
  window.kept.push(spec);
  return Promise.resolve({state: "waiting", why: "offline"});
}};
"""


@pytest.fixture
def home(transactional_db):
    village = place("500241101201", "平所村")
    household = family(village, "HA001")
    UserFactory(username="alice", role=Role.VILLAGE, place=village)
    return household


def new_member_page(open_page, live_server, init_script=""):
    page = open_page(390)
    if init_script:
        page.add_init_script(init_script)
    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/households/HA001/")
    page.click("a:has-text('新增成员')")
    page.wait_for_selector("#member-form")
    return page


def test_the_phone_checks_the_shared_cases_as_the_server_does(open_page, live_server, home):
    page = new_member_page(open_page, live_server)
    answers = page.evaluate(
        "([cases, today]) => cases.map(c => window.shouwangIdNumber.check(c.number, today))",
        [CASES["cases"], CASES["today"]])
    for case, answer in zip(CASES["cases"], answers, strict=True):
        if case["valid"]:
            assert answer["ok"] and (answer["birthDate"], answer["sex"]) == (
                case["birth_date"], case["sex"]), case["case"]
        else:
            assert not answer["ok"], case["case"]
            assert (answer["code"], answer["message"]) == (case["code"], case["message"])


def test_a_newborn_is_added_from_the_phone_once(open_page, live_server, home):
    page = new_member_page(open_page, live_server)
    page.fill("#id_name", "杨小妹")
    page.fill("#id_id_number", NEWBORN)
    assert page.inner_text("#id_id_number + .last") == "出生日期 2025-12-01 · 女"
    page.click("button.save")
    page.wait_for_url(f"{live_server.url}/households/HA001/")
    assert "杨小妹" in page.inner_text("#members-title + table")
    member = Member.objects.get(id_number=NEWBORN)
    assert (member.name, member.schooling, member.insured) == ("杨小妹", "学前", True)
    assert AuditEvent.objects.get(object_kind="member", action="created").source == "api"


def test_a_wrong_check_character_is_said_before_anything_is_sent(open_page, live_server, home):
    page = new_member_page(open_page, live_server, OUTBOX_WITHOUT_SIGNAL)
    wrong = NEWBORN[:17] + ("0" if NEWBORN[17] != "0" else "1")
    page.fill("#id_name", "杨小妹")
    page.fill("#id_id_number", wrong)
    page.click("button.save")
    assert page.inner_text("#id_id_number ~ .error") == (
        f"身份证号“{wrong}”校验码错误：最后一位应为{NEWBORN[17]}，而不是{wrong[17]}")
    assert page.evaluate("window.kept.length") == 0


def test_without_signal_the_change_waits_in_the_outbox(open_page, live_server, home):
    """The phone's own outbox (static/js/outbox.js): saved with no signal, the new member
    waits as 待发送; when the signal returns it is recorded once."""
    page = new_member_page(open_page, live_server)
    page.fill("#id_name", "杨小妹")
    page.fill("#id_id_number", NEWBORN.lower())
    page.context.set_offline(True)
    page.click("button.save")
    page.wait_for_selector("#member-sent:has-text('待发送')")
    assert "已存入本机“待发送”" in page.inner_text("#member-sent")
    assert page.evaluate("window.shouwangOutbox.counts()")["waiting"] == 1
    assert not Member.objects.filter(id_number=NEWBORN).exists()
    page.context.set_offline(False)
    page.evaluate("window.shouwangOutbox.flush()")
    page.wait_for_function("window.shouwangOutbox.counts().then(c => c.waiting === 0)")
    added = Member.objects.get(id_number=NEWBORN)
    assert (added.name, added.relation, added.household_id) == ("杨小妹", "子女", home.pk)


def test_the_servers_refusal_is_shown_next_to_the_field(open_page, live_server, home):
    taken = home.members.get(name="杨小").id_number
    page = new_member_page(open_page, live_server)
    page.fill("#id_name", "杨小妹")
    page.fill("#id_id_number", taken)
    page.click("button.save")
    page.wait_for_selector("#id_id_number ~ .error")
    assert "已登记在册：一人只能在一户" in page.inner_text("#id_id_number ~ .error")
    assert page.url.endswith("/members/new/")


def test_a_member_who_died_and_a_corrected_id_number_from_the_phone(
        open_page, live_server, home):
    child = home.members.get(name="杨小")
    corrected = id_number(date(2013, 3, 2))
    page = new_member_page(open_page, live_server)
    page.goto(f"{live_server.url}/households/HA001/")
    page.click("a:has-text('更正身份证号') >> nth=1")
    page.fill("#id_id_number", corrected)
    page.click("button.save")
    page.wait_for_url(f"{live_server.url}/households/HA001/")
    child.refresh_from_db()
    assert child.id_number == corrected

    page.click("a:has-text('减少')")
    page.check("input[name=reason][value='死亡']")
    page.fill("#id_on", "2026-02-01")
    page.click("button.save")
    page.wait_for_url(f"{live_server.url}/households/HA001/")
    assert not Member.objects.filter(pk=child.pk).exists()
    assert "家庭成员（1人）" in page.inner_text("#members-title")


def test_a_bride_marrying_in_is_answered_as_an_adult_from_her_id(open_page, live_server, home):
    page = new_member_page(open_page, live_server, OUTBOX_WITHOUT_SIGNAL)
    page.check("input[name=reason][value='婚入']")
    page.select_option("#id_relation", "儿媳")
    page.fill("#id_name", "李新")
    page.fill("#id_id_number", id_number(date(1999, 6, 1), male=False))
    assert page.input_value("#id_schooling") == "非在校"
    assert page.input_value("#id_labour") == "普通劳动力"
    page.select_option("#id_labour", "技能劳动力")  # the officer's own answer stays
    page.fill("#id_id_number", id_number(date(1998, 6, 1), male=False))
    assert page.input_value("#id_labour") == "技能劳动力"


def test_a_refused_change_is_fixed_from_the_outbox_not_retyped(open_page, live_server, home):
    """Saved without signal with an ID number already registered: refused when the signal
    returns; opened from 待发送 the form holds what was typed and the reason; corrected,
    it replaces the refused one and is recorded once."""
    taken = home.members.get(name="杨小").id_number
    page = new_member_page(open_page, live_server)
    page.fill("#id_name", "杨小妹")
    page.fill("#id_id_number", taken)
    page.context.set_offline(True)
    page.click("button.save")
    page.wait_for_selector("#member-sent:has-text('待发送')")
    page.context.set_offline(False)
    page.evaluate("window.shouwangOutbox.flush()")
    page.wait_for_function("window.shouwangOutbox.counts().then(c => c.refused === 1)")
    [item] = page.evaluate("window.shouwangStore.all('outbox')")
    page.goto(f"{live_server.url}/households/outbox/")  # where the officer finds it
    page.goto(f"{live_server.url}{item['edit']}#outbox={item['id']}")
    page.wait_for_function("document.querySelector('#id_name').value === '杨小妹'")
    assert "已登记在册" in page.inner_text("main")
    page.fill("#id_id_number", NEWBORN)
    page.click("button.save")
    page.wait_for_url("**/households/HA001/")
    assert Member.objects.filter(id_number=NEWBORN, name="杨小妹").count() == 1
    assert page.evaluate("window.shouwangStore.all('outbox')") == []
