"""The dashboard (一张表挂图作战): its numbers for a small county, scope (a place outside the
user's is a 404), a constant number of queries, and charts served from the project."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alerts.models import Alert, Measure, Plan, Task
from households.groups import group_key
from monitor.models import PolicySetting
from reports.dashboard import months_back

from .conftest import AIKOU, COUNTY
from .factories import HouseholdFactory, UserFactory, place

CHANNELS = {"DROPOUT": "education", "HOUSING": "housing", "INCOME_NEAR_LINE": "labour",
            "WATER": "water", "NO_WORK": "labour"}


def alert(household, rule="DROPOUT", state="预警", severity="high", overdue=False,
          raised_on=None, closed=False):
    today = timezone.localdate()
    raised_on = raised_on or today
    return Alert.objects.create(
        household=household, rule=rule, risk_type="因学", severity=severity,
        channel=CHANNELS[rule], state=state, overdue=overdue, raised_on=raised_on,
        last_seen_on=raised_on, verify_by=raised_on + timedelta(days=3),
        closed_at=timezone.now() if closed else None)


def task(alert_, due):
    plan, _ = Plan.objects.get_or_create(household=alert_.household)
    measure = Measure.objects.create(plan=plan, alert=alert_, name="劝返复学",
                                     channel="education", deadline=due)
    return Task.objects.create(measure=measure, household=alert_.household,
                               channel="education", title="劝返", unit="县教委", due=due)


@pytest.fixture
def county(places, village_officer):
    """隘口镇: 平所村 (3 households: 稳定, 巩固, 临界; 一组 ×2, 二组) and 太阳山村 (1, 临界);
    中和街道: 金田村 (2: 稳定, unclassified). Alice looks after the three of 平所村."""
    today = timezone.localdate()
    a1, a2, a3 = (HouseholdFactory(village=places["village_a"], number=f"HA00{n}", group=g,
                                   household_class=c, info_officer=village_officer)
                  for n, g, c in ((1, "一组", "稳定"), (2, "一组", "巩固"), (3, "二组", "临界")))
    b1 = HouseholdFactory(village=places["village_b"], number="HB001", household_class="临界",
                          key_group="临界户")
    z1 = HouseholdFactory(village=places["other_town_village"], number="HZ001",
                          household_class="稳定", registered=True, key_group="已脱贫户")
    HouseholdFactory(village=places["other_town_village"], number="HZ002")
    dropout = alert(a3, overdue=True)
    alert(a3, rule="HOUSING", state="核实")
    alert(b1, rule="INCOME_NEAR_LINE", severity="medium", state="待销号")
    alert(a2, rule="WATER", state="已销号", closed=True,
          raised_on=months_back(today, 3)[0])
    alert(z1, rule="NO_WORK", severity="medium", state="已排除")
    task(dropout, due=today - timedelta(days=2))
    task(dropout, due=today + timedelta(days=5))
    return {"a1": a1, "b1": b1, "z1": z1}


def board(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("home"), params)
    assert response.status_code == 200
    return response.context["board"]


def figures(rows, name) -> dict:
    return next(dict(row.figures) for row in rows if row.name == name)


def test_it_sends_anonymous_visitors_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_the_county_sees_its_towns_by_class_state_and_overdue_work(client, county,
                                                                   county_supervisor):
    data = board(client, county_supervisor)
    assert [row.name for row in data.rows] == ["中和街道", "隘口镇"]
    aikou, zhonghe = figures(data.rows, "隘口镇"), figures(data.rows, "中和街道")
    assert (aikou["households"], aikou["stable"], aikou["consolidated"],
            aikou["borderline"]) == (4, 1, 1, 2)
    assert (aikou["alerts_open"], aikou["raised"], aikou["verified"], aikou["ready"],
            aikou["alerts_closed"], aikou["alerts_high"]) == (3, 1, 1, 1, 1, 2)
    assert (aikou["alerts_overdue"], aikou["tasks_open"], aikou["tasks_overdue"]) == (1, 2, 1)
    assert (zhonghe["households"], zhonghe["unclassified"], zhonghe["registered"],
            zhonghe["out"], zhonghe["alerts_dismissed"], zhonghe["alerts_open"]) == \
        (2, 1, 1, 1, 1, 0)
    assert data.total.figures["households"] == 6
    assert data.total.figures["alerts_open"] == 3


def test_it_counts_alerts_by_rule_and_lists_the_overdue_ones(client, county,
                                                             county_supervisor):
    data = board(client, county_supervisor)
    rules = {r["rule"]: (r["open"], r["overdue"], r["total"]) for r in data.by_rule}
    assert rules["DROPOUT"] == (1, 1, 1)
    assert rules["WATER"] == (0, 0, 1)
    assert rules["FOOD"] == (0, 0, 0)
    assert [a.rule for a in data.overdue_alerts] == ["DROPOUT"]


def test_the_trend_counts_alerts_raised_and_closed_per_month(client, county,
                                                             county_supervisor):
    data = board(client, county_supervisor)
    assert len(data.trend) == 12
    this_month, two_ago = data.trend[-1], data.trend[-3]
    assert (this_month["raised"], this_month["closed"]) == (4, 1)
    assert (two_ago["raised"], two_ago["closed"]) == (1, 0)


def test_it_flags_officers_over_the_policys_maximum(client, county, county_supervisor,
                                                    village_officer):
    PolicySetting.objects.create(key="officer_max_households", value=2)
    data = board(client, county_supervisor)
    assert data.officer_max == 2
    assert data.officers == [{"name": "alice", "username": "alice", "place": "平所村",
                              "households": 3, "over": True}]
    assert data.officers_over == 1 and data.unassigned == 3
    assert "超过 2 户" in client.get(reverse("home")).content.decode()


def test_a_town_sees_its_villages_and_can_drill_into_one(client, county, town_supervisor):
    data = board(client, town_supervisor)
    assert [row.name for row in data.rows] == ["平所村", "太阳山村"]
    assert figures(data.rows, "平所村")["households"] == 3
    village = board(client, town_supervisor, place="500241101201")
    assert [(row.name, row.figures["households"]) for row in village.rows] == [
        ("一组", 2), ("二组", 1)]


def test_a_village_officer_sees_the_groups_of_the_village(client, county, village_officer):
    data = board(client, village_officer)
    assert [row.name for row in data.rows] == ["一组", "二组"]
    assert data.total.figures["households"] == 3
    assert data.total.figures["alerts_open"] == 2


def test_department_staff_count_only_their_channel(client, county, education_staff):
    data = board(client, education_staff)
    assert data.total.figures["alerts_open"] == 1
    assert data.total.figures["households"] == 1  # the household with an education alert


@pytest.mark.parametrize("code", ["500241002", "500102", "999999"])
def test_a_place_outside_the_scope_is_not_found(client, county, town_supervisor, code):
    client.force_login(town_supervisor)
    outside = client.get(reverse("home"), {"place": code})
    missing = client.get(reverse("home"), {"place": "000000"})
    assert outside.status_code == missing.status_code == 404


def test_an_administrator_sees_every_county(client, county, admin_user, places):
    data = board(client, admin_user)
    assert [row.name for row in data.rows] == ["涪陵区", "秀山县"]
    assert figures(data.rows, "秀山县")["households"] == 6


def test_the_dashboard_reads_in_constant_queries(client, county, county_supervisor,
                                                 places):
    client.force_login(county_supervisor)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("home"))
    for t in range(3):
        town = place(f"{COUNTY}2{t:02d}", f"新镇{t}")
        for v in range(3):
            village = place(f"{town.code}2{v:02d}", f"新村{t}{v}")
            for h in range(4):
                household = HouseholdFactory(village=village, household_class="临界",
                                             group=f"{h}组")
                a = alert(household, overdue=bool(h % 2))
                task(a, due=timezone.localdate() - timedelta(days=h))
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("home"))
    assert len(many) == len(few)
    assert len(few) <= 16


def test_the_town_dashboard_reads_in_constant_queries(client, county, town_supervisor,
                                                      places):
    client.force_login(town_supervisor)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("home"), {"place": f"{AIKOU}201"})
    for h in range(10):
        alert(HouseholdFactory(village=places["village_a"], group=f"{h}组"))
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("home"), {"place": f"{AIKOU}201"})
    assert len(many) == len(few)


def test_charts_load_echarts_from_the_project_only(client, county, county_supervisor):
    client.force_login(county_supervisor)
    html = client.get(reverse("home")).content.decode()
    assert '<script src="/static/vendor/echarts/echarts.min.js" defer></script>' in html
    assert 'id="dashboard-data"' in html
    assert "http://" not in html and "https://" not in html and "//cdn" not in html


@pytest.mark.parametrize("names, ordered", [
    (["七组", "一组", "十一组", "三组", "十组"], ["一组", "三组", "七组", "十组", "十一组"]),
    (["10组", "2组", "1组"], ["1组", "2组", "10组"]),
    (["", "新村", "二十三组", "二组"], ["二组", "二十三组", "新村", ""]),
])
def test_groups_are_in_counting_order(names, ordered):
    assert sorted(names, key=group_key) == ordered


@pytest.fixture
def cached_dashboard(settings):
    settings.DASHBOARD_CACHE_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


def test_the_dashboard_shows_when_its_figures_were_counted(client, county, county_supervisor,
                                                           cached_dashboard):
    first = board(client, county_supervisor)
    alert(county["a1"], rule="HOUSING")
    again = board(client, county_supervisor)
    assert again.total.figures["alerts_open"] == first.total.figures["alerts_open"] == 3
    assert again.computed_at == first.computed_at
    html = client.get(reverse("home")).content.decode()
    assert "统计时间" in html and timezone.localtime(first.computed_at).strftime("%H:%M") in html


def test_the_alert_queue_is_live_while_the_dashboard_is_cached(client, county,
                                                               county_supervisor,
                                                               cached_dashboard):
    board(client, county_supervisor)
    alert(county["a1"], rule="HOUSING")
    queue = client.get(reverse("alerts:queue"))
    assert queue.context["page"].paginator.count == 4


def test_department_staff_never_see_the_countys_cached_figures(client, county,
                                                               county_supervisor,
                                                               education_staff,
                                                               cached_dashboard):
    assert board(client, county_supervisor).total.figures["alerts_open"] == 3
    assert board(client, education_staff).total.figures["alerts_open"] == 1
    assert board(client, county_supervisor).total.figures["alerts_open"] == 3


def test_a_town_and_the_county_share_a_places_figures(client, county, county_supervisor,
                                                      town_supervisor, cached_dashboard):
    by_county = board(client, county_supervisor, place=AIKOU)
    by_town = board(client, town_supervisor)
    assert by_town.computed_at == by_county.computed_at
    assert by_town.total.figures == by_county.total.figures


def test_a_superuser_with_a_department_role_never_fills_the_channels_figures(
        client, county, education_staff, cached_dashboard):
    root = UserFactory(username="root", role="department", channel="education",
                       place=education_staff.place, is_superuser=True)
    assert board(client, root, place=COUNTY).total.figures["alerts_open"] == 3
    assert board(client, education_staff).total.figures["alerts_open"] == 1
