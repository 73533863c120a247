"""Checks over the API: recorded only through check_record, by the roles that enter
checks, for households in scope; errors as JSON with field keys in Chinese; and an
Idempotency-Key that makes a phone's resend harmless, even when both copies race."""

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from alerts.models import State
from households.models import Check
from monitor.models import IdempotencyKey

from ..factories import MemberFactory
from .helpers import ROLES, SEES, alert_of, client_for
from .helpers import results as rows

CHECKS = "/api/checks/"
VISIT = "2026-04-01"
RECORDERS = {"village_officer", "town_supervisor", "county_supervisor", "admin_user"}


def answers(household, **overrides) -> dict:
    """A routine visit that finds nothing wrong (the child is at school)."""
    child = household.members.get(name="杨小")
    body = {
        "household": household.pk, "visit_date": VISIT, "kind": "日常走访",
        "food_secure": True, "clothing_secure": True, "housing": "A",
        "water_quantity": True, "water_quality": True, "water_convenience": True,
        "water_reliability": True, "income_wages": "40000.00", "income_business": "0",
        "income_property": "0", "income_transfers": "1200.50", "medical_spending": "0",
        "education_spending": "800", "sudden_event": "无",
        "members": [{"id_number": child.id_number, "schooling": "在校"}],
    }
    body.update(overrides)
    return body


# ── Recording ─────────────────────────────────────────────────────────────────────────

def test_an_officer_records_a_check_and_the_engine_clears_what_it_no_longer_shows(
        county, as_role, django_capture_on_commit_callbacks):
    _, client = as_role("village_officer")
    household = county["HA001"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CHECKS, answers(household), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["visit_date"] == VISIT
    assert body["income_transfers"] == "1200.50"
    assert body["total_income"] == "41200.50"
    assert body["per_capita_income"] == "20600.25"
    assert body["officer_name"] == "alice"
    assert body["recorded_by"] == "alice"
    check = Check.objects.get(pk=body["id"])
    assert check.recorded_by.username == "alice"
    assert household.members.get(name="杨小").schooling == "在校"
    assert alert_of(household, "DROPOUT").state == State.READY_TO_CLOSE
    assert alert_of(household, "HOUSING").state == State.READY_TO_CLOSE



@pytest.mark.parametrize(("wages", "rule", "per_capita"), [
    ("10000", "INCOME_BELOW_LINE", "3333.33"), ("20000", "INCOME_NEAR_LINE", "6666.67")])
def test_the_per_capita_income_shown_is_the_one_the_rule_compared(
        county, as_role, django_capture_on_commit_callbacks, wages, rule, per_capita):
    """An income that three members do not divide evenly: the API, the rule's evidence
    and its text show the same figure, to the fen."""
    _, client = as_role("village_officer")
    household = county["HA001"]
    MemberFactory(household=household, name="杨母", relation="配偶")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CHECKS, answers(household, income_wages=wages,
                                                income_transfers="0"), format="json")
    assert response.status_code == 201, response.json()
    shown = response.json()["per_capita_income"]
    evidence = alert_of(household, rule).evidence
    assert shown == evidence["values"]["人均纯收入"] == per_capita
    assert f"人均纯收入 {shown} 元" in evidence["text"]
    assert client.get(f"{CHECKS}{response.json()['id']}/").json()["per_capita_income"] == shown


@pytest.mark.parametrize("role", ROLES)
def test_each_role_records_checks_only_in_scope(county, as_role, role):
    _, client = as_role(role)
    for number, household in county.items():
        response = client.post(CHECKS, answers(household), format="json")
        if role == "education_staff":
            assert response.status_code == 403
            assert response.json() == {"detail": "行业部门用户不能录入排查"}
        elif number in SEES[role]:
            assert response.status_code == 201, response.json()
        else:
            assert response.status_code == 400
            assert response.json() == {"household": ["未找到该农户"]}
    assert Check.objects.filter(visit_date=VISIT).count() == (
        len(SEES[role]) if role in RECORDERS else 0)


def test_a_household_outside_the_scope_is_answered_like_a_missing_one(county, as_role):
    _, client = as_role("village_officer")
    outside = client.post(CHECKS, answers(county["HB001"]), format="json").json()
    missing = client.post(CHECKS, {**answers(county["HB001"]), "household": 999999},
                          format="json").json()
    assert outside == missing


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"visit_date": "2999-01-01"}, "visit_date", "排查日期不能晚于今天"),
    ({"visit_date": "2019-05-01"}, "visit_date", "排查日期不能早于 2021-01-01"),
    ({"visit_date": "2026-02-30"}, "visit_date", "日期格式错误"),
    ({"income_wages": "-5"}, "income_wages", "工资性收入不能为负数"),
    ({"income_wages": "很多"}, "income_wages", "工资性收入应为数字"),
    ({"income_wages": "1.234"}, "income_wages", "最多保留两位小数"),
    ({"housing": "E"}, "housing", "不是合法选项"),
    ({"food_secure": None}, "food_secure", "不能为 null"),
])
def test_a_bad_answer_is_a_400_with_the_field_and_a_chinese_message(
        county, as_role, overrides, field, message):
    _, client = as_role("village_officer")
    response = client.post(CHECKS, answers(county["HA001"], **overrides), format="json")
    assert response.status_code == 400
    assert message in "".join(response.json()[field])
    assert not Check.objects.filter(visit_date=VISIT).exists()


