"""The town's queue as a town works it (issue: a queue a town can work): the household's
head and village on every row, a village filter, search by 户编号 or name, sortable
columns, and the person list narrowed to who can see every ticked alert."""

from datetime import date

import pytest
from django.urls import reverse

from .alert_helpers import family, record

D0 = date(2026, 3, 10)


@pytest.fixture
def two_villages(places):
    """HA001 (平所村, high HOUSING, raised first) and HB001 (the second village, a DROPOUT
    raised later)."""
    first = family(places["village_a"], "HA001")
    record(first, D0, housing="D")
    second = family(places["village_b"], "HB001")
    first.head_name, second.head_name = "杨明华", "王大山"
    first.save(), second.save()
    record(second, date(2026, 4, 1), child="失学辍学")
    return first, second


def queue(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("alerts:queue"), params)
    assert response.status_code == 200
    return response


def numbers(response):
    return [a.household.number for a in response.context["page"]]


def test_each_row_shows_the_head_of_household_and_village(client, town_supervisor,
                                                          two_villages):
    html = queue(client, town_supervisor).content.decode()
    assert two_villages[0].head_name in html and "平所村" in html


def test_a_town_filters_by_village(client, places, town_supervisor, two_villages):
    html = queue(client, town_supervisor).content.decode()
    assert f'<option value="{places["village_b"].code}">' in html
    assert numbers(queue(client, town_supervisor, place=places["village_b"].code)) == ["HB001"]


def test_a_town_finds_a_household_by_number_or_head_name(client, town_supervisor,
                                                         two_villages):
    assert numbers(queue(client, town_supervisor, q="HB0")) == ["HB001"]
    assert numbers(queue(client, town_supervisor, q="明华")) == ["HA001"]
    assert numbers(queue(client, town_supervisor, q="没有这户")) == []


def test_columns_sort_both_ways_and_keep_the_filters(client, town_supervisor, two_villages):
    assert numbers(queue(client, town_supervisor, sort="raised_on")) == ["HA001", "HB001"]
    assert numbers(queue(client, town_supervisor, sort="-raised_on")) == ["HB001", "HA001"]
    assert numbers(queue(client, town_supervisor, sort="-number")) == ["HB001", "HA001"]
    headings = queue(client, town_supervisor, q="H", sort="number").context["headings"]
    number = next(h for h in headings if h["label"] == "户编号")
    assert number["arrow"] == "↑" and number["href"].endswith("q=H&sort=-number")


def test_the_person_list_says_where_each_person_works(client, town_supervisor,
                                                      village_officer, two_villages):
    html = queue(client, town_supervisor).content.decode()
    assert f'value="{village_officer.pk}" data-place="{village_officer.place_id}"' in html
    assert 'data-village="500241101201"' in html  # each tick box says its village


def test_the_alert_page_shows_its_assignee_and_reassigns(client, town_supervisor,
                                                         village_officer, two_villages):
    from alerts.models import Alert

    alert = Alert.objects.get(household__number="HA001", rule="HOUSING")
    client.force_login(town_supervisor)
    html = client.get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    assert "<dt>负责人</dt><dd>未指派" in html
    assert f'<option value="{village_officer.pk}"' in html  # alice works in 平所村
    response = client.post(reverse("alerts:assign"), {
        "alert": alert.pk, "assignee": village_officer.pk, "from": "alert"})
    assert response.url == reverse("alerts:detail", args=[alert.pk])
    html = client.get(response.url).content.decode()
    assert f"<dt>负责人</dt><dd>{village_officer.name_and_unit}" in html


def test_final_moves_ask_again_and_look_unlike_the_others(client, town_supervisor,
                                                          two_villages):
    from alerts.models import Alert

    alert = Alert.objects.get(household__number="HA001", rule="HOUSING")
    client.force_login(town_supervisor)
    html = client.get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    assert '<button name="action" value="verify">核实</button>' in html
    assert '<details class="final"><summary>排除…</summary>' in html
    assert '<button name="action" value="dismiss" class="danger">确认排除</button>' in html


def test_a_task_due_after_its_measure_is_assigned_with_a_warning(client, town_supervisor,
                                                                  village_officer,
                                                                  two_villages):
    from datetime import timedelta

    from alerts.models import Alert, Task
    from alerts.plans import plan_add_measure

    alert = Alert.objects.get(household__number="HA001", rule="HOUSING")
    deadline = date(2026, 12, 31)
    measure = plan_add_measure(alert=alert, actor=village_officer, measure="危房改造",
                               deadline=deadline)
    client.force_login(town_supervisor)
    plan = client.get(reverse("alerts:plan", args=["HA001"])).content.decode()
    assert f'<label for="unit-{measure.pk}">责任单位</label>' in plan
    assert f'<label for="person-{measure.pk}">责任人</label>' in plan
    late = deadline + timedelta(days=10)
    page = client.post(reverse("alerts:assign_task", args=[measure.pk]),
                       {"unit": "县住建委", "due": late.isoformat()}, follow=True)
    assert Task.objects.get(measure=measure).due == late
    assert f"晚于措施“危房改造”的完成期限 {deadline}" in page.content.decode()


@pytest.mark.parametrize("keep", ["²", "9" * 5000, "abc"])
def test_a_strange_kept_tick_is_ignored(client, town_supervisor, two_villages, keep):
    assert queue(client, town_supervisor, keep=keep).context["kept"] == set()
