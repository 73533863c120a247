"""Members from the field through the API (issue 17): an officer adds a newborn, records
one who married out or died, corrects an ID number. The ID is checked as §3 says, each
change is in the household's trail, a resend with the same Idempotency-Key is applied
once, and a member or household outside the user's scope does not exist (404)."""

from datetime import date

from households.models import Household, Member
from monitor.models import AuditAction, AuditEvent

from ..factories import id_number
from .helpers import client_for

MEMBERS = "/api/members/"
NEWBORN = id_number(date(2025, 12, 1), male=False)


def newborn(household, **changes) -> dict:
    return {"household": household.pk, "reason": "出生", "name": "杨小妹",
            "id_number": NEWBORN, "relation": "子女", "schooling": "学前", **changes}


def child_of(household) -> Member:
    return household.members.get(name="杨小")


def test_an_officer_adds_a_newborn(county, village_officer):
    ha = county["HA001"]
    response = client_for(village_officer).post(MEMBERS, newborn(ha), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["name"], body["sex"], body["birth_date"]) == ("杨小妹", "女", "2025-12-01")
    assert ha.members.count() == 3
    event = AuditEvent.objects.get(object_kind="member", action=AuditAction.CREATED)
    assert event.actor == village_officer and event.household_id == ha.pk
    assert event.note == "新增原因：出生"


def test_a_resend_with_the_same_key_adds_the_member_once(county, village_officer):
    client, body = client_for(village_officer), newborn(county["HA001"])
    first = client.post(MEMBERS, body, format="json", HTTP_IDEMPOTENCY_KEY="phone-m-1")
    again = client.post(MEMBERS, body, format="json", HTTP_IDEMPOTENCY_KEY="phone-m-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert Member.objects.filter(id_number=NEWBORN).count() == 1


def test_a_wrong_check_character_is_refused_and_says_the_right_one(county, village_officer):
    wrong = NEWBORN[:17] + ("0" if NEWBORN[17] != "0" else "1")
    response = client_for(village_officer).post(
        MEMBERS, newborn(county["HA001"], id_number=wrong), format="json")
    assert response.status_code == 400
    assert f"最后一位应为{NEWBORN[17]}" in response.json()["id_number"][0]


def test_an_id_number_already_in_the_registry_is_refused(county, village_officer):
    elsewhere = child_of(county["HZ001"]).id_number  # another town: not named to alice
    response = client_for(village_officer).post(
        MEMBERS, newborn(county["HA001"], id_number=elsewhere), format="json")
    assert response.status_code == 400
    message = response.json()["id_number"][0]
    assert "已登记在册：一人只能在一户" in message and "HZ001" not in message


def test_a_household_outside_the_scope_is_not_found(county, village_officer):
    response = client_for(village_officer).post(MEMBERS, newborn(county["HB001"]),
                                                format="json")
    assert response.status_code == 400
    assert response.json()["household"] == ["未找到该农户"]


def test_department_staff_may_not_change_members(county, education_staff):
    response = client_for(education_staff).post(MEMBERS, newborn(county["HA001"]),
                                                format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "行业部门不能登记家庭成员变动"


def test_a_member_who_married_out_leaves_the_household(county, village_officer):
    child = child_of(county["HA001"])
    response = client_for(village_officer).post(
        f"{MEMBERS}{child.pk}/leave/", {"reason": "婚出", "on": "2026-02-01"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {"detail": "已登记杨小婚出"}
    assert not Member.objects.filter(pk=child.pk).exists()
    event = AuditEvent.objects.get(object_kind="member", action=AuditAction.DELETED)
    assert event.note == "成员减少：婚出（2026-02-01）"
    assert event.changes["身份证号"] == [child.id_number, None]
    assert county["HA001"].checks.get().members[1]["name"] == "杨小"  # the check keeps them


def test_the_head_cannot_simply_leave(county, village_officer):
    head = county["HA001"].members.get(relation="户主")
    response = client_for(village_officer).post(
        f"{MEMBERS}{head.pk}/leave/", {"reason": "死亡", "on": "2026-02-01"}, format="json")
    assert response.status_code == 400
    assert "是户主，不能直接减少" in response.json()["detail"]


def test_a_death_in_the_future_is_refused(county, village_officer):
    child = child_of(county["HA001"])
    response = client_for(village_officer).post(
        f"{MEMBERS}{child.pk}/leave/", {"reason": "死亡", "on": "2999-01-01"}, format="json")
    assert response.status_code == 400
    assert response.json()["on"] == ["死亡日期不能晚于今天"]


def test_a_member_outside_the_scope_is_not_found(county, village_officer):
    child = child_of(county["HB001"])
    client = client_for(village_officer)
    assert client.post(f"{MEMBERS}{child.pk}/leave/", {"reason": "迁出", "on": "2026-02-01"},
                       format="json").status_code == 404
    assert client.post(f"{MEMBERS}{child.pk}/id-number/", {"id_number": NEWBORN},
                       format="json").status_code == 404
    assert Member.objects.filter(pk=child.pk).exists()


def test_an_id_number_is_corrected_with_its_birth_date_and_sex(county, village_officer):
    child = child_of(county["HA001"])
    corrected, child_id_before = id_number(date(2013, 3, 2), male=False), child.id_number
    response = client_for(village_officer).post(
        f"{MEMBERS}{child.pk}/id-number/", {"id_number": corrected.lower()}, format="json")
    assert response.status_code == 200, response.content
    child.refresh_from_db()
    assert (child.id_number, child.birth_date, child.sex) == (corrected, date(2013, 3, 2), "女")
    event = AuditEvent.objects.get(object_kind="member", note="更正身份证号")
    assert event.changes["身份证号"] == [child_id_before, corrected]


def test_correcting_the_heads_id_number_corrects_the_households(county, village_officer):
    ha = county["HA001"]
    head = ha.members.get(relation="户主")
    Household.objects.filter(pk=ha.pk).update(head_id_number=head.id_number)
    corrected = id_number(date(1980, 1, 2))
    response = client_for(village_officer).post(
        f"{MEMBERS}{head.pk}/id-number/", {"id_number": corrected}, format="json")
    assert response.status_code == 200
    ha.refresh_from_db()
    assert ha.head_id_number == corrected


def test_a_correction_to_an_impossible_birth_date_is_refused(county, village_officer):
    child = child_of(county["HA001"])
    response = client_for(village_officer).post(
        f"{MEMBERS}{child.pk}/id-number/", {"id_number": "500241199902300019"}, format="json")
    assert response.status_code == 400
    assert response.json()["id_number"] == [
        "身份证号“500241199902300019”中的出生日期19990230不存在"]