def test_a_missing_answer_is_named(county, as_role):
    _, client = as_role("village_officer")
    body = answers(county["HA001"])
    del body["water_quality"]
    response = client.post(CHECKS, body, format="json")
    assert response.json() == {"water_quality": ["该字段是必填项。"]}


def test_business_income_may_be_a_loss(county, as_role):
    _, client = as_role("village_officer")
    response = client.post(CHECKS, answers(county["HA001"], income_business="-3000"),
                           format="json")
    assert response.status_code == 201
    assert response.json()["income_business"] == "-3000.00"


def test_the_services_refusal_keeps_its_field_key(county, as_role):
    _, client = as_role("village_officer")
    stranger = county["HB001"].members.get(name="杨小").id_number
    response = client.post(CHECKS, answers(county["HA001"], members=[
        {"id_number": stranger, "schooling": "在校"}]), format="json")
    assert response.status_code == 400
    assert response.json() == {"members": [f"不是本户成员：{stranger}"]}


def test_a_second_check_of_the_same_day_and_kind_is_refused(county, as_role):
    _, client = as_role("village_officer")
    assert client.post(CHECKS, answers(county["HA001"]), format="json").status_code == 201
    response = client.post(CHECKS, answers(county["HA001"]), format="json")
    assert response.status_code == 400
    assert "已有一次“日常走访”记录" in response.json()["kind"][0]


def test_a_duplicate_that_slips_past_validation_is_still_a_400(county, as_role, monkeypatch):
    def raced(**kwargs):
        raise IntegrityError("UNIQUE constraint failed: one_check_per_day_and_kind")

    monkeypatch.setattr("visits.api.check_record", raced)
    _, client = as_role("village_officer")
    response = client.post(CHECKS, answers(county["HA001"]), format="json")
    assert response.status_code == 400
    assert "记录不能修改" in response.json()["kind"][0]


def test_only_json_is_accepted(county, as_role):
    _, client = as_role("village_officer")
    response = client.post(CHECKS, {"household": county["HA001"].pk})
    assert response.status_code == 415


# ── Reading ───────────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("role", ROLES)
def test_each_role_reads_the_checks_of_its_scope(county, as_role, role):
    _, client = as_role(role)
    found = {row["household_number"] for row in rows(client.get(CHECKS))}
    assert found == SEES[role]
    for number, household in county.items():
        check = household.checks.get()
        expected = 200 if number in SEES[role] else 404
        assert client.get(f"{CHECKS}{check.pk}/").status_code == expected


def test_department_staff_read_incomes_of_their_households_with_masked_members(
        county, as_role):
    _, client = as_role("education_staff")
    body = client.get(f"{CHECKS}{county['HA001'].checks.get().pk}/").json()
    assert body["income_wages"] == "40000.00"
    for member in body["members"]:
        assert "********" in member["id_number"]
        assert member["birth_date"] is None


def test_department_staff_cannot_read_incomes_beyond_their_tasks(county, as_role):
    _, client = as_role("education_staff")
    for number in ("HB001", "HZ001"):
        check = county[number].checks.get()
        assert client.get(f"{CHECKS}{check.pk}/").status_code == 404
        assert client.get(CHECKS, {"household": county[number].pk}).json()["count"] == 0


def test_checks_filter_by_dates_kind_and_place(county, as_role):
    _, client = as_role("village_officer")
    client.post(CHECKS, answers(county["HA001"], kind="回头看"), format="json")
    _, county_client = as_role("county_supervisor")
    found = rows(county_client.get(CHECKS, {"visit_from": VISIT}))
    assert [(c["household_number"], c["kind"]) for c in found] == [("HA001", "回头看")]
    assert len(rows(county_client.get(CHECKS, {"visit_to": "2026-03-31"}))) == 3
    assert len(rows(county_client.get(CHECKS, {"kind": "回头看"}))) == 1
    assert len(rows(county_client.get(CHECKS, {"place": "500241002"}))) == 1


# ── Idempotency-Key ───────────────────────────────────────────────────────────────────

def test_the_same_key_twice_records_one_check_and_answers_the_same(county, as_role):
    _, client = as_role("village_officer")
    body = answers(county["HA001"])
    first = client.post(CHECKS, body, format="json", HTTP_IDEMPOTENCY_KEY="phone-1-0001")
    second = client.post(CHECKS, body, format="json", HTTP_IDEMPOTENCY_KEY="phone-1-0001")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Check.objects.filter(visit_date=VISIT).count() == 1


