"""The check form: who may use it, what it refuses (in Chinese, next to the field), and
that a saved check shows what it raised and why."""

from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from households.models import Check

from .alert_helpers import family, record


@pytest.fixture
def home(places):
    """HA001: a working father born 1980 and a child born 2013-03-01, at school."""
    return family(places["village_a"], "HA001")


def answers(household, **changes) -> dict:
    """A complete, valid POST of the form: nothing fires."""
    data = {
        "visit_date": "2026-03-10", "kind": "日常走访", "officer_name": "李明",
        "food_secure": "1", "clothing_secure": "1", "education_spending": "800",
        "medical_spending": "0", "housing": "A", "water_quantity": "1", "water_quality": "1",
        "water_convenience": "1", "water_reliability": "1", "income_wages": "40000",
        "income_business": "0", "income_property": "0", "income_transfers": "0",
        "sudden_event": "无", "sudden_loss": "", "notes": "",
    }
    for member in household.members.all():
        prefix = f"m{member.pk}-"
        data.update({prefix + "insured": "1", prefix + "health": member.health,
                     prefix + "labour": member.labour, prefix + "work": member.work})
        if member.birth_date.year > 2000:
            data[prefix + "schooling"] = member.schooling
    data.update(changes)
    return data


def child_field(household, name: str) -> str:
    return f"m{household.members.get(name='杨小').pk}-{name}"


def post(client, user, household, data):
    client.force_login(user)
    return client.post(reverse("households:check_new", args=[household.number]), data)


def errors(response) -> dict:
    entry = response.context["entry"]
    found = {name: list(e) for name, e in entry.form.errors.items()}
    for member_form in entry.member_forms:
        found.update({f"{member_form.member.name}.{n}": list(e)
                      for n, e in member_form.errors.items()})
    return found


# ── Who may use it ────────────────────────────────────────────────────────────────────

def test_the_form_opens_for_an_officer_of_the_village(client, village_officer, home):
    client.force_login(village_officer)
    response = client.get(reverse("households:check_new", args=["HA001"]))
    assert response.status_code == 200
    html = response.content.decode()
    for step in ("两不愁", "义务教育", "基本医疗", "住房安全", "饮水安全", "收入", "劳动就业",
                 "突发情况"):
        assert step in html
    assert "杨小" in html and 'name="' + child_field(home, "schooling") + '"' in html


def test_adults_are_not_asked_about_school(client, village_officer, home):
    client.force_login(village_officer)
    html = client.get(reverse("households:check_new", args=["HA001"])).content.decode()
    father = home.members.get(name="杨父")
    assert f'name="m{father.pk}-schooling"' not in html
    assert f'name="m{father.pk}-insured"' in html


def test_the_form_is_not_found_outside_the_scope(client, other_village_officer, home):
    client.force_login(other_village_officer)
    outside = client.get(reverse("households:check_new", args=["HA001"]))
    missing = client.get(reverse("households:check_new", args=["NO-SUCH"]))
    assert outside.status_code == missing.status_code == 404
    assert post(client, other_village_officer, home, answers(home)).status_code == 404
    assert not Check.objects.exists()


def test_department_staff_may_not_record_checks(client, education_staff, home):
    record(home, date(2026, 3, 1), child="失学辍学")  # makes the household visible to them
    response = post(client, education_staff, home, answers(home))
    assert response.status_code == 403
    assert Check.objects.count() == 1


# ── Saving ────────────────────────────────────────────────────────────────────────────

def test_a_check_that_raises_dropout_shows_it_with_its_evidence(
        client, village_officer, home, django_capture_on_commit_callbacks):
    data = answers(home, **{child_field(home, "schooling"): "失学辍学"})
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, village_officer, home, data)
    check = Check.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("households:check", args=["HA001", check.pk])
    assert check.recorded_by == village_officer and check.officer_name == "李明"
    assert check.members[1]["schooling"] == "失学辍学"
    page = client.get(response.url)
    html = page.content.decode()
    assert [a.rule for a in page.context["raised"]] == ["DROPOUT"]
    assert "本次排查发现的问题" in html and "因学" in html
    assert "失学辍学：杨小（13岁）" in html and "6–15岁" in html


def test_the_member_is_updated_by_the_newest_check(client, village_officer, home,
                                                   django_capture_on_commit_callbacks):
    data = answers(home, **{child_field(home, "insured"): "0"})
    with django_capture_on_commit_callbacks(execute=True):
        post(client, village_officer, home, data)
    assert home.members.get(name="杨小").insured is False


def test_the_check_page_says_evaluating_until_the_engine_has_run(client, village_officer,
                                                                 home):
    post(client, village_officer, home, answers(home))  # on_commit never runs here
    check = Check.objects.get()
    client.force_login(village_officer)
    html = client.get(reverse("households:check", args=["HA001", check.pk])).content.decode()
    assert "评估中" in html and 'http-equiv="refresh"' in html


def test_a_follow_up_that_no_longer_fires_shows_what_it_cleared(
        client, village_officer, home, django_capture_on_commit_callbacks):
    record(home, date(2026, 3, 1), child="失学辍学")
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, village_officer, home, answers(
            home, kind="回头看", **{child_field(home, "schooling"): "在校"}))
    page = client.get(response.url)
    assert [a.rule for a in page.context["cleared"]] == ["DROPOUT"]
    assert "本次未再发现的问题" in page.content.decode()


def test_the_check_page_of_another_households_check_is_not_found(client, village_officer,
                                                                 places, home):
    other = family(places["village_b"], "HB001")
    check = record(other, date(2026, 3, 1))
    client.force_login(village_officer)
    assert client.get(reverse("households:check", args=["HA001", check.pk])).status_code == 404
    assert client.get(reverse("households:check", args=["HB001", check.pk])).status_code == 404


