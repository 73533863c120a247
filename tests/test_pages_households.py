"""The officer's list and the household file: in scope 200, outside it 404 (the same answer
as for a household that does not exist), login required, each part of the file shown."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alerts.plans import plan_add_measure, task_assign
from alerts.services import alert_verify
from households.models import Household

from .alert_helpers import alert_of, family, record
from .factories import HouseholdFactory, MemberFactory, id_number

D0 = date(2026, 3, 10)
DUE = date(2026, 12, 31)


@pytest.fixture
def home(places):
    """HA001 in village A: a 13-year-old who dropped out and a grade-D house."""
    household = family(places["village_a"], "HA001")
    record(household, D0, housing="D", child="失学辍学")
    return household


def get(client, user, name, *args, **params):
    client.force_login(user)
    return client.get(reverse(name, args=args), params)


def numbers(response) -> list[str]:
    return [h.number for h in response.context["page"]]


# ── Login ─────────────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("name, args", [
    ("households:list", []), ("households:detail", ["HA001"]),
    ("households:print", ["HA001"]), ("households:check_new", ["HA001"]),
])
def test_it_sends_anonymous_visitors_to_login(client, home, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# ── My households ─────────────────────────────────────────────────────────────────────

def test_the_list_shows_the_officers_village_only(client, village_officer, household_a,
                                                  household_b, household_other_town):
    response = get(client, village_officer, "households:list")
    assert response.status_code == 200
    assert numbers(response) == ["HA001"]
    assert "我的农户" in response.content.decode()


def test_a_town_supervisor_lists_every_village_of_the_town(client, town_supervisor,
                                                           household_a, household_b,
                                                           household_other_town):
    assert numbers(get(client, town_supervisor, "households:list")) == ["HA001", "HB001"]


@pytest.mark.parametrize("query", ["杨明", "HA0", "成员甲", "ID-TAIL"])
def test_it_finds_a_household_by_name_number_member_or_id_tail(client, village_officer,
                                                               places, query):
    wanted = HouseholdFactory(village=places["village_a"], number="HA001", head_name="杨明华")
    member = MemberFactory(household=wanted, name="成员甲", id_number=id_number(date(1985, 2, 3)))
    HouseholdFactory(village=places["village_a"], number="HX9", head_name="罗忠",
                     head_id_number="")
    query = member.id_number[-6:] if query == "ID-TAIL" else query
    assert numbers(get(client, village_officer, "households:list", q=query)) == ["HA001"]


def test_it_filters_by_class_group_and_open_alerts(client, village_officer, places, home):
    HouseholdFactory(village=places["village_a"], number="HA002", group="二组",
                     household_class="稳定")
    Household.objects.filter(number="HA001").update(group="一组")
    assert numbers(get(client, village_officer, "households:list",
                       household_class="稳定")) == ["HA002"]
    assert numbers(get(client, village_officer, "households:list", group="一组")) == ["HA001"]
    assert numbers(get(client, village_officer, "households:list", alerts="open")) == ["HA001"]


def test_it_counts_each_households_open_alerts(client, village_officer, home):
    response = get(client, village_officer, "households:list")
    assert response.context["page"][0].open_alerts == 2


def test_mine_shows_the_households_the_officer_looks_after(client, village_officer, places):
    HouseholdFactory(village=places["village_a"], number="HA001", info_officer=village_officer)
    HouseholdFactory(village=places["village_a"], number="HA002")
    assert numbers(get(client, village_officer, "households:list", mine="on")) == ["HA001"]


def test_the_list_offers_the_check_form_to_officers_only(client, village_officer,
                                                         education_staff, home):
    check_form = reverse("households:check_new", args=["HA001"])
    assert check_form in get(client, village_officer, "households:list").content.decode()
    assert check_form not in get(client, education_staff, "households:list").content.decode()


def test_the_list_reads_in_constant_queries(client, village_officer, places):
    for n in range(3):
        HouseholdFactory(village=places["village_a"], number=f"HA{n:03d}")
    client.force_login(village_officer)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("households:list"))
    for n in range(3, 30):
        family(places["village_a"], f"HA{n:03d}")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("households:list"))
    assert len(many) == len(few)


# ── The household file ────────────────────────────────────────────────────────────────

def test_the_file_shows_members_checks_alerts_with_evidence_and_history(client,
                                                                        village_officer,
                                                                        home):
    response = get(client, village_officer, "households:detail", "HA001")
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("杨父", "杨小", "2026-03-10 日常走访", "失学辍学：杨小（13岁）",
                 "住房安全等级 D 级", "流转记录", "预警", "发现：", "分类与重点群体变化", "临界"):
        assert text in html, text
    assert reverse("alerts:detail", args=[alert_of(home, "DROPOUT").pk]) in html
    assert reverse("alerts:plan", args=["HA001"]) in html
    assert reverse("households:print", args=["HA001"]) in html


def test_the_file_shows_the_plan_with_measures_and_tasks(client, village_officer,
                                                         town_supervisor, home):
    dropout = alert_of(home, "DROPOUT")
    alert_verify(alert=dropout, actor=village_officer, note="入户核实属实")
    measure = plan_add_measure(alert=dropout, actor=village_officer, measure="劝返复学",
                               deadline=DUE)
    task_assign(measure=measure, actor=town_supervisor, unit="县教委", due=DUE)
    html = get(client, village_officer, "households:detail", "HA001").content.decode()
    for text in ("劝返复学", "教育", "县教委", "2026-12-31", "入户核实属实", "预警 → 核实"):
        assert text in html, text


def test_department_staff_see_only_their_channels_alerts_in_the_file(client, education_staff,
                                                                     home):
    response = get(client, education_staff, "households:detail", "HA001")
    assert response.status_code == 200
    assert [a.rule for a in response.context["open_alerts"]] == ["DROPOUT"]


@pytest.mark.parametrize("name", ["households:detail", "households:print"])
def test_a_household_outside_the_scope_is_not_found(client, other_village_officer, home,
                                                    name):
    outside = get(client, other_village_officer, name, "HA001")
    missing = get(client, other_village_officer, name, "NO-SUCH")
    assert outside.status_code == missing.status_code == 404
    assert outside.content == missing.content


def test_the_print_view_has_the_whole_file_without_the_menu(client, village_officer, home):
    response = get(client, village_officer, "households:print", "HA001")
    html = response.content.decode()
    assert response.status_code == 200
    assert "农户档案：" in html and "失学辍学" in html and "核对人签字" in html
    assert 'aria-label="主菜单"' not in html
    assert "<details class=\"moves\" open>" in html


def test_the_file_reads_in_constant_queries(client, village_officer, home):
    client.force_login(village_officer)
    url = reverse("households:detail", args=["HA001"])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for day in range(11, 16):
        record(home, date(2026, 3, day), water_quality=False, child="在校",
               housing="D" if day % 2 else "A")
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_the_household_file_leads_to_its_monitoring_page(client, town_supervisor,
                                                          household_a):
    client.force_login(town_supervisor)
    assert '/monitoring/households/HA001/"' in client.get("/households/HA001/").content.decode()


def test_only_roles_with_casework_pages_get_the_link(client, places, education_staff):
    from .alert_helpers import family, record

    household = family(places["village_a"], "HA009")
    record(household, date(2026, 3, 10), child="失学辍学")  # education sees its dropout
    client.force_login(education_staff)
    page = client.get("/households/HA009/")
    assert page.status_code == 200 and "/monitoring/" not in page.content.decode()
