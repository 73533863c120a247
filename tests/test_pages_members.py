"""The officer's member pages without script (issue 17): add a newborn, record one who
married out, correct an ID number, each from the household page; refusals in Chinese next
to the field; outside the scope a 404, and department staff are refused."""

from datetime import date

import pytest
from django.urls import reverse

from households.models import Member
from monitor.models import AuditEvent

from .alert_helpers import family, record
from .factories import id_number


@pytest.fixture
def home(places):
    return family(places["village_a"], "HA001")


def url(name, *args):
    return reverse(f"households:{name}", args=["HA001", *args])


def newborn(**changes):
    return {"reason": "出生", "name": "杨小妹", "id_number": id_number(date(2025, 12, 1)),
            "relation": "子女", "schooling": "学前", "health": "健康", "labour": "无劳动力",
            "work": "未务工", "insured": "1", **changes}


def test_the_household_page_offers_the_member_changes(client, village_officer, home):
    client.force_login(village_officer)
    html = client.get(reverse("households:detail", args=["HA001"])).content.decode()
    child = home.members.get(name="杨小")
    assert url("member_new") in html and url("member_leave", child.pk) in html
    assert url("member_id_number", child.pk) in html
    head = home.members.get(relation="户主")
    assert url("member_leave", head.pk) not in html  # the head cannot simply leave


def test_department_staff_are_not_offered_them(client, education_staff, home):
    record(home, date(2026, 3, 1), child="失学辍学")  # puts HA001 in education's scope
    client.force_login(education_staff)
    html = client.get(reverse("households:detail", args=["HA001"])).content.decode()
    assert url("member_new") not in html
    assert client.get(url("member_new")).status_code == 403


def test_an_officer_adds_a_newborn_from_the_page(client, village_officer, home):
    client.force_login(village_officer)
    response = client.post(url("member_new"), newborn())
    assert response.status_code == 302
    assert home.members.get(name="杨小妹").birth_date == date(2025, 12, 1)
    assert AuditEvent.objects.filter(object_kind="member", note="新增原因：出生").exists()


def test_a_wrong_id_number_is_refused_next_to_the_field(client, village_officer, home):
    client.force_login(village_officer)
    response = client.post(url("member_new"), newborn(id_number="500241199902300019"))
    assert response.status_code == 400
    assert response.context["form"].errors["id_number"] == [
        "身份证号“500241199902300019”中的出生日期19990230不存在"]


def test_an_officer_records_a_member_who_married_out(client, village_officer, home):
    child = home.members.get(name="杨小")
    client.force_login(village_officer)
    response = client.post(url("member_leave", child.pk), {"reason": "婚出", "on": "2026-02-01"})
    assert response.status_code == 302
    assert not Member.objects.filter(pk=child.pk).exists()


def test_an_officer_corrects_an_id_number(client, village_officer, home):
    child = home.members.get(name="杨小")
    corrected = id_number(date(2013, 3, 2))
    client.force_login(village_officer)
    assert client.post(url("member_id_number", child.pk),
                       {"id_number": corrected}).status_code == 302
    child.refresh_from_db()
    assert child.id_number == corrected and child.birth_date == date(2013, 3, 2)


def test_the_pages_are_not_found_outside_the_scope(client, other_village_officer, home):
    child = home.members.get(name="杨小")
    client.force_login(other_village_officer)
    for address in (url("member_new"), url("member_leave", child.pk),
                    url("member_id_number", child.pk)):
        assert client.get(address).status_code == 404


def test_a_member_of_another_household_is_not_found_under_this_one(
        client, village_officer, home, places):
    other = family(places["village_a"], "HA002").members.get(name="杨小")
    client.force_login(village_officer)
    assert client.get(url("member_leave", other.pk)).status_code == 404


def test_the_correction_starts_from_the_number_as_it_is(client, village_officer, home):
    child = home.members.get(name="杨小")
    client.force_login(village_officer)
    response = client.get(url("member_id_number", child.pk))
    assert f'value="{child.id_number}"' in response.content.decode()
    unchanged = client.post(url("member_id_number", child.pk), {"id_number": child.id_number})
    assert unchanged.context["form"].errors["id_number"] == ["新号码与原号码相同，无需更正"]


def test_the_leave_page_says_what_saving_does(client, village_officer, home):
    child = home.members.get(name="杨小")
    client.force_login(village_officer)
    html = client.get(url("member_leave", child.pk)).content.decode()
    assert "保存后杨小从本户移出，今后的排查不再计入；以往的排查记录不变。" in html