# ── Validation, in Chinese, next to the field ─────────────────────────────────────────

def test_an_empty_form_names_every_missing_answer(client, village_officer, home):
    response = post(client, village_officer, home, {})
    assert response.status_code == 400
    found = errors(response)
    assert found["food_secure"] == ["请选择“不愁吃”：是或否"]
    assert found["housing"] == ["请选择“住房安全”"]
    assert found["income_wages"] == ["请填写工资性收入，没有请填 0"]
    assert found["visit_date"] == ["请填写排查日期"]
    assert found["杨小.schooling"] == ["请选择“在校情况”"]
    assert found["杨父.insured"] == ["请选择“参加基本医疗保险”：是或否"]
    assert not Check.objects.exists()


def test_errors_are_shown_next_to_their_field_and_summed_up(client, village_officer, home):
    response = post(client, village_officer, home, answers(home, income_wages="abc"))
    html = response.content.decode()
    assert '<p class="error" id="id_income_wages_error" role="alert">' \
           "工资性收入应为数字（元），如 12000 或 3500.50</p>" in html
    assert 'aria-describedby="id_income_wages_helptext id_income_wages_error"' in html
    assert 'aria-invalid="true"' in html
    assert "有 1 处需要更正" in html and 'href="#id_income_wages"' in html


@pytest.mark.parametrize("changes, field, message", [
    ({"income_transfers": "-5"}, "income_transfers", "转移性收入不能为负数"),
    ({"income_wages": "12.345"}, "income_wages", "工资性收入最多保留两位小数（角、分）"),
    ({"visit_date": "2026-13-01"}, "visit_date", "排查日期格式应为 年-月-日，如 2024-05-01"),
    ({"visit_date": "2019-06-01"}, "visit_date", "排查日期不能早于 2021-01-01，请核对年份"),
    ({"sudden_event": "因灾"}, "sudden_loss", "发生了“因灾”，请填写造成的损失（元），不清楚填 0"),
    ({"sudden_loss": "300"}, "sudden_loss", "没有突发情况时损失应为 0 或不填"),
    ({"kind": "走亲戚"}, "kind", "“排查类型”的选项无效，请重新选择"),
])
def test_it_refuses_a_wrong_answer_with_a_chinese_message(client, village_officer, home,
                                                          changes, field, message):
    response = post(client, village_officer, home, answers(home, **changes))
    assert response.status_code == 400
    assert errors(response)[field] == [message]


def test_a_visit_in_the_future_is_refused(client, village_officer, home):
    today = timezone.localdate()
    tomorrow = today + timedelta(days=1)
    response = post(client, village_officer, home, answers(home, visit_date=str(tomorrow)))
    assert errors(response)["visit_date"] == [f"排查日期不能晚于今天（{today:%Y-%m-%d}）"]


def test_a_second_check_of_the_same_kind_on_the_same_day_is_refused(client, village_officer,
                                                                    home):
    record(home, date(2026, 3, 10))
    response = post(client, village_officer, home, answers(home))
    assert errors(response)["kind"] == [
        "该户 2026-03-10 已有一次“日常走访”记录；"
        "记录不能修改，更正请另选排查类型或日期录入新的排查"]


def test_a_child_of_school_age_cannot_be_not_at_school(client, village_officer, home):
    response = post(client, village_officer, home,
                    answers(home, **{child_field(home, "schooling"): "非在校"}))
    assert errors(response)["杨小.schooling"] == [
        "杨小在排查日 13 岁，属义务教育年龄（6–15岁），应为“在校”“送教上门”或“失学辍学”"]


def test_a_member_who_cannot_work_cannot_be_working(client, village_officer, home):
    response = post(client, village_officer, home, answers(home, **{
        child_field(home, "labour"): "丧失劳动力", child_field(home, "work"): "县外务工"}))
    assert errors(response)["杨小.work"] == [
        "杨小为“丧失劳动力”，不能是“县外务工”；请核对劳动能力或务工状况"]


def test_a_refused_form_keeps_what_was_typed(client, village_officer, home):
    response = post(client, village_officer, home, answers(home, income_wages="",
                                                            income_business="1500"))
    assert 'value="1500"' in response.content.decode()


def test_the_check_page_needs_a_login(client, home):
    check = record(home, date(2026, 3, 1))
    response = client.get(reverse("households:check", args=["HA001", check.pk]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


class Controls(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.labelled = set(), set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("input", "select", "textarea") and attrs.get("type") != "hidden":
            self.ids.add(attrs.get("id"))
        if tag == "label" and attrs.get("for"):
            self.labelled.add(attrs["for"])


def test_every_control_of_the_form_has_a_label(client, village_officer, home):
    client.force_login(village_officer)
    parser = Controls()
    parser.feed(client.get(reverse("households:check_new", args=["HA001"])).content.decode())
    assert len(parser.ids) > 30
    assert parser.ids <= parser.labelled


def test_the_check_page_stops_refreshing_when_evaluation_takes_too_long(client,
                                                                         village_officer,
                                                                         home):
    post(client, village_officer, home, answers(home))  # on_commit never runs here
    check = Check.objects.get()
    Check.objects.filter(pk=check.pk).update(
        created_at=timezone.now() - timedelta(minutes=10))
    html = client.get(reverse("households:check", args=["HA001", check.pk])).content.decode()
    assert "评估尚未完成" in html and 'http-equiv="refresh"' not in html
