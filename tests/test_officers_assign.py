"""Officers for households (issue 20): a supervisor assigns a village's households to an
information officer in bulk, by village group or by ticking, sees each officer's load,
is warned past the policy's limit, never reaches outside their place, and every change is
on the trail by name."""

from datetime import date

import pytest
from django.urls import reverse

from households.models import Household
from households.officers import officers_assign
from monitor.models import AuditEvent
from monitor.policy_changes import policy_set
from monitor.roles import Refused

from .conftest import PINGSUO
from .factories import HouseholdFactory, UserFactory

PAGE = reverse("households:officers")


@pytest.fixture
def village_households(places):
    return [HouseholdFactory(village=places["village_a"], group=group, number=f"HA{i:03}")
            for i, group in enumerate(["一组", "一组", "二组"])]


@pytest.fixture
def wang(places):
    return UserFactory(username="wang", first_name="王小燕", unit="平所村委会", role="village",
                       place=places["village_a"])


def post(client, user, **form):
    client.force_login(user)
    return client.post(PAGE, {"village": PINGSUO, **form}, follow=True)


def test_a_group_is_assigned_at_once(client, town_supervisor, village_households, wang):
    response = post(client, town_supervisor, group="一组", officer=wang.pk)
    assert set(Household.objects.filter(info_officer=wang).values_list("number", flat=True)) \
        == {"HA000", "HA001"}
    assert "已更新 2 户的信息员：王小燕 · 平所村委会" in response.content.decode()


def test_ticked_households_are_assigned(client, town_supervisor, village_households, wang):
    post(client, town_supervisor, households=["HA000", "HA002"], officer=wang.pk)
    assert set(Household.objects.filter(info_officer=wang).values_list("number", flat=True)) \
        == {"HA000", "HA002"}


def test_each_change_is_on_the_trail_by_name(client, town_supervisor, village_households,
                                             wang):
    post(client, town_supervisor, group="二组", officer=wang.pk)
    event = AuditEvent.objects.get(object_kind="household")
    assert event.actor == town_supervisor and event.changes == {
        "信息员": [None, "王小燕 · 平所村委会"]}
    post(client, town_supervisor, group="二组", officer=wang.pk)  # nothing changes
    assert AuditEvent.objects.filter(object_kind="household").count() == 1


def test_the_page_shows_each_officers_load(client, town_supervisor, village_households, wang):
    post(client, town_supervisor, group="一组", officer=wang.pk)
    page = client.get(PAGE, {"village": PINGSUO}).content.decode()
    assert "王小燕 · 平所村委会" in page and "2 户" in page and "未分配信息员 1 户" in page


def test_past_the_policys_limit_the_supervisor_is_warned(
        client, town_supervisor, county_supervisor, village_households, wang, places):
    policy_set(key="officer_max_households", value="2", effective_from=date(2020, 1, 1),
               reason="试点村", actor=county_supervisor)
    response = post(client, town_supervisor, households=["HA000", "HA001", "HA002"],
                    officer=wang.pk)
    words = response.content.decode()
    assert "王小燕 · 平所村委会 现在联系 3 户，超过每名信息员最多 2 户的规定" in words
    assert Household.objects.filter(info_officer=wang).count() == 3


def test_an_officer_of_another_village_is_refused(places, town_supervisor,
                                                  village_households, other_village_officer):
    with pytest.raises(Refused, match="不在平所村工作"):
        officers_assign(households=Household.objects.all(), officer=other_village_officer,
                        actor=town_supervisor)
    assert not Household.objects.filter(info_officer__isnull=False).exists()


def test_a_village_outside_the_place_is_not_found(client, places, village_households, wang):
    other_town = UserFactory(role="town", place=places["other_town"])
    client.force_login(other_town)
    assert client.get(PAGE, {"village": PINGSUO}).status_code == 404
    assert client.post(PAGE, {"village": PINGSUO, "group": "一组",
                              "officer": wang.pk}).status_code == 404
    assert not Household.objects.filter(info_officer=wang).exists()


def test_village_officers_do_not_assign(client, village_officer, village_households):
    client.force_login(village_officer)
    assert client.get(PAGE, {"village": PINGSUO}).status_code == 403
    with pytest.raises(Refused):
        officers_assign(households=Household.objects.all(), officer=village_officer,
                        actor=village_officer)


def test_taking_the_officer_away(client, town_supervisor, village_households, wang):
    post(client, town_supervisor, group="一组", officer=wang.pk)
    post(client, town_supervisor, group="一组", officer="none")
    assert not Household.objects.filter(info_officer__isnull=False).exists()
