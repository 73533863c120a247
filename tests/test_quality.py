"""Data-quality checks before reporting upward (疑点): each check, its boundary, scope."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from alerts.engine import evaluate_household
from alerts.models import Plan
from casework.identification import add_months
from casework.models import CasePurpose, CaseState, IdentificationCase
from casework.quality import doubts
from households.models import Household
from monitor.models import PolicySetting
from visits.services import check_record

from .alert_helpers import family, record
from .factories import HouseholdFactory

TODAY = timezone.localdate()


@pytest.fixture
def home(places):
    return family(places["village_a"], "HA001")


def found(user, only=""):
    return [(d.code, d.number, d.detail) for d in doubts(Household.objects.visible_to(user), TODAY,
                                                          only)]


def idle(household):
    """A check on which the working father no longer works: NO_WORK fires."""
    father = household.members.get(name="杨父")
    check_record(household=household, recorded_by=None, visit_date=date(2026, 3, 10),
                 kind="日常走访", member_updates={father.id_number: {"work": "未务工"}},
                 income_wages=Decimal("40000"))
    evaluate_household(household.id)


# ── NO_WORK on a household without labour ─────────────────────────────────────────────

def test_an_open_no_work_alert_on_a_household_without_labour_is_doubtful(home, county_supervisor):
    idle(home)
    home.members.filter(name="杨父").update(labour="丧失劳动力")
    assert found(county_supervisor, "NO_WORK_WITHOUT_LABOUR") == [
        ("NO_WORK_WITHOUT_LABOUR", "HA001",
         "有未销号的务工就业不稳（NO_WORK）预警，但家庭成员中没有普通或技能劳动力")]


def test_no_work_with_a_labourer_is_not_doubtful(home, county_supervisor):
    idle(home)
    assert found(county_supervisor, "NO_WORK_WITHOUT_LABOUR") == []


# ── A monitored household without a plan ──────────────────────────────────────────────

def confirmed(household, on):
    household.monitoring_category = "边缘易致贫户"
    household.save()
    IdentificationCase.objects.create(household=household, purpose=CasePurpose.INCLUDE,
                                      category="边缘易致贫户", cause="测试",
                                      state=CaseState.CONFIRMED, closed_on=on)


def test_a_household_confirmed_a_month_ago_without_a_plan_is_doubtful(home, county_supervisor):
    confirmed(home, add_months(TODAY, -1) - timedelta(days=1))
    [(code, number, detail)] = found(county_supervisor, "NO_PLAN")
    assert (code, number) == ("NO_PLAN", "HA001")
    assert "已超过一个月，仍无帮扶计划" in detail


def test_a_household_confirmed_a_month_ago_today_still_has_the_day(home, county_supervisor):
    confirmed(home, add_months(TODAY, -1))  # within a month: by the end of today
    assert found(county_supervisor, "NO_PLAN") == []


def test_a_household_confirmed_recently_is_not_yet_doubtful(home, county_supervisor):
    confirmed(home, TODAY - timedelta(days=10))
    assert found(county_supervisor, "NO_PLAN") == []


def test_a_monitored_household_with_a_plan_is_not_doubtful(home, county_supervisor):
    confirmed(home, date(2026, 1, 1))
    Plan.objects.create(household=home)
    assert found(county_supervisor, "NO_PLAN") == []


def test_a_monitored_household_without_a_confirmation_is_doubtful(home, county_supervisor):
    Household.objects.filter(pk=home.pk).update(monitoring_category="突发严重困难户")
    [(_, _, detail)] = found(county_supervisor, "NO_PLAN")
    assert detail == "监测对象（突发严重困难户），无县级确认记录，仍无帮扶计划（一户一策）"


# ── An information officer with too many households ───────────────────────────────────

@pytest.fixture
def at_most_two(db):
    PolicySetting.objects.create(key="officer_max_households", value=2,
                                 effective_from=date(2021, 1, 1))


def test_an_officer_with_more_households_than_the_policy_is_doubtful(
        places, village_officer, county_supervisor, at_most_two):
    for n in range(3):
        HouseholdFactory(village=places["village_a"], info_officer=village_officer,
                         number=f"HA10{n}")
    assert found(county_supervisor, "OFFICER_OVERLOAD") == [
        ("OFFICER_OVERLOAD", "", "联系 3 户，超过每名信息员 2 户的上限")]
    [doubt] = doubts(Household.objects.visible_to(county_supervisor), TODAY, "OFFICER_OVERLOAD")
    assert (doubt.officer, doubt.village) == ("alice", "平所村")


def test_an_officer_at_the_limit_is_not_doubtful(places, village_officer, county_supervisor,
                                                 at_most_two):
    for n in range(2):
        HouseholdFactory(village=places["village_a"], info_officer=village_officer,
                         number=f"HA10{n}")
    assert found(county_supervisor, "OFFICER_OVERLOAD") == []


# ── The stored class against the newest check (六统一) ─────────────────────────────────

def test_a_stored_class_that_disagrees_with_the_newest_check_is_doubtful(home,
                                                                          county_supervisor):
    record(home, date(2026, 3, 10))
    Household.objects.filter(pk=home.pk).update(household_class="临界")
    [(code, number, detail)] = found(county_supervisor, "CLASS_MISMATCH")
    assert (code, number) == ("CLASS_MISMATCH", "HA001")
    assert detail == "分类登记为“临界”，按最近一次排查应为“稳定”"


def test_a_stored_key_group_that_disagrees_is_doubtful(home, county_supervisor):
    record(home, date(2026, 3, 10))
    Household.objects.filter(pk=home.pk).update(registered=True, poverty_status="已脱贫")
    [(_, _, detail)] = found(county_supervisor, "CLASS_MISMATCH")
    assert detail == "重点群体登记为“空”，按最近一次排查应为“已脱贫户”"


def test_a_household_as_derived_is_not_doubtful(home, county_supervisor):
    record(home, date(2026, 3, 10), housing="D")
    assert found(county_supervisor, "CLASS_MISMATCH") == []


def test_a_household_waiting_for_evaluation_is_left_out(home, county_supervisor):
    record(home, date(2026, 3, 10), housing="D", evaluate=False)
    assert found(county_supervisor, "CLASS_MISMATCH") == []


# ── Scope ─────────────────────────────────────────────────────────────────────────────

def test_doubts_outside_the_users_place_are_not_listed(home, other_village_officer,
                                                       village_officer):
    Household.objects.filter(pk=home.pk).update(monitoring_category="边缘易致贫户")
    assert found(other_village_officer) == []
    assert [code for code, _, _ in found(village_officer)] == ["NO_PLAN"]


# ── The page and the export ───────────────────────────────────────────────────────────

def test_the_page_lists_the_doubts_by_check(client, home, village_officer):
    Household.objects.filter(pk=home.pk).update(monitoring_category="边缘易致贫户")
    client.force_login(village_officer)
    page = client.get("/monitoring/quality/").content.decode()
    assert "监测对象无帮扶计划（1）" in page and "HA001" in page
    assert "HA001" not in client.get("/monitoring/quality/?only=CLASS_MISMATCH").content.decode()


def test_the_export_has_every_doubt_as_csv_or_xlsx(client, home, village_officer):
    Household.objects.filter(pk=home.pk).update(monitoring_category="边缘易致贫户")
    client.force_login(village_officer)
    response = client.get("/monitoring/quality/export/?format=csv")
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0] == "疑点,户编号,村代码,村,信息员,说明"
    assert lines[1].startswith("监测对象无帮扶计划,HA001,500241101201,平所村,")
    xlsx = client.get("/monitoring/quality/export/?format=xlsx")
    assert b"".join(xlsx.streaming_content)[:2] == b"PK"


def test_doubts_outside_scope_are_not_on_the_page_or_in_the_export(client, home,
                                                                   other_village_officer):
    Household.objects.filter(pk=home.pk).update(monitoring_category="边缘易致贫户")
    client.force_login(other_village_officer)
    assert "HA001" not in client.get("/monitoring/quality/").content.decode()
    export = client.get("/monitoring/quality/export/?format=csv")
    assert "HA001" not in b"".join(export.streaming_content).decode("utf-8-sig")


def test_department_staff_do_not_use_the_quality_page(client, education_staff):
    client.force_login(education_staff)
    assert client.get("/monitoring/quality/").status_code == 403
    assert client.get("/monitoring/quality/export/?format=csv").status_code == 403