def test_the_same_key_with_another_body_is_a_409(county, as_role):
    _, client = as_role("village_officer")
    client.post(CHECKS, answers(county["HA001"]), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    response = client.post(CHECKS, answers(county["HA001"], kind="回头看"), format="json",
                           HTTP_IDEMPOTENCY_KEY="k1")
    assert response.status_code == 409
    assert "幂等键" in response.json()["detail"]
    assert Check.objects.filter(visit_date=VISIT).count() == 1


def test_a_key_belongs_to_its_user(county, as_role):
    _, alice = as_role("village_officer")
    _, charlie = as_role("town_supervisor")
    alice.post(CHECKS, answers(county["HA001"]), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    response = charlie.post(CHECKS, answers(county["HB001"]), format="json",
                            HTTP_IDEMPOTENCY_KEY="k1")
    assert response.status_code == 201
    assert Check.objects.filter(visit_date=VISIT).count() == 2


def test_a_refused_submission_does_not_use_up_its_key(county, as_role):
    _, client = as_role("village_officer")
    bad = client.post(CHECKS, answers(county["HA001"], income_wages="-1"), format="json",
                      HTTP_IDEMPOTENCY_KEY="k1")
    assert bad.status_code == 400
    assert not IdempotencyKey.objects.exists()
    fixed = client.post(CHECKS, answers(county["HA001"]), format="json",
                        HTTP_IDEMPOTENCY_KEY="k1")
    assert fixed.status_code == 201


def test_a_blank_or_overlong_key_is_a_400(county, as_role):
    _, client = as_role("village_officer")
    for key in (" ", "k" * 256):
        response = client.post(CHECKS, answers(county["HA001"]), format="json",
                               HTTP_IDEMPOTENCY_KEY=key)
        assert response.status_code == 400
        assert "Idempotency-Key" in response.json()
    assert not Check.objects.filter(visit_date=VISIT).exists()


def test_the_loser_of_a_race_replays_the_stored_answer_and_records_nothing(county, as_role):
    """What the second of two concurrent requests meets: the first has committed its
    check with the key row and its answer. The second's claim on (user, key) fails on
    the unique constraint; it answers what is stored, without calling check_record."""
    user, client = as_role("village_officer")
    body = answers(county["HA001"])
    client.post(CHECKS, body, format="json", HTTP_IDEMPOTENCY_KEY="race")
    IdempotencyKey.objects.filter(user=user, key="race").update(
        status_code=201, body={"id": 4242, "stored": "第一次的回答"})
    with pytest.raises(IntegrityError), transaction.atomic():  # the claim, as it meets it
        IdempotencyKey.objects.create(user=user, key="race", fingerprint="x",
                                      status_code=0, body={})
    loser = client.post(CHECKS, body, format="json", HTTP_IDEMPOTENCY_KEY="race")
    assert (loser.status_code, loser.json()) == (201, {"id": 4242, "stored": "第一次的回答"})
    assert Check.objects.filter(visit_date=VISIT).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_requests_with_one_key_record_one_check(places, village_officer):
    """Two threads post the same check with the same key at the same moment: one records
    it, the other waits on the key's unique constraint and replays the same answer."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite's shared in-memory test database refuses a second writer "
                    "('table is locked') instead of making it wait; CI runs this on "
                    "PostgreSQL")
    from ..alert_helpers import family

    household = family(places["village_a"], "HA001")
    body = answers(household)
    start = threading.Barrier(2)
    responses = []

    def post():
        client = client_for(village_officer)
        start.wait()
        try:
            response = client.post(CHECKS, body, format="json", HTTP_IDEMPOTENCY_KEY="twice")
            responses.append((response.status_code, response.json(),
                              response.get("Idempotent-Replayed")))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(responses) == 2
    (status_1, body_1, _), (status_2, body_2, _) = responses
    assert status_1 == status_2 == 201
    assert body_1 == body_2
    assert sorted(str(replayed) for _, _, replayed in responses) == ["None", "true"]
    assert Check.objects.filter(household=household).count() == 1
    assert IdempotencyKey.objects.count() == 1


@pytest.mark.parametrize("overrides, field, message", [
    ({"members": [{"id_number": "CHILD", "schooling": "非在校"}]}, "members",
     "属义务教育年龄"),
    ({"members": [{"id_number": "CHILD", "labour": "丧失劳动力", "work": "县外务工"}]},
     "members", "不能是“县外务工”"),
    ({"sudden_event": "无", "sudden_loss": "500"}, "sudden_loss", "没有突发情况时损失应为 0"),
])
def test_the_api_refuses_what_the_check_form_refuses(county, as_role, overrides, field,
                                                     message):
    """The phone saves the check form through the API (static/js/check-draft.js), so
    answers that contradict each other are refused there too, in the form's words."""
    _, client = as_role("village_officer")
    child = county["HA001"].members.get(name="杨小").id_number
    for member in overrides.get("members", []):
        member["id_number"] = child
    response = client.post(CHECKS, answers(county["HA001"], **overrides), format="json")
    assert response.status_code == 400
    assert message in "".join(response.json()[field])
