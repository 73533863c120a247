"""Scope on every path: a user never sees a household outside their place (404)."""
from datetime import date

import pytest
from django.urls import reverse

from alerts.models import Alert
from households.models import Household, Place


def make_alert(household, channel):
    return Alert.objects.create(
        household=household, rule="DROPOUT", risk_type="因学", severity="high",
        channel=channel, raised_on=date(2026, 3, 1), last_seen_on=date(2026, 3, 1))


def visible(user):
    return set(Household.objects.visible_to(user).values_list("number", flat=True))


def test_a_village_officer_sees_only_their_village(
        village_officer, household_a, household_b, household_other_town):
    assert visible(village_officer) == {"HA001"}


def test_a_town_supervisor_sees_their_town(
        town_supervisor, household_a, household_b, household_other_town):
    assert visible(town_supervisor) == {"HA001", "HB001"}


def test_a_county_supervisor_sees_the_county(
        county_supervisor, household_a, household_b, household_other_town):
    assert visible(county_supervisor) == {"HA001", "HB001", "HZ001"}


def test_a_supervisor_of_another_county_sees_nothing_here(
        other_county_supervisor, household_a, household_b):
    assert visible(other_county_supervisor) == set()


def test_an_administrator_sees_everything(admin_user, household_a, household_other_town):
    assert visible(admin_user) == {"HA001", "HZ001"}


def test_department_staff_see_only_households_with_work_of_their_channel(
        education_staff, household_a, household_b):
    make_alert(household_a, "education")
    make_alert(household_b, "housing")
    assert visible(education_staff) == {"HA001"}
    assert set(Alert.objects.visible_to(education_staff).values_list("channel", flat=True)) == {
        "education"}


def test_an_inactive_user_sees_nothing(village_officer, household_a):
    village_officer.is_active = False
    assert visible(village_officer) == set()


def test_places_are_the_users_place_and_below(town_supervisor):
    codes = set(Place.objects.visible_to(town_supervisor).values_list("code", flat=True))
    assert codes == {"500241101", "500241101201", "500241101202"}


def test_alerts_follow_household_scope(village_officer, household_a, household_b):
    make_alert(household_a, "education")
    make_alert(household_b, "education")
    assert [a.household.number for a in Alert.objects.visible_to(village_officer)] == ["HA001"]


# Every path that shows a household, asked by someone outside its scope, answers 404.
HOUSEHOLD_PATHS = ["households:detail"]


@pytest.mark.parametrize("path", HOUSEHOLD_PATHS)
def test_a_household_of_another_village_is_404(client, village_officer, household_b, path):
    client.force_login(village_officer)
    assert client.get(reverse(path, args=[household_b.number])).status_code == 404


@pytest.mark.parametrize("path", HOUSEHOLD_PATHS)
def test_out_of_scope_and_missing_answer_the_same(client, village_officer, household_b, path):
    client.force_login(village_officer)
    outside = client.get(reverse(path, args=[household_b.number]))
    missing = client.get(reverse(path, args=["NO-SUCH-HOUSEHOLD"]))
    assert outside.status_code == missing.status_code == 404
    assert outside.content == missing.content


@pytest.mark.parametrize("path", HOUSEHOLD_PATHS)
def test_a_household_in_scope_is_shown(client, village_officer, household_a, path):
    client.force_login(village_officer)
    response = client.get(reverse(path, args=[household_a.number]))
    assert response.status_code == 200
    assert household_a.head_name in response.content.decode()


def test_a_department_user_gets_404_for_a_household_without_their_work(
        client, education_staff, household_a):
    client.force_login(education_staff)
    url = reverse("households:detail", args=[household_a.number])
    assert client.get(url).status_code == 404
    make_alert(household_a, "education")
    assert client.get(url).status_code == 200


def test_the_household_list_shows_only_the_scope(
        client, village_officer, household_a, household_b):
    client.force_login(village_officer)
    page = client.get(reverse("households:list")).content.decode()
    assert "HA001" in page and "HB001" not in page


def test_searching_does_not_reach_outside_the_scope(
        client, village_officer, household_a, household_b):
    client.force_login(village_officer)
    response = client.get(reverse("households:list"), {"q": "HB001"})
    assert list(response.context["page"]) == []


def test_pages_need_a_login(client, household_a):
    response = client.get(reverse("households:detail", args=[household_a.number]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_home_page_counts_only_the_scope(client, village_officer, household_a, household_b):
    client.force_login(village_officer)
    response = client.get(reverse("home"))
    assert response.context["household_count"] == 1
